"""Evaluations (issue 8, parts 1–3 and "Access, audit, bad input"): the services, with the database.

Cast: Joris Kramer (school A, bao, extra support; moeder ``ouder_e`` with gezag and a portal account, vader
with gezag but no account). His version 1 was adopted on 28 September 2026; time stands still on
20 November 2026 (school year 2026-2027) and the evaluation was held on 18 November. The adult vso pupil
(school A2) consents in his own name and does not let his parents be informed (R-TIME-4).
"""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Role
from audit.models import AuditEvent
from evaluations import services
from evaluations.models import CommissionEvaluation, Evaluation, EvaluationReaction, ItemProgress
from notifications.models import Notification
from opp import adoption, selectors
from opp import consent_services as cs
from opp import services as opp_services
from opp.models import Plan, PlanVersion
from students import services as student_services
from students.models import EligibilityDecision, Student
from tests.conftest import PASSWORD
from tests.factories import (
    SchoolFactory,
    StudentFactory,
    UserFactory,
    adopted_plan,
    complete_version,
    consent_given,
    evaluation_data,
    fresh,
    member,
    parent_of,
    progress_for,
    version_for_consent,
)

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
NOW = datetime.datetime(2026, 11, 20, 10, 0, tzinfo=AMS)
TODAY = NOW.date()
ADOPTED_AT = datetime.datetime(2026, 9, 28, 14, 0, tzinfo=AMS)
HELD_ON = datetime.date(2026, 11, 18)
END_REASON = "De leesachterstand is ingehaald; de basisondersteuning volstaat."


pytestmark = pytest.mark.clock(NOW)


@pytest.fixture
def pupil(clock, org, personas):
    """Through the service, so his eligibility decision is on record (R-ELIG-5)."""
    student = student_services.student_create(actor=personas.begeleider_a, school=org.school_a, today=TODAY, data={
        "first_name": "Joris", "last_name": "Kramer", "date_of_birth": datetime.date(2017, 5, 4),
        "pupil_number": "5001", "onderwijssoort": "bao", "group_name": "4b", "enrolled_on": datetime.date(2024, 8, 20),
        "support_need_on": datetime.date(2026, 9, 1), "support_level": "extra",
        "extra_support_description": "Dagelijks 20 minuten leesbegeleiding buiten de groep",
    })
    parent_of(student, name="Mirjam Kramer", username="ouder_e")
    parent_of(student, name="Johan Kramer", email="johan@example.nl")
    return student


@pytest.fixture
def adopted(pupil, personas):
    return adopted_plan(pupil, by=personas.begeleider_a, at=ADOPTED_AT)


@pytest.fixture
def begeleider_a2(org):
    return member(Role.BEGELEIDER, school=org.school_a2, username="begeleider_a2")


@pytest.fixture
def adult(clock, org):
    """An adult, handelingsbekwame vso pupil who consents alone; his moeder has an account but is not informed."""
    student = StudentFactory(school=org.school_a2, first_name="Daan", last_name="Visser", onderwijssoort="vso",
                             date_of_birth=datetime.date(2007, 3, 1), support_level="extra", opp_required=True,
                             handelingsbekwaam=True, consent_party="leerling", parents_informed=False,
                             portal_user=UserFactory(username="leerling_d"))
    parent_of(student, name="Anja Visser", username="ouder_d")
    return student


@pytest.fixture
def vso_adopted(adult, begeleider_a2):
    return adopted_plan(adult, by=begeleider_a2, at=ADOPTED_AT)


def record(actor, version, *, progress=None, plan=None, held_on=HELD_ON, **data):
    return services.evaluation_record(actor=actor, plan=plan or version.plan, data=evaluation_data(held_on, **data),
                                      progress=progress_for(version) if progress is None else progress)


