"""Dispute services (issue 9): admissibility hints, the made-known date from the system, the state machine,
and every kind of bad input refused with its Dutch message and nothing saved."""

import datetime
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from disputes import hints, services
from disputes.models import Dispute, DisputeDocument
from tests.factories import PlanVersionFactory

from .world import EXE, MADE_KNOWN, NOW, PDF, TODAY, D, frozen, make_world

# --- Hints (pure) -----------------------------------------------------------------------------------------------


def test_hint_filed_more_than_six_weeks_after_made_known_is_late():
    found = hints.hints(filed_on=D(2026, 11, 13), made_known_on=D(2026, 10, 1), left_school_on=None, plan_withdrawn=False)
    assert [h.code for h in found] == ["late"]
    assert found[0].rule == "R-GPO-2"
    assert found[0].text.startswith("Te laat: de ouders moeten redenen opgeven")
    assert "12 november 2026" in found[0].text


def test_hint_on_the_last_day_is_not_late():
    assert hints.hints(filed_on=D(2026, 11, 12), made_known_on=D(2026, 10, 1), left_school_on=None,
                       plan_withdrawn=False) == []


def test_hint_enrolled_elsewhere_when_filed():
    found = hints.hints(filed_on=D(2026, 10, 10), made_known_on=D(2026, 10, 1), left_school_on=D(2026, 10, 5),
                        plan_withdrawn=False)
    assert [(h.code, h.gpo) for h in found] == [("other_school", ("108029",))]
    assert "Mogelijk niet-ontvankelijk: geen belang" in found[0].text


def test_hint_plan_withdrawn():
    found = hints.hints(filed_on=D(2026, 10, 10), made_known_on=D(2026, 10, 1), left_school_on=None, plan_withdrawn=True)
    assert [(h.code, h.gpo) for h in found] == [("withdrawn", ("108928",))]
    assert "geen belang" in found[0].text


def test_no_hints_for_a_timely_dispute_of_a_pupil_still_at_school():
    assert hints.hints(filed_on=D(2026, 10, 10), made_known_on=D(2026, 10, 1), left_school_on=D(2026, 12, 1),
                       plan_withdrawn=False) == []


# --- Services -----------------------------------------------------------------------------------------------------


pytestmark = [pytest.mark.clock(NOW), pytest.mark.usefixtures("clock")]  # every test here: today is TODAY


@pytest.fixture(autouse=True)
def _private_media(private):
    """Every test here stores files: each in its own folder (the `private` fixture of tests/conftest.py)."""


@pytest.fixture
def dispute_world(org, personas):
    return make_world(org, personas)


def _register(world, actor, **kw):
    data = {"plan": world.plan, "version": world.version, "subject": "vaststelling", "filed_on": D(2026, 10, 5)} | kw
    return services.register(actor=actor, **data)


@pytest.fixture
def dispute(dispute_world, personas):
    return _register(dispute_world, personas.geschillen_a)


def _errors(exc) -> dict:
    return {k: " ".join(v) for k, v in exc.value.message_dict.items()}


def test_register_takes_made_known_on_from_the_system(dispute_world, personas):
    dispute = _register(dispute_world, personas.geschillen_a)
    assert dispute.made_known_on == MADE_KNOWN
    assert dispute.state == Dispute.State.INGEDIEND


def test_register_refuses_a_version_of_another_plan(dispute_world, personas):
    with pytest.raises(ValidationError) as exc:
        _register(dispute_world, personas.geschillen_a, version=dispute_world.version_b)
    assert _errors(exc)["version"] == "Kies een versie van dit OPP."
    assert not Dispute.objects.exists()


def test_register_refuses_a_version_that_was_not_adopted(dispute_world, personas):
    concept = PlanVersionFactory(plan=dispute_world.plan)
    with pytest.raises(ValidationError) as exc:
        _register(dispute_world, personas.geschillen_a, version=concept)
    assert _errors(exc)["version"] == "Een geschil gaat over een vastgestelde versie."
    assert not Dispute.objects.exists()


