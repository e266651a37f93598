"""When an evaluation is due (issue 8, part 4; R-EVAL-1, R-EVAL-3): the pure rule, the daily sweep walked with
time-machine, and the compliance findings.

Jan Kok (school A, bao) has a plan first set on 28 September 2026, so it is due in school year 2026-2027
(1 August – 31 July): reminders from 1 April 2027 (121 days before 31 July) to the begeleider, from 1 July
the schoolleider too (in his daily digest). Eva Smit (school A2, vso) also needs the commission's evaluation.
"""

import datetime
import zoneinfo

import pytest
import time_machine

from accounts.models import Role
from deadlines import registry
from deadlines import services as deadline_services
from deadlines.models import Reminder
from evaluations import selectors, services
from notifications.models import Notification
from opp import selectors as opp_selectors
from opp import services as opp_services
from opp.models import PlanVersion
from opp_portal.schoolyear import school_year
from tests.factories import StudentFactory, adopted_plan, evaluation_data, member, progress_for

D = datetime.date
AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
ADOPTED_AT = datetime.datetime(2026, 9, 28, 14, 0, tzinfo=AMS)
YEAR_END = D(2027, 7, 31)


def at(d: datetime.date, hour: int = 6):
    """The beat runs the sweep at 06:00 Amsterdam time."""
    return time_machine.travel(datetime.datetime(d.year, d.month, d.day, hour, 0, tzinfo=AMS), tick=False)


def run(d: datetime.date):
    with at(d):
        result = deadline_services.sweep(today=d)
    assert result.errors == []
    return result


def days(first: datetime.date, last: datetime.date):
    d = first
    while d <= last:
        yield d
        d += datetime.timedelta(days=1)


def reminders(version, kind="evaluatie") -> list[Reminder]:
    return list(Reminder.objects.filter(kind=kind, subject_type="opp.plan", subject_id=str(version.plan_id)).order_by("pk"))


def mails(version, kind="evaluatie"):
    return Notification.objects.filter(kind=f"reminder:{kind}", subject_type="opp.plan",
                                       subject_id=str(version.plan_id)).order_by("pk")


def evaluate(actor, version, held_on, **data):
    with at(held_on, hour=15):
        return services.evaluation_record(actor=actor, plan=version.plan, data=evaluation_data(held_on, **data),
                                          progress=progress_for(version))


def adopted_on(student, by, d: datetime.date):
    return adopted_plan(student, by=by, at=datetime.datetime(d.year, d.month, d.day, 14, 0, tzinfo=AMS))


@pytest.fixture
def jan(org):
    return StudentFactory(school=org.school_a, first_name="Jan", last_name="Kok", opp_required=True,
                          support_level="extra", extra_support_description="Leesbegeleiding")


@pytest.fixture
def plan(jan, personas):
    return adopted_plan(jan, by=personas.begeleider_a, at=ADOPTED_AT)


@pytest.fixture
def begeleider_a2(org):
    return member(Role.BEGELEIDER, school=org.school_a2, username="begeleider_a2")


@pytest.fixture
def vso_plan(org, begeleider_a2):
    eva = StudentFactory(school=org.school_a2, first_name="Eva", last_name="Smit", onderwijssoort="vso",
                         date_of_birth=D(2011, 2, 3), opp_required=True, support_level="extra")
    return adopted_plan(eva, by=begeleider_a2, at=ADOPTED_AT)


# --- The rule, pure (R-EVAL-1, design: 1 May) --------------------------------------------------------------------


TODAY = D(2027, 4, 1)  # school year 2026-2027


@pytest.mark.parametrize(("first_set", "due"), [
    (D(2025, 10, 1), True),  # a previous school year
    (D(2026, 7, 31), True),  # the last day of the previous school year
    (D(2026, 8, 1), True),  # the first day of this one
    (D(2027, 3, 31), True),
    (D(2027, 4, 30), True),  # the day before the cutoff
    (D(2027, 5, 1), False),  # on the cutoff: first due next school year
    (D(2027, 7, 31), False),
    (None, False),  # never set
])
def test_is_due_this_year(first_set, due):
    assert selectors.is_due_this_year(first_set, TODAY) is due