def rows():
    """What a refused call must leave untouched."""
    return {
        "evaluations": Evaluation.objects.count(), "progress": ItemProgress.objects.count(),
        "audit": AuditEvent.objects.count(), "outbox": Notification.objects.count(),
        "versions": PlanVersion.objects.count(), "decisions": EligibilityDecision.objects.count(),
        "plans": sorted(Plan.objects.values_list("pk", "state", "ended_on")),
        "pupils": sorted(Student.objects.values_list("pk", "support_level", "opp_required")),
    }


def refused(call, *, field=None):
    """Run `call`, expect a ValidationError and nothing saved; return the Dutch messages."""
    before = rows()
    with pytest.raises(ValidationError) as exc:
        call()
    assert rows() == before
    if field is not None:
        return " ".join(exc.value.message_dict[field])
    return " ".join(exc.value.messages)


# --- Recording an evaluation (part 1) -------------------------------------------------------------------------


def test_an_evaluation_stores_everything_audits_and_tells_the_parent_with_an_account(adopted, personas, pupil):
    first, second = adopted.actions.order_by("position")
    progress = {first.pk: ("behaald", "Leest AVI E4 vloeiend."), second.pk: ("deels", "Nog onzeker bij drukte.")}
    evaluation = record(personas.begeleider_a, adopted, progress=progress, parents_present=True,
                        others_present="Leerkracht groep 4", pupil_view="Joris leest nu graag voor.",
                        conclusion="Het leesdoel is behaald; het tweede doel loopt door.")

    evaluation = fresh(evaluation)
    assert evaluation.plan == adopted.plan and evaluation.version == adopted
    assert evaluation.held_on == HELD_ON and evaluation.school_year == "2026-2027"
    assert (evaluation.parents_present, evaluation.pupil_present, evaluation.others_present) == (
        True, False, "Leerkracht groep 4")
    assert evaluation.pupil_view == "Joris leest nu graag voor."
    assert evaluation.conclusion == "Het leesdoel is behaald; het tweede doel loopt door."
    assert evaluation.decision == "voortzetten" and evaluation.end_reason == ""
    assert evaluation.created_by == personas.begeleider_a
    assert [(p.action_id, p.progress, p.note) for p in evaluation.progress.order_by("action__position")] == [
        (first.pk, "behaald", "Leest AVI E4 vloeiend."), (second.pk, "deels", "Nog onzeker bij drukte.")]

    audit = AuditEvent.objects.get(object_type="evaluations.evaluation", object_id=str(evaluation.pk))
    assert audit.action == AuditEvent.Action.CREATE and audit.actor == personas.begeleider_a
    assert audit.school_id == pupil.school_id and audit.details == {"decision": "voortzetten", "yearly": "met_ouders"}

    # Only the moeder has a portal account: she alone is told, without content (privacy).
    [mail] = Notification.objects.filter(kind="evaluation")
    assert mail.recipient.username == "ouder_e" and mail.to_email == "ouder_e@example.nl"
    assert (mail.subject_type, mail.subject_id) == ("evaluations.evaluation", str(evaluation.pk))
    assert mail.subject_line == "Het OPP van Joris is geëvalueerd"
    assert "School A heeft de evaluatie van 18 november 2026 vastgelegd" in mail.body_text
    assert "leesdoel" not in mail.body_text and "Kramer" not in mail.body_text
    assert fresh(adopted.plan).state == "actief"


def test_the_school_year_of_an_evaluation_in_july_is_the_year_that_ends(clock, pupil, personas):
    clock.move_to(datetime.datetime(2026, 7, 20, 10, 0, tzinfo=AMS))
    version = adopted_plan(pupil, by=personas.begeleider_a, at=datetime.datetime(2026, 3, 2, 12, 0, tzinfo=AMS))
    evaluation = services.evaluation_record(actor=personas.begeleider_a, plan=version.plan,
                                            data=evaluation_data(datetime.date(2026, 7, 15)), progress=progress_for(version))
    assert fresh(evaluation).school_year == "2025-2026"