def test_register_refuses_filing_before_the_bekendmaking(dispute_world, personas):
    with pytest.raises(ValidationError) as exc:
        _register(dispute_world, personas.geschillen_a, filed_on=MADE_KNOWN - datetime.timedelta(days=1))
    assert _errors(exc)["filed_on"] == "De indiening ligt vóór de bekendmaking van het OPP."
    assert not Dispute.objects.exists()


@pytest.mark.parametrize("who", ["begeleider_a", "schoolleider_a", "bestuurder_b"])
def test_only_geschillen_and_bestuurder_of_the_board_register(dispute_world, personas, who):
    with pytest.raises(PermissionDenied):
        _register(dispute_world, getattr(personas, who))
    assert not Dispute.objects.exists()


def test_state_moves_along_to_closed(dispute, personas):
    actor = personas.bestuurder_a
    steps = []
    for data in ({"received_on": D(2026, 10, 6)}, {"defence_submitted_on": D(2026, 10, 8)}, {"hearing_on": D(2026, 10, 12)}):
        dispute = services.record_dates(actor=actor, dispute=dispute, data=data)
        steps.append(dispute.state)
    dispute = services.record_advice(actor=actor, dispute=dispute, advice="deels_gegrond", advice_on=D(2026, 10, 13),
                                     recommendations="Voer het gesprek opnieuw.")
    steps.append(dispute.state)
    dispute = services.record_response(actor=actor, dispute=dispute, response="volgt", reasons="",
                                       sent_parents_on=D(2026, 10, 14), sent_commission_on=None)
    steps.append(dispute.state)
    dispute = services.record_response(actor=actor, dispute=dispute, response="volgt", reasons="",
                                       sent_parents_on=D(2026, 10, 14), sent_commission_on=D(2026, 10, 14))
    steps.append(dispute.state)
    dispute = services.close(actor=actor, dispute=dispute)
    steps.append(dispute.state)
    assert steps == ["verweer_gevraagd", "verweer_ingediend", "zitting", "advies_ontvangen", "advies_ontvangen",
                     "reactie_verzonden", "gesloten"]
    assert dispute.closed_on == TODAY


def _with_advice(dispute, actor):
    dispute = services.record_dates(actor=actor, dispute=dispute, data={"received_on": D(2026, 10, 6)})
    return services.record_advice(actor=actor, dispute=dispute, advice="gegrond", advice_on=D(2026, 10, 12),
                                  recommendations="")


def test_closing_without_both_sending_dates_is_refused(dispute, personas):
    actor = personas.geschillen_a
    dispute = _with_advice(dispute, actor)
    services.record_response(actor=actor, dispute=dispute, response="volgt", reasons="",
                             sent_parents_on=D(2026, 10, 13), sent_commission_on=None)
    with pytest.raises(ValidationError) as exc:
        services.close(actor=actor, dispute=dispute)
    assert "aan de ouders én aan de commissie" in exc.value.messages[0]
    dispute.refresh_from_db()
    assert dispute.state == "advies_ontvangen" and dispute.closed_on is None


@pytest.mark.parametrize("response", ["volgt_niet", "deels"])
def test_a_response_not_following_the_advice_needs_reasons(dispute, personas, response):
    actor = personas.geschillen_a
    dispute = _with_advice(dispute, actor)
    with pytest.raises(ValidationError) as exc:
        services.record_response(actor=actor, dispute=dispute, response=response, reasons="  ",
                                 sent_parents_on=D(2026, 10, 13), sent_commission_on=D(2026, 10, 13))
    assert _errors(exc)["reasons"].startswith("Geef de redenen")
    dispute.refresh_from_db()
    assert dispute.response == "" and dispute.response_sent_parents_on is None


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"received_on": D(2026, 10, 4)}, "received_on", "De commissie kan het geschil niet vóór de indiening hebben ontvangen."),
    ({"received_on": D(2026, 10, 8), "defence_submitted_on": D(2026, 10, 7)}, "defence_submitted_on",
     "Het verweer kan niet vóór het verzoek daarom zijn ingediend."),
    ({"defence_submitted_on": D(2026, 10, 7)}, "defence_submitted_on", "Vul eerst in wanneer de commissie om verweer vroeg."),
    ({"received_on": D(2026, 10, 20)}, "received_on", "Deze datum ligt in de toekomst."),
])
def test_dates_in_impossible_order_are_refused(dispute, personas, data, field, message):
    with pytest.raises(ValidationError) as exc:
        services.record_dates(actor=personas.geschillen_a, dispute=dispute, data=data)
    assert _errors(exc)[field] == message
    dispute.refresh_from_db()
    assert dispute.received_on is None and dispute.defence_submitted_on is None and dispute.state == "ingediend"


