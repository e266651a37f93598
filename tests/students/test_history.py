"""A pupil's OPP history over the years (issue 15): which plan is current, whether it is in force, and which six-week
term runs and why — students.history, the one place that decides it, and what the services, the lists, the sweep
and the pupil page make of it. Every case names its rule; every date is fixed (no test reads today's date).
"""

import datetime
import itertools
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from deadlines import registry
from evaluations import services as evaluation_services
from opp import selectors as opp_selectors
from opp import services as opp_services
from students import eligibility, history, services
from students.deadlines import Start, StartBasis
from students.eligibility import PlacementFact
from students.history import PlanFact
from students.models import PARENTS_NOT_TOLD, Student
from tests.factories import StudentFactory, UserFactory, adopted_plan, evaluation_data, progress_for

D = datetime.date
AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
DAYS = datetime.timedelta


def at(day: datetime.date, hour: int = 10):
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, hour, 0, tzinfo=AMS), tick=False)


# --- The pure rule, table-driven over multi-year histories -------------------------------------------------------

ENROLLED = D(2022, 8, 22)


def plan(started, state="actief", adopted=None, ended=None):
    return PlanFact(started_on=started, state=state, adopted_on=adopted, ended_on=ended)


HISTORIES = [
    # (id, rule, onderwijssoort, need_on, need (R-ELIG without placements), placements, plans,
    #  expected (required, in_force, start, basis, due))
    ("enrolment", "R-TIME-1", "sbo", None, True, (), (),
     (True, False, ENROLLED, StartBasis.ENROLMENT, ENROLLED + DAYS(42))),
    ("enrolment-then-adopted", "R-TIME-1", "sbo", None, True, (), (plan(D(2022, 9, 1), adopted=D(2022, 9, 30)),),
     (True, True, ENROLLED, StartBasis.ENROLMENT, ENROLLED + DAYS(42))),
    ("need-in-regular-school", "R-TIME-1", "bao", D(2024, 3, 4), True, (), (),
     (True, False, D(2024, 3, 4), StartBasis.NEED, D(2024, 4, 15))),
    ("ended-plan-no-need", "R-SET-5", "bao", D(2023, 1, 9), False, (),
     (plan(D(2023, 1, 10), "beeindigd", D(2023, 2, 1), D(2024, 6, 28)),),
     (False, False, None, None, None)),
    ("ended-plan-need-returns", "R-SET-5", "bao", D(2025, 11, 3), True, (),
     (plan(D(2023, 1, 10), "beeindigd", D(2023, 2, 1), D(2024, 6, 28)),),
     (True, False, D(2025, 11, 3), StartBasis.NEED, D(2025, 12, 15))),
    ("ended-plan-need-returns-new-plan-adopted", "R-SET-5", "bao", D(2025, 11, 3), True, (),
     (plan(D(2023, 1, 10), "beeindigd", D(2023, 2, 1), D(2024, 6, 28)), plan(D(2025, 11, 4), adopted=D(2025, 12, 1))),
     (True, True, D(2025, 11, 3), StartBasis.NEED, D(2025, 12, 15))),
    ("withdrawn-need-stays", "R-SET-5", "sbo", None, True, (),
     (plan(D(2022, 9, 1), "ingetrokken", D(2022, 9, 30), D(2025, 3, 14)),),
     (True, False, D(2025, 3, 14), StartBasis.AFTER_PLAN, D(2025, 4, 25))),
    ("opdc-without-plan-planned", "R-TIME-5", "bao", None, False, (PlacementFact("opdc", D(2026, 1, 12)),), (),
     (True, False, D(2026, 1, 12), StartBasis.OPDC, D(2026, 1, 12))),
    ("observation-without-plan", "R-TIME-5", "bao", None, False, (PlacementFact("observatie", D(2026, 1, 12)),), (),
     (True, False, D(2026, 1, 12), StartBasis.OBSERVATION, D(2026, 2, 23))),
    ("opdc-before-the-need-term", "R-TIME-5", "bao", D(2025, 12, 1), True, (PlacementFact("opdc", D(2025, 12, 15)),),
     (), (True, False, D(2025, 12, 15), StartBasis.OPDC, D(2025, 12, 15))),
    ("opdc-during-an-earlier-plan", "R-TIME-5", "bao", None, False, (PlacementFact("opdc", D(2023, 5, 1)),),
     (plan(D(2023, 1, 10), "beeindigd", D(2023, 2, 1), D(2024, 6, 28)),),
     (False, False, None, None, None)),
    ("removal-sets-no-term", "R-TIME-5", "bao", None, False, (PlacementFact("verwijdering", D(2026, 1, 12)),), (),
     (False, False, None, None, None)),
]


