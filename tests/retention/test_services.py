"""The retention job (DOMAIN.md "Retention and privacy"): time travel to the day before and the day each term ends.

On the day before, everything of the category is still there; on the day, it is gone, its files too, with one
audit row per pupil that names no one. An open dispute holds the whole pupil; a closed one does not.
"""

import json
import logging

import pytest
from django.contrib.auth.hashers import is_password_usable

from accounts.models import Membership, Role, User
from audit.models import AuditEvent
from deadlines.models import Reminder
from disputes.models import Dispute, DisputeDocument, DossierExport
from evaluations.models import CommissionEvaluation, Evaluation, EvaluationReaction, ItemProgress
from notifications.models import Notification
from opp.models import (
    ActionItem,
    ConsentAnswer,
    ConsentRequest,
    Consultation,
    FactorItem,
    FrozenVersionError,
    Plan,
    PlanVersion,
    Reaction,
    ReturnedVersion,
    Suggestion,
    YieldItem,
)
from portal.models import Invitation
from retention import services
from retention.models import RetentionRun
from students.models import EligibilityDecision, Guardian, GuardianLink, PlacementEvent, Student
from tests.factories import GuardianLinkFactory, PlanVersionFactory, StudentFactory, UserFactory

from .world import DAY, ENROLMENT_DUE, FILE_DUE, PLACEMENT_DUE, D, frozen, left_pupil, on_disk


@pytest.fixture(autouse=True)
def _private_media(private):
    """Every test here stores files: each in its own folder (the `private` fixture of tests/conftest.py)."""


@pytest.fixture
def roos(org, personas):
    return left_pupil(org, personas)


FILE_MODELS = [Plan, PlanVersion, ActionItem, FactorItem, YieldItem, Consultation, Suggestion, ConsentRequest,
               ConsentAnswer, Reaction, ReturnedVersion, Evaluation, ItemProgress, EvaluationReaction,
               CommissionEvaluation, Dispute, DisputeDocument, DossierExport, EligibilityDecision]


def file_rows(pupil) -> dict[str, int]:
    """Rows of the pupil's file, per model."""
    s = pupil
    return {
        "plans": Plan.objects.filter(student=s).count(),
        "versions": PlanVersion.objects.filter(plan__student=s).count(),
        "items": sum(m.objects.filter(version__plan__student=s).count() for m in (ActionItem, FactorItem, YieldItem)),
        "consultations": Consultation.objects.filter(plan__student=s).count(),
        "suggestions": Suggestion.objects.filter(consultation__plan__student=s).count(),
        "consent": ConsentAnswer.objects.filter(request__version__plan__student=s).count()
        + ConsentRequest.objects.filter(version__plan__student=s).count(),
        "reactions": Reaction.objects.filter(version__plan__student=s).count(),
        "returned": ReturnedVersion.objects.filter(version__plan__student=s).count(),
        "evaluations": Evaluation.objects.filter(plan__student=s).count()
        + CommissionEvaluation.objects.filter(plan__student=s).count()
        + ItemProgress.objects.filter(evaluation__plan__student=s).count()
        + EvaluationReaction.objects.filter(evaluation__plan__student=s).count(),
        "disputes": Dispute.objects.filter(plan__student=s).count()
        + DisputeDocument.objects.filter(dispute__plan__student=s).count()
        + DossierExport.objects.filter(dispute__plan__student=s).count(),
        "eligibility": EligibilityDecision.objects.filter(student=s).count(),
    }


def run_on(day, **kwargs):
    with frozen(day):
        return services.run(**kwargs)


# --- Each term: the day before kept, on the day deleted ---------------------------------------------------------


def test_the_file_is_kept_until_the_day_before_its_term_ends(roos, django_capture_on_commit_callbacks):
    before = file_rows(roos.pupil)
    with django_capture_on_commit_callbacks(execute=True):
        result = run_on(FILE_DUE - DAY)
    assert result.pupils == [] and file_rows(roos.pupil) == before
    assert all(on_disk(name) for name in roos.files)


