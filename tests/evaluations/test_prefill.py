"""The evaluation pre-filled from the goals' measurements (R-SET-2, R-CONTENT-4): every item shows its goal's
measurements since the previous evaluation (or since the baseline), the latest value against the target, and
"behaald / deels / niet" pre-selected from opp.measures.outcome. The server computes the suggestion itself; choosing
otherwise needs a reason (the form says so and keeps what was typed; the database check backs it).

Cast: Sanne (school A), plan started 1 September 2026, version 1 adopted on 1 October 2026 with an AVI goal (M4 → E4,
baseline 1 September 2026) and a goal without a measure. Time stands at 15 March 2027.
"""

from __future__ import annotations

import datetime
import re
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from evaluations import services
from evaluations.models import Evaluation, ItemProgress
from opp import measurements
from opp.models import Plan, PlanVersion
from tests.auth import login
from tests.factories import ActionItemFactory, PlanFactory, PlanVersionFactory, StudentFactory, evaluation_data

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
NOW = datetime.datetime(2027, 3, 15, 12, 0, tzinfo=AMS)
D = datetime.date
pytestmark = [pytest.mark.clock(NOW), pytest.mark.usefixtures("clock")]

AVI_MEASURE = {"measure_instrument": "avi", "measure_baseline": "M4", "measure_baseline_on": D(2026, 9, 1),
               "measure_target": "E4", "measure_target_on": D(2027, 7, 1), "measure_direction": "hoger"}
MSG_REASON = "U kiest een andere voortgang dan de metingen voorstellen (Behaald). Schrijf waarom."


@pytest.fixture(autouse=True)
def _dutch():
    with translation.override("nl"):
        yield


@pytest.fixture
def w(org, personas):
    from types import SimpleNamespace

    ib = personas.begeleider_a
    pupil = StudentFactory(school=org.school_a, first_name="Sanne", last_name="Jansen", opp_required=True,
                           support_level="extra")
    plan = PlanFactory(student=pupil, created_by=ib)
    Plan.objects.filter(pk=plan.pk).update(created_at=datetime.datetime(2026, 9, 1, 9, tzinfo=AMS))
    version = PlanVersionFactory(plan=plan, uitstroom_profiel="vmbo_kb")
    ActionItemFactory(version=version, position=1, goal="Sanne leest op AVI E4", **AVI_MEASURE)
    ActionItemFactory(version=version, position=2, goal="Sanne werkt 15 minuten zelfstandig")
    PlanVersion.objects.filter(pk=version.pk).update(
        state="vastgesteld", adopted_at=datetime.datetime(2026, 10, 1, 10, tzinfo=AMS), adopted_by=ib,
        adopted_hash="a" * 64)
    reading, working = PlanVersion.objects.get(pk=version.pk).actions.order_by("position")
    return SimpleNamespace(pupil=pupil, plan=Plan.objects.get(pk=plan.pk), reading=reading, working=working)


def measure(personas, item, value, day):
    return measurements.measurement_record(actor=personas.begeleider_a, goal=item.plan_goal, measured_on=day,
                                           value=value)


def url(w):
    return reverse("evaluations:record", args=[w.plan.pk])


def form_data(w, reading="behaald", reason="", **extra):
    return {"held_on": "2027-03-15", "parents_present": "on", "pupil_present": "on",
            "pupil_view": "Sanne leest graag voor.", "conclusion": "Het lezen gaat vooruit.", "decision": "voortzetten",
            f"item-{w.reading.pk}-progress": reading, f"item-{w.reading.pk}-note": "Besproken",
            f"item-{w.reading.pk}-override_reason": reason,
            f"item-{w.working.pk}-progress": "deels", f"item-{w.working.pk}-note": "", **extra}


def selected(body: str, item) -> str:
    select = re.search(rf'<select name="item-{item.pk}-progress".*?</select>', body, re.S).group(0)
    found = re.search(r'<option value="(\w*)"[^>]*selected', select)
    return found.group(1) if found else ""


