"""Setting the OPP (issue 7, parts 1–4 and 6): submission, the board's adoption or return, the archive and its
verification, bekendmaking and withdrawal notices — the services, with the database.

Cast (tests.factories.portal_world): Sanne Jansen (school A, bao; moeder ``ouder_a`` with gezag and an account,
vader with gezag but no account, stepfather ``stief_a`` without gezag) and the adult vso pupil Lotte Horizon
(school A2, ``leerling_c``, consents alone; her moeder ``ouder_c`` is not informed). Time stands still on
28 november 2026, so the GPO's six weeks end on 9 januari 2027 (R-GPO-2).
"""

import datetime
import hashlib
import zoneinfo
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from notifications.models import Notification
from opp import adoption, rules, selectors
from opp import content as opp_content
from opp import services as opp_services
from opp.models import ActionItem, FrozenVersionError, PlanVersion, ReturnedVersion
from tests.conftest import PASSWORD
from tests.factories import (
    ActionItemFactory,
    PlanFactory,
    PlanVersionFactory,
    StudentFactory,
    complete_version,
    consent_given,
    fresh,
    parent_of,
    revision_round,
    ter_vaststelling,
)

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
NOW = datetime.datetime(2026, 11, 28, 10, 0, tzinfo=AMS)
TODAY = NOW.date()
LAST_DAY = "9 januari 2027"  # 28 november 2026 + 42 days
NOT_AWAITING = "wacht niet (meer) op vaststelling"
WRONG_PASSWORD = "Het wachtwoord klopt niet. Er is niets vastgesteld."


pytestmark = pytest.mark.clock(NOW)


@pytest.fixture
def ready(world, personas):
    """Sanne's version 1: complete, consented (moeder in the portal, vader on paper), ter vaststelling."""
    world.version_a = ter_vaststelling(world.version_a, by=personas.begeleider_a)
    return world


def messages_of(exc_info) -> str:
    return " ".join(exc_info.value.messages)


def archived_files():
    root = Path(django_settings.PRIVATE_MEDIA_ROOT) / "archief"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def adopt(version, user, password=PASSWORD):
    return adoption.adopt(actor=user, version=fresh(version), password=password)


def transitions(version, to):
    return [e for e in AuditEvent.objects.filter(action="transition", object_type="opp.planversion",
                                                 object_id=str(version.pk)) if e.details.get("to") == to]


def assert_unchanged(version, state="ter_vaststelling"):
    row = fresh(version)
    assert row.state == state
    assert (row.adopted_at, row.adopted_by, row.adopted_hash, row.made_known_on, row.archived_pdf) == (
        None, None, "", None, "")
    assert not Notification.objects.filter(kind="bekendmaking").exists()
    assert archived_files() == []


# --- Submission (part 1) -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["begeleider_a", "schoolleider_a"])
def test_a_consented_version_without_blocking_findings_is_submitted(world, personas, who):
    version = complete_version(world.version_a, by=personas.begeleider_a)
    consent_given(version, by=personas.begeleider_a)
    user = getattr(personas, who)

    adoption.submit(actor=user, version=fresh(version))

    row = fresh(version)
    assert row.state == "ter_vaststelling"
    assert (row.submitted_at, row.submitted_by) == (NOW, user)
    assert len(transitions(version, "ter_vaststelling")) == 1


def test_submit_is_refused_with_a_blocking_finding(world, personas):
    version = complete_version(world.version_a, by=personas.begeleider_a)
    consent_given(version, by=personas.begeleider_a)
    PlanVersion.objects.filter(pk=version.pk).update(leerling_mening="")  # hoorrecht incomplete: blocks
    assert any(f.blocking for f in selectors.findings_for(fresh(version), today=TODAY))

    with pytest.raises(ValidationError) as exc:
        adoption.submit(actor=personas.begeleider_a, version=fresh(version))
    assert "heeft nog blokkerende bevindingen" in messages_of(exc)
    row = fresh(version)
    assert (row.state, row.submitted_at, row.submitted_by) == ("instemming_gevraagd", None, None)