def test_on_the_day_the_whole_file_goes_adopted_versions_and_files_on_disk_included(roos,
                                                                                   django_capture_on_commit_callbacks):
    assert PlanVersion.objects.filter(plan=roos.plan, state__in=["vastgesteld", "vervangen"]).count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        result = run_on(FILE_DUE)
    assert set(file_rows(roos.pupil).values()) == {0}
    assert not any(on_disk(name) for name in roos.files)
    # Messages and reminders about the file went with it; the invitation is enrolment data and stays.
    assert not Notification.objects.filter(pk__in=[roos.messages[0].pk, roos.messages[2].pk]).exists()
    assert not Reminder.objects.filter(pk=roos.reminder.pk).exists()
    assert Notification.objects.filter(pk=roos.messages[1].pk).exists()
    # Later categories are untouched.
    assert PlacementEvent.objects.filter(pk=roos.placement.pk).exists()
    assert Student.objects.filter(pk=roos.pupil.pk).exists() and Guardian.objects.filter(pk=roos.guardian.pk).exists()
    assert User.objects.get(pk=roos.user.pk).is_active
    [item] = result.pupils
    assert item.categories == ("dossier",)
    assert item.counts["dossier"]["opp.planversion"] == 2
    assert item.counts["dossier"]["opp.actionitem"] == 3


def test_the_placement_events_are_kept_until_the_day_before_their_term(roos):
    run_on(FILE_DUE)
    result = run_on(PLACEMENT_DUE - DAY)
    assert result.pupils == []
    assert PlacementEvent.objects.filter(student=roos.pupil).count() == 1


def test_on_the_day_the_placement_events_go_and_the_pupil_stays(roos):
    run_on(FILE_DUE)
    result = run_on(PLACEMENT_DUE)
    assert [(i.categories, i.counts) for i in result.pupils] == [
        (("plaatsing",), {"plaatsing": {"students.placementevent": 1}})]
    assert not PlacementEvent.objects.filter(student=roos.pupil).exists()
    assert Student.objects.filter(pk=roos.pupil.pk).exists()


def test_the_enrolment_data_is_kept_until_the_day_before_its_term(roos):
    run_on(PLACEMENT_DUE)
    assert run_on(ENROLMENT_DUE - DAY).pupils == []
    assert Student.objects.filter(pk=roos.pupil.pk).exists()
    assert GuardianLink.objects.filter(student=roos.pupil).exists()


def test_on_the_day_the_pupil_goes_with_guardian_link_invitation_and_the_mothers_account_is_stripped(roos):
    run_on(PLACEMENT_DUE)
    result = run_on(ENROLMENT_DUE)
    assert not Student.objects.filter(pk=roos.pupil.pk).exists()
    assert not GuardianLink.objects.filter(guardian=roos.guardian).exists()
    assert not Guardian.objects.filter(pk=roos.guardian.pk).exists()
    assert not Invitation.objects.filter(pk=roos.invitation.pk).exists()
    assert not Notification.objects.filter(recipient=roos.user).exists()
    # The account stays (audit rows point at it) but can no longer log in and names no one.
    user = User.objects.get(pk=roos.user.pk)
    assert not user.is_active and not is_password_usable(user.password)
    assert user.username.startswith("verwijderd-") and (user.email, user.first_name, user.last_name) == ("", "", "")
    assert AuditEvent.objects.filter(actor=user).exists()
    [item] = result.pupils
    assert item.counts["inschrijving"] == {
        "notifications.notification": 1, "portal.invitation": 1, "students.guardianlink": 1, "students.guardian": 1,
        "accounts.user": 1, "students.student": 1}


def test_everything_goes_at_once_for_a_pupil_who_left_long_ago(roos, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        [item] = run_on(ENROLMENT_DUE).pupils
    assert item.categories == ("dossier", "plaatsing", "inschrijving")
    assert not Student.objects.filter(pk=roos.pupil.pk).exists()
    assert not any(on_disk(name) for name in roos.files)


def test_leaving_on_29_february_the_file_goes_on_1_march(org, personas):
    pupil = left_pupil(org, personas, left_on=D(2024, 2, 29))
    assert run_on(D(2026, 2, 28)).pupils == []
    assert Plan.objects.filter(student=pupil.pupil).exists()
    assert [i.categories for i in run_on(D(2026, 3, 1)).pupils] == [("dossier",)]
    assert not Plan.objects.filter(student=pupil.pupil).exists()


def test_the_terms_come_from_the_settings(roos, settings):
    settings.OPP_RETENTION_FILE_YEARS = 1
    assert run_on(D(2025, 3, 14)).pupils == []
    assert [i.categories for i in run_on(D(2025, 3, 15)).pupils] == [("dossier",)]


def test_a_pupil_still_at_school_or_who_left_recently_keeps_everything(org, personas):
    here = StudentFactory(school=org.school_a)
    recent = left_pupil(org, personas, left_on=D(2025, 9, 1))
    PlanVersionFactory(plan__student=here, adopted=True)
    assert run_on(FILE_DUE).pupils == []
    assert Plan.objects.filter(student__in=[here, recent.pupil]).count() == 2


# --- Disputes hold -----------------------------------------------------------------------------------------------


def test_an_open_dispute_holds_everything_and_the_hold_is_reported(org, personas):
    held = left_pupil(org, personas, dispute_state="verweer_gevraagd")
    before = file_rows(held.pupil)
    result = run_on(ENROLMENT_DUE + DAY)
    assert result.pupils == []
    assert [(i.ref, i.categories) for i in result.held] == [
        (services.pupil_ref(held.pupil.pk), ("dossier", "plaatsing", "inschrijving"))]
    assert file_rows(held.pupil) == before
    assert Student.objects.filter(pk=held.pupil.pk).exists() and PlacementEvent.objects.filter(student=held.pupil).exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.RETENTION_DELETE).exists()
    assert RetentionRun.objects.get().counts["held"] == [services.pupil_ref(held.pupil.pk)]


