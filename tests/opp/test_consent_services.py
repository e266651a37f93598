"""Consent on the handelingsdeel (issue 6; R-CONSENT-4, 5, 7; R-TIME-2, 4): the services, with the database.

Sanne Jansen's handelingsdeel needs the consent of her moeder (portal account) and vader (no account, so
on paper); her stepfather has no gezag. Time is frozen on the day the school asks.
"""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEvent
from deadlines import registry
from deadlines import services as deadline_services
from notifications.models import Notification
from opp import consent_services as cs
from opp import content as opp_content
from opp import selectors
from opp import services as opp_services
from opp.models import ActionItem, ConsentAnswer, ConsentRequest, PlanVersion
from tests.factories import fresh, parent_of
from tests.pdfs import MINIMAL_PDF

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
NOW = datetime.datetime(2026, 9, 25, 10, 0, tzinfo=AMS)
TODAY = NOW.date()
IP = "198.51.100.23"
PDF = MINIMAL_PDF  # a real PDF: the upload check parses every PDF (issue 16)
NOT_COVERED = "dekt de huidige tekst niet meer"


pytestmark = pytest.mark.clock(NOW)


def send(personas, version):
    return cs.request_send(actor=personas.begeleider_a, version=version)


def portal_answer(req, user, guardian, answer="ja", *, explanation="", ip=IP, kind="guardian"):
    return cs.answer_in_portal(user=user, request=req, party_kind=kind, party_id=guardian.pk, answer=answer,
                               explanation=explanation, ip=ip)


def paper_answer(personas, req, guardian, answer="ja", *, signed_on=TODAY, scan=None):
    scan = scan or SimpleUploadedFile("Scan handtekening Jansen.pdf", PDF, content_type="application/pdf")
    return cs.answer_on_paper(actor=personas.begeleider_a, request=req, party_kind="guardian", party_id=guardian.pk,
                              answer=answer, explanation="", signed_on=signed_on, scan_upload=scan)


def messages_of(exc_info) -> str:
    return " ".join(exc_info.value.messages)


def codes(version):
    return {f.code: f for f in selectors.findings_for(fresh(version), today=TODAY)}


def stored_files(root):
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- Sending a request ------------------------------------------------------------------------------------


def test_request_freezes_the_handelingsdeel_and_the_parties_and_mails_only_parents_with_an_account(world, personas):
    req = send(personas, world.version_a)

    assert fresh(world.version_a).state == "instemming_gevraagd"
    assert req.state == "open" and req.requested_by == personas.begeleider_a
    assert req.handelingsdeel_hash == opp_content.handelingsdeel_hash(fresh(world.version_a))
    assert [(p["kind"], p["id"], p["name"]) for p in req.parties] == [
        ("guardian", world.moeder.pk, "Mirjam Jansen"), ("guardian", world.vader.pk, "Pieter Jansen")]  # not the stepfather

    # A guardian registered afterwards does not change who was asked.
    parent_of(world.sanne, name="Nieuwe Voogd", username="voogd_a")
    assert fresh(req).parties == req.parties

    mails = list(Notification.objects.filter(kind="consent_request"))
    assert [m.recipient for m in mails] == [world.ouder_a]  # vader has no account; the stepfather is no party
    body = mails[0].subject_line + mails[0].body_text + mails[0].body_html
    assert "Sanne" in body
    assert "Jansen" not in body  # the child's first name at most
    assert world.version_a.actions.first().goal not in body  # nothing of the plan
    assert AuditEvent.objects.filter(action="create", object_type="opp.consentrequest", object_id=str(req.pk)).exists()


def test_request_only_from_in_overleg(world, personas):
    PlanVersion.objects.filter(pk=world.version_a.pk).update(state="concept")
    with pytest.raises(ValidationError) as exc:
        send(personas, world.version_a)
    assert "alleen voor een versie die in overleg is" in messages_of(exc)
    assert not ConsentRequest.objects.exists()
    assert fresh(world.version_a).state == "concept"


