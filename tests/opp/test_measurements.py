"""Measurements of a lasting goal between evaluations (opp.measurements, R-CONTENT-4, R-SET-2): recorded by staff who
edit the plan, after adoption too, never on an ended plan (R-SET-5); the value checked against the instrument of the
goal's current item; every read and write in the audit log without the value; the plan page counts them without N+1.

Cast: a pupil of school A, group 4a (the leerkracht's group), whose plan started on 1 September 2026 and whose
version 1 (adopted) has an AVI reading goal (M4 → E4) and a goal without a measure. Time stands at 15 March 2027.
"""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from audit.models import AuditEvent
from opp import measurements
from opp.models import Measurement, Plan, PlanVersion
from tests.auth import login
from tests.factories import ActionItemFactory, PlanFactory, PlanVersionFactory, StudentFactory

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
NOW = datetime.datetime(2027, 3, 15, 12, 0, tzinfo=AMS)
STARTED = datetime.datetime(2026, 9, 1, 9, 0, tzinfo=AMS)
D = datetime.date
pytestmark = [pytest.mark.clock(NOW), pytest.mark.usefixtures("clock")]

AVI_MEASURE = {"measure_instrument": "avi", "measure_baseline": "M4", "measure_baseline_on": D(2026, 9, 1),
               "measure_target": "E4", "measure_target_on": D(2027, 7, 1), "measure_direction": "hoger"}


@pytest.fixture(autouse=True)
def _dutch():
    with translation.override("nl"):
        yield


def adopted(student, by, *goals) -> PlanVersion:
    """Version 1 with one item per `goals` entry (a dict of item fields), adopted; the plan started on STARTED."""
    plan = PlanFactory(student=student, created_by=by)
    Plan.objects.filter(pk=plan.pk).update(created_at=STARTED)
    version = PlanVersionFactory(plan=plan, uitstroom_profiel="vmbo_kb")
    for n, fields in enumerate(goals, 1):
        ActionItemFactory(version=version, position=n, **fields)
    PlanVersion.objects.filter(pk=version.pk).update(state="vastgesteld", adopted_at=STARTED, adopted_by=by,
                                                     adopted_hash="a" * 64)
    return PlanVersion.objects.get(pk=version.pk)


@pytest.fixture
def w(org, personas):
    from types import SimpleNamespace

    pupil = StudentFactory(school=org.school_a, first_name="Sanne", last_name="Jansen", group_name="4a",
                           opp_required=True, support_level="extra")
    version = adopted(pupil, personas.begeleider_a, {"goal": "Sanne leest op AVI E4", **AVI_MEASURE},
                      {"goal": "Sanne werkt 15 minuten zelfstandig"})
    reading, working = version.actions.order_by("position")
    return SimpleNamespace(pupil=pupil, version=version, plan=version.plan, reading=reading.plan_goal,
                           working=working.plan_goal)


def record(personas, goal, value, day=D(2027, 3, 1), note=""):
    return measurements.measurement_record(actor=personas.begeleider_a, goal=goal, measured_on=day, value=value,
                                           note=note)


# --- The service ---------------------------------------------------------------------------------------------------


def test_a_value_is_stored_normalised_in_the_instrument_of_the_current_item_and_audited_without_it(w, personas):
    m = record(personas, w.reading, " e4 ", note="AVI-toets van maart")
    assert (m.instrument, m.value, m.note, m.recorded_by) == ("avi", "E4", "AVI-toets van maart", personas.begeleider_a)
    row = AuditEvent.objects.get(action="create", object_type="opp.measurement", object_id=str(m.pk))
    assert row.school_id == w.pupil.school_id and row.details == {"goal": w.reading.pk, "instrument": "avi"}
    assert "E4" not in str(row.details) and "maart" not in str(row.details)