@pytest.mark.parametrize(("held_on", "year"), [
    (datetime.date(2026, 7, 31), "2025-2026"), (datetime.date(2026, 8, 1), "2026-2027")])
def test_a_new_school_year_starts_on_1_august(clock, pupil, personas, held_on, year):
    clock.move_to(datetime.datetime(2026, 8, 3, 10, 0, tzinfo=AMS))
    version = adopted_plan(pupil, by=personas.begeleider_a, at=datetime.datetime(2026, 6, 1, 12, 0, tzinfo=AMS))
    evaluation = services.evaluation_record(actor=personas.begeleider_a, plan=version.plan,
                                            data=evaluation_data(held_on), progress=progress_for(version))
    assert fresh(evaluation).school_year == year


def test_more_than_one_evaluation_in_a_school_year_is_allowed(adopted, personas):
    one = record(personas.begeleider_a, adopted, held_on=datetime.date(2026, 10, 5))
    two = record(personas.begeleider_a, adopted, held_on=HELD_ON, conclusion="Tweede gesprek: nog steeds goed.")
    assert one.school_year == two.school_year == "2026-2027"
    assert list(Evaluation.objects.filter(plan=adopted.plan)) == [two, one]  # newest first


def test_a_schoolleider_may_record_an_evaluation(adopted, personas):
    assert record(personas.schoolleider_a, adopted).created_by == personas.schoolleider_a


# --- Bad input: clear Dutch messages, nothing saved half --------------------------------------------------------


def test_a_plan_without_an_adopted_version_cannot_be_evaluated(pupil, personas):
    version = version_for_consent(pupil, by=personas.begeleider_a)
    message = refused(lambda: record(personas.begeleider_a, version))
    assert message == "Dit OPP heeft nog geen vastgestelde versie: er is nog niets te evalueren."


def test_progress_for_an_item_of_the_open_revision_is_refused(adopted, personas):
    revision = opp_services.revision_start(actor=personas.begeleider_a, plan=adopted.plan)
    message = refused(lambda: record(personas.begeleider_a, adopted, progress=progress_for(revision)), field="__all__")
    assert message == "Er is voortgang opgegeven voor een onderdeel dat niet in de geëvalueerde versie staat."


def test_progress_for_an_item_of_another_pupil_is_refused(adopted, personas, org):
    other = adopted_plan(StudentFactory(school=org.school_a), by=personas.begeleider_a, at=ADOPTED_AT, actions=1)
    progress = progress_for(adopted) | progress_for(other)
    message = refused(lambda: record(personas.begeleider_a, adopted, progress=progress), field="__all__")
    assert "niet in de geëvalueerde versie staat" in message


def test_missing_progress_for_an_item_is_refused(adopted, personas):
    progress = progress_for(adopted)
    progress.pop(adopted.actions.order_by("position").last().pk)
    message = refused(lambda: record(personas.begeleider_a, adopted, progress=progress), field="__all__")
    assert message == "Geef voor elk onderdeel van het handelingsdeel de voortgang aan."


@pytest.mark.parametrize("value", ["gedeeltelijk", "", "BEHAALD"])
def test_an_unknown_progress_value_is_refused(adopted, personas, value):
    message = refused(lambda: record(personas.begeleider_a, adopted, progress=progress_for(adopted, value)),
                      field="__all__")
    assert message == "Kies voor elk onderdeel: behaald, deels behaald, niet behaald of niet meer van toepassing."


def test_a_date_in_the_future_is_refused(adopted, personas):
    message = refused(lambda: record(personas.begeleider_a, adopted, held_on=TODAY + datetime.timedelta(days=1)),
                      field="held_on")
    assert message == "Een evaluatie in de toekomst kan nog niet worden vastgelegd."