def test_request_refused_for_an_empty_handelingsdeel(world, personas):
    ActionItem.objects.filter(version=world.version_a).delete()
    with pytest.raises(ValidationError) as exc:
        send(personas, world.version_a)
    assert "Het handelingsdeel is leeg" in messages_of(exc)
    assert not ConsentRequest.objects.exists()
    assert not Notification.objects.filter(kind="consent_request").exists()


def test_a_leerkracht_cannot_ask(world, personas):
    with pytest.raises(PermissionDenied):
        cs.request_send(actor=personas.leerkracht_a, version=world.version_a)
    assert not ConsentRequest.objects.exists()


# --- Answering in the portal ---------------------------------------------------------------------------------


def test_a_portal_answer_records_who_when_hash_address_and_channel(world, personas, clock):
    req = send(personas, world.version_a)
    clock.shift(datetime.timedelta(hours=3))
    row = portal_answer(req, world.ouder_a, world.moeder, explanation="  Goed plan.  ")

    row = ConsentAnswer.objects.get(pk=row.pk)
    assert (row.user, row.guardian, row.pupil, row.party_name) == (world.ouder_a, world.moeder, None, "Mirjam Jansen")
    assert row.answered_at == NOW + datetime.timedelta(hours=3)
    assert row.handelingsdeel_hash == req.handelingsdeel_hash == opp_content.handelingsdeel_hash(fresh(world.version_a))
    assert (row.ip_address, row.channel, row.answer, row.explanation) == (IP, "portaal", "ja", "Goed plan.")
    assert row.recorded_by is None and row.scan == ""
    assert AuditEvent.objects.filter(action="create", object_type="opp.consentanswer", object_id=str(row.pk),
                                     actor=world.ouder_a).count() == 1
    assert fresh(req).state == "open"  # vader has not answered yet


@pytest.mark.parametrize("forgery", ["other_guardian", "not_a_party", "other_family", "no_gezag", "pupil_kind"])
def test_a_forged_party_is_refused_and_nothing_is_recorded(world, personas, forgery):
    req = send(personas, world.version_a)
    user, party, kind = {
        "other_guardian": (world.ouder_a, world.vader, "guardian"),  # moeder answers for vader
        "not_a_party": (world.ouder_a, world.vader_b, "guardian"),  # a guardian of another pupil
        "other_family": (world.ouder_b, world.moeder, "guardian"),  # another pupil's parent answers for moeder
        "no_gezag": (world.stief_a, world.stief, "guardian"),  # linked, but without gezag
        "pupil_kind": (world.ouder_a, world.sanne, "pupil"),  # the pupil herself is no party here
    }[forgery]
    with pytest.raises(PermissionDenied):
        portal_answer(req, user, party, kind=kind)
    assert not ConsentAnswer.objects.exists()
    assert fresh(req).state == "open"


def test_double_submit_two_tabs_is_refused_with_already_answered(world, personas):
    req = send(personas, world.version_a)
    portal_answer(req, world.ouder_a, world.moeder, "ja")
    with pytest.raises(ValidationError) as exc:
        portal_answer(req, world.ouder_a, world.moeder, "nee")
    assert "al beantwoord" in messages_of(exc)
    assert ConsentAnswer.objects.filter(guardian=world.moeder).count() == 1
    assert ConsentAnswer.objects.get(guardian=world.moeder).answer == "ja"
    assert fresh(req).state == "open"


def test_double_submit_when_the_first_answer_closed_the_request_still_says_already_answered(world, personas):
    # Bram has one guardian with gezag: the first click closes the request; the second tab must not
    # tell the parent something about the request's state but that they already answered.
    req = send(personas, world.version_b)
    portal_answer(req, world.ouder_b, world.vader_b, "ja")
    with pytest.raises(ValidationError) as exc:
        portal_answer(req, world.ouder_b, world.vader_b, "ja")
    assert "al beantwoord" in messages_of(exc)
    assert ConsentAnswer.objects.count() == 1