@pytest.mark.parametrize(("case", "rule", "soort", "need_on", "need", "placements", "plans", "expected"),
                         HISTORIES, ids=[h[0] for h in HISTORIES])
def test_standing_over_a_pupils_history(case, rule, soort, need_on, need, placements, plans, expected):
    st = history.standing(onderwijssoort=soort, enrolled_on=ENROLLED, placed_on=None, support_need_on=need_on,
                          need_without_placements=need, placements=placements, plans=plans)
    required, in_force, start, basis, due = expected
    assert (st.required, st.in_force) == (required, in_force), rule
    assert (st.term.on if st.term else None, st.term.basis if st.term else None, st.due_on) == (start, basis, due), rule


def test_R_TIME_5_an_opp_rests_under_a_placement_only_if_in_force_on_its_start():
    old = plan(D(2023, 1, 10), "beeindigd", D(2023, 2, 1), D(2024, 6, 28))
    assert history.rests_on_opp([old], D(2023, 2, 1)) and history.rests_on_opp([old], D(2024, 6, 28))
    assert not history.rests_on_opp([old], D(2023, 1, 31))  # adopted the day after
    assert not history.rests_on_opp([old], D(2024, 6, 29))  # ended the day before
    assert not history.rests_on_opp([plan(D(2025, 1, 6))], D(2025, 3, 1))  # a plan never adopted


def test_R_TIME_5_an_opdc_term_is_due_on_the_start_day_itself():
    assert Start(D(2026, 1, 12), StartBasis.OPDC).due_on == D(2026, 1, 12)
    assert Start(D(2026, 1, 12), StartBasis.OBSERVATION).due_on == D(2026, 2, 23)


@pytest.mark.parametrize(("bekwaam", "party", "informed"),
                         list(itertools.product([False, True], ["", "leerling", "leerling_en_ouders"], [False, True])))
def test_R_TIME_4_parents_are_told_rule_and_its_database_filter_agree(org, bekwaam, party, informed):
    pupil = StudentFactory(school=org.school_a2, date_of_birth=D(2006, 3, 1), handelingsbekwaam=bekwaam,
                           consent_party=party, parents_informed=informed)
    in_filter = Student.objects.filter(PARENTS_NOT_TOLD, pk=pupil.pk).exists()
    assert in_filter is not eligibility.parents_are_told(handelingsbekwaam=bekwaam, consent_party=party,
                                                          parents_informed=informed)


# --- Through the services: Lotte's need returns after her ended plan ------------------------------------------


@pytest.fixture
def lotte(org, personas):
    """A bao pupil at school A since August 2022; extra support from 9 January 2024 (the services, fixed dates)."""
    with at(D(2024, 1, 9)):
        pupil = services.student_create(actor=personas.begeleider_a, school=org.school_a, today=D(2024, 1, 9), data={
            "first_name": "Lotte", "last_name": "de Vries", "date_of_birth": D(2016, 1, 25), "pupil_number": "A001",
            "onderwijssoort": "bao", "enrolled_on": ENROLLED, "support_level": "extra", "support_need_on": D(2024, 1, 9),
            "extra_support_description": "Taalbegeleiding"})
    return pupil


def ended_after_evaluation(pupil, personas):
    """Lotte's plan: started and adopted in January 2024, ended after its evaluation on 28 June 2024."""
    with at(D(2024, 1, 15)):
        version = adopted_plan(pupil, by=personas.begeleider_a, at=datetime.datetime(2024, 1, 15, 14, tzinfo=AMS))
    with at(D(2024, 6, 28), hour=15):
        evaluation_services.evaluation_record(actor=personas.begeleider_a, plan=version.plan, progress=progress_for(version),
                                              data=evaluation_data(D(2024, 6, 28), decision="beeindigen",
                                                                   end_reason="Taal op niveau."))
    pupil.refresh_from_db()
    return version.plan