def test_a_date_before_the_adoption_is_refused(adopted, personas):
    message = refused(lambda: record(personas.begeleider_a, adopted, held_on=datetime.date(2026, 9, 27)),
                      field="held_on")
    assert message == "De evaluatie ligt vóór de vaststelling van de geëvalueerde versie."
    # The day of the adoption itself is fine.
    assert record(personas.begeleider_a, adopted, held_on=datetime.date(2026, 9, 28)).held_on == datetime.date(2026, 9, 28)


def test_a_missing_date_conclusion_and_decision_are_named(adopted, personas):
    before = rows()
    with pytest.raises(ValidationError) as exc:
        record(personas.begeleider_a, adopted, held_on=None, conclusion="  ", decision="doorgaan")
    assert rows() == before
    errors = exc.value.message_dict
    assert errors["held_on"] == ["Vul de datum van de evaluatie in."]
    assert errors["conclusion"] == ["Vul de conclusie in."]
    assert errors["decision"] == ["Kies een besluit."]


def test_a_conclusion_that_is_too_long_is_refused(adopted, personas):
    message = refused(lambda: record(personas.begeleider_a, adopted, conclusion="x" * 20_001), field="conclusion")
    assert message == "Deze tekst is te lang (maximaal 20.000 tekens)."


def test_ending_without_a_reason_is_refused(adopted, personas):
    message = refused(lambda: record(personas.begeleider_a, adopted, decision="beeindigen", end_reason="  "),
                      field="end_reason")
    assert message == "Geef aan waarom de extra ondersteuning niet meer nodig is."


def test_ending_while_a_revision_is_open_is_refused(adopted, personas):
    opp_services.revision_start(actor=personas.begeleider_a, plan=adopted.plan)
    message = refused(lambda: record(personas.begeleider_a, adopted, decision="beeindigen", end_reason=END_REASON),
                      field="decision")
    assert message == "Er loopt nog een bijstelling. Rond die af of trek haar in voordat u het OPP beëindigt."


def test_a_second_revision_is_refused(adopted, personas):
    opp_services.revision_start(actor=personas.begeleider_a, plan=adopted.plan)
    message = refused(lambda: record(personas.begeleider_a, adopted, decision="bijstellen"), field="decision")
    assert message == "Er loopt al een bijstelling; er kan geen tweede worden gestart."


@pytest.mark.parametrize("soort", ["sbo", "vso"])
def test_a_plan_in_sbo_or_vso_cannot_be_ended(clock, org, personas, soort):
    school = SchoolFactory(board=org.board_a, name=f"School {soort}", onderwijssoorten=[soort], cluster=4 if soort == "vso" else None)
    begeleider = member(Role.BEGELEIDER, school=school)
    student = StudentFactory(school=school, onderwijssoort=soort, opp_required=True, support_level="extra")
    version = adopted_plan(student, by=begeleider, at=ADOPTED_AT)
    message = refused(lambda: record(begeleider, version, decision="beeindigen", end_reason=END_REASON),
                      field="decision")
    assert message == f"Een leerling in het {soort} heeft altijd een OPP; beëindigen kan pas na terugplaatsing."


def test_an_adult_handelingsbekwame_vso_pupil_must_take_part(vso_adopted, begeleider_a2):
    message = refused(lambda: record(begeleider_a2, vso_adopted, pupil_present=False), field="pupil_present")
    assert message == "Een meerderjarige, handelingsbekwame leerling is bij de evaluatie betrokken (R-EVAL-2)."


def test_the_adult_pupil_present_is_told_himself_and_his_parents_are_not(vso_adopted, begeleider_a2):
    evaluation = record(begeleider_a2, vso_adopted, pupil_present=True, parents_present=False)
    assert fresh(evaluation).pupil_present is True
    [mail] = Notification.objects.filter(kind="evaluation")
    assert mail.recipient.username == "leerling_d"
    assert mail.subject_line == "Uw OPP is geëvalueerd"
    assert mail.body_text.startswith("Beste Daan,")