def test_once_the_dispute_is_closed_the_pupil_goes(org, personas):
    held = left_pupil(org, personas, dispute_state="advies_ontvangen")
    assert run_on(FILE_DUE).held
    Dispute.objects.filter(pk=held.dispute.pk).update(state="gesloten", response_sent_parents_on=D(2026, 4, 1),
                                                     response_sent_commission_on=D(2026, 4, 1))
    assert [i.ref for i in run_on(FILE_DUE + DAY * 30).pupils] == [services.pupil_ref(held.pupil.pk)]
    assert not Dispute.objects.filter(pk=held.dispute.pk).exists()


def test_a_dispute_opened_after_the_plan_was_made_holds_the_pupil_in_the_run(roos, monkeypatch):
    """Decided again under the pupil's lock: a dispute that appears between listing and deleting holds."""
    planned = services.plan

    def plan_then_dispute(*args, **kwargs):
        sweep = planned(*args, **kwargs)
        Dispute.objects.filter(pk=roos.dispute.pk).update(state="zitting")
        return sweep

    monkeypatch.setattr(services, "plan", plan_then_dispute)
    result = run_on(FILE_DUE)
    assert result.pupils == [] and [i.ref for i in result.held] == [services.pupil_ref(roos.pupil.pk)]
    assert Plan.objects.filter(student=roos.pupil).exists()


# --- Dry run, idempotence, the run record ------------------------------------------------------------------------


def test_a_dry_run_deletes_nothing_and_lists_what_the_run_then_deletes(org, personas):
    roos = left_pupil(org, personas)
    thijs = left_pupil(org, personas, left_on=D(2020, 6, 1), first_name="Thijs", last_name="Brouwer", mother="Els Brouwer")
    before = file_rows(roos.pupil), file_rows(thijs.pupil)
    dry = run_on(FILE_DUE, dry_run=True)
    assert (file_rows(roos.pupil), file_rows(thijs.pupil)) == before
    assert Student.objects.filter(pk=thijs.pupil.pk).exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.RETENTION_DELETE).exists()
    real = run_on(FILE_DUE)
    listed = sorted((i.ref, i.school_name, i.categories, i.counts) for i in dry.pupils)
    went = sorted((i.ref, i.school_name, i.categories, i.counts) for i in real.pupils)
    assert listed == went and len(went) == 2
    assert {w[2] for w in went} == {("dossier",), ("dossier", "plaatsing", "inschrijving")}
    assert dry.totals() == real.totals()
    assert list(RetentionRun.objects.order_by("pk").values_list("dry_run", flat=True)) == [True, False]


def test_a_second_run_finds_nothing_and_audits_nothing(roos):
    assert len(run_on(ENROLMENT_DUE).pupils) == 1
    audited = AuditEvent.objects.count()
    again = run_on(ENROLMENT_DUE)
    assert again.pupils == [] and again.held == [] and again.errors == []
    assert AuditEvent.objects.count() == audited


def test_each_run_is_recorded_with_counts_only(roos):
    result = run_on(FILE_DUE)
    run = RetentionRun.objects.get(pk=result.run_id)
    assert run.run_date == FILE_DUE and not run.dry_run and run.finished_at is not None
    assert run.counts["pupils"] == 1
    assert run.counts["categories"]["dossier"]["rows"]["opp.planversion"] == 2
    assert run.counts["terms"] == {"dossier": 2, "plaatsing": 3, "inschrijving": 5}
    assert not any(name in json.dumps(run.counts) for name in roos.names)