def test_R_SET_5_R_TIME_1_a_need_returning_after_an_ended_plan_starts_a_new_term(lotte, personas):
    ended_after_evaluation(lotte, personas)
    assert (lotte.opp_required, lotte.opp_in_force, lotte.opp_due_on) == (False, False, None)

    with at(D(2025, 11, 3)):
        services.student_update(actor=personas.begeleider_a, student=lotte, today=D(2025, 11, 3), data={
            "support_level": "extra", "extra_support_description": "Begrijpend lezen", "support_need_on": D(2025, 11, 3)})
    lotte.refresh_from_db()
    assert (lotte.opp_required, lotte.opp_in_force) == (True, False)
    assert (lotte.opp_start_on, lotte.opp_start_basis, lotte.opp_due_on) == (D(2025, 11, 3), "behoefte", D(2025, 12, 15))

    # The pupil page says the term runs (not "vastgesteld"), and the sweep reminds the begeleider.
    its_history = opp_selectors.pupil_history(lotte)
    assert its_history.current_plan is None and its_history.standing.term.on == D(2025, 11, 3)
    due = [i for i in registry.opp_setting_items(D(2025, 12, 1), [lotte.school_id]) if i.subject_id == lotte.pk]
    assert [(i.kind, i.due_on) for i in due] == [("opp_vaststellen", D(2025, 12, 15))]

    # A new plan, adopted: the term is met again.
    with at(D(2025, 11, 10)):
        adopted_plan(lotte, by=personas.begeleider_a, at=datetime.datetime(2025, 11, 10, 14, tzinfo=AMS))
    lotte.refresh_from_db()
    assert lotte.opp_in_force is True
    assert not [i for i in registry.opp_setting_items(D(2025, 12, 1), [lotte.school_id]) if i.subject_id == lotte.pk]


@pytest.mark.parametrize(("need_on", "text"), [
    (None, "Vul de datum in waarop bleek dat extra ondersteuning nodig is"),
    (D(2024, 5, 1), "Het vorige OPP is beëindigd of ingetrokken op 28 juni 2024"),
    (D(2025, 12, 1), "ligt in de toekomst"),
])
def test_R_TIME_1_switching_to_extra_support_needs_a_new_need_date(lotte, personas, need_on, text):
    ended_after_evaluation(lotte, personas)
    data = {"support_level": "extra", "extra_support_description": "Begrijpend lezen", "support_need_on": need_on}
    with at(D(2025, 11, 3)), pytest.raises(ValidationError) as exc:
        services.student_update(actor=personas.begeleider_a, student=lotte, today=D(2025, 11, 3), data=data)
    assert text in " ".join(exc.value.message_dict["support_need_on"])
    lotte.refresh_from_db()
    assert lotte.support_level == "basis" and lotte.opp_due_on is None


def test_a_need_date_after_leaving_is_refused(lotte, personas):
    with pytest.raises(ValidationError) as exc:
        services.student_update(actor=personas.begeleider_a, student=lotte, today=D(2024, 3, 1), data={
            "left_on": D(2024, 2, 1), "destination": "Verhuisd", "support_need_on": D(2024, 2, 5)})
    assert "na de uitschrijving" in " ".join(exc.value.message_dict["support_need_on"])


def test_R_SET_5_a_withdrawn_plan_leaves_a_running_term_when_the_need_stays(org, personas):
    """An sbo pupil always needs an OPP (R-ELIG-1): after a withdrawal a new plan is due six weeks later."""
    with at(D(2024, 9, 2)):
        pupil = StudentFactory(school=org.school_a2, enrolled_on=D(2024, 9, 2), date_of_birth=D(2010, 4, 2))
        version = adopted_plan(pupil, by=personas.bestuurder_a, at=datetime.datetime(2024, 9, 30, 14, tzinfo=AMS))
    pupil.refresh_from_db()
    assert pupil.opp_in_force is True
    with at(D(2025, 3, 14)):
        opp_services.plan_withdraw(actor=personas.bestuurder_a, plan=version.plan, reason="Nieuw plan nodig.",
                                   on_date=D(2025, 3, 14))
    pupil.refresh_from_db()
    assert (pupil.opp_in_force, pupil.opp_start_on, pupil.opp_start_basis, pupil.opp_due_on) == (
        False, D(2025, 3, 14), "na_vorig_opp", D(2025, 4, 25))


# --- A placement sets its own term (R-TIME-5) --------------------------------------------------------------------


@pytest.fixture
def milan(org, personas):
    """A regular bao pupil enrolled in August 2019, basisondersteuning: no OPP needed — until a placement."""
    with at(D(2025, 11, 3)):
        return services.student_create(actor=personas.begeleider_a, school=org.school_a, today=D(2025, 11, 3), data={
            "first_name": "Milan", "last_name": "Smit", "date_of_birth": D(2014, 2, 2), "pupil_number": "M1",
            "onderwijssoort": "bao", "enrolled_on": D(2019, 8, 19), "support_level": "basis"})


OPDC = {"kind": "opdc", "location": "OPDC De Brug", "support_question": "Terugkeer naar de klas",
        "expected_duration": "12 weken", "follows_whole_programme": False}