@pytest.mark.parametrize("who", ["leerkracht_a", "begeleider_b", "commissie_a2", "bestuurder_a", "outsider"])
def test_only_staff_who_may_edit_plans_at_that_school_record_an_evaluation(adopted, personas, who):
    before = rows()
    with pytest.raises(PermissionDenied):
        record(getattr(personas, who), adopted)
    assert rows() == before


def test_a_withdrawn_plan_cannot_be_evaluated(adopted, personas):
    opp_services.plan_withdraw(actor=personas.schoolleider_mandaat_a, plan=adopted.plan, reason="Verhuisd naar het buitenland.",
                               on_date=TODAY)
    message = refused(lambda: record(personas.begeleider_a, adopted))
    assert message == "Dit OPP is beëindigd of ingetrokken."


# --- The decision: bijstellen starts a revision (part 3, R-SET-5, R-CONSENT-7) ------------------------------------


@pytest.fixture
def consented(clock, pupil, personas, private):
    """Version 1 the way the product makes it: complete, consented (moeder in the portal, vader on paper),
    adopted by the schoolleider with mandate on 28 September 2026."""
    clock.move_to(ADOPTED_AT)
    version = version_for_consent(pupil, by=personas.begeleider_a)
    complete_version(version, by=personas.begeleider_a)
    request = consent_given(version, by=personas.begeleider_a)
    adoption.submit(actor=personas.begeleider_a, version=version)
    version = adoption.adopt(actor=personas.schoolleider_mandaat_a, version=fresh(version), password=PASSWORD)
    clock.move_to(NOW)
    assert request.state == "gegeven" and version.state == "vastgesteld"
    return version, request


def test_bijstellen_starts_a_revision_copied_from_the_adopted_version(consented, personas):
    v1, _request = consented
    evaluation = record(personas.begeleider_a, v1, decision="bijstellen", progress=progress_for(v1, "niet"))

    assert evaluation.version == v1
    v2 = PlanVersion.objects.get(plan=v1.plan, number=2)
    assert v2.state == "concept" and v2.based_on == v1 and v2.created_by == personas.begeleider_a
    assert fresh(v1).state == "vastgesteld"  # the adopted version stays in force until the revision is adopted
    # Everything is carried over but the pupil's view, which the revision needs anew (R-CONTENT-10).
    assert {section["key"] for section in selectors.diff(v1, v2) if section["changed"]} == {"hoorrecht"}
    assert (v2.leerling_mening, v2.leerling_weging, v2.leerling_uitleg) == ("", "", "")
    assert AuditEvent.objects.filter(object_type="opp.planversion", object_id=str(v2.pk), action="create",
                                     details__based_on=v1.pk).exists()
    assert fresh(v1.plan).state == "actief"


def test_a_revision_with_an_unchanged_handelingsdeel_keeps_the_consent(consented, personas):
    v1, request = consented
    record(personas.begeleider_a, v1, decision="bijstellen")
    v2 = PlanVersion.objects.get(plan=v1.plan, number=2)
    assert cs.covering_request(v2) == request
    status = cs.status(v2)
    assert status["covers"] is True and status["carried_over"] is True
    codes = {f.code for f in selectors.findings_for(v2, today=TODAY)}
    assert not {"consent_not_asked", "consent_pending", "consent_stale"} & codes


def test_a_revision_with_a_changed_handelingsdeel_needs_consent_again(consented, personas):
    v1, _request = consented
    record(personas.begeleider_a, v1, decision="bijstellen")
    v2 = PlanVersion.objects.get(plan=v1.plan, number=2)
    items = [{f: getattr(a, f) for f in ("goal", "approach", "who", "frequency", "evaluation_moment",
                                         "evaluation_criterion")} for a in v2.actions.order_by("position")]
    items[0]["approach"] = "Twee keer per week 30 minuten remedial teaching"
    opp_services.version_save_section(actor=personas.begeleider_a, version=v2, section="handelingsdeel", revision=0,
                                      items=items)
    v2 = fresh(v2)
    assert cs.covering_request(v2) is None
    assert cs.status(v2)["carried_over"] is False
    changed = {s["key"] for s in selectors.diff(v1, v2) if s["changed"]}
    assert changed == {"handelingsdeel", "hoorrecht"}  # the pupil's view is asked anew (R-CONTENT-10)
    assert "consent_not_asked" in {f.code for f in selectors.findings_for(v2, today=TODAY)}