# --- The pre-filled form ----------------------------------------------------------------------------------------


def test_the_form_shows_the_measurements_and_preselects_the_outcome(client, w, personas):
    measure(personas, w.reading, "M4", D(2026, 11, 2))
    measure(personas, w.reading, "E4", D(2027, 3, 1))
    measurements.measurement_record(actor=personas.begeleider_a, goal=w.working.plan_goal, measured_on=D(2027, 2, 1),
                                    value="5 van 10 opdrachten")
    login(client, personas.begeleider_a)
    body = client.get(url(w)).content.decode()
    assert "Metingen sinds de beginsituatie (1 september 2026)" in body
    assert "2 november 2026" in body and "1 maart 2027" in body and "AVI E4" in body
    assert "Laatste meting: AVI E4 — doel: AVI E4." in body
    assert "Voorstel op grond van de metingen: Behaald." in body
    assert selected(body, w.reading) == "behaald"
    # A goal without a measure shows what was measured, but suggests nothing and asks no reason.
    assert "5 van 10 opdrachten" in body and selected(body, w.working) == ""
    assert f'name="item-{w.working.pk}-override_reason"' not in body


def test_only_the_measurements_since_the_previous_evaluation_count(client, w, personas):
    measure(personas, w.reading, "E4", D(2026, 11, 2))
    Evaluation.objects.create(plan=w.plan, version=w.reading.version, school_year="2026-2027", held_on=D(2026, 12, 1),
                              conclusion="x", decision="voortzetten", created_by=personas.begeleider_a)
    measure(personas, w.reading, "M4", D(2027, 2, 1))  # a bad day after the last evaluation
    login(client, personas.begeleider_a)
    body = client.get(url(w)).content.decode()
    assert "Metingen sinds de vorige evaluatie (vanaf 2 december 2026)" in body
    assert "2 november 2026" not in body and "1 februari 2027" in body
    assert selected(body, w.reading) == "niet"


def test_a_later_measurement_than_the_evaluation_day_is_not_counted(w, personas):
    measure(personas, w.reading, "M4", D(2027, 2, 1))
    measure(personas, w.reading, "E4", D(2027, 3, 10))
    prefill = services.progress_prefill(w.plan, [w.reading, w.working], until=D(2027, 3, 1))
    assert [m.value for m in prefill[w.reading.pk].measurements] == ["M4"]
    assert prefill[w.reading.pk].suggested == "niet" and prefill[w.working.pk].suggested == ""


def test_the_baseline_test_recorded_as_a_measurement_suggests_nothing(w, personas):
    """A value measured on the baseline's own day is the baseline, not progress or its absence: no "niet" that staff
    would have to argue away."""
    measure(personas, w.reading, "M4", D(2026, 9, 1))
    prefill = services.progress_prefill(w.plan, [w.reading], until=D(2026, 9, 25))
    assert [m.value for m in prefill[w.reading.pk].measurements] == ["M4"]
    assert prefill[w.reading.pk].suggested == ""
    measure(personas, w.reading, "E4", D(2026, 9, 20))
    assert services.progress_prefill(w.plan, [w.reading], until=D(2026, 9, 25))[w.reading.pk].suggested == "behaald"


# --- Saving: the server's suggestion, the override and its reason --------------------------------------------------


def test_choosing_otherwise_without_a_reason_is_refused_and_what_was_typed_stays(client, w, personas):
    measure(personas, w.reading, "E4", D(2027, 3, 1))
    login(client, personas.begeleider_a)
    response = client.post(url(w), form_data(w, reading="deels", conclusion="Mijn lange conclusie"))
    body = response.content.decode()
    assert response.status_code == 200 and MSG_REASON in body
    assert "Mijn lange conclusie" in body and "Sanne leest graag voor." in body
    assert selected(body, w.reading) == "deels"  # the choice as typed, not the suggestion
    assert not Evaluation.objects.exists()