@pytest.mark.parametrize("case", ["never_asked", "handelingsdeel_changed_after_consent"])
def test_submit_is_refused_without_consent_covering_the_handelingsdeel(world, personas, case):
    version = complete_version(world.version_a, by=personas.begeleider_a)
    state = "in_overleg"
    if case == "handelingsdeel_changed_after_consent":
        consent_given(version, by=personas.begeleider_a)
        ActionItem.objects.filter(version=version, position=1).update(goal="Een ander doel dan waarmee is ingestemd")
        state = "instemming_gevraagd"

    with pytest.raises(ValidationError) as exc:
        adoption.submit(actor=personas.begeleider_a, version=fresh(version))
    assert "niet ingestemd met precies dit handelingsdeel" in messages_of(exc)
    assert (fresh(version).state, fresh(version).submitted_at) == (state, None)


def test_submit_is_refused_from_concept(world, personas):
    version = complete_version(world.version_a, by=personas.begeleider_a)
    PlanVersion.objects.filter(pk=version.pk).update(state="concept")
    with pytest.raises(ValidationError) as exc:
        adoption.submit(actor=personas.begeleider_a, version=fresh(version))
    assert NOT_AWAITING in messages_of(exc) and "Concept" in messages_of(exc)
    assert (fresh(version).state, fresh(version).submitted_at) == ("concept", None)


def test_submit_is_refused_on_a_withdrawn_plan(world, personas):
    version = complete_version(world.version_a, by=personas.begeleider_a)
    consent_given(version, by=personas.begeleider_a)
    opp_services.plan_withdraw(actor=personas.schoolleider_mandaat_a, plan=version.plan, reason="Verhuisd.", on_date=TODAY)
    with pytest.raises(ValidationError) as exc:
        adoption.submit(actor=personas.begeleider_a, version=fresh(version))
    assert "Dit OPP is beëindigd of ingetrokken." in messages_of(exc)
    assert (fresh(version).state, fresh(version).submitted_at) == ("instemming_gevraagd", None)


@pytest.mark.parametrize("who", ["leerkracht_a", "begeleider_b", "bestuurder_a"])
def test_submit_needs_the_right_to_edit_at_that_school(world, personas, who):
    version = complete_version(world.version_a, by=personas.begeleider_a)
    consent_given(version, by=personas.begeleider_a)
    with pytest.raises(PermissionDenied):
        adoption.submit(actor=getattr(personas, who), version=fresh(version))
    assert (fresh(version).state, fresh(version).submitted_at) == ("instemming_gevraagd", None)


# --- Adoption (part 2) --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who, label, role", [
    ("bestuurder_a", "bestuurder van Stichting A", "bestuurder"),
    ("schoolleider_mandaat_a", "schoolleider van School A, met mandaat van het bestuur", "schoolleider"),
])
def test_adoption_records_who_under_which_mandate_when_and_the_version_hash(ready, personas, who, label, role):
    user = getattr(personas, who)
    adopt(ready.version_a, user)

    row = selectors.load_version(ready.version_a.pk)
    assert row.state == "vastgesteld"
    assert (row.adopted_by, row.adopted_at, row.adopted_as) == (user, NOW, label)
    assert row.adopted_hash == opp_content.version_hash(row)
    assert len(row.adopted_hash) == 64
    assert row.made_known_on == TODAY
    [event] = transitions(row, "vastgesteld")
    assert event.actor == user and event.details["mandate"] == role and event.details["superseded"] is None


@pytest.mark.parametrize("who", ["schoolleider_a", "bestuurder_b", "begeleider_a", "leerkracht_a", "commissie_a2"])
def test_without_the_mandate_for_that_school_nothing_is_adopted(ready, personas, who):
    with pytest.raises(PermissionDenied):
        adopt(ready.version_a, getattr(personas, who))
    assert_unchanged(ready.version_a)
    assert transitions(ready.version_a, "vastgesteld") == []