# --- The decision: beëindigen ends the plan and the eligibility follows (R-SET-5, R-ELIG-5) -----------------------


def test_beeindigen_ends_the_plan_and_the_pupil_no_longer_needs_an_opp(adopted, personas, pupil):
    assert pupil.opp_required is True
    decisions = EligibilityDecision.objects.filter(student=pupil).count()
    evaluation = record(personas.begeleider_a, adopted, decision="beeindigen", end_reason=f"  {END_REASON} ")

    assert evaluation.end_reason == END_REASON
    plan = fresh(adopted.plan)
    assert plan.state == "beeindigd" and plan.ended_on == HELD_ON and plan.end_reason == END_REASON
    assert plan.ended_by == personas.begeleider_a
    assert fresh(adopted).state == "vastgesteld"  # the set version stays on record
    assert AuditEvent.objects.filter(object_type="opp.plan", object_id=str(plan.pk), action="transition",
                                     details={"to": "beeindigd", "evaluation": evaluation.pk}).exists()

    student = fresh(pupil)
    assert student.support_level == "basis" and student.extra_support_description == ""
    assert student.opp_required is False and student.opp_due_on is None
    assert EligibilityDecision.objects.filter(student=pupil).count() == decisions + 1
    latest = EligibilityDecision.objects.filter(student=pupil).order_by("-decided_at", "-pk").first()
    assert latest.required is False and latest.decided_by == personas.begeleider_a

    # An ended plan is not evaluated again.
    message = refused(lambda: record(personas.begeleider_a, adopted))
    assert message == "Dit OPP is beëindigd of ingetrokken."


def test_voortzetten_changes_nothing_of_the_plan_or_the_pupil(adopted, personas, pupil):
    versions = PlanVersion.objects.count()
    record(personas.begeleider_a, adopted, decision="voortzetten")
    assert PlanVersion.objects.count() == versions
    assert fresh(adopted.plan).state == "actief" and fresh(pupil).opp_required is True


# --- The parents' reaction (part 1) ------------------------------------------------------------------------------


def test_a_reaction_is_stored_and_audited(adopted, personas):
    evaluation = record(personas.begeleider_a, adopted)
    moeder = Student.objects.get(pk=adopted.plan.student_id).guardian_links.get(guardian__user__isnull=False).guardian
    reaction = services.reaction_add(user=moeder.user, evaluation=evaluation, author_name=moeder.name,
                                     text="  Fijn dat het lezen zo vooruitgaat!  ")
    reaction = EvaluationReaction.objects.get(pk=reaction.pk)
    assert (reaction.evaluation, reaction.author, reaction.author_name, reaction.text) == (
        evaluation, moeder.user, "Mirjam Kramer", "Fijn dat het lezen zo vooruitgaat!")
    audit = AuditEvent.objects.get(object_type="evaluations.evaluationreaction", object_id=str(reaction.pk))
    assert audit.action == "create" and audit.actor == moeder.user and audit.school_id == evaluation.plan.student.school_id
    assert "lezen" not in str(audit.details)