def test_with_a_reason_the_override_is_stored_next_to_the_suggestion(client, w, personas):
    measure(personas, w.reading, "E4", D(2027, 3, 1))
    login(client, personas.begeleider_a)
    response = client.post(url(w), form_data(w, reading="deels", reason="E4 gehaald, maar het tempo blijft achter."))
    assert response.status_code == 302
    row = ItemProgress.objects.get(action=w.reading)
    assert (row.suggested, row.progress, row.override_reason) == (
        "behaald", "deels", "E4 gehaald, maar het tempo blijft achter.")
    other = ItemProgress.objects.get(action=w.working)
    assert (other.suggested, other.override_reason) == ("", "")


def test_following_the_suggestion_keeps_no_reason(client, w, personas):
    measure(personas, w.reading, "E4", D(2027, 3, 1))
    login(client, personas.begeleider_a)
    assert client.post(url(w), form_data(w, reading="behaald", reason="Toch iets getypt")).status_code == 302
    row = ItemProgress.objects.get(action=w.reading)
    assert (row.suggested, row.progress, row.override_reason) == ("behaald", "behaald", "")


def test_the_server_ignores_a_posted_suggestion(client, w, personas):
    measure(personas, w.reading, "E4", D(2027, 3, 1))
    login(client, personas.begeleider_a)
    data = form_data(w, reading="deels", **{f"item-{w.reading.pk}-suggested": "deels", "suggested": "deels"})
    response = client.post(url(w), data)
    assert response.status_code == 200 and MSG_REASON in response.content.decode()
    assert not Evaluation.objects.exists()


def test_the_service_checks_the_reason_itself(w, personas):
    """A caller that skips the form (or a form that computed its suggestion on another day) meets the same rule."""
    measure(personas, w.reading, "E4", D(2027, 3, 1))
    progress = {w.reading.pk: ("niet", "", ""), w.working.pk: ("deels", "")}
    with pytest.raises(ValidationError) as refused:
        services.evaluation_record(actor=personas.begeleider_a, plan=w.plan, data=evaluation_data(D(2027, 3, 15)),
                                   progress=progress)
    assert "Onderdeel 1: u kiest een andere voortgang" in " ".join(refused.value.messages)
    progress[w.reading.pk] = ("niet", "", "De toets was op een slechte dag.")
    evaluation = services.evaluation_record(actor=personas.begeleider_a, plan=w.plan,
                                            data=evaluation_data(D(2027, 3, 15)), progress=progress)
    assert evaluation.progress.get(action=w.reading).override_reason == "De toets was op een slechte dag."


def test_the_database_refuses_an_override_without_a_reason(w, personas):
    evaluation = Evaluation.objects.create(plan=w.plan, version=w.reading.version, school_year="2026-2027",
                                           held_on=D(2027, 3, 1), conclusion="x", decision="voortzetten",
                                           created_by=personas.begeleider_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        ItemProgress.objects.create(evaluation=evaluation, action=w.reading, progress="deels", suggested="behaald")
    ItemProgress.objects.create(evaluation=evaluation, action=w.reading, progress="deels", suggested="behaald",
                                override_reason="Tempo blijft achter.")


def test_without_measurements_nothing_is_suggested_and_nothing_asked(w, personas):
    evaluation = services.evaluation_record(
        actor=personas.begeleider_a, plan=w.plan, data=evaluation_data(D(2027, 3, 15)),
        progress={w.reading.pk: ("niet", ""), w.working.pk: ("deels", "")})
    assert set(evaluation.progress.values_list("suggested", "override_reason")) == {("", "")}


def test_the_record_page_asks_a_bounded_number_of_queries(client, w, personas, django_assert_max_num_queries):
    for day, value in ((D(2026, 10, 1), "M4"), (D(2026, 12, 1), "M4"), (D(2027, 3, 1), "E4")):
        measure(personas, w.reading, value, day)
    login(client, personas.begeleider_a)
    with django_assert_max_num_queries(20):
        assert client.get(url(w)).status_code == 200
