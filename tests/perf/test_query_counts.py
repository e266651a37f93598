"""The OPP editor (opp:version) and the portal child page (portal:child) read a pupil in a fixed number of queries:
the same with 1 and with 10 items per section, consultations, reactions and earlier versions (bench/pages.py measures
their time; here only what a test can hold, the query count)."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone

from evaluations import selectors as evaluation_selectors
from evaluations.models import Evaluation
from opp import consent_services, copy_forward, selectors
from opp.models import ConsentRequest, Plan, PlanVersion, Reaction
from portal import inzage
from portal import selectors as portal_selectors
from students.models import Guardian
from tests.factories import (
    ConsultationFactory,
    PlanFactory,
    PlanVersionFactory,
    StudentFactory,
    parent_of,
)

pytestmark = pytest.mark.usefixtures("clock")

#: Today's counts under the test settings (39, 41 and 20 before the pages read a pupil once; then 22, 24, 17, 6 and 23
#: before they read the consent status, the evaluation status, the copy-forward sources, the open reactions and the
#: portal user's guardianship from what the page loaded). bench/pages.py holds the editor to 15 and the portal child
#: page to 20 on its production setup (README "Performance"). The portal child page was 20, then its section of requests
#: to the samenwerkingsverband (swv) added one query; 19 once its disputes and the parent's bekendmaking are read only
#: when the plans and versions it loads say there are any (tests/portal/test_child_page_reads.py). The portal version
#: page was 14 while it loaded the pupil's plans, consultations and consent for a compliance snapshot whose findings it
#: does not show; 9 with its content and the pupil's placements only (portal.selectors.applicable_sections).
EDITOR_QUERIES = 15
PORTAL_QUERIES = 19
PORTAL_VERSION_QUERIES = 9
PORTAL_HOME_QUERIES = 6
PLAN_QUERIES = 15  # 17 before the plan page loaded its pupil once (tests/perf/test_pupil_page_queries.py)


def pupil_with(n: int, *, school, by, name: str):
    """A pupil whose plan has `n` earlier versions (the last adopted, the others superseded), then an open revision
    in overleg; every version with `n` factors, items and yields; `n` consultations, `n` parent reactions on the open
    version and `n` consent requests (all but the last withdrawn); a parent with a portal account."""
    student = StudentFactory(school=school, first_name=name, last_name="Teller", opp_required=True,
                             support_level="extra")
    parent = parent_of(student, name=f"Ouder {name}", username=f"ouder_{name.lower()}")
    plan = PlanFactory(student=student, created_by=by)
    start = timezone.now() - datetime.timedelta(days=400)
    previous = None
    for number in range(1, n + 1):
        previous = PlanVersionFactory(plan=plan, based_on=previous, with_factors=n, with_actions=n, with_yields=n,
                                      uitstroom_profiel="vmbo_kb", adopted=True,
                                      adopted__at=start + datetime.timedelta(days=number), adopted__by=by)
        if number < n:
            PlanVersion.objects.filter(pk=previous.pk).update(state="vervangen")
    revision = PlanVersionFactory(plan=plan, based_on=previous, with_factors=n, with_actions=n, with_yields=n,
                                  uitstroom_profiel="vmbo_kb")
    PlanVersion.objects.filter(pk=revision.pk).update(state="in_overleg")
    for day in range(n):
        ConsultationFactory(plan=plan, version=revision, held_on=datetime.date(2026, 9, 1) + datetime.timedelta(days=day))
        Reaction.objects.create(version=revision, author=parent.user, author_name=parent.name, text=f"Reactie {day}")
        ConsentRequest.objects.create(
            version=revision, handelingsdeel_hash="0" * 64, requested_by=by,
            state="open" if day == n - 1 else "ingetrokken",
            parties=[{"kind": "guardian", "id": parent.pk, "name": parent.name}])
    return student, revision, parent.user


@pytest.fixture
def pupils(org, personas):
    return {n: pupil_with(n, school=org.school_a, by=personas.begeleider_a, name=f"Kind{n}") for n in (1, 10)}


def test_the_editor_reads_a_pupil_in_a_fixed_number_of_queries(client, personas, pupils, django_assert_num_queries):
    client.force_login(personas.begeleider_a)
    client.get(reverse("opp:version", args=[pupils[1][1].pk]))  # warm: content types, translations
    for n, (_student, revision, _parent) in pupils.items():
        with django_assert_num_queries(EDITOR_QUERIES):
            page = client.get(reverse("opp:version", args=[revision.pk]))
        html = page.content.decode()
        assert page.status_code == 200
        # Every stored row is on the page as a form (plus the empty row and the <template> row).
        assert html.count('name="handelingsdeel-') and f'name="handelingsdeel-{n - 1}-goal"' in html
        assert f'name="factoren-{n - 1}-text"' in html and f'name="leerrendement-{n - 1}-expectation"' in html
        assert f'name="handelingsdeel-{n}-goal"' in html  # the new, empty row


def test_the_portal_child_page_reads_a_pupil_in_a_fixed_number_of_queries(client, pupils, django_assert_num_queries):
    for n, (student, revision, parent) in pupils.items():
        client.force_login(parent)
        client.get(reverse("portal:child", args=[student.pk]))  # warm
        with django_assert_num_queries(PORTAL_QUERIES):
            page = client.get(reverse("portal:child", args=[student.pk]))
        html = page.content.decode()
        assert page.status_code == 200
        assert f"Reactie {n - 1}" in html  # every reaction
        assert html.count("Het OPP is besproken.") == n  # every consultation


def test_the_portal_version_page_reads_a_pupil_in_a_fixed_number_of_queries(client, pupils, django_assert_num_queries):
    for n, (_student, revision, parent) in pupils.items():
        client.force_login(parent)
        client.get(reverse("portal:version", args=[revision.pk]))  # warm
        with django_assert_num_queries(PORTAL_VERSION_QUERIES):
            page = client.get(reverse("portal:version", args=[revision.pk]))
        assert page.status_code == 200
        assert page.content.decode().count("Doel ") >= n  # every handelingsdeel item


def test_the_portal_start_page_lists_any_number_of_children_in_a_fixed_number_of_queries(
        client, org, personas, django_assert_num_queries):
    """A parent of one child and a parent of ten (each child with a plan whose version is in overleg): the same
    person is the guardian of every child, with one account."""
    parents = {}
    for n in (1, 10):
        children = [pupil_with(1, school=org.school_a, by=personas.begeleider_a, name=f"Gezin{n}x{k}") for k in range(n)]
        parents[n] = children[0][2]
        Guardian.objects.filter(user__in=[parent for _s, _v, parent in children]).update(user=parents[n])
    for n, account in parents.items():
        client.force_login(account)
        client.get(reverse("portal:home"))  # warm
        with django_assert_num_queries(PORTAL_HOME_QUERIES):
            page = client.get(reverse("portal:home"))
        assert page.status_code == 200
        assert page.content.decode().count(f"Gezin{n}x") >= n  # every child is listed


def test_the_plan_page_reads_a_plan_in_a_fixed_number_of_queries(client, personas, pupils, django_assert_num_queries):
    """The plan page (opp:plan): its stepper and its evaluation sections read this school year's evaluations once."""
    client.force_login(personas.begeleider_a)
    client.get(reverse("opp:plan", args=[pupils[1][1].plan_id]))  # warm
    for n, (_student, revision, _parent) in pupils.items():
        with django_assert_num_queries(PLAN_QUERIES):
            page = client.get(reverse("opp:plan", args=[revision.plan_id]))
        assert page.status_code == 200
        assert page.content.decode().count("Het OPP is besproken.") >= n  # every consultation