@pytest.mark.parametrize(("text", "message"), [
    ("   ", "Schrijf uw reactie."),
    ("x" * 5001, "Uw reactie is te lang (maximaal 5.000 tekens)."),
])
def test_an_empty_or_overlong_reaction_is_refused(adopted, personas, text, message):
    evaluation = record(personas.begeleider_a, adopted)
    before = (EvaluationReaction.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as exc:
        services.reaction_add(user=UserFactory(), evaluation=evaluation, author_name="Mirjam Kramer", text=text)
    assert exc.value.message_dict["text"] == [message]
    assert (EvaluationReaction.objects.count(), AuditEvent.objects.count()) == before


# --- The (v)so commission (part 2, R-EVAL-3) -------------------------------------------------------------------------


def commission_data(**overrides):
    return {"held_on": HELD_ON, "evaluation": "Het plan sluit aan; de stage verloopt goed.",
            "report": "Verslag aan het bestuur: geen bijzonderheden.", "advice": "geen", "advice_text": "", **overrides}


def commission_rows():
    return (CommissionEvaluation.objects.count(), AuditEvent.objects.count())


def test_the_commission_records_its_evaluation_report_and_advice(vso_adopted, personas):
    row = services.commission_record(actor=personas.commissie_a2, plan=vso_adopted.plan, data=commission_data(
        advice="bijstelling", advice_text="  Het stagedoel kan omhoog. "))
    row = CommissionEvaluation.objects.get(pk=row.pk)
    assert (row.plan, row.held_on, row.school_year, row.advice, row.advice_text, row.created_by) == (
        vso_adopted.plan, HELD_ON, "2026-2027", "bijstelling", "Het stagedoel kan omhoog.", personas.commissie_a2)
    assert row.report == "Verslag aan het bestuur: geen bijzonderheden."
    audit = AuditEvent.objects.get(object_type="evaluations.commissionevaluation", object_id=str(row.pk))
    assert audit.action == "create" and audit.details == {"advice": "bijstelling"}
    assert audit.school_id == vso_adopted.plan.student.school_id
    # The commission's evaluation is not the one with the parents: no notification, no parent evaluation.
    assert not Evaluation.objects.exists() and not Notification.objects.filter(kind="evaluation").exists()


@pytest.mark.parametrize("who", ["begeleider_a2", "leerkracht_a2", "schoolleider_a", "bestuurder_a", "commissie_b"])
def test_only_the_commission_of_that_school_records_a_commission_evaluation(vso_adopted, personas, org, begeleider_a2,
                                                                           who):
    actor = {
        "begeleider_a2": begeleider_a2,
        "leerkracht_a2": member(Role.LEERKRACHT, school=org.school_a2),
        "commissie_b": member(Role.COMMISSIE, school=org.school_b),
    }.get(who) or getattr(personas, who)
    before = commission_rows()
    with pytest.raises(PermissionDenied):
        services.commission_record(actor=actor, plan=vso_adopted.plan, data=commission_data())
    assert commission_rows() == before


def test_a_commission_evaluation_only_for_a_plan_in_so_or_vso(adopted, org):
    commissie_a = member(Role.COMMISSIE, school=org.school_a)
    before = commission_rows()
    with pytest.raises(ValidationError) as exc:
        services.commission_record(actor=commissie_a, plan=adopted.plan, data=commission_data())
    assert exc.value.message_dict["__all__"] == [
        "Alleen een OPP in het (v)so heeft een evaluatie door de commissie (R-EVAL-3)."]
    assert commission_rows() == before


def test_a_commission_evaluation_needs_its_fields(vso_adopted, personas):
    before = commission_rows()
    with pytest.raises(ValidationError) as exc:
        services.commission_record(actor=personas.commissie_a2, plan=vso_adopted.plan, data=commission_data(
            held_on=None, evaluation=" ", report="", advice="misschien"))
    assert exc.value.message_dict == {
        "held_on": ["Vul de datum in."], "evaluation": ["Dit veld is verplicht."], "report": ["Dit veld is verplicht."],
        "advice": ["Kies een advies."]}
    with pytest.raises(ValidationError) as exc:
        services.commission_record(actor=personas.commissie_a2, plan=vso_adopted.plan,
                                   data=commission_data(held_on=TODAY + datetime.timedelta(days=3)))
    assert exc.value.message_dict["held_on"] == ["Een evaluatie in de toekomst kan nog niet worden vastgelegd."]
    assert commission_rows() == before