def test_R_TIME_5_an_opdc_placement_next_month_gives_the_school_until_its_start(milan, personas):
    with at(D(2025, 11, 3)):
        services.placement_record(actor=personas.begeleider_a, student=milan, data={**OPDC, "start_on": D(2025, 12, 1)})
    milan.refresh_from_db()
    assert (milan.opp_required, milan.opp_start_basis, milan.opp_due_on) == (True, "opdc", D(2025, 12, 1))
    # Not "overdue by thousands of days" since the enrolment in 2019: due in four weeks.
    item = next(i for i in registry.opp_setting_items(D(2025, 11, 3), [milan.school_id], horizon_days=60)
                if i.subject_id == milan.pk)
    assert item.due_on == D(2025, 12, 1)


def test_R_TIME_5_an_opdc_placement_recorded_after_its_start_is_overdue_since_its_start(milan, personas, client):
    with at(D(2025, 11, 3)):
        services.placement_record(actor=personas.begeleider_a, student=milan, data={**OPDC, "start_on": D(2025, 10, 20)})
        client.force_login(personas.begeleider_a)
        html = client.get(reverse("students:detail", args=[milan.pk])).content.decode()
    milan.refresh_from_db()
    assert milan.opp_due_on == D(2025, 10, 20)
    assert "20 oktober 2025" in html and "14 dagen te laat" in html
    assert "zonder vastgesteld OPP dat eraan ten grondslag ligt" in html


def test_R_TIME_5_an_observation_placement_runs_six_weeks_from_its_start(milan, personas):
    with at(D(2025, 11, 3)):
        services.placement_record(actor=personas.begeleider_a, student=milan, data={
            "kind": "observatie", "location": "SBO De Wissel", "start_on": D(2025, 11, 10)})
    milan.refresh_from_db()
    assert (milan.opp_start_basis, milan.opp_due_on) == ("observatie", D(2025, 12, 22))


# --- The data migration: existing pupils move to the new model without loss ---------------------------------------