# --- What a page reads from what it loaded is what the queries say --------------------------------------------------


def _decided(version, *, by, state, closed_at, requested_at):
    request = ConsentRequest.objects.create(version=version, handelingsdeel_hash=version.handelingsdeel_hash(),
                                            requested_by=by, state=state, closed_at=closed_at, parties=[])
    ConsentRequest.objects.filter(pk=request.pk).update(requested_at=requested_at)
    return request


@pytest.mark.parametrize("undated", ["gegeven", "geweigerd"])
def test_the_consent_status_from_the_loaded_plan_is_the_queried_one(pupils, personas, undated):
    """opp.consent_services.status and covering_request read the plan's loaded requests (the editor, the portal) as
    the query orders them, also for a decision without a closing moment (at the moment it was asked, on PostgreSQL
    and SQLite alike)."""
    _student, revision, _parent = pupils[10]
    now = timezone.now()
    version = PlanVersion.objects.get(pk=revision.pk)
    _decided(version, by=personas.begeleider_a, state="gegeven", closed_at=now - datetime.timedelta(days=3),
             requested_at=now - datetime.timedelta(days=5))
    _decided(version, by=personas.begeleider_a, state=undated, closed_at=None,
             requested_at=now - datetime.timedelta(days=4))
    loaded = selectors.load_editor_version(revision.pk)
    queried = PlanVersion.objects.select_related("plan").get(pk=revision.pk)
    assert consent_services.loaded_plan_requests(loaded) is not None
    assert consent_services.loaded_plan_requests(queried) is None
    a, b = consent_services.status(loaded), consent_services.status(queried)
    assert {k: v for k, v in a.items() if k not in ("latest", "covering", "answers")} == \
        {k: v for k, v in b.items() if k not in ("latest", "covering", "answers")}
    assert (a["latest"], a["covering"], a["answers"]) == (b["latest"], b["covering"], b["answers"])
    assert a["covers"] is True  # the dated consent is the latest decision: the undated one counts at its asking
    assert consent_services.covering_request(queried) == a["covering"]