def test_answer_after_the_request_was_withdrawn_is_refused(world, personas):
    req = send(personas, world.version_a)
    cs.request_withdraw(actor=personas.begeleider_a, request=req)
    assert fresh(world.version_a).state == "in_overleg"
    with pytest.raises(ValidationError) as exc:
        portal_answer(req, world.ouder_a, world.moeder)
    assert "niet meer open" in messages_of(exc)
    assert not ConsentAnswer.objects.exists()


def test_answer_on_a_superseded_version_is_refused(world, personas):
    req = send(personas, world.version_a)
    PlanVersion.objects.filter(pk=world.version_a.pk).update(
        state="vervangen", adopted_at=NOW, adopted_by=personas.begeleider_a, superseded_at=NOW)
    with pytest.raises(ValidationError) as exc:
        portal_answer(req, world.ouder_a, world.moeder)
    assert "wacht niet (meer) op instemming" in messages_of(exc)
    assert not ConsentAnswer.objects.exists()


def _change_handelingsdeel(version, goal):
    """What the services never allow while consent is asked, forced: back to overleg, edit, back again."""
    PlanVersion.objects.filter(pk=version.pk).update(state="in_overleg")
    item = version.actions.order_by("position").first()
    item.goal = goal
    item.save()
    PlanVersion.objects.filter(pk=version.pk).update(state="instemming_gevraagd")


def test_a_changed_handelingsdeel_is_no_longer_covered_by_the_open_request(world, personas):
    req = send(personas, world.version_a)
    portal_answer(req, world.ouder_a, world.moeder, "ja")
    _change_handelingsdeel(world.version_a, "Leest AVI M5 vloeiend (gewijzigd)")

    status = cs.status(fresh(world.version_a))
    assert status["stale"] is True and status["covers"] is False
    with pytest.raises(ValidationError) as exc:
        paper_answer(personas, req, world.vader)
    assert NOT_COVERED in messages_of(exc)
    assert ConsentAnswer.objects.count() == 1  # only the earlier answer
    assert "consent_stale" in codes(world.version_a)


def test_only_outer_whitespace_and_line_endings_do_not_make_the_request_stale(world, personas):
    req = send(personas, world.version_a)
    goal = world.version_a.actions.order_by("position").first().goal
    _change_handelingsdeel(world.version_a, f"  {goal}\r\n")
    assert cs.status(fresh(world.version_a))["stale"] is False
    portal_answer(req, world.ouder_a, world.moeder, "ja")
    assert ConsentAnswer.objects.count() == 1


# --- Outcome ---------------------------------------------------------------------------------------------------


def test_all_required_parties_yes_gives_consent(world, personas, private):
    req = send(personas, world.version_a)
    portal_answer(req, world.ouder_a, world.moeder, "ja")
    assert not cs.status(fresh(world.version_a))["covers"]
    paper_answer(personas, req, world.vader, "ja")

    assert fresh(req).state == "gegeven" and fresh(req).closed_at == NOW
    status = cs.status(fresh(world.version_a))
    assert status["covers"] is True and status["carried_over"] is False and status["stale"] is False
    assert not {"consent_not_asked", "consent_pending", "consent_refused", "consent_stale"} & set(codes(world.version_a))
    mail = Notification.objects.get(kind="consent_gegeven")
    assert mail.recipient == personas.begeleider_a
    assert "S.J." in mail.subject_line and "Sanne" not in mail.subject_line + mail.body_text