BEFORE = [("students", "0003_student_consent_party_student_parents_informed")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_recomputes_every_pupils_standing_from_its_history(org):
    """Seeded in the old shape (no opp_in_force; terms as the old code stored them), migrated forward: an ended plan
    no longer switches the term off, an in-force plan counts as met, a placement has its own term."""
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    by = UserFactory(username="ib_history_migratie")
    try:
        executor.migrate(BEFORE)
        # The state right before students 0004: the plans app as it is (its tables never changed shape here).
        state_nodes = BEFORE + [node for node in latest if node[0] == "opp"]
        old = MigrationExecutor(connection).loader.project_state(state_nodes).apps
        OldStudent, Plan = old.get_model("students", "Student"), old.get_model("opp", "Plan")
        PlanVersion, Placement = old.get_model("opp", "PlanVersion"), old.get_model("students", "PlacementEvent")
        assert "opp_in_force" not in {f.name for f in OldStudent._meta.get_fields()}
        base = {"school_id": org.school_a2.pk, "date_of_birth": D(2010, 1, 1), "onderwijssoort": "vso",
                "enrolled_on": D(2022, 8, 22), "opp_required": True, "opp_start_on": D(2022, 8, 22),
                "opp_start_basis": "inschrijving", "opp_due_on": D(2022, 10, 3)}
        in_force = OldStudent.objects.create(first_name="Ina", last_name="A", pupil_number="M1", **base)
        withdrawn = OldStudent.objects.create(first_name="Wim", last_name="B", pupil_number="M2", **base)
        placed = OldStudent.objects.create(**{**base, "school_id": org.school_a.pk, "onderwijssoort": "bao",
                                              "opp_start_basis": "inschrijving"}, first_name="Pim", last_name="C",
                                           pupil_number="M3")
        adopted_at = datetime.datetime(2022, 9, 20, 10, tzinfo=AMS)
        for pupil, state, ended in ((in_force, "actief", None), (withdrawn, "ingetrokken", D(2025, 3, 14))):
            p = Plan.objects.create(student_id=pupil.pk, created_by_id=by.pk, state=state, ended_on=ended)
            PlanVersion.objects.create(plan=p, number=1, state="vastgesteld", created_by_id=by.pk, adopted_at=adopted_at,
                                       adopted_by_id=by.pk)
        Placement.objects.create(student_id=placed.pk, kind="opdc", start_on=D(2025, 12, 1), support_question="Vraag",
                                 expected_duration="8 weken", follows_whole_programme=True)

        executor = MigrationExecutor(connection)
        executor.migrate(latest)
        rows = {s.first_name: s for s in Student.objects.filter(pk__in=[in_force.pk, withdrawn.pk, placed.pk])}
        assert (rows["Ina"].opp_in_force, rows["Ina"].opp_due_on) == (True, D(2022, 10, 3))
        assert (rows["Wim"].opp_in_force, rows["Wim"].opp_start_basis, rows["Wim"].opp_due_on) == (
            False, "na_vorig_opp", D(2025, 4, 25))
        assert (rows["Pim"].opp_required, rows["Pim"].opp_start_basis, rows["Pim"].opp_due_on) == (
            True, "opdc", D(2025, 12, 1))
        assert Student.objects.count() >= 3  # nothing deleted
    finally:
        MigrationExecutor(connection).migrate(latest)


# --- The pupil's timeline (students.history.timeline, with the events the apps above register) -------------------

TIMELINE_NOW = datetime.datetime(2026, 9, 25, 10, 0, tzinfo=AMS)


def test_timeline_shows_each_change_of_the_decision_once():
    """R-ELIG-5: a new decision row is written when only the term's due date moved (a plan started or was adopted);
    the timeline names the decision once, and again only when its outcome or reason changes."""
    d = history.DecisionFact
    shown = history.decision_changes([
        d(D(2026, 9, 1), True, "Extra ondersteuning"), d(D(2026, 9, 20), True, "Extra ondersteuning"),
        d(D(2026, 10, 1), False, "Basisondersteuning"), d(D(2026, 11, 1), True, "Extra ondersteuning"),
    ])
    assert [(x.on, x.required) for x in shown] == [(D(2026, 9, 1), True), (D(2026, 10, 1), False),
                                                   (D(2026, 11, 1), True)]


@pytest.mark.clock(TIMELINE_NOW)
def test_pupil_timeline_has_consent_adoption_evaluation_and_dispute_and_one_decision(client, world, personas):
    from disputes import services as dispute_services
    from opp import adoption
    from students.models import EligibilityDecision
    from tests.factories import complete_version, consent_given

    w, ib = world, personas.begeleider_a
    complete_version(w.version_a, by=ib)
    consent_given(w.version_a, by=ib)
    adoption.submit(actor=ib, version=w.version_a)
    adoption.adopt_confirmed(actor=personas.bestuurder_a, version=w.version_a)
    w.version_a.refresh_from_db()
    evaluation_services.evaluation_record(actor=ib, plan=w.version_a.plan, data=evaluation_data(D(2026, 9, 25)),
                                          progress=progress_for(w.version_a))
    dispute_services.register(actor=personas.geschillen_a, plan=w.version_a.plan, version=w.version_a,
                              subject="vaststelling", filed_on=D(2026, 9, 25))
    # Two decision rows with the same outcome and reason (only the due date moved): the bug showed both.
    latest = w.sanne.eligibility_decisions.order_by("-decided_at", "-pk").first()
    reasons = latest.reasons if latest else [{"rule": "R-ELIG-1", "text": "Extra ondersteuning"}]
    EligibilityDecision.objects.create(student=w.sanne, required=True, reasons=reasons, due_on=D(2026, 10, 13))
    EligibilityDecision.objects.create(student=w.sanne, required=True, reasons=reasons, due_on=D(2026, 10, 20))
    client.force_login(ib)
    html = client.get(reverse("students:detail", args=[w.sanne.pk])).content.decode()
    timeline = html.split('id="h-timeline"', 1)[1].split("</ol>", 1)[0]
    assert timeline.count("Besluit: OPP verplicht") == 1, timeline
    for title in ("OPP gestart", "Om instemming gevraagd (versie 1)", "Instemming gegeven (versie 1)",
                  "OPP vastgesteld (versie 1)", "Evaluatie van het OPP",
                  "Geschil ingediend bij de Geschillencommissie passend onderwijs"):
        assert title in timeline, title


@pytest.mark.clock(TIMELINE_NOW)
def test_timeline_queries_do_not_grow_with_the_history(world, personas):
    """Each registered app adds a fixed number of queries, whatever the number of plans and events."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ib = personas.begeleider_a
    pupil = StudentFactory(school=world.sanne.school, opp_required=True, support_level="extra")

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as q:
            events = [e for provider in history._timeline.values() for e in provider(pupil.pk)]
        return len(q), len(events)

    version = adopted_plan(pupil, by=ib)
    few, few_events = queries()
    for _i in range(3):
        opp_services.plan_withdraw(actor=personas.bestuurder_a, plan=version.plan, reason="Verhuisd.",
                                   on_date=TIMELINE_NOW.date())
        version = adopted_plan(pupil, by=ib)
    many, many_events = queries()
    assert many_events > few_events and many == few