@pytest.mark.parametrize(("value", "day", "field", "message"), [
    ("E9", D(2027, 3, 1), "value", "Kies een niveau van AVI-niveau"),
    ("", D(2027, 3, 1), "value", "Kies een niveau van AVI-niveau"),
    ("E4", D(2027, 3, 16), "measured_on", "Een meting in de toekomst kan nog niet worden vastgelegd."),
    ("E4", D(2026, 8, 31), "measured_on", "De meting ligt vóór de start van het OPP (1 september 2026)."),
    ("E4", None, "measured_on", "Vul de datum van de meting in."),
])
def test_a_wrong_value_or_day_is_refused_with_a_dutch_message_on_its_field(w, personas, value, day, field, message):
    with pytest.raises(ValidationError) as refused:
        record(personas, w.reading, value, day)
    assert message in " ".join(refused.value.message_dict[field])
    assert not Measurement.objects.exists()


def test_a_baseline_test_before_the_plan_started_opens_the_measurements_from_that_day(org, personas):
    """The plan may start from a test taken earlier in the school year: measurements from that baseline day on."""
    pupil = StudentFactory(school=org.school_a, opp_required=True, support_level="extra")
    version = adopted(pupil, personas.begeleider_a,
                      {"goal": "Leest op AVI E4", **AVI_MEASURE, "measure_baseline_on": D(2026, 8, 20)})
    goal = version.actions.get().plan_goal
    record(personas, goal, "M4", D(2026, 8, 20))
    with pytest.raises(ValidationError) as refused:
        record(personas, goal, "M4", D(2026, 8, 19))
    assert "De meting ligt vóór de start van het OPP (20 augustus 2026)." in refused.value.message_dict["measured_on"]


def test_the_first_and_the_last_day_are_allowed(w, personas):
    record(personas, w.reading, "M4", D(2026, 9, 1))
    record(personas, w.reading, "E4", D(2027, 3, 15))
    assert measurements.latest(w.reading).value == "E4"


def test_a_goal_without_a_measure_takes_a_short_free_text(w, personas):
    m = record(personas, w.working, "6 van 10 opdrachten zelf gestart")
    assert (m.instrument, m.value) == ("vrij", "6 van 10 opdrachten zelf gestart")
    with pytest.raises(ValidationError) as refused:
        record(personas, w.working, "x" * 51)
    assert "ten hoogste 50 tekens" in refused.value.message_dict["value"][0]


def test_correcting_and_deleting_are_audited_with_the_changed_fields_only(w, personas):
    m = record(personas, w.reading, "M4")
    measurements.measurement_update(actor=personas.begeleider_a, measurement=m, measured_on=D(2027, 3, 2),
                                    value="e4", note="")
    m.refresh_from_db()
    assert (m.measured_on, m.value) == (D(2027, 3, 2), "E4")
    update = AuditEvent.objects.get(action="update", object_type="opp.measurement")
    assert update.details == {"goal": w.reading.pk, "fields": ["measured_on", "value"]}
    measurements.measurement_delete(actor=personas.begeleider_a, measurement=m)
    assert not Measurement.objects.exists()
    assert AuditEvent.objects.filter(action="delete", object_type="opp.measurement", object_id=str(m.pk)).exists()


@pytest.mark.parametrize("state", [Plan.State.BEEINDIGD, Plan.State.INGETROKKEN])
def test_an_ended_or_withdrawn_plan_takes_no_measurements(w, personas, state):
    m = record(personas, w.reading, "M4")
    Plan.objects.filter(pk=w.plan.pk).update(state=state, ended_on=D(2027, 3, 10))
    for attempt in (lambda: record(personas, w.reading, "E4"),
                    lambda: measurements.measurement_update(actor=personas.begeleider_a, measurement=m,
                                                            measured_on=m.measured_on, value="E4"),
                    lambda: measurements.measurement_delete(actor=personas.begeleider_a, measurement=m)):
        with pytest.raises(ValidationError, match="beëindigd of ingetrokken"):
            attempt()
    assert list(Measurement.objects.values_list("value", flat=True)) == ["M4"]


def test_the_leerkracht_and_another_school_may_not_record(w, personas):
    from django.core.exceptions import PermissionDenied

    for user in (personas.leerkracht_a, personas.begeleider_b):
        with pytest.raises(PermissionDenied):
            measurements.measurement_record(actor=user, goal=w.reading, measured_on=D(2027, 3, 1), value="E4")
    assert not Measurement.objects.exists()


