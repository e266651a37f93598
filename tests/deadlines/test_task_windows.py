""""Mijn taken" asks the database only for what can show: the evaluation kinds, whose items are all due on the school
year's last day, run no query while that day lies beyond their first reminder (121 days: from 1 April), and their rows
appear from that day on (R-EVAL-1); a consent request's row names its pupil's next step without looking the pupil up."""

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deadlines import registry, selectors
from deadlines.steps import StepConfig
from tests.factories import StudentFactory, adopted_plan

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
SEPT = datetime.datetime(2026, 9, 15, 10, 0, tzinfo=AMS)
pytestmark = [pytest.mark.clock(SEPT), pytest.mark.usefixtures("clock")]


def _kind(called: list, earliest: datetime.date) -> registry.Kind:
    return registry.Kind("proef", "Proef", lambda today, school_ids: called.append(today) or [],
                         default_steps=StepConfig(before=(10,)), earliest_due=lambda today: earliest)


def test_a_kind_whose_items_cannot_be_due_within_its_horizon_is_not_asked():
    today = datetime.date(2027, 3, 1)
    called: list = []
    assert selectors._due_items(_kind(called, today + datetime.timedelta(days=11)), today, [1]) == []
    assert called == []
    selectors._due_items(_kind(called, today + datetime.timedelta(days=10)), today, [1])  # the horizon's last day
    assert called == [today]


def test_the_evaluation_kinds_are_due_on_the_school_years_last_day():
    for key in ("evaluatie", "commissie_evaluatie"):
        assert registry.REGISTRY[key].earliest_due(datetime.date(2026, 9, 15)) == datetime.date(2027, 7, 31)
        assert registry.REGISTRY[key].earliest_due(datetime.date(2027, 8, 1)) == datetime.date(2028, 7, 31)


def test_evaluation_rows_appear_from_the_first_reminder_and_cost_no_query_before(org, personas):
    ib = personas.begeleider_a
    version = adopted_plan(StudentFactory(school=org.school_a, first_name="Eva", last_name="Evers"), by=ib, at=SEPT)

    with CaptureQueriesContext(connection) as before:
        rows, total = selectors.tasks_for(ib, datetime.date(2027, 3, 31))
    assert total == 0 and rows == []
    assert not [q for q in before.captured_queries if "evaluations_" in q["sql"]]

    rows, total = selectors.tasks_for(ib, datetime.date(2027, 4, 1))
    assert [(r.kind, r.name, r.due_on) for r in rows] == [("evaluatie", "Eva Evers", datetime.date(2027, 7, 31))]
    assert total == 1 and str(version.plan_id) in rows[0].url