def test_the_mandate_of_school_a_does_not_reach_school_a2(ready, personas):
    version = ter_vaststelling(ready.version_c, by=ready.begeleider_a2)
    with pytest.raises(PermissionDenied):
        adopt(version, personas.schoolleider_mandaat_a)
    assert fresh(version).state == "ter_vaststelling"


@pytest.mark.parametrize("password", ["verkeerd-wachtwoord", "", None])
def test_a_wrong_password_adopts_nothing(ready, personas, password):
    with pytest.raises(ValidationError) as exc:
        adopt(ready.version_a, personas.bestuurder_a, password=password)
    assert exc.value.message_dict == {"password": [WRONG_PASSWORD]}
    assert_unchanged(ready.version_a)


def test_the_adopted_version_is_frozen(ready, personas):
    adopt(ready.version_a, personas.bestuurder_a)
    version = fresh(ready.version_a)
    before = opp_content.version_hash(selectors.load_version(version.pk))

    version.uitstroom_onderbouwing = "Achteraf gewijzigd"
    with pytest.raises(FrozenVersionError):
        version.save()
    with pytest.raises(FrozenVersionError):
        PlanVersion.objects.filter(pk=version.pk).update(uitstroom_onderbouwing="Achteraf gewijzigd")
    with pytest.raises(FrozenVersionError):
        ActionItemFactory(version=version, position=9)
    with pytest.raises(FrozenVersionError):
        ActionItem.objects.filter(version=version).update(goal="Achteraf gewijzigd")
    with pytest.raises(FrozenVersionError):
        fresh(version).delete()
    with pytest.raises(ValidationError) as exc:
        opp_services.version_save_section(actor=personas.begeleider_a, version=fresh(version), section="hoorrecht",
                                          revision=0, data={"leerling_mening": "Achteraf gewijzigd"})
    assert "kan niet meer worden gewijzigd" in messages_of(exc)

    row = selectors.load_version(version.pk)
    assert opp_content.version_hash(row) == before == row.adopted_hash
    assert row.state == "vastgesteld"


def test_a_revision_supersedes_the_previous_adopted_version(ready, personas, clock):
    adopt(ready.version_a, personas.bestuurder_a)
    v1 = fresh(ready.version_a)
    clock.shift(datetime.timedelta(days=30))

    v2 = opp_services.revision_start(actor=personas.begeleider_a, plan=v1.plan)
    assert (v2.number, v2.based_on_id, v2.state) == (2, v1.pk, "concept")
    opp_services.version_to_overleg(actor=personas.begeleider_a, version=v2)
    # The handelingsdeel is unchanged: the consent given for version 1 carries over (R-CONSENT-7).
    covering = adoption.covering_request(fresh(v2))
    assert covering is not None and covering.version_id == v1.pk
    # But the revision needs a consultation and the pupil's view of its own (R-CONSENT-7, R-CONTENT-10).
    with pytest.raises(ValidationError):
        adoption.submit(actor=personas.begeleider_a, version=fresh(v2))
    revision_round(v2, by=personas.begeleider_a)
    adoption.submit(actor=personas.begeleider_a, version=fresh(v2))
    adopt(v2, personas.schoolleider_mandaat_a)

    v1, v2 = fresh(v1), fresh(v2)
    assert (v1.state, v2.state) == ("vervangen", "vastgesteld")
    assert v1.superseded_at == NOW + datetime.timedelta(days=30)
    assert v2.adopted_by == personas.schoolleider_mandaat_a
    assert v2.adopted_hash == opp_content.version_hash(selectors.load_version(v2.pk)) != v1.adopted_hash
    assert v2.made_known_on == TODAY + datetime.timedelta(days=30)
    # Version 1 kept what it was adopted with.
    assert (v1.adopted_by, v1.adopted_at, v1.made_known_on) == (personas.bestuurder_a, NOW, TODAY)
    assert list(v1.plan.versions.filter(state="vastgesteld")) == [v2]
    assert transitions(v2, "vastgesteld")[0].details["superseded"] == v1.pk
    assert len(archived_files()) == 2