def test_one_refusal_means_no_consent_back_to_overleg_and_no_escalation(world, personas, org):
    req = send(personas, world.version_a)
    portal_answer(req, world.ouder_a, world.moeder, "nee", explanation="Wij willen eerst een gesprek.")

    assert fresh(req).state == "geweigerd"
    assert fresh(world.version_a).state == "in_overleg"
    assert cs.status(fresh(world.version_a))["refused"] is True
    mail = Notification.objects.get(kind="consent_geweigerd")
    assert mail.recipient == personas.begeleider_a
    assert "Geen instemming" in mail.subject_line and "nieuw overleg" in mail.body_text
    assert "Wij willen eerst" not in mail.body_text  # the explanation stays behind the login
    with pytest.raises(ValidationError):
        paper_answer(personas, req, world.vader, "ja")  # the request is closed: vader's yes changes nothing

    # The six-week deadline item now says "geen instemming" ...
    overdue_day = world.sanne.opp_due_on + datetime.timedelta(days=30)
    items = {i.subject_id: i for i in registry.opp_setting_items(overdue_day, [org.school_a.pk])}
    assert items[world.sanne.pk].state == "geen_instemming"
    assert items[world.bram.pk].state == ""

    # ... and the sweep asks the begeleider for a new consultation instead of escalating, even 30 days late.
    deadline_services.sweep(today=overdue_day, kinds=["opp_vaststellen"])
    sanne_mail = Notification.objects.filter(kind="reminder:opp_vaststellen", subject_id=str(world.sanne.pk))
    assert {m.recipient.username for m in sanne_mail} == {"begeleider_a"}
    assert all("geen instemming" in m.body_text and "Escalatie" not in m.subject_line for m in sanne_mail)
    # Bram (no refusal, equally late) is escalated as usual: the difference is the refusal.
    bram_mail = Notification.objects.filter(kind="reminder:opp_vaststellen", subject_id=str(world.bram.pk))
    assert {"schoolleider_a", "bestuurder_a"} <= {m.recipient.username for m in bram_mail}


def test_the_reminder_record_of_a_refused_item_says_it_escalated_to_nobody(world, personas):
    from deadlines.models import Reminder

    req = send(personas, world.version_a)
    portal_answer(req, world.ouder_a, world.moeder, "nee")
    overdue_day = world.sanne.opp_due_on + datetime.timedelta(days=30)
    deadline_services.sweep(today=overdue_day, kinds=["opp_vaststellen"])
    assert Reminder.objects.get(subject_id=str(world.sanne.pk)).escalated_to == ""


# --- Paper ---------------------------------------------------------------------------------------------------


def test_paper_consent_records_channel_date_recorder_and_a_private_scan_with_a_server_made_name(world, personas, private):
    req = send(personas, world.version_a)
    row = paper_answer(personas, req, world.vader, "ja", signed_on=TODAY)

    row = ConsentAnswer.objects.get(pk=row.pk)
    assert (row.channel, row.signed_on, row.recorded_by, row.user) == ("papier", TODAY, personas.begeleider_a, None)
    assert (row.guardian, row.party_name, row.scan_content_type) == (world.vader, "Pieter Jansen", "application/pdf")
    files = stored_files(private)
    assert len(files) == 1 and files[0] == private / row.scan
    assert files[0].read_bytes() == PDF
    assert "Jansen" not in row.scan and "handtekening" not in row.scan.lower()
    assert files[0].suffix == ".pdf"


@pytest.mark.parametrize(("signed_on", "message"), [
    (TODAY + datetime.timedelta(days=1), "in de toekomst"),
    (TODAY - datetime.timedelta(days=1), "vóór het verzoek"),
])
def test_paper_consent_refuses_an_impossible_signing_date(world, personas, private, signed_on, message):
    req = send(personas, world.version_a)
    with pytest.raises(ValidationError) as exc:
        paper_answer(personas, req, world.vader, signed_on=signed_on)
    assert message in messages_of(exc)
    assert not ConsentAnswer.objects.exists()
    assert stored_files(private) == []


@pytest.mark.parametrize("content", [
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200,  # a Windows program
    b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200,  # a Linux program
    b"<!DOCTYPE html><html><script>alert(1)</script></html>",
])
def test_paper_consent_refuses_a_disguised_upload(world, personas, private, content):
    req = send(personas, world.version_a)
    scan = SimpleUploadedFile("handtekening.pdf", content, content_type="application/pdf")
    with pytest.raises(ValidationError) as exc:
        paper_answer(personas, req, world.vader, scan=scan)
    assert "Alleen PDF, JPEG en PNG zijn toegestaan" in messages_of(exc)
    assert not ConsentAnswer.objects.exists()
    assert stored_files(private) == []