def test_advice_before_filing_is_refused(dispute, personas):
    with pytest.raises(ValidationError) as exc:
        services.record_advice(actor=personas.geschillen_a, dispute=dispute, advice="gegrond", advice_on=D(2026, 10, 4),
                               recommendations="")
    assert _errors(exc)["advice_on"] == "Het advies kan niet vóór de indiening liggen."
    dispute.refresh_from_db()
    assert dispute.advice == "" and dispute.state == "ingediend"


def _stored_files(root) -> list:
    return [p for p in Path(root).rglob("*") if p.is_file()] if Path(root).exists() else []


def test_a_disguised_executable_is_refused(dispute, personas, private):
    upload = SimpleUploadedFile("verweer.pdf", EXE, content_type="application/pdf")
    with pytest.raises(ValidationError) as exc:
        services.add_document(actor=personas.geschillen_a, dispute=dispute, title="Verweerschrift", upload=upload)
    assert "Alleen PDF, JPEG en PNG zijn toegestaan" in exc.value.messages[0]
    assert not DisputeDocument.objects.exists()
    assert _stored_files(private) == []


def test_a_50_mb_file_is_refused(dispute, personas, private):
    upload = SimpleUploadedFile("groot.pdf", PDF[:-6] + b"\0" * (50 * 1024 * 1024) + b"%%EOF\n", content_type="application/pdf")
    with pytest.raises(ValidationError) as exc:
        services.add_document(actor=personas.geschillen_a, dispute=dispute, title="Bijlage", upload=upload)
    assert "Het bestand is te groot" in exc.value.messages[0]
    assert not DisputeDocument.objects.exists()
    assert _stored_files(private) == []


def test_a_real_pdf_is_stored_under_a_server_made_name(dispute, personas, private):
    doc = services.add_document(actor=personas.geschillen_a, dispute=dispute, title="Verweerschrift",
                                upload=SimpleUploadedFile("mijn verweer.pdf", PDF, content_type="application/pdf"))
    assert doc.content_type == "application/pdf" and "verweer" not in doc.stored_name
    assert (Path(private) / doc.stored_name).read_bytes() == PDF


def test_a_closed_dispute_takes_no_more_changes(dispute, personas):
    actor = personas.geschillen_a
    dispute = _with_advice(dispute, actor)
    dispute = services.record_response(actor=actor, dispute=dispute, response="volgt", reasons="",
                                       sent_parents_on=TODAY, sent_commission_on=TODAY)
    services.close(actor=actor, dispute=dispute)
    with pytest.raises(ValidationError) as exc:
        services.record_dates(actor=actor, dispute=dispute, data={"hearing_on": TODAY})
    assert exc.value.messages == ["Dit geschil is gesloten."]


# --- Deadlines in the engine ---------------------------------------------------------------------------------------


def _sweep(day):
    from deadlines import services as deadline_services

    with frozen(day, hour=6):
        result = deadline_services.sweep(today=day)
    assert result.errors == []
    return result


def _mails(dispute, kind):
    from notifications.models import Notification

    return list(Notification.objects.filter(kind=f"reminder:{kind}", subject_type="disputes.dispute",
                                            subject_id=str(dispute.pk)).order_by("pk"))