def test_a_changed_handelingsdeel_in_a_revision_needs_consent_again(ready, personas):
    adopt(ready.version_a, personas.bestuurder_a)
    v2 = opp_services.revision_start(actor=personas.begeleider_a, plan=fresh(ready.version_a).plan)
    opp_services.version_to_overleg(actor=personas.begeleider_a, version=v2)
    ActionItem.objects.filter(version=v2, position=1).update(goal="Leest AVI E6 vloeiend")
    with pytest.raises(ValidationError) as exc:
        adoption.submit(actor=personas.begeleider_a, version=fresh(v2))
    assert "niet ingestemd met precies dit handelingsdeel" in messages_of(exc)
    assert fresh(v2).state == "in_overleg"


def test_an_adopted_version_cannot_be_adopted_again(ready, personas, clock):
    adopt(ready.version_a, personas.bestuurder_a)
    before = fresh(ready.version_a)
    mails = Notification.objects.count()
    clock.shift(datetime.timedelta(days=1))
    with pytest.raises(ValidationError) as exc:
        adopt(ready.version_a, personas.schoolleider_mandaat_a)
    assert NOT_AWAITING in messages_of(exc) and "Vastgesteld" in messages_of(exc)
    after = fresh(ready.version_a)
    assert (after.adopted_by, after.adopted_at, after.made_known_on, after.archived_pdf_hash) == (
        before.adopted_by, before.adopted_at, before.made_known_on, before.archived_pdf_hash)
    assert Notification.objects.count() == mails
    assert len(transitions(ready.version_a, "vastgesteld")) == 1
    assert len(archived_files()) == 1


def test_a_withdrawn_plans_version_cannot_be_adopted(ready, personas):
    opp_services.plan_withdraw(actor=personas.schoolleider_mandaat_a, plan=ready.version_a.plan, reason="Verhuisd.",
                               on_date=TODAY)
    with pytest.raises(ValidationError) as exc:
        adopt(ready.version_a, personas.bestuurder_a)
    assert "Dit OPP is beëindigd of ingetrokken." in messages_of(exc)
    assert_unchanged(ready.version_a)


def test_a_version_with_no_consent_any_more_is_not_adopted(ready, personas):
    # Defence in depth: the handelingsdeel changed underneath a submitted version.
    ActionItem.objects.filter(version=ready.version_a, position=1).update(goal="Ongevraagd gewijzigd")
    with pytest.raises(ValidationError) as exc:
        adopt(ready.version_a, personas.bestuurder_a)
    assert "niet ingestemd met precies dit handelingsdeel" in messages_of(exc)
    assert_unchanged(ready.version_a)


# --- Sending back ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   \n ", None])
def test_send_back_needs_a_reason(ready, personas, reason):
    with pytest.raises(ValidationError) as exc:
        adoption.send_back(actor=personas.bestuurder_a, version=fresh(ready.version_a), reason=reason)
    assert exc.value.message_dict == {"reason": ["Geef aan waarom de versie wordt teruggestuurd."]}
    assert fresh(ready.version_a).state == "ter_vaststelling"
    assert not ReturnedVersion.objects.exists()


def test_send_back_returns_the_version_to_in_overleg_with_the_reason(ready, personas):
    returned = adoption.send_back(actor=personas.schoolleider_mandaat_a, version=fresh(ready.version_a),
                                  reason="  Het uitstroomprofiel is niet onderbouwd met toetsgegevens.  ")
    row = ReturnedVersion.objects.get()
    assert row == returned
    assert (row.version_id, row.returned_by, row.returned_at) == (
        ready.version_a.pk, personas.schoolleider_mandaat_a, NOW)
    assert row.reason == "Het uitstroomprofiel is niet onderbouwd met toetsgegevens."
    assert fresh(ready.version_a).state == "in_overleg"
    assert len(transitions(ready.version_a, "in_overleg")) == 1
    assert_unchanged(ready.version_a, state="in_overleg")


