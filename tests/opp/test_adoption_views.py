"""Setting the OPP (issue 7) through the screens: submitting, the adoption queue and review, adopting or sending
back, the archived PDF, the verification page, and what the parent sees in the portal afterwards.

Cast as in test_adoption.py (tests.factories.portal_world). Time stands still on 28 november 2026; the GPO's
six weeks then end on 9 januari 2027.
"""

import datetime
import hashlib
import zoneinfo
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from notifications.models import Notification
from opp import adoption, selectors
from opp import content as opp_content
from opp import services as opp_services
from opp.models import PlanVersion, ReturnedVersion
from tests.conftest import PASSWORD
from tests.factories import (
    PlanFactory,
    PlanVersionFactory,
    StudentFactory,
    complete_version,
    consent_given,
    fresh,
    ter_vaststelling,
)

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
NOW = datetime.datetime(2026, 11, 28, 10, 0, tzinfo=AMS)
TODAY = NOW.date()
LAST_DAY = "9 januari 2027"
NOT_AWAITING = "wacht niet (meer) op vaststelling"
WRONG_PASSWORD = "Het wachtwoord klopt niet. Er is niets vastgesteld."
PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63fcff9f"
    "a10f0004850180848a9a210000000049454e44ae426082")


pytestmark = pytest.mark.clock(NOW)


@pytest.fixture
def ready(world, personas):
    world.version_a = ter_vaststelling(world.version_a, by=personas.begeleider_a)
    return world


@pytest.fixture
def adopted(ready, personas):
    adoption.adopt(actor=personas.bestuurder_a, version=fresh(ready.version_a), password=PASSWORD)
    ready.version_a = fresh(ready.version_a)
    ready.pdf = (Path(django_settings.PRIVATE_MEDIA_ROOT) / ready.version_a.archived_pdf).read_bytes()
    return ready


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def html_of(response) -> str:
    return response.content.decode()


def review_url(version) -> str:
    return reverse("opp:adoption_review", args=[version.pk])


def adopt_post(client, version, password=PASSWORD, **kwargs):
    return client.post(review_url(version), {"action": "vaststellen", "password": password}, **kwargs)


def archived_files():
    root = Path(django_settings.PRIVATE_MEDIA_ROOT) / "archief"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def assert_not_adopted(version, state="ter_vaststelling"):
    row = fresh(version)
    assert row.state == state
    assert (row.adopted_at, row.adopted_by, row.adopted_hash, row.made_known_on) == (None, None, "", None)
    assert not Notification.objects.filter(kind="bekendmaking").exists()
    assert archived_files() == []


# --- Submitting ----------------------------------------------------------------------------------------------------


@pytest.fixture
def consented(world, personas):
    complete_version(world.version_a, by=personas.begeleider_a)
    consent_given(world.version_a, by=personas.begeleider_a)
    return world


def test_the_version_page_offers_submission_once_the_parents_consented(consented, personas):
    """After consent in the portal the version stays "instemming gevraagd" (not editable); the button must be there
    all the same (found by the browser journeys, issue 11)."""
    assert fresh(consented.version_a).state == "instemming_gevraagd"
    page = html_of(as_user(personas.begeleider_a).get(reverse("opp:version", args=[consented.version_a.pk])))
    assert reverse("opp:submit", args=[consented.version_a.pk]) in page and "Ter vaststelling aanbieden" in page
    readonly = html_of(as_user(personas.leerkracht_a).get(reverse("opp:version", args=[consented.version_a.pk])))
    assert "Ter vaststelling aanbieden" not in readonly