def test_a_plan_set_on_1_may_is_due_the_next_school_year():
    assert selectors.is_due_this_year(D(2027, 5, 1), D(2027, 7, 31)) is False
    assert selectors.is_due_this_year(D(2027, 5, 1), D(2027, 8, 1)) is True


def test_the_cutoff_comes_from_the_settings(settings):
    settings.OPP_EVALUATION_FIRST_DUE_CUTOFF = (6, 1)
    assert selectors.is_due_this_year(D(2027, 5, 15), TODAY) is True
    assert selectors.is_due_this_year(D(2027, 6, 1), TODAY) is False
    settings.OPP_EVALUATION_FIRST_DUE_CUTOFF = (3, 1)
    assert selectors.is_due_this_year(D(2027, 2, 28), TODAY) is True
    assert selectors.is_due_this_year(D(2027, 4, 30), TODAY) is False


def test_a_cutoff_in_the_autumn_lies_in_the_same_school_year(settings):
    # 1 December: a plan first set in December 2026 is first due in 2027-2028, one set in November is due now.
    settings.OPP_EVALUATION_FIRST_DUE_CUTOFF = (12, 1)
    assert selectors.cutoff(TODAY) == D(2026, 12, 1)
    assert selectors.cutoff(D(2026, 9, 1)) == D(2026, 12, 1)
    assert selectors.is_due_this_year(D(2026, 11, 30), TODAY) is True
    assert selectors.is_due_this_year(D(2026, 12, 1), TODAY) is False


def test_the_default_cutoff_is_1_may_of_the_school_year():
    assert selectors.cutoff(D(2026, 8, 1)) == D(2027, 5, 1)
    assert selectors.cutoff(D(2027, 7, 31)) == D(2027, 5, 1)


# --- The sweep: reminders from 1 April, escalation from 1 July ------------------------------------------------------


def test_an_unevaluated_plan_is_reminded_from_1_april_and_escalated_from_1_july(plan, personas, org):
    begeleider = personas.begeleider_a
    schoolleiders = sorted([personas.schoolleider_a.email, personas.schoolleider_mandaat_a.email])
    for d in days(D(2026, 9, 28), D(2027, 3, 31)):
        if d.day in (1, 15) or d == D(2027, 3, 31):
            run(d)
    assert reminders(plan) == [] and not mails(plan).exists()

    run(D(2027, 4, 1))
    [first] = reminders(plan)
    assert (first.step, first.period, first.due_on, first.escalated_to) == ("-121", "2026-2027", YEAR_END, "")
    assert first.school_id == org.school_a.pk and first.initials == "J.K."
    [mail] = mails(plan)
    assert mail.recipient == begeleider and mail.digest is False
    assert mail.subject_line == "Jaarlijkse evaluatie van het OPP: J.K. (School A) – uiterlijk 31 juli 2027"
    assert "Uiterste datum: 31 juli 2027 (nog 121 dagen)" in mail.body_text
    assert f"/opp/{plan.plan_id}/" in mail.body_text
    assert "Jan" not in mail.body_text and "Kok" not in f"{mail.subject_line}{mail.body_text}"

    run(D(2027, 4, 1))  # the same day again: nothing new
    run(D(2027, 4, 2))
    assert len(reminders(plan)) == 1 and mails(plan).count() == 1

    seen = set(mails(plan).values_list("pk", flat=True))
    run(D(2027, 7, 1))
    assert [(r.step, r.escalated_to) for r in reminders(plan)] == [("-121", ""), ("-30", "schoolleider")]
    new = list(mails(plan).exclude(pk__in=seen))
    assert sorted((m.to_email, m.digest) for m in new) == sorted(
        [(begeleider.email, False)] + [(email, True) for email in schoolleiders])
    escalated = [m for m in new if m.digest]
    assert all(m.subject_line.startswith("[Escalatie] Jaarlijkse evaluatie van het OPP: J.K.") for m in escalated)
    everyone = set(mails(plan).values_list("to_email", flat=True))
    for outsider in (personas.leerkracht_a, personas.bestuurder_a, personas.begeleider_b, personas.commissie_a2):
        assert outsider.email not in everyone