@pytest.mark.parametrize("who", ["schoolleider_a", "bestuurder_b", "begeleider_a"])
def test_send_back_needs_the_mandate(ready, personas, who):
    with pytest.raises(PermissionDenied):
        adoption.send_back(actor=getattr(personas, who), version=fresh(ready.version_a), reason="Niet goed.")
    assert fresh(ready.version_a).state == "ter_vaststelling"
    assert not ReturnedVersion.objects.exists()


def test_an_adopted_version_cannot_be_sent_back(ready, personas):
    adopt(ready.version_a, personas.bestuurder_a)
    with pytest.raises(ValidationError) as exc:
        adoption.send_back(actor=personas.bestuurder_a, version=fresh(ready.version_a), reason="Toch niet.")
    assert NOT_AWAITING in messages_of(exc)
    assert fresh(ready.version_a).state == "vastgesteld"
    assert not ReturnedVersion.objects.exists()


# --- The archive and verification (parts 2, 6) ---------------------------------------------------------------------


def test_the_pdf_is_archived_outside_the_web_root_with_its_hash(ready, personas, private):
    adopt(ready.version_a, personas.bestuurder_a)
    row = fresh(ready.version_a)

    path = Path(private) / row.archived_pdf
    assert not Path(row.archived_pdf).is_absolute()
    assert path.resolve().is_relative_to(Path(private).resolve())
    assert archived_files() == [path]
    data = path.read_bytes()
    assert data.startswith(b"%PDF")
    assert hashlib.sha256(data).hexdigest() == row.archived_pdf_hash
    assert path.stat().st_mode & 0o777 == 0o600
    assert f"v{row.number}" in path.name


@pytest.fixture
def adopted(ready, personas):
    adopt(ready.version_a, personas.bestuurder_a)
    ready.version_a = fresh(ready.version_a)
    ready.pdf = (Path(django_settings.PRIVATE_MEDIA_ROOT) / ready.version_a.archived_pdf).read_bytes()
    return ready


@pytest.fixture
def board_b_version(org, personas):
    """An adopted version of school B (board B), with an archived-PDF hash of its own."""
    student = StudentFactory(school=org.school_b, first_name="Bo", last_name="Bakker", opp_required=True,
                             support_level="extra")
    plan = PlanFactory(student=student, created_by=personas.begeleider_b)
    fake_pdf = b"%PDF-1.7\nBoard B archive\n%%EOF\n"
    version = PlanVersionFactory(plan=plan, with_actions=1, archived_pdf_hash=hashlib.sha256(fake_pdf).hexdigest(),
                                 adopted=True, adopted__by=personas.bestuurder_b)
    version.fake_pdf = fake_pdf
    return version


def test_verify_finds_the_version_by_the_archived_files_bytes(adopted, personas):
    for who in ("bestuurder_a", "begeleider_a", "schoolleider_a", "leerkracht_a"):
        assert adoption.verify(user=getattr(personas, who), pdf_bytes=adopted.pdf) == adopted.version_a, who


@pytest.mark.parametrize("shape", ["as_is", "whitespace", "uppercase", "both"])
def test_verify_finds_the_version_by_the_pasted_version_hash(adopted, personas, shape):
    value = adopted.version_a.adopted_hash
    value = {"as_is": value, "whitespace": f"  {value}\n", "uppercase": value.upper(),
             "both": f"\t{value.upper()}  \r\n"}[shape]
    assert adoption.verify(user=personas.bestuurder_a, version_hash=value) == adopted.version_a


def test_a_modified_pdf_matches_nothing(adopted, personas):
    data = bytearray(adopted.pdf)
    middle = len(data) // 2
    data[middle] = (data[middle] + 1) % 256
    assert bytes(data) != adopted.pdf
    assert adoption.verify(user=personas.bestuurder_a, pdf_bytes=bytes(data)) is None