def test_a_real_run_for_a_future_day_is_refused(roos):
    with frozen(FILE_DUE - DAY), pytest.raises(ValueError, match="toekomst"):
        services.run(FILE_DUE)
    assert Plan.objects.filter(student=roos.pupil).exists()


# --- The audit log ---------------------------------------------------------------------------------------------


def test_audit_rows_stay_and_the_deletion_row_names_no_one(roos):
    history = list(AuditEvent.objects.order_by("pk").values_list("pk", "action", "object_type", "object_id"))
    run_on(ENROLMENT_DUE)
    after = list(AuditEvent.objects.order_by("pk").values_list("pk", "action", "object_type", "object_id"))
    assert after[:len(history)] == history
    row = AuditEvent.objects.get(action=AuditEvent.Action.RETENTION_DELETE, object_type="students.student")
    assert row.actor is None and row.actor_label == services.ACTOR_LABEL
    assert (row.object_id, row.school_id) == (str(roos.pupil.pk), roos.pupil.school_id)
    assert row.details["ref"] == services.pupil_ref(roos.pupil.pk)
    assert row.details["categories"] == ["dossier", "plaatsing", "inschrijving"]
    assert row.details["counts"]["dossier"]["opp.plan"] == 1
    text = json.dumps(row.details) + row.actor_label
    assert not any(name in text for name in roos.names)
    account = AuditEvent.objects.get(action=AuditEvent.Action.RETENTION_DELETE, object_type="accounts.user")
    assert account.object_id == str(roos.user.pk) and account.details == {"account": "anonymised", "ref": row.details["ref"]}


def test_the_reference_is_a_keyed_hash_not_the_id(settings):
    ref = services.pupil_ref(42)
    assert len(ref) == 16 and "42" != ref and ref == services.pupil_ref(42) != services.pupil_ref(43)
    settings.SECRET_KEY = "another-" + "y" * 50
    assert services.pupil_ref(42) != ref


# --- Guardians and accounts --------------------------------------------------------------------------------------


def test_a_guardian_with_another_child_at_school_stays_and_keeps_the_account(org, personas):
    roos = left_pupil(org, personas, left_on=D(2020, 1, 1))
    sister = StudentFactory(school=org.school_a, first_name="Fleur", last_name="Verhoef")
    GuardianLinkFactory(student=sister, guardian=roos.guardian)
    run_on(FILE_DUE)
    assert not Student.objects.filter(pk=roos.pupil.pk).exists()
    assert list(Guardian.objects.get(pk=roos.guardian.pk).links.values_list("student", flat=True)) == [sister.pk]
    user = User.objects.get(pk=roos.user.pk)
    assert user.is_active and user.email and user.username.startswith("ouder_retentie_")


def test_a_parent_with_a_child_at_another_school_keeps_the_account(org, personas):
    roos = left_pupil(org, personas, left_on=D(2020, 1, 1))
    brother = StudentFactory(school=org.school_b)
    other = Guardian.objects.create(school=org.school_b, name="Hanneke Verhoef", user=roos.user)
    GuardianLink.objects.create(student=brother, guardian=other)
    run_on(FILE_DUE)
    assert not Guardian.objects.filter(pk=roos.guardian.pk).exists()
    assert User.objects.get(pk=roos.user.pk).is_active


def test_a_staff_member_who_is_also_the_parent_keeps_the_account(org, personas):
    roos = left_pupil(org, personas, left_on=D(2020, 1, 1))
    Membership.objects.create(user=roos.user, role=Role.LEERKRACHT, school=org.school_b)
    run_on(FILE_DUE)
    assert not Guardian.objects.filter(pk=roos.guardian.pk).exists()
    user = User.objects.get(pk=roos.user.pk)
    assert user.is_active and user.username == roos.user.username and user.email == roos.user.email


def test_the_account_of_an_adult_pupil_is_stripped(org, personas):
    lotte = StudentFactory(school=org.school_a2, date_of_birth=D(2000, 3, 1), enrolled_on=D(2016, 8, 20),
                           left_on=D(2020, 1, 1),
                           handelingsbekwaam=True, portal_user=UserFactory(username="leerling_lotte"))
    [item] = run_on(FILE_DUE).pupils
    assert item.counts["inschrijving"] == {"accounts.user": 1, "students.student": 1}
    user = User.objects.get(pk=lotte.portal_user_id)
    assert not user.is_active and user.username.startswith("verwijderd-") and user.email == ""


# --- Guards, errors ----------------------------------------------------------------------------------------------