def test_copy_forward_sources_from_the_loaded_pupil_are_the_queried_ones(pupils):
    for _n, (_student, revision, _parent) in pupils.items():
        loaded = selectors.load_editor_version(revision.pk)
        for version in loaded.plan.versions.all():
            assert copy_forward.has_sources(version) == copy_forward.sources(version).exists()


def test_the_evaluation_status_from_the_loaded_plan_is_the_queried_one(clock, pupils, personas):
    """evaluations.selectors.status_for on a plan a page loaded (its versions, its evaluations or the annotations of
    plan_annotations) says what it says on a bare plan, which it queries."""
    student, revision, _parent = pupils[10]
    plan = revision.plan
    adopted = plan.versions.filter(state="vastgesteld").get()
    today = timezone.localdate()
    for held_on, present, invited, reason in ((today, False, today, "Ziek"), (today, False, None, ""),
                                              (today - datetime.timedelta(days=400), True, None, "")):
        Evaluation.objects.create(plan=plan, version=adopted, school_year="2026-2027", held_on=held_on,
                                  parents_present=present, parents_invited_on=invited, parents_absence_reason=reason,
                                  conclusion="Het gaat goed.", decision="voortzetten", created_by=personas.begeleider_a)
    queried = evaluation_selectors.status_for(Plan.objects.select_related("student").get(pk=plan.pk), today)
    assert queried["held"] and queried["held_without_parents"] and queried["due"]
    annotated = Plan.objects.select_related("student").annotate(**evaluation_selectors.plan_annotations(today))
    loaded = Plan.objects.select_related("student").prefetch_related("versions").get(pk=plan.pk)
    with_evaluations = Plan.objects.select_related("student").prefetch_related(
        "versions", Prefetch("evaluations", queryset=evaluation_selectors.counting_annotated(Evaluation.objects.all())))
    for page_plan in (annotated.get(pk=plan.pk), loaded, with_evaluations.get(pk=plan.pk)):
        assert evaluation_selectors.status_for(page_plan, today) == queried
    clock.move_to(datetime.datetime(2027, 9, 1, 10, tzinfo=datetime.UTC))  # another school year: not annotated
    later = timezone.localdate()
    assert evaluation_selectors.status_for(annotated.get(pk=plan.pk), later) == evaluation_selectors.status_for(
        Plan.objects.select_related("student").get(pk=plan.pk), later)


def test_the_portal_user_s_parties_from_the_loaded_guardians_are_the_queried_ones(pupils, org):
    student, revision, parent = pupils[1]
    request = ConsentRequest.objects.filter(version=revision, state="open").get()
    other = parent_of(StudentFactory(school=org.school_a), name="Andere ouder", username="andere_ouder")
    request.parties = [*request.parties, {"kind": "guardian", "id": other.pk, "name": other.name},
                       {"kind": "pupil", "id": student.pk, "name": student.full_name}]
    for user in (parent, other.user):
        guardians = portal_selectors.guardians_of_user(user, student)
        assert consent_services.parties_of_user(user, request, guardian_ids={g.pk for g in guardians},
                                                pupil=student) == consent_services.parties_of_user(user, request)
        assert inzage.party_of(user, student, guardians=guardians) == inzage.party_of(user, student)