def test_an_open_revision_words_the_goal_and_a_dropped_goal_takes_no_new_measurements(w, personas):
    """The current item is the open revision's (its measure may have changed), else the adopted one's; a goal the
    plan in force no longer has is not measured any more, its earlier measurements stay."""
    record(personas, w.working, "4 van 10")
    revision = PlanVersionFactory(plan=w.plan, number=2, based_on=w.version, state="concept")
    ActionItemFactory(version=revision, position=1, plan_goal=w.working, goal="Sanne werkt 15 minuten zelfstandig",
                      measure_instrument="percentage", measure_baseline="40", measure_baseline_on=D(2027, 3, 1),
                      measure_target="80", measure_target_on=D(2027, 7, 1), measure_direction="hoger")
    assert measurements.current_item(w.working).version == revision
    assert measurements.current_item(w.reading).version == w.version  # still in force in version 1
    assert record(personas, w.working, "60").instrument == "percentage"
    PlanVersion.objects.filter(pk=w.version.pk).update(state="vervangen")
    PlanVersion.objects.filter(pk=revision.pk).update(state="vastgesteld", adopted_at=NOW,
                                                      adopted_by=personas.begeleider_a)
    assert measurements.current_item(w.reading) is None
    with pytest.raises(ValidationError, match="staat niet meer in het OPP"):
        record(personas, w.reading, "E4")


# --- Selectors -----------------------------------------------------------------------------------------------------


def test_the_selectors_read_per_goal_in_one_query(w, personas, django_assert_num_queries):
    for day, value in ((D(2026, 10, 1), "M4"), (D(2027, 1, 20), "M4"), (D(2027, 3, 1), "E4")):
        record(personas, w.reading, value, day)
    record(personas, w.working, "5 van 10", D(2027, 2, 1))
    with django_assert_num_queries(1):
        found = measurements.for_goals([w.reading.pk, w.working.pk])
        assert [m.value for m in found[w.reading.pk]] == ["M4", "M4", "E4"]
        assert [str(m.recorded_by) for m in found[w.working.pk]] == [str(personas.begeleider_a)]
    assert [m.value for m in measurements.since(w.reading, D(2027, 1, 20))] == ["M4", "E4"]
    assert [m.measured_on for m in measurements.since(w.reading, None, until=D(2027, 1, 31))] == [
        D(2026, 10, 1), D(2027, 1, 20)]
    assert measurements.counts([w.reading.pk, w.working.pk]) == {w.reading.pk: 3, w.working.pk: 1}


# --- The pages -----------------------------------------------------------------------------------------------------


def page(goal):
    return reverse("opp:measurements", args=[goal.pk])


def test_the_page_lists_the_values_in_words_and_records_one(client, w, personas):
    record(personas, w.reading, "M4", D(2026, 10, 1), note="Start leesgroep")
    login(client, personas.begeleider_a)
    response = client.get(page(w.reading))
    body = response.content.decode()
    assert response.status_code == 200
    assert "AVI M4" in body and "1 oktober 2026" in body and "Start leesgroep" in body and "Sanne leest op AVI E4" in body
    assert 'name="csrfmiddlewaretoken"' in body
    assert AuditEvent.objects.filter(action="view", object_type="opp.goal", object_id=str(w.reading.pk)).exists()
    response = client.post(page(w.reading), {"measured_on": "2027-03-01", "value": "e4", "note": ""})
    assert response.status_code == 302 and response["Location"] == page(w.reading)
    assert measurements.latest(w.reading).value == "E4"


def test_a_refused_post_shows_the_measurements_and_is_a_logged_read_too(client, w, personas):
    record(personas, w.reading, "M4", D(2026, 10, 1))
    login(client, personas.begeleider_a)
    response = client.post(page(w.reading), {"measured_on": "", "value": "", "note": ""})
    assert response.status_code == 200 and "AVI M4" in response.content.decode()
    assert AuditEvent.objects.filter(action="view", object_type="opp.goal", object_id=str(w.reading.pk)).exists()