def test_after_the_run_the_frozen_guards_still_refuse_an_ordinary_delete(org, personas, roos):
    staying = PlanVersionFactory(plan__student=StudentFactory(school=org.school_a), adopted=True)
    run_on(FILE_DUE)
    with pytest.raises(FrozenVersionError):
        PlanVersion.objects.filter(pk=staying.pk).delete()
    with pytest.raises(FrozenVersionError):
        PlanVersion.objects.get(pk=staying.pk).delete()
    assert PlanVersion.objects.filter(pk=staying.pk).exists()


def test_one_pupil_failing_stops_neither_the_others_nor_names_anyone_in_the_log(org, personas, monkeypatch, caplog):
    roos = left_pupil(org, personas)
    thijs = left_pupil(org, personas, first_name="Thijs", last_name="Brouwer", mother="Els Brouwer")
    execute = services._execute

    def failing(steps, ref):
        if ref == services.pupil_ref(roos.pupil.pk):
            execute(steps, ref)  # deletes part of the file, then fails: all of it must roll back
            raise RuntimeError("Roos Verhoef")
        return execute(steps, ref)

    monkeypatch.setattr(services, "_execute", failing)
    with caplog.at_level(logging.ERROR, logger="retention.services"):
        result = run_on(FILE_DUE)
    assert [i.ref for i in result.pupils] == [services.pupil_ref(thijs.pupil.pk)]
    assert result.errors == [{"ref": services.pupil_ref(roos.pupil.pk), "error": "RuntimeError"}]
    assert file_rows(roos.pupil)["versions"] == 2 and not Plan.objects.filter(student=thijs.pupil).exists()
    assert "Roos" not in caplog.text and services.pupil_ref(roos.pupil.pk) in caplog.text
    assert RetentionRun.objects.get().counts["errors"] == result.errors


def test_only_the_retention_job_switches_the_triggers_off():
    """The flag `opp.retention` is the one way past the frozen-version triggers: nothing else may set it."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    users = sorted(str(p.relative_to(root)) for p in root.rglob("*.py")
                   if ".venv" not in p.parts and "tests" not in p.parts and "opp.retention" in p.read_text())
    assert users == ["opp/migrations/0006_retention_delete.py", "retention/services.py"]


def test_the_samenwerkingsverband_rows_and_their_files_go_with_the_file(roos, personas,
                                                                        django_capture_on_commit_callbacks):
    """A TLV based on v2, the request for its extension (which points back at it, and the TLV at the request it came
    from: SET_NULL both ways, so either may go first), an attachment, the parents' reaction and the stored package:
    all gone on the day, their files too; nothing of them the day before."""
    from swv.models import AdmissionDecision, SwvRequest, SwvRequestAttachment, SwvRequestReaction

    from .world import stored

    school = roos.pupil.school
    tlv = AdmissionDecision.objects.create(
        student=roos.pupil, kind="tlv", samenwerkingsverband=school.samenwerkingsverband, decision_number="TLV-1",
        decided_on=D(2022, 6, 1), onderwijssoort=roos.pupil.onderwijssoort, starts_on=D(2022, 8, 1),
        ends_on=D(2024, 7, 31), based_on_version=roos.v2, stored_name=stored("swv"), recorded_by=personas.begeleider_a)
    request = SwvRequest.objects.create(
        student=roos.pupil, kind="verlenging", samenwerkingsverband=school.samenwerkingsverband, extends=tlv,
        version=roos.v2, evaluation=roos.evaluation, created_by=personas.begeleider_a,
        package_name=stored("swv-pakketten"), package_json_name=stored("swv-pakketten"))
    AdmissionDecision.objects.filter(pk=tlv.pk).update(request=request)
    attachment = SwvRequestAttachment.objects.create(request=request, title="Verslag", stored_name=stored("swv"),
                                                     content_type="application/pdf", size=1, sha256="0" * 64,
                                                     uploaded_by=personas.begeleider_a)
    SwvRequestReaction.objects.create(request=request, author=roos.user, author_name="Hanneke", text="Akkoord.")
    names = [tlv.stored_name, request.package_name, request.package_json_name, attachment.stored_name]

    with django_capture_on_commit_callbacks(execute=True):
        run_on(FILE_DUE - DAY)
    assert SwvRequest.objects.filter(student=roos.pupil).exists() and all(on_disk(n) for n in names)

    with django_capture_on_commit_callbacks(execute=True):
        run_on(FILE_DUE)
    for model in (AdmissionDecision, SwvRequest):
        assert not model.objects.filter(student=roos.pupil).exists(), model
    assert not SwvRequestAttachment.objects.exists() and not SwvRequestReaction.objects.exists()
    assert not any(on_disk(n) for n in names)
