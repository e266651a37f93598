"""The staff start page of the schoolleider (Mijn taken, the school overview with its charts and the other panels) and
of the bestuurder (the board overview with its charts) reads in a fixed number of queries: the same with 1 and with
10 pupils of every kind, and for the bestuurder with 1 and with 10 schools (bench/pages.py measures their time at
100,000 pupils; here only what a test can hold, the query count)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from evaluations.models import Evaluation
from opp.models import ConsentRequest, Plan, PlanVersion
from tests.factories import PlanFactory, PlanVersionFactory, SchoolFactory, StudentFactory, adopted_plan

NOON = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.UTC)
TODAY = NOON.date()
pytestmark = [pytest.mark.clock(NOON), pytest.mark.usefixtures("clock")]

#: Under the test settings (no second factor), the page with everything below in it: the schoolleider's was 32 and the
#: bestuurder's 21 before the overviews read the schools' pupils once (their six-week status, the overdue list, the
#: leavers of the LDGM model) and the plans once (versions by state, first adoption), and the task list's kinds shared
#: their evaluation candidates. The schoolleider's was 29 before the evaluation kinds stopped asking while their due
#: date (31 July) lies beyond their first reminder (3 queries; deadlines.registry.Kind.earliest_due) and a consent
#: request's row came with its pupil (1 query).
SCHOOLLEIDER_QUERIES = 25
BESTUURDER_QUERIES = 19


def pupils_of_every_kind(school, by, n: int) -> None:
    """`n` pupils of each kind the start page counts or lists at `school`: a passed six-week term (Mijn taken, the
    overdue list), a term within 14 days, an adopted plan (first adopted in the trend, due for evaluation) with its
    evaluation, a running plan with an open revision waiting for consent, an ended plan first adopted in the trend,
    a (v)so pupil with a running plan (the commission, the LDGM model) and a pupil who left with a destination."""
    for i in range(n):
        StudentFactory(school=school, opp_required=True, support_level="extra", last_name=f"Laat{i}",
                       opp_due_on=TODAY - datetime.timedelta(days=3 + i))
        StudentFactory(school=school, opp_required=True, support_level="extra", last_name=f"Straks{i}",
                       opp_due_on=TODAY + datetime.timedelta(days=5 + i))
        adopted = adopted_plan(StudentFactory(school=school, last_name=f"Vast{i}"), by=by,
                               at=NOON - datetime.timedelta(days=60 + i))
        Evaluation.objects.create(plan=adopted.plan, version=adopted, school_year="2026-2027",
                                  held_on=TODAY - datetime.timedelta(days=2), parents_present=True,
                                  conclusion="Goede voortgang.", decision="voortzetten", created_by=by)
        running = adopted_plan(StudentFactory(school=school, last_name=f"Herzien{i}"), by=by,
                               at=NOON - datetime.timedelta(days=300 + i))
        revision = PlanVersionFactory(plan=running.plan, based_on=running)
        PlanVersion.objects.filter(pk=revision.pk).update(state="instemming_gevraagd")
        ConsentRequest.objects.create(version=revision, handelingsdeel_hash="0" * 64, requested_by=by, state="open",
                                      parties=[{"kind": "guardian", "id": 1, "name": "Ouder"}])
        ended = adopted_plan(StudentFactory(school=school, last_name=f"Einde{i}"), by=by,
                             at=NOON - datetime.timedelta(days=90 + i))
        Plan.objects.filter(pk=ended.plan_id).update(state="beeindigd", ended_on=TODAY - datetime.timedelta(days=10))
        vso = PlanFactory(student=StudentFactory(school=school, onderwijssoort="vso", support_level="extra",
                                                 last_name=f"Vso{i}"))
        PlanVersionFactory(plan=vso, ldgm_leerroute="4", ldgm_bestemming="arbeid_begeleid", adopted=True,
                           adopted__at=NOON - datetime.timedelta(days=120))
        StudentFactory(school=school, onderwijssoort="vso", left_on=datetime.date(2026, 7, 1),
                       destination="mbo_1", enrolled_on=datetime.date(2021, 8, 20), last_name=f"Weg{i}")


def start_page_queries(client, user, django_assert_num_queries, expected: int) -> None:
    client.force_login(user)
    assert client.get(reverse("staff_start")).status_code == 200  # warm: content types, translations
    with django_assert_num_queries(expected):
        response = client.get(reverse("staff_start"))
    assert response.status_code == 200


@pytest.mark.parametrize("n", [1, 10])
def test_the_schoolleiders_start_page_reads_in_a_fixed_number_of_queries(n, client, org, personas,
                                                                       django_assert_num_queries):
    pupils_of_every_kind(org.school_a, personas.begeleider_a, n)
    start_page_queries(client, personas.schoolleider_a, django_assert_num_queries, SCHOOLLEIDER_QUERIES)


@pytest.mark.parametrize("n", [1, 10])
def test_the_bestuurders_start_page_reads_in_a_fixed_number_of_queries(n, client, org, personas,
                                                                     django_assert_num_queries):
    schools = [org.school_a, org.school_a2] + [SchoolFactory(board=org.board_a, name=f"School A{k + 3}")
                                               for k in range(n - 1)]
    for school in schools:
        pupils_of_every_kind(school, personas.begeleider_a, n)
    start_page_queries(client, personas.bestuurder_a, django_assert_num_queries, BESTUURDER_QUERIES)