@pytest.mark.parametrize("who", ["begeleider_a", "schoolleider_a"])
def test_submit_from_the_version_page(consented, personas, who):
    url = reverse("opp:submit", args=[consented.version_a.pk])
    response = as_user(getattr(personas, who)).post(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("opp:version", args=[consented.version_a.pk])
    assert "Versie 1 is ter vaststelling aangeboden aan het bestuur." in html_of(response)
    row = fresh(consented.version_a)
    assert (row.state, row.submitted_by, row.submitted_at) == ("ter_vaststelling", getattr(personas, who), NOW)


def test_submit_with_a_blocking_finding_shows_why_and_changes_nothing(consented, personas):
    PlanVersion.objects.filter(pk=consented.version_a.pk).update(uitstroom_onderbouwing="")
    response = as_user(personas.begeleider_a).post(reverse("opp:submit", args=[consented.version_a.pk]), follow=True)
    assert response.status_code == 200
    assert "Deze versie heeft nog blokkerende bevindingen en kan niet ter vaststelling worden aangeboden." in html_of(
        response)
    assert (fresh(consented.version_a).state, fresh(consented.version_a).submitted_at) == ("instemming_gevraagd", None)


def test_submit_without_consent_shows_why(world, personas):
    complete_version(world.version_a, by=personas.begeleider_a)
    response = as_user(personas.begeleider_a).post(reverse("opp:submit", args=[world.version_a.pk]), follow=True)
    assert "De ouders hebben (nog) niet ingestemd met precies dit handelingsdeel." in html_of(response)
    assert fresh(world.version_a).state == "in_overleg"


@pytest.mark.parametrize("who, status", [("leerkracht_a", 403), ("bestuurder_a", 403), ("begeleider_b", 404),
                                         ("ouder_a", 404)])
def test_submit_by_someone_without_the_right_is_refused(consented, personas, who, status):
    user = getattr(personas, who, None) or getattr(consented, who)
    response = as_user(user).post(reverse("opp:submit", args=[consented.version_a.pk]))
    assert response.status_code == status
    assert (fresh(consented.version_a).state, fresh(consented.version_a).submitted_at) == ("instemming_gevraagd", None)


def test_submit_is_post_only_and_a_forged_id_is_404(consented, personas):
    client = as_user(personas.begeleider_a)
    assert client.get(reverse("opp:submit", args=[consented.version_a.pk])).status_code == 405
    assert client.post(reverse("opp:submit", args=[999_999])).status_code == 404
    assert fresh(consented.version_a).state == "instemming_gevraagd"


# --- The queue -------------------------------------------------------------------------------------------------------


@pytest.fixture
def queue(clock, org, personas):
    """Versions awaiting adoption at school A (two), A2 (one) and B (one), with different deadlines; plus
    some that do not wait: in overleg, and ter vaststelling on a withdrawn plan."""

    def waiting(school, first_name, due, *, plan_state="actief", state="ter_vaststelling"):
        student = StudentFactory(school=school, first_name=first_name, last_name="Wachter", opp_required=True,
                                 support_level="extra", opp_due_on=due)
        plan = PlanFactory(student=student, created_by=personas.begeleider_a, state=plan_state,
                           ended_on=None if plan_state == "actief" else TODAY)
        return PlanVersionFactory(plan=plan, state=state, with_actions=1, submitted_at=NOW,
                                  submitted_by=personas.begeleider_a)

    return {
        "a_late": waiting(org.school_a, "Anna", datetime.date(2026, 12, 10)),
        "a_early": waiting(org.school_a, "Abel", datetime.date(2026, 12, 1)),
        "a2": waiting(org.school_a2, "Aziz", datetime.date(2026, 11, 20)),
        "b": waiting(org.school_b, "Bente", datetime.date(2026, 11, 1)),
        "a_overleg": waiting(org.school_a, "Olaf", datetime.date(2026, 10, 1), state="in_overleg"),
        "a_withdrawn": waiting(org.school_a, "Ilse", datetime.date(2026, 10, 1), plan_state="ingetrokken"),
    }


def names_in_order(page: str, names) -> list[str]:
    found = [(page.index(f"{n} Wachter"), n) for n in names if f"{n} Wachter" in page]
    return [n for _pos, n in sorted(found)]


ALL = ["Anna", "Abel", "Aziz", "Bente", "Olaf", "Ilse"]


@pytest.mark.parametrize("who, expected", [
    ("bestuurder_a", ["Aziz", "Abel", "Anna"]),  # school A and A2, oldest deadline first
    ("schoolleider_mandaat_a", ["Abel", "Anna"]),  # school A only
    ("bestuurder_b", ["Bente"]),
])
def test_the_queue_lists_what_awaits_adoption_within_reach_oldest_deadline_first(queue, personas, who, expected):
    response = as_user(getattr(personas, who)).get(reverse("opp:adoption_queue"))
    assert response.status_code == 200
    page = html_of(response)
    assert names_in_order(page, ALL) == expected
    for key in ("a_late", "a_early", "a2", "b"):
        link = review_url(queue[key])
        assert (link in page) == (queue[key].plan.student.first_name in expected)


@pytest.mark.parametrize("who", ["begeleider_a", "schoolleider_a", "leerkracht_a", "commissie_a2", "geschillen_a",
                                 "beheerder_a", "outsider"])
def test_the_queue_is_closed_to_those_who_cannot_adopt(queue, personas, who):
    assert as_user(getattr(personas, who)).get(reverse("opp:adoption_queue")).status_code == 403


def test_the_queue_is_empty_when_nothing_waits(clock, personas):
    page = html_of(as_user(personas.bestuurder_a).get(reverse("opp:adoption_queue")))
    assert "Er wachten geen OPP&#x27;s op vaststelling." in page or "Er wachten geen OPP's op vaststelling." in page


@pytest.mark.parametrize("who, text", [
    ("bestuurder_a", "3 versies wachten op vaststelling."),
    ("schoolleider_mandaat_a", "2 versies wachten op vaststelling."),
    ("bestuurder_b", "1 versie wacht op vaststelling."),
])
def test_the_start_page_counts_what_awaits_adoption(queue, personas, who, text):
    page = html_of(as_user(getattr(personas, who)).get(reverse("staff_start")))
    assert "Ter vaststelling" in page
    assert text in page
    assert reverse("opp:adoption_queue") in page


def test_the_start_page_of_someone_without_the_mandate_has_no_adoption_panel(queue, personas):
    page = html_of(as_user(personas.schoolleider_a).get(reverse("staff_start")))
    assert "wachten op vaststelling" not in page and reverse("opp:adoption_queue") not in page


# --- The review page and adopting -----------------------------------------------------------------------------------


def test_the_review_page_shows_the_whole_version_the_findings_the_log_and_the_consent(ready, personas):
    response = as_user(personas.bestuurder_a).get(review_url(ready.version_a))
    assert response.status_code == 200
    page = html_of(response)
    for expected in ("OPP van Sanne Jansen – versie 1", "U stelt vast als bestuurder van Stichting A.",
                     "De ouders hebben ingestemd met precies dit handelingsdeel.", "Mirjam Jansen", "Pieter Jansen",
                     "Overeenstemming over het plan.", "Besproken: extra leestijd.", "Controle",
                     "uiterlijk vast te stellen op 13 oktober 2026", 'name="password"', "Terugsturen naar de school"):
        assert expected in page, expected
    for item in ready.version_a.actions.all():
        assert item.goal in page
    assert AuditEvent.objects.filter(action="view", object_type="opp.planversion", object_id=str(ready.version_a.pk),
                                     actor=personas.bestuurder_a, details__page="review").count() == 1


def test_the_review_page_names_the_mandate_of_the_schoolleider(ready, personas):
    page = html_of(as_user(personas.schoolleider_mandaat_a).get(review_url(ready.version_a)))
    assert "U stelt vast als schoolleider van School A, met mandaat van het bestuur." in page


def test_adopting_from_the_review_page(ready, personas):
    response = adopt_post(as_user(personas.bestuurder_a), ready.version_a, follow=True)
    assert response.redirect_chain[-1][0] == reverse("opp:adoption_queue")
    assert "Versie 1 is vastgesteld. De ouders zijn op de hoogte gebracht." in html_of(response)
    row = fresh(ready.version_a)
    assert (row.state, row.adopted_by, row.adopted_at, row.made_known_on) == (
        "vastgesteld", personas.bestuurder_a, NOW, TODAY)
    assert row.adopted_as == "bestuurder van Stichting A"
    assert row.adopted_hash == opp_content.version_hash(selectors.load_version(row.pk))
    assert [n.recipient for n in Notification.objects.filter(kind="bekendmaking")] == [ready.ouder_a]
    # The queue no longer lists it.
    assert review_url(row) not in html_of(as_user(personas.bestuurder_a).get(reverse("opp:adoption_queue")))


def test_the_schoolleider_with_mandate_adopts_from_the_review_page(ready, personas):
    assert adopt_post(as_user(personas.schoolleider_mandaat_a), ready.version_a).status_code == 302
    row = fresh(ready.version_a)
    assert (row.state, row.adopted_by) == ("vastgesteld", personas.schoolleider_mandaat_a)
    assert row.adopted_as == "schoolleider van School A, met mandaat van het bestuur"


def test_a_wrong_password_on_the_review_page_adopts_nothing(ready, personas):
    response = adopt_post(as_user(personas.bestuurder_a), ready.version_a, password="raden-maar")
    assert response.status_code == 200
    page = html_of(response)
    assert WRONG_PASSWORD in page
    assert "raden-maar" not in page  # the typed password is not echoed back
    assert_not_adopted(ready.version_a)


def test_an_empty_password_is_a_form_error(ready, personas):
    response = adopt_post(as_user(personas.bestuurder_a), ready.version_a, password="")
    assert response.status_code == 200 and "Dit veld is verplicht." in html_of(response)
    assert_not_adopted(ready.version_a)


@pytest.mark.parametrize("who, status", [
    ("bestuurder_b", 404),  # another board's member: the version does not exist for them
    ("schoolleider_a", 404),  # no mandate: the review page is outside reach (the code gives 404, not 403)
    ("begeleider_a", 404),
    ("leerkracht_a", 404),
    ("ouder_a", 404),
])
def test_without_the_mandate_the_review_page_and_its_actions_are_404(ready, personas, who, status):
    user = getattr(personas, who, None) or getattr(ready, who)
    client = as_user(user)
    assert client.get(review_url(ready.version_a)).status_code == status
    assert adopt_post(client, ready.version_a).status_code == status
    assert client.post(review_url(ready.version_a), {"action": "terugsturen", "reason": "Weg ermee"}).status_code == status
    assert_not_adopted(ready.version_a)
    assert not ReturnedVersion.objects.exists()


def test_a_forged_version_id_is_404(ready, personas):
    client = as_user(personas.bestuurder_a)
    for pk in (999_999, 0):
        assert client.get(reverse("opp:adoption_review", args=[pk])).status_code == 404
        assert client.post(reverse("opp:adoption_review", args=[pk]),
                           {"action": "vaststellen", "password": PASSWORD}).status_code == 404
        assert client.get(reverse("opp:archived_pdf", args=[pk])).status_code == 404
    assert client.get("/opp/vaststellen/abc/").status_code == 404
    assert_not_adopted(ready.version_a)


def test_an_unknown_action_is_404(ready, personas):
    response = as_user(personas.bestuurder_a).post(review_url(ready.version_a), {"action": "verwijderen"})
    assert response.status_code == 404
    assert_not_adopted(ready.version_a)


def test_adopting_an_adopted_version_again_says_so(adopted, personas):
    client = as_user(personas.schoolleider_mandaat_a)
    page = html_of(client.get(review_url(adopted.version_a)))
    assert "Deze versie wacht niet op vaststelling (status: Vastgesteld)." in page
    assert 'name="password"' not in page
    response = adopt_post(client, adopted.version_a)
    assert response.status_code == 200 and NOT_AWAITING in html_of(response)
    row = fresh(adopted.version_a)
    assert (row.adopted_by, row.adopted_at) == (personas.bestuurder_a, NOW)
    assert Notification.objects.filter(kind="bekendmaking").count() == 1


def test_adopting_a_withdrawn_plans_version_is_refused(ready, personas):
    opp_services.plan_withdraw(actor=personas.schoolleider_mandaat_a, plan=ready.version_a.plan, reason="Verhuisd.",
                               on_date=TODAY)
    response = adopt_post(as_user(personas.bestuurder_a), ready.version_a)
    assert response.status_code == 200
    assert "Dit OPP is beëindigd of ingetrokken." in html_of(response)
    assert_not_adopted(ready.version_a)


# --- Sending back ----------------------------------------------------------------------------------------------------


def test_send_back_needs_a_reason_on_the_page(ready, personas):
    response = as_user(personas.bestuurder_a).post(review_url(ready.version_a), {"action": "terugsturen", "reason": ""})
    assert response.status_code == 200 and "Dit veld is verplicht." in html_of(response)
    assert fresh(ready.version_a).state == "ter_vaststelling"
    assert not ReturnedVersion.objects.exists()


def test_send_back_from_the_review_page(ready, personas):
    response = as_user(personas.bestuurder_a).post(
        review_url(ready.version_a), {"action": "terugsturen", "reason": "Onderbouw het uitstroomprofiel."}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("opp:adoption_queue")
    assert "De versie is teruggestuurd naar de school." in html_of(response)
    row = ReturnedVersion.objects.get()
    assert (row.version_id, row.returned_by, row.reason) == (
        ready.version_a.pk, personas.bestuurder_a, "Onderbouw het uitstroomprofiel.")
    assert fresh(ready.version_a).state == "in_overleg"
    assert_not_adopted(ready.version_a, state="in_overleg")


# --- The archived PDF -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["bestuurder_a", "begeleider_a", "schoolleider_a"])
def test_the_archived_pdf_is_served_as_an_attachment_not_stored_and_audited(adopted, personas, who):
    user = getattr(personas, who)
    response = as_user(user).get(reverse("opp:archived_pdf", args=[adopted.version_a.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert "opp-SJ-v1-vastgesteld.pdf" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    body = b"".join(response.streaming_content)  # the test client closes the file once it is read
    assert body == adopted.pdf
    assert hashlib.sha256(body).hexdigest() == adopted.version_a.archived_pdf_hash
    assert AuditEvent.objects.filter(action="export", object_type="opp.planversion", object_id=str(adopted.version_a.pk),
                                     actor=user, details__archived=True).count() == 1


@pytest.mark.parametrize("who", ["bestuurder_b", "begeleider_b", "ouder_a", "outsider"])
def test_the_archived_pdf_is_404_outside_reach(adopted, personas, who):
    user = getattr(personas, who, None) or getattr(adopted, who)
    assert as_user(user).get(reverse("opp:archived_pdf", args=[adopted.version_a.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action="export").exists()


def test_a_version_without_an_archive_has_no_archived_pdf(ready, personas):
    assert as_user(personas.bestuurder_a).get(reverse("opp:archived_pdf", args=[ready.version_a.pk])).status_code == 404


# --- The verification page ---------------------------------------------------------------------------------------------


def verify_post(client, *, pdf=None, name="opp.pdf", content_type="application/pdf", version_hash=""):
    data = {"version_hash": version_hash}
    if pdf is not None:
        data["pdf"] = SimpleUploadedFile(name, pdf, content_type=content_type)
    return client.post(reverse("opp:verify"), data)


def match_text(version) -> str:
    return (f"Dit is versie {version.number} van het OPP van Sanne Jansen, vastgesteld op 28 november 2026 door "
            f"{version.adopted_by}")


def test_the_verify_page_recognises_the_archived_pdf(adopted, personas):
    response = verify_post(as_user(personas.begeleider_a), pdf=adopted.pdf)
    page = html_of(response)
    assert match_text(adopted.version_a) in page
    assert "(bestuurder van Stichting A)" in page
    assert reverse("opp:archived_pdf", args=[adopted.version_a.pk]) in page
    assert AuditEvent.objects.filter(action="view", actor=personas.begeleider_a, details__page="verify",
                                     details__match=True).count() == 1


@pytest.mark.parametrize("shape", ["as_is", "padded_uppercase"])
def test_the_verify_page_recognises_a_pasted_version_hash(adopted, personas, shape):
    value = adopted.version_a.adopted_hash
    if shape == "padded_uppercase":
        value = f"   {value.upper()}  "
    page = html_of(verify_post(as_user(personas.bestuurder_a), version_hash=value))
    assert match_text(adopted.version_a) in page and "Geen overeenkomst" not in page


def test_a_modified_pdf_is_no_match(adopted, personas):
    data = bytearray(adopted.pdf)
    data[len(data) // 2] ^= 0x01
    page = html_of(verify_post(as_user(personas.bestuurder_a), pdf=bytes(data)))
    assert "Geen overeenkomst" in page and "Dit is versie" not in page
    assert AuditEvent.objects.filter(action="view", details__page="verify", details__match=False).count() == 1


def test_another_boards_member_gets_no_match(adopted, personas):
    page = html_of(verify_post(as_user(personas.bestuurder_b), version_hash=adopted.version_a.adopted_hash))
    assert "Geen overeenkomst" in page and "Sanne" not in page


@pytest.mark.parametrize("upload, name, content_type, message", [
    (b"Dit is geen PDF maar platte tekst.\n", "opp.pdf", "application/pdf",
     "Alleen PDF, JPEG en PNG zijn toegestaan"),
    (PNG_1PX, "opp.png", "image/png", "Alleen een PDF-bestand kan worden gecontroleerd."),
    (b"%PDF-1.7\nafgebroken", "opp.pdf", "application/pdf", "Dit PDF-bestand is onvolledig of beschadigd."),
])
def test_the_verify_page_refuses_a_non_pdf_upload(adopted, personas, upload, name, content_type, message):
    response = verify_post(as_user(personas.bestuurder_a), pdf=upload, name=name, content_type=content_type)
    assert response.status_code == 200
    page = html_of(response)
    assert message in page
    assert "Geen overeenkomst" not in page and "Dit is versie" not in page


def test_the_verify_page_asks_for_a_file_or_a_hash(adopted, personas):
    page = html_of(verify_post(as_user(personas.bestuurder_a)))
    assert "Kies een PDF-bestand of plak een versiehash." in page


def test_the_verify_page_is_for_staff_only(adopted, personas):
    assert as_user(personas.leerkracht_a).get(reverse("opp:verify")).status_code == 200
    for user in (adopted.ouder_a, personas.outsider, personas.beheerder_a):
        assert as_user(user).get(reverse("opp:verify")).status_code == 403
        assert verify_post(as_user(user), version_hash=adopted.version_a.adopted_hash).status_code == 403


# --- What the parent sees (bekendmaking, withdrawal) -------------------------------------------------------------------


def test_the_portal_shows_the_gpo_notice_with_the_exact_last_day_and_the_pdf(adopted):
    page = html_of(as_user(adopted.ouder_a).get(reverse("portal:child", args=[adopted.sanne.pk])))
    assert "Het OPP is vastgesteld" in page
    assert "op 28 november 2026 aan u bekendgemaakt" in page
    assert f"tot en met {LAST_DAY}" in page
    for expected in ("Geschillencommissie passend onderwijs", "kosteloos", "geen advocaat"):
        assert expected in page
    assert reverse("portal:version_pdf", args=[adopted.version_a.pk]) in page
    mail = Notification.objects.get(kind="bekendmaking", recipient=adopted.ouder_a)
    assert f"tot en met {LAST_DAY}" in mail.body_text  # the same day in the mail and in the portal


def test_after_the_last_day_the_portal_says_the_gpo_term_has_passed(adopted, clock):
    """R-GPO-2: the day after the six weeks, "u kunt tot en met <that day>" would read as if the route were open."""
    clock.move_to(datetime.datetime(2027, 1, 9, 20, 0, tzinfo=AMS))  # the last day itself still counts
    assert f"kunt u <strong>tot en met {LAST_DAY}</strong>" in html_of(
        as_user(adopted.ouder_a).get(reverse("portal:child", args=[adopted.sanne.pk])))
    clock.move_to(datetime.datetime(2027, 1, 10, 9, 0, tzinfo=AMS))
    page = html_of(as_user(adopted.ouder_a).get(reverse("portal:child", args=[adopted.sanne.pk])))
    assert f"U kon tot en met {LAST_DAY} een geschil" in page and "die termijn is voorbij" in page
    assert "Dan kunt u" not in page


def test_the_adult_pupil_sees_the_notice_and_her_mother_sees_nothing(ready, personas):
    version = ter_vaststelling(ready.version_c, by=ready.begeleider_a2)
    adoption.adopt(actor=personas.bestuurder_a, version=version, password=PASSWORD)
    page = html_of(as_user(ready.leerling_c).get(reverse("portal:child", args=[ready.lotte.pk])))
    assert f"tot en met {LAST_DAY}" in page
    assert as_user(ready.ouder_c).get(reverse("portal:child", args=[ready.lotte.pk])).status_code == 404


def test_before_adoption_the_portal_shows_no_gpo_notice(ready):
    page = html_of(as_user(ready.ouder_a).get(reverse("portal:child", args=[ready.sanne.pk])))
    assert "tot en met" not in page


def test_withdrawal_is_shown_in_the_portal_without_the_gpo_route_r_gpo_6(adopted, personas, clock):
    """R-GPO-6 (GPO 108928): after a withdrawal the portal explains it and names the klachtenregeling, the
    onderwijsconsulenten and the SWV's ouder- en jeugdsteunpunt — not the Geschillencommissie and a last day."""
    clock.shift(datetime.timedelta(days=10))  # 8 december 2026
    response = as_user(personas.schoolleider_mandaat_a).post(
        reverse("opp:withdraw", args=[adopted.version_a.plan_id]),
        {"reason": "Sanne heeft geen extra ondersteuning meer nodig.", "on_date": "2026-12-08"})
    assert response.status_code == 302
    assert fresh(adopted.version_a.plan).state == "ingetrokken"

    mail = Notification.objects.get(kind="intrekking")
    assert mail.recipient == adopted.ouder_a and "tot en met" not in mail.body_text

    page = html_of(as_user(adopted.ouder_a).get(reverse("portal:child", args=[adopted.sanne.pk])))
    assert "Het OPP is ingetrokken" in page
    assert "op 8 december 2026 ingetrokken" in page
    assert "Dit besluit is op 8 december 2026 aan u bekendgemaakt." in page
    assert "Sanne heeft geen extra ondersteuning meer nodig." in page
    for expected in ("klachtenregeling", "onderwijsconsulenten", "ouder- en jeugdsteunpunt"):
        assert expected in page, expected
    assert "Geschillencommissie" not in page and "tot en met" not in page


def test_a_backdated_withdrawal_names_its_own_date_in_the_mail_and_the_portal(adopted, personas, clock):
    clock.shift(datetime.timedelta(days=10))  # 8 december 2026; the withdrawal is dated 5 december
    opp_services.plan_withdraw(actor=personas.schoolleider_mandaat_a, plan=adopted.version_a.plan,
                               reason="Geen extra ondersteuning meer nodig.", on_date=datetime.date(2026, 12, 5))
    mail = Notification.objects.get(kind="intrekking")
    page = html_of(as_user(adopted.ouder_a).get(reverse("portal:child", args=[adopted.sanne.pk])))
    assert "op 5 december 2026" in mail.body_text  # the mail names the date of the withdrawal
    assert "op 5 december 2026 ingetrokken" in page
    assert "Dit besluit is op 8 december 2026 aan u bekendgemaakt." in page  # told on the day it was recorded
    assert "tot en met" not in mail.body_text and "tot en met" not in page