def test_the_whole_school_year_day_by_day(plan, personas):
    for d in days(D(2027, 3, 25), YEAR_END):
        run(d)
    assert [(r.step, r.created_at.astimezone(AMS).date(), r.escalated_to) for r in reminders(plan)] == [
        ("-121", D(2027, 4, 1), ""), ("-30", D(2027, 7, 1), "schoolleider"), ("-14", D(2027, 7, 17), "schoolleider"),
        ("-7", D(2027, 7, 24), "schoolleider"), ("0", YEAR_END, "schoolleider"),
    ]
    assert mails(plan).filter(to_email=personas.begeleider_a.email, digest=False).count() == 5
    assert mails(plan).filter(to_email=personas.schoolleider_a.email, digest=True).count() == 4


def test_after_an_evaluation_no_further_reminders_that_school_year(plan, personas):
    run(D(2027, 4, 1))
    assert [r.step for r in reminders(plan)] == ["-121"]
    evaluate(personas.begeleider_a, plan, D(2027, 4, 10))
    for d in days(D(2027, 4, 10), YEAR_END):
        if d.day in (1, 10, 17, 24, 31):
            run(d)
    assert [r.step for r in reminders(plan)] == ["-121"]
    assert mails(plan).count() == 1


def test_an_evaluation_in_november_covers_the_school_year_and_the_next_one_is_due_again(plan, personas):
    evaluate(personas.begeleider_a, plan, D(2026, 11, 20))
    for d in (D(2027, 4, 1), D(2027, 7, 1), YEAR_END):  # same school year 2026-2027: nothing
        run(d)
    assert reminders(plan) == []
    run(D(2028, 3, 31))
    assert reminders(plan) == []
    run(D(2028, 4, 1))  # school year 2027-2028: due again
    [reminder] = reminders(plan)
    assert (reminder.step, reminder.period, reminder.due_on) == ("-121", "2027-2028", D(2028, 7, 31))


def test_an_evaluation_in_july_of_the_previous_school_year_does_not_count(jan, personas):
    version = adopted_on(jan, personas.begeleider_a, D(2025, 9, 29))
    evaluate(personas.begeleider_a, version, D(2026, 7, 15))  # school year 2025-2026
    run(D(2027, 4, 1))
    assert [(r.step, r.period) for r in reminders(version)] == [("-121", "2026-2027")]


def test_a_plan_first_set_on_30_april_is_due_this_school_year(jan, personas):
    run(D(2027, 4, 30))  # the 06:00 sweep, before the adoption that afternoon
    version = adopted_on(jan, personas.begeleider_a, D(2027, 4, 30))
    assert reminders(version) == []
    run(D(2027, 5, 1))  # the 1 April step has passed: one catch-up reminder
    assert [(r.step, r.period) for r in reminders(version)] == [("-121", "2026-2027")]


def test_a_plan_first_set_on_1_may_is_first_due_the_next_school_year(jan, personas):
    version = adopted_on(jan, personas.begeleider_a, D(2027, 5, 1))
    for d in (D(2027, 5, 2), D(2027, 7, 1), YEAR_END, D(2027, 8, 1), D(2028, 3, 31)):
        run(d)
    assert reminders(version) == []
    run(D(2028, 4, 1))
    assert [(r.step, r.period) for r in reminders(version)] == [("-121", "2027-2028")]


def test_the_cutoff_setting_moves_the_first_due_year(jan, personas, settings):
    settings.OPP_EVALUATION_FIRST_DUE_CUTOFF = (6, 1)
    version = adopted_on(jan, personas.begeleider_a, D(2027, 5, 1))
    run(D(2027, 7, 1))
    assert [(r.step, r.period, r.escalated_to) for r in reminders(version)] == [("-30", "2026-2027", "schoolleider")]