@pytest.mark.parametrize("value", ["", "   ", "abc", "z" * 64, "0" * 64, "0" * 63, "0" * 65])
def test_verify_of_a_malformed_or_unknown_hash_is_none(adopted, personas, value):
    assert adoption.verify(user=personas.bestuurder_a, version_hash=value) is None


def test_a_version_that_is_not_adopted_is_not_verified(ready, personas):
    assert adoption.verify(user=personas.bestuurder_a,
                           version_hash=opp_content.version_hash(selectors.load_version(ready.version_a.pk))) is None


def test_verify_keeps_to_need_to_know(adopted, personas, board_b_version):
    # Another board's adopted version: not found for board A, by hash or by file ...
    assert adoption.verify(user=personas.bestuurder_a, version_hash=board_b_version.adopted_hash) is None
    assert adoption.verify(user=personas.bestuurder_a, pdf_bytes=board_b_version.fake_pdf) is None
    # ... but it is there for its own board, which in turn does not find board A's.
    assert adoption.verify(user=personas.bestuurder_b, version_hash=board_b_version.adopted_hash) == board_b_version
    assert adoption.verify(user=personas.bestuurder_b, pdf_bytes=board_b_version.fake_pdf) == board_b_version
    assert adoption.verify(user=personas.bestuurder_b, version_hash=adopted.version_a.adopted_hash) is None
    assert adoption.verify(user=personas.begeleider_b, pdf_bytes=adopted.pdf) is None
    # A parent or an outsider verifies nothing.
    assert adoption.verify(user=adopted.ouder_a, pdf_bytes=adopted.pdf) is None
    assert adoption.verify(user=personas.outsider, version_hash=adopted.version_a.adopted_hash) is None


def test_a_superseded_version_is_still_verified(adopted, personas):
    v2 = opp_services.revision_start(actor=personas.begeleider_a, plan=adopted.version_a.plan)
    opp_services.version_to_overleg(actor=personas.begeleider_a, version=v2)
    revision_round(v2, by=personas.begeleider_a)
    adoption.submit(actor=personas.begeleider_a, version=fresh(v2))
    adopt(v2, personas.bestuurder_a)
    found = adoption.verify(user=personas.bestuurder_a, pdf_bytes=adopted.pdf)
    assert found == adopted.version_a and found.state == "vervangen"


# --- Bekendmaking and withdrawal (parts 3, 4; R-GPO-2, R-GPO-7, R-TIME-4) ---------------------------------------


def bodies(n: Notification) -> str:
    return "\n".join((n.subject_line, n.body_text, n.body_html))


def test_every_guardian_with_gezag_and_an_account_is_told_with_the_exact_last_day(ready, personas):
    # A second guardian with gezag registered after the consent: told all the same.
    tweede = parent_of(ready.sanne, name="Joke Jansen", username="ouder_a2")
    parent_of(ready.sanne, name="Oma Jansen", username="oma_a", has_gezag=False)
    adopt(ready.version_a, personas.bestuurder_a)

    mails = list(Notification.objects.filter(kind="bekendmaking"))
    assert sorted(m.recipient.username for m in mails) == sorted([ready.ouder_a.username, tweede.user.username])
    for mail in mails:
        text = bodies(mail)
        assert mail.subject_line == "Het OPP van Sanne is vastgesteld"
        assert (mail.subject_type, mail.subject_id, mail.school) == (
            "opp.planversion", str(ready.version_a.pk), ready.sanne.school)
        assert f"tot en met {LAST_DAY}" in text
        assert "op 28 november 2026" in text
        for expected in ("Geschillencommissie passend onderwijs", "kosteloos", "geen advocaat", "Sanne", "School A"):
            assert expected in text, expected
        # Only the child's first name; nothing of the plan.
        assert "Jansen" not in text
        for item in ready.version_a.actions.all():
            assert item.goal not in text
    assert not Notification.objects.filter(kind="bekendmaking", recipient__username__in=["stief_a", "oma_a",
                                                                                         "ouder_b"]).exists()


