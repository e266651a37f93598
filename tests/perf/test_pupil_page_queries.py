"""The staff pupil page (students:detail) and the plan page (opp:plan) read the pupil's rows once: the same number of
queries with 1 and with 10 plans, versions, items, consultations, consent requests and measurements (bench/pages.py
measures their time as goals_pupil and goals_plan; here only what a test can hold, the query count). What the parts of
the pupil page read from the one load is what they read from the database."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from opp import content as opp_content
from opp import goal_charts, measurements, selectors
from opp.models import ActionItem, ConsentRequest, Measurement, Plan, PlanVersion, Reaction
from students import history
from students import selectors as student_selectors
from tests.factories import (
    ActionItemFactory,
    ConsultationFactory,
    PlanFactory,
    PlanVersionFactory,
    StudentFactory,
    parent_of,
    refresh_standing,
)

pytestmark = pytest.mark.usefixtures("clock")

#: Under the test settings. Before the page read the pupil once: 31 on the pupil page (33 in the bench), 17 on the plan
#: page (20 in the bench); 22 once the portal invitations panel reads the guardians the page loaded.
PUPIL_PAGE_QUERIES = 22
PLAN_PAGE_QUERIES = 15
D = datetime.date
MEASURE = {"measure_instrument": "avi", "measure_baseline": "M3", "measure_baseline_on": D(2025, 9, 1),
           "measure_target": "M5", "measure_target_on": D(2027, 7, 1), "measure_direction": "hoger"}


def _version(plan, *, n: int, by, based_on=None, adopted_at=None) -> PlanVersion:
    """A version of `plan` with `n` factors, yields and handelingsdeel items, every item measured (AVI); adopted at
    `adopted_at` when given (after its items exist: an adopted version cannot change)."""
    version = PlanVersionFactory(plan=plan, based_on=based_on, with_factors=n, with_yields=n, uitstroom_profiel="vmbo_kb")
    for position in range(1, n + 1):
        ActionItemFactory(version=version, position=position, **MEASURE)
    if adopted_at is not None:
        fresh = PlanVersion.objects.prefetch_related("factors", "actions", "yields").get(pk=version.pk)
        PlanVersion.objects.filter(pk=version.pk).update(state="vastgesteld", adopted_at=adopted_at, adopted_by=by,
                                                         adopted_hash=opp_content.version_hash(fresh))
    return version


def pupil_with(n: int, *, school, by, name: str):
    """A pupil with `n - 1` withdrawn earlier plans (each an adopted version) and a running plan of `n` versions (the
    last adopted, the others superseded) and an open revision in overleg; every version with `n` items, all measured
    (AVI); `n` measurements of every goal, `n` consultations, reactions and consent requests (all but the last
    withdrawn); a parent with a portal account."""
    student = StudentFactory(school=school, first_name=name, last_name="Teller", opp_required=True,
                             support_level="extra")
    parent = parent_of(student, name=f"Ouder {name}", username=f"ouder_{name.lower()}")
    start = timezone.now() - datetime.timedelta(days=400)
    for k in range(n - 1):
        earlier = PlanFactory(student=student, created_by=by)
        _version(earlier, n=n, by=by, adopted_at=start)
        Plan.objects.filter(pk=earlier.pk).update(state="ingetrokken", ended_on=D(2025, 10, 1) + datetime.timedelta(days=k),
                                                  created_at=start - datetime.timedelta(days=n - k))
    plan = PlanFactory(student=student, created_by=by)
    previous = None
    for number in range(1, n + 1):
        previous = _version(plan, n=n, by=by, based_on=previous, adopted_at=start + datetime.timedelta(days=number))
        if number < n:
            PlanVersion.objects.filter(pk=previous.pk).update(state="vervangen")
    revision = _version(plan, n=n, by=by, based_on=previous)
    PlanVersion.objects.filter(pk=revision.pk).update(state="in_overleg")
    refresh_standing(student)
    goals = set(ActionItem.objects.filter(version__plan__student=student).values_list("plan_goal_id", flat=True))
    Measurement.objects.bulk_create(
        Measurement(goal_id=goal, measured_on=D(2025, 10, 1) + datetime.timedelta(weeks=k), instrument="avi",
                    value=("M3", "E3", "M4", "E4")[k % 4], recorded_by=by)
        for goal in goals for k in range(n))
    for day in range(n):
        ConsultationFactory(plan=plan, version=revision, held_on=D(2026, 9, 1) + datetime.timedelta(days=day))
        Reaction.objects.create(version=revision, author=parent.user, author_name=parent.name, text=f"Reactie {day}")
        ConsentRequest.objects.create(
            version=revision, handelingsdeel_hash="0" * 64, requested_by=by,
            state="open" if day == n - 1 else "ingetrokken",
            parties=[{"kind": "guardian", "id": parent.pk, "name": parent.name}])
    return student, plan


@pytest.fixture
def pupils(org, personas):
    return {n: pupil_with(n, school=org.school_a, by=personas.begeleider_a, name=f"Kind{n}") for n in (1, 10)}


def test_the_pupil_page_reads_a_pupil_in_a_fixed_number_of_queries(client, personas, pupils,
                                                                   django_assert_num_queries):
    client.force_login(personas.begeleider_a)
    client.get(reverse("students:detail", args=[pupils[1][0].pk]))  # warm: content types, translations
    for n, (student, _plan) in pupils.items():
        with django_assert_num_queries(PUPIL_PAGE_QUERIES):
            page = client.get(reverse("students:detail", args=[student.pk]))
        html = page.content.decode()
        assert page.status_code == 200
        assert html.count("OPP gestart op") == n  # every plan
        assert html.count("Meting bij een doel van het OPP") == n * len(
            set(ActionItem.objects.filter(version__plan__student=student).values_list("plan_goal_id", flat=True)))
        assert "grafiek-voortgang" in html  # the progress panel


def test_the_plan_page_reads_a_plan_and_its_pupil_in_a_fixed_number_of_queries(client, personas, pupils,
                                                                               django_assert_num_queries):
    client.force_login(personas.begeleider_a)
    client.get(reverse("opp:plan", args=[pupils[1][1].pk]))  # warm
    for n, (_student, plan) in pupils.items():
        with django_assert_num_queries(PLAN_PAGE_QUERIES):
            page = client.get(reverse("opp:plan", args=[plan.pk]))
        html = page.content.decode()
        assert page.status_code == 200
        assert html.count("Het OPP is besproken.") >= n  # every consultation
        assert "grafiek-voortgang" in html and f"Metingen ({n})" in html


# --- What the parts read from the one load is what they read from the database ------------------------------------


def _loaded(student_pk: int, user):
    student = student_selectors.with_page_rows(StudentFactory._meta.model.objects.select_related("school").get(
        pk=student_pk))
    return selectors.load_pupil(student, timezone.localdate(), user=user)


def test_the_timeline_from_the_loaded_pupil_is_the_queried_one(pupils, personas):
    for student, _plan in pupils.values():
        fresh = StudentFactory._meta.model.objects.select_related("school").get(pk=student.pk)
        loaded = _loaded(student.pk, personas.begeleider_a)
        assert history.timeline(loaded, [], []) == history.timeline(fresh, [], [])
        assert selectors.timeline_events(loaded) == selectors.timeline_events(student.pk)
        assert measurements.timeline_events(loaded) == measurements.timeline_events(student.pk)


def test_the_progress_chart_from_the_loaded_plans_is_the_queried_one(pupils, personas):
    for student, plan in pupils.values():
        user = personas.begeleider_a
        loaded = _loaded(student.pk, user)
        plans = selectors.readable_plans(loaded, user)
        assert len(plans) == Plan.objects.filter(student=student).count()
        queried = goal_charts.pupil_progress(student, plans=Plan.objects.filter(student=student))
        assert str(goal_charts.pupil_progress(loaded, plans=plans)) == str(queried)
        page_plan = next(p for p in loaded.plans.all() if p.pk == plan.pk)
        assert measurements.current_items(page_plan) == measurements.current_items(Plan.objects.get(pk=plan.pk))
        assert measurements.plan_page_goals(page_plan) == measurements.plan_page_goals(Plan.objects.get(pk=plan.pk))


def test_the_loaded_plans_say_what_opp_access_says_of_the_reader(pupils, personas):
    """The progress panel shows the plans its reader reads (opp.access.plans_visible_to): the load answers the same,
    for a leerkracht of the pupil's group and for staff of another school (who sees no panel)."""
    student, _plan = pupils[1]
    for user, readable in ((personas.leerkracht_a, True), (personas.begeleider_b, False)):
        loaded = _loaded(student.pk, user)
        assert bool(selectors.readable_plans(loaded, user)) is readable
        assert bool(goal_charts.pupil_page_part(loaded, user)) is readable
        assert selectors.readable_plans(loaded, personas.begeleider_a) is None  # loaded for another: ask the database
        assert selectors.readable_plans(loaded, None) is None
    # Loaded without a reader (opp.selectors.pupil_page called without one): the panel asks the database.
    unread = _loaded(student.pk, None)
    assert selectors.readable_plans(unread, personas.begeleider_a) is None
    assert goal_charts.pupil_page_part(unread, personas.begeleider_a)