def test_a_revision_in_progress_is_still_evaluated_against_the_first_setting(plan, personas):
    # The revision is a concept; the plan was first set on 28 September 2026 and stays due.
    opp_services.revision_start(actor=personas.begeleider_a, plan=plan.plan)
    run(D(2027, 4, 1))
    assert [r.step for r in reminders(plan)] == ["-121"]


def test_a_plan_ended_or_withdrawn_gets_no_evaluation_reminders(plan, personas, org):
    evaluate(personas.begeleider_a, plan, D(2026, 11, 20), decision="beeindigen", end_reason="Niet meer nodig.")
    other = adopted_plan(StudentFactory(school=org.school_a, opp_required=True, support_level="extra"),
                         by=personas.begeleider_a, at=ADOPTED_AT)
    with at(D(2026, 12, 1), hour=10):
        opp_services.plan_withdraw(actor=personas.schoolleider_mandaat_a, plan=other.plan, reason="Verhuisd.",
                                   on_date=D(2026, 12, 1))
    for d in (D(2027, 4, 1), D(2027, 7, 1), D(2028, 4, 1)):
        run(d)
    assert reminders(plan) == [] and reminders(other) == []


def test_a_concept_plan_gets_no_evaluation_reminder(jan, personas):
    from tests.factories import PlanFactory, PlanVersionFactory

    version = PlanVersionFactory(plan=PlanFactory(student=jan, created_by=personas.begeleider_a), with_actions=1)
    run(D(2027, 7, 1))
    assert reminders(version) == []


# --- The (v)so commission's own yearly evaluation (R-EVAL-3) --------------------------------------------------------


def test_the_commission_of_a_vso_school_is_reminded_and_a_bao_plan_never(vso_plan, plan, personas, begeleider_a2):
    run(D(2027, 4, 1))
    [commission] = reminders(vso_plan, "commissie_evaluatie")
    assert (commission.step, commission.period, commission.due_on) == ("-121", "2026-2027", YEAR_END)
    assert [m.to_email for m in mails(vso_plan, "commissie_evaluatie")] == [personas.commissie_a2.email]
    assert mails(vso_plan, "commissie_evaluatie").get().subject_line == (
        "Jaarlijkse evaluatie door de commissie ((v)so): E.S. (School A2 (vso)) – uiterlijk 31 juli 2027")
    # The evaluation with the parents is a kind of its own, for the begeleider.
    assert [m.to_email for m in mails(vso_plan)] == [begeleider_a2.email]

    for d in (D(2027, 7, 1), YEAR_END):
        run(d)
    assert reminders(plan, "commissie_evaluatie") == []
    assert not Reminder.objects.filter(kind="commissie_evaluatie", subject_id=str(plan.plan_id)).exists()


def test_a_commission_evaluation_stops_only_the_commission_reminders(vso_plan, personas, begeleider_a2):
    run(D(2027, 4, 1))
    with at(D(2027, 4, 2), hour=15):
        services.commission_record(actor=personas.commissie_a2, plan=vso_plan.plan, data={
            "held_on": D(2027, 4, 2), "evaluation": "Het plan sluit aan.", "report": "Geen bijzonderheden.",
            "advice": "geen"})
    run(D(2027, 7, 1))
    assert [r.step for r in reminders(vso_plan, "commissie_evaluatie")] == ["-121"]
    assert [r.step for r in reminders(vso_plan)] == ["-121", "-30"]


def test_an_evaluation_with_the_parents_does_not_stop_the_commission_reminders(vso_plan, personas, begeleider_a2):
    evaluate(begeleider_a2, vso_plan, D(2027, 3, 1))
    run(D(2027, 7, 1))
    assert reminders(vso_plan) == []
    assert [(r.step, r.escalated_to) for r in reminders(vso_plan, "commissie_evaluatie")] == [("-30", "schoolleider")]