def test_the_last_day_is_six_weeks_after_it_was_made_known():
    assert rules.gpo_last_day(datetime.date(2026, 11, 28)) == datetime.date(2027, 1, 9)
    assert rules.gpo_last_day(datetime.date(2027, 2, 1)) == datetime.date(2027, 3, 15)
    assert rules.gpo_last_day(datetime.date(2028, 1, 20)) == datetime.date(2028, 3, 2)  # leap year


def test_an_adult_pupil_who_consents_alone_is_told_and_her_parents_are_not(ready, personas):
    version = ter_vaststelling(ready.version_c, by=ready.begeleider_a2)
    adopt(version, personas.bestuurder_a)

    [mail] = Notification.objects.filter(kind="bekendmaking")
    assert mail.recipient == ready.leerling_c
    assert "Lotte" in bodies(mail) and f"tot en met {LAST_DAY}" in bodies(mail) and "Horizon" not in bodies(mail)
    assert not Notification.objects.filter(recipient=ready.ouder_c).exists()


def test_an_adult_pupil_without_a_portal_account_does_not_make_her_parents_told(ready, personas):
    """R-TIME-4: her parents are told only with her permission, account or not (was a bug in
    adoption._parents_to_notify: without a pupil account the parents were told)."""
    ready.lotte.portal_user = None
    ready.lotte.save()
    version = ter_vaststelling(ready.version_c, by=ready.begeleider_a2)  # she consents on paper
    adopt(version, personas.bestuurder_a)
    assert fresh(version).state == "vastgesteld"
    assert not Notification.objects.filter(kind="bekendmaking").exists()


def test_when_the_adult_pupil_allows_it_her_parents_are_told_too(ready, personas):
    ready.lotte.parents_informed = True
    ready.lotte.save()
    version = ter_vaststelling(ready.version_c, by=ready.begeleider_a2)
    adopt(version, personas.bestuurder_a)
    assert sorted(n.recipient.username for n in Notification.objects.filter(kind="bekendmaking")) == [
        "leerling_c", "ouder_c"]


def test_withdrawal_is_made_known_without_the_gpo_route_r_gpo_6(adopted, personas, clock):
    """R-SET-5, R-GPO-6 (GPO 108928: a request about a withdrawn OPP is niet-ontvankelijk): the parents are told,
    with what withdrawal means and where they can go instead — not sent to the commission with a last day."""
    clock.shift(datetime.timedelta(days=10))  # 8 december 2026
    opp_services.plan_withdraw(actor=personas.schoolleider_mandaat_a, plan=adopted.version_a.plan,
                               reason="De leerling heeft geen extra ondersteuning meer nodig.",
                               on_date=TODAY + datetime.timedelta(days=10))

    [mail] = Notification.objects.filter(kind="intrekking")
    text = bodies(mail)
    assert mail.recipient == adopted.ouder_a
    assert (mail.subject_type, mail.subject_id) == ("opp.plan", str(adopted.version_a.plan_id))
    assert mail.subject_line == "Het OPP van Sanne is ingetrokken"
    assert "op 8 december 2026" in text and "ingetrokken" in text
    assert "gebruiken dit OPP niet meer" in text
    for expected in ("klachtenregeling", "onderwijsconsulenten", "ouder- en jeugdsteunpunt"):
        assert expected in text, expected
    for absent in ("Geschillencommissie", "geschil", "tot en met"):
        assert absent not in text, absent
    assert "Jansen" not in text
    # The adopted version stays on record as it was.
    assert fresh(adopted.version_a).state == "vastgesteld"


def test_withdrawal_by_a_leerkracht_is_refused_and_nobody_is_told(adopted, personas):
    with pytest.raises(PermissionDenied):
        opp_services.plan_withdraw(actor=personas.leerkracht_a, plan=adopted.version_a.plan, reason="x", on_date=TODAY)
    assert not Notification.objects.filter(kind="intrekking").exists()