def test_an_undefended_dispute_received_15_days_ago_reminds_the_boards_geschillen_user(dispute_world, personas):
    dispute = _register(dispute_world, personas.geschillen_a, filed_on=D(2026, 10, 1))
    with frozen(D(2026, 10, 1)):
        services.record_dates(actor=personas.geschillen_a, dispute=dispute, data={"received_on": D(2026, 10, 1)})
    _sweep(D(2026, 10, 16))
    mails = _mails(dispute, "verweer")
    assert {m.recipient for m in mails} == {personas.geschillen_a, personas.bestuurder_a}
    from deadlines.models import Reminder

    reminder = Reminder.objects.get(kind="verweer", subject_id=str(dispute.pk))
    assert (reminder.due_on, reminder.step) == (D(2026, 10, 15), "0")
    _sweep(D(2026, 10, 16))
    assert len(_mails(dispute, "verweer")) == len(mails)  # exactly once
    with frozen(D(2026, 10, 17)):
        services.record_dates(actor=personas.geschillen_a, dispute=dispute, data={"defence_submitted_on": D(2026, 10, 17)})
    _sweep(D(2026, 10, 22))
    assert len(_mails(dispute, "verweer")) == len(mails)


def test_advice_without_response_reminds_until_both_dates_are_set(dispute_world, personas):
    from deadlines.models import Reminder

    actor = personas.geschillen_a
    dispute = _with_advice(_register(dispute_world, actor), actor)  # advice on 12 October: response due 26 October
    _sweep(D(2026, 10, 12))
    _sweep(D(2026, 11, 2))
    steps = list(Reminder.objects.filter(kind="reactie_bestuur", subject_id=str(dispute.pk)).values_list("step", flat=True))
    assert steps == ["-14", "+7"]
    assert {m.recipient for m in _mails(dispute, "reactie_bestuur")} == {personas.geschillen_a, personas.bestuurder_a}
    with frozen(D(2026, 11, 3)):
        services.record_response(actor=actor, dispute=dispute, response="volgt", reasons="",
                                 sent_parents_on=D(2026, 11, 3), sent_commission_on=None)
    _sweep(D(2026, 11, 9))
    assert Reminder.objects.filter(kind="reactie_bestuur", subject_id=str(dispute.pk)).count() == 3  # still one missing
    with frozen(D(2026, 11, 10)):
        services.record_response(actor=actor, dispute=dispute, response="volgt", reasons="",
                                 sent_parents_on=D(2026, 11, 3), sent_commission_on=D(2026, 11, 10))
    _sweep(D(2026, 11, 16))
    assert Reminder.objects.filter(kind="reactie_bestuur", subject_id=str(dispute.pk)).count() == 3


def test_a_closed_dispute_has_no_deadlines(dispute_world, personas):
    from deadlines.models import Reminder

    actor = personas.geschillen_a
    dispute = _with_advice(_register(dispute_world, actor), actor)
    dispute = services.record_response(actor=actor, dispute=dispute, response="volgt", reasons="",
                                       sent_parents_on=TODAY, sent_commission_on=TODAY)
    services.close(actor=actor, dispute=dispute)
    for day in (D(2026, 10, 20), D(2026, 12, 20), D(2027, 3, 1)):
        _sweep(day)
    assert not Reminder.objects.filter(subject_type="disputes.dispute").exists()


def test_dispute_deadlines_never_reach_the_begeleiders_task_list(dispute_world, personas):
    from deadlines import selectors

    dispute = _register(dispute_world, personas.geschillen_a, filed_on=D(2026, 10, 1))
    services.record_dates(actor=personas.geschillen_a, dispute=dispute, data={"received_on": D(2026, 10, 1)})
    rows, _total = selectors.tasks_for(personas.begeleider_a, TODAY)
    assert not [r for r in rows if r.kind in ("verweer", "advies_verwacht", "reactie_bestuur")]