def test_both_kinds_are_registered_with_the_evaluation_steps():
    for key in ("evaluatie", "commissie_evaluatie"):
        steps = registry.REGISTRY[key].default_steps
        assert steps.before == (121, 30, 14, 7)
        assert (-30, "schoolleider") in steps.escalate
    assert registry.REGISTRY["commissie_evaluatie"].remind_roles == ("commissie",)
    assert school_year(D(2027, 7, 31)) == (D(2026, 8, 1), D(2027, 7, 31))
    assert school_year(D(2027, 8, 1)) == (D(2027, 8, 1), D(2028, 7, 31))
    assert YEAR_END - datetime.timedelta(days=121) == D(2027, 4, 1)


# --- Compliance findings (R-EVAL-1, R-EVAL-3) ------------------------------------------------------------------------


def findings(version, today):
    version = PlanVersion.objects.get(pk=version.pk)
    with at(today, hour=12):
        return {f.code: f for f in opp_selectors.findings_for(version, today=today)}


def test_no_evaluation_this_year_until_the_evaluation_is_held(plan, personas):
    found = findings(plan, D(2026, 11, 20))
    finding = found["no_evaluation_this_year"]
    assert finding.rule == "R-EVAL-1" and not finding.blocking
    assert finding.message == "Dit OPP is in schooljaar 2026-2027 nog niet met de ouders geëvalueerd."
    assert "no_commission_evaluation_this_year" not in found  # bao: no commission

    # The open revision shows it too (the plan has an adopted version).
    with at(D(2026, 11, 20), hour=10):
        revision = opp_services.revision_start(actor=personas.begeleider_a, plan=plan.plan)
    assert "no_evaluation_this_year" in findings(revision, D(2026, 11, 20))

    evaluate(personas.begeleider_a, plan, D(2026, 11, 20))
    assert "no_evaluation_this_year" not in findings(plan, D(2026, 11, 21))
    assert "no_evaluation_this_year" not in findings(revision, D(2026, 11, 21))
    # A new school year: due again.
    assert "no_evaluation_this_year" in findings(plan, D(2027, 8, 1))
    assert "2027-2028" in findings(plan, D(2027, 8, 1))["no_evaluation_this_year"].message


def test_no_finding_for_a_plan_first_set_after_the_cutoff(jan, personas):
    version = adopted_on(jan, personas.begeleider_a, D(2027, 5, 3))
    assert "no_evaluation_this_year" not in findings(version, D(2027, 6, 1))
    assert "no_evaluation_this_year" in findings(version, D(2027, 9, 1))


def test_no_finding_for_a_version_of_a_plan_never_adopted(jan, personas):
    from tests.factories import version_for_consent

    version = version_for_consent(jan, by=personas.begeleider_a)
    assert not {"no_evaluation_this_year", "no_commission_evaluation_this_year"} & set(findings(version, D(2026, 11, 20)))


def test_vso_needs_the_commission_evaluation_too(vso_plan, personas, begeleider_a2):
    found = findings(vso_plan, D(2026, 11, 20))
    assert {"no_evaluation_this_year", "no_commission_evaluation_this_year"} <= set(found)
    commission = found["no_commission_evaluation_this_year"]
    assert commission.rule == "R-EVAL-3" and not commission.blocking
    assert commission.message == "De commissie heeft dit OPP in schooljaar 2026-2027 nog niet geëvalueerd."

    evaluate(begeleider_a2, vso_plan, D(2026, 11, 20))
    found = findings(vso_plan, D(2026, 11, 21))
    assert "no_evaluation_this_year" not in found and "no_commission_evaluation_this_year" in found

    with at(D(2026, 11, 25), hour=15):
        services.commission_record(actor=personas.commissie_a2, plan=vso_plan.plan, data={
            "held_on": D(2026, 11, 25), "evaluation": "Het plan sluit aan.", "report": "Geen bijzonderheden.",
            "advice": "geen"})
    found = findings(vso_plan, D(2026, 11, 26))
    assert not {"no_evaluation_this_year", "no_commission_evaluation_this_year"} & set(found)