def test_paper_consent_refuses_a_50_mb_file(world, personas, private):
    req = send(personas, world.version_a)
    big = SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n" + b"0" * (50 * 1024 * 1024) + b"\n%%EOF\n",
                             content_type="application/pdf")
    with pytest.raises(ValidationError) as exc:
        paper_answer(personas, req, world.vader, scan=big)
    assert "Het bestand is te groot" in messages_of(exc)
    assert not ConsentAnswer.objects.exists()
    assert stored_files(private) == []


def test_a_refused_paper_answer_leaves_no_scan_behind(world, personas, private):
    req = send(personas, world.version_a)
    paper_answer(personas, req, world.vader, "ja")
    with pytest.raises(ValidationError) as exc:
        paper_answer(personas, req, world.vader, "nee")  # entered twice
    assert "al beantwoord" in messages_of(exc)
    assert ConsentAnswer.objects.count() == 1
    assert len(stored_files(private)) == 1  # the second scan was not kept


# --- Revision (R-CONSENT-5, 7) ----------------------------------------------------------------------------------


@pytest.fixture
def consented_and_adopted(world, personas, private):
    req = send(personas, world.version_a)
    portal_answer(req, world.ouder_a, world.moeder, "ja")
    paper_answer(personas, req, world.vader, "ja")
    PlanVersion.objects.filter(pk=world.version_a.pk).update(state="vastgesteld", adopted_at=NOW,
                                                         adopted_by=personas.begeleider_a)
    return req


def test_a_revision_with_an_unchanged_handelingsdeel_keeps_the_earlier_consent(world, personas, consented_and_adopted):
    v2 = opp_services.revision_start(actor=personas.begeleider_a, plan=world.version_a.plan)
    status = cs.status(fresh(v2))
    assert status["covers"] is True and status["carried_over"] is True
    assert status["covering"] == consented_and_adopted
    assert not {"consent_not_asked", "consent_pending"} & set(codes(v2))


def test_a_revision_with_a_changed_handelingsdeel_needs_consent_again(world, personas, consented_and_adopted):
    v2 = opp_services.revision_start(actor=personas.begeleider_a, plan=world.version_a.plan)
    item = v2.actions.order_by("position").first()
    item.approach = "Twee keer per week 30 minuten RT"
    item.save()
    status = cs.status(fresh(v2))
    assert status["covers"] is False and status["carried_over"] is False
    assert "consent_not_asked" in codes(v2)


# --- Compliance (109493) -----------------------------------------------------------------------------------------


def test_compliance_follows_the_consent_request(world, personas):
    finding = codes(world.version_a)["consent_not_asked"]
    assert finding.blocking and "109493" in finding.gpo and finding.rule == "R-CONSENT-4"
    assert "uitdrukkelijk om instemming" in finding.message

    req = send(personas, world.version_a)
    found = codes(world.version_a)
    assert "consent_pending" in found and "consent_not_asked" not in found

    portal_answer(req, world.ouder_a, world.moeder, "nee")
    found = codes(world.version_a)
    assert "consent_refused" in found and "consent_pending" not in found
    assert "nieuw overleg" in found["consent_refused"].message


def test_a_refusal_of_the_revision_beats_the_consent_carried_over_from_the_earlier_version(
        world, personas, consented_and_adopted, clock):
    # The revision's handelingsdeel is unchanged, so the old consent covers it; the school asks again anyway
    # and the mother now says no. That explicit "no" to this exact text must win over the old "yes".
    clock.shift(datetime.timedelta(days=120))
    v2 = opp_services.revision_start(actor=personas.begeleider_a, plan=world.version_a.plan)
    PlanVersion.objects.filter(pk=v2.pk).update(state="in_overleg")
    req2 = send(personas, fresh(v2))
    portal_answer(req2, world.ouder_a, world.moeder, "nee")

    status = cs.status(fresh(v2))
    assert status["refused"] is True
    assert status["covers"] is False
    assert "consent_refused" in codes(v2)