def test_a_wrong_value_comes_back_with_a_dutch_message_and_what_was_typed(client, w, personas):
    login(client, personas.begeleider_a)
    response = client.post(page(w.reading), {"measured_on": "2027-03-01", "value": "E12",
                                             "note": "Toets na de voorjaarsvakantie"})
    body = response.content.decode()
    assert response.status_code == 200 and "Kies een niveau van AVI-niveau" in body
    assert 'value="E12"' in body and "Toets na de voorjaarsvakantie" in body
    assert not Measurement.objects.exists()


def test_the_leerkracht_reads_but_may_not_write_and_another_school_finds_nothing(client, w, personas):
    m = record(personas, w.reading, "M4")
    login(client, personas.leerkracht_a)
    body = client.get(page(w.reading)).content.decode()
    assert "AVI M4" in body and 'name="value"' not in body and reverse("opp:measurement_edit", args=[m.pk]) not in body
    assert client.post(page(w.reading), {"measured_on": "2027-03-01", "value": "E4"}).status_code == 403
    assert client.get(reverse("opp:measurement_edit", args=[m.pk])).status_code == 403
    assert client.post(reverse("opp:measurement_delete", args=[m.pk])).status_code == 403
    login(client, personas.begeleider_b)
    assert client.get(page(w.reading)).status_code == 404
    assert client.get(reverse("opp:measurement_edit", args=[m.pk])).status_code == 404
    assert client.post(reverse("opp:measurement_delete", args=[m.pk])).status_code == 404
    assert list(Measurement.objects.values_list("value", flat=True)) == ["M4"]
    assert AuditEvent.objects.filter(action="denied", school_id=w.pupil.school_id).count() >= 2


def test_edit_and_delete_through_the_pages(client, w, personas):
    m = record(personas, w.reading, "M4")
    login(client, personas.begeleider_a)
    edit = reverse("opp:measurement_edit", args=[m.pk])
    assert 'value="M4"' in client.get(edit).content.decode()
    assert client.post(edit, {"measured_on": "2027-03-01", "value": "E4", "note": "Herkansing"}).status_code == 302
    m.refresh_from_db()
    assert (m.value, m.note) == ("E4", "Herkansing")
    assert client.post(reverse("opp:measurement_delete", args=[m.pk])).status_code == 302
    assert not Measurement.objects.exists()


def test_the_plan_page_links_each_goal_with_its_count_in_a_constant_number_of_queries(
        client, w, personas, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    record(personas, w.reading, "M4", D(2026, 10, 1))
    record(personas, w.reading, "E4", D(2027, 3, 1))
    login(client, personas.begeleider_a)
    body = client.get(reverse("opp:plan", args=[w.plan.pk])).content.decode()
    assert f'href="{page(w.reading)}">Metingen (2)' in body and f'href="{page(w.working)}">Metingen (0)' in body
    # One measured goal against seven (goals without a measure, so only the counting differs): no more queries.
    plans = []
    for name, n in (("Bram", 1), ("Fenna", 7)):
        pupil = StudentFactory(school=w.pupil.school, first_name=name, last_name="Bakker", opp_required=True)
        version = adopted(pupil, personas.begeleider_a, *({"goal": f"{name} doel {i}"} for i in range(n)))
        for item in version.actions.all():
            record(personas, item.plan_goal, "ok")
        plans.append(version.plan)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("opp:plan", args=[plans[0].pk]))
    with django_assert_max_num_queries(len(one.captured_queries)):
        body = client.get(reverse("opp:plan", args=[plans[1].pk])).content.decode()
    assert body.count("Metingen (1)") == 7


def test_each_measurement_is_on_the_pupils_timeline(w, personas):
    from students import history

    record(personas, w.reading, "E4", D(2027, 2, 1))
    events = [e for e in history.timeline(w.pupil, [], []) if e["title"] == "Meting bij een doel van het OPP"]
    assert [(e["on"], e["text"]) for e in events] == [(D(2027, 2, 1), "AVI E4")]
