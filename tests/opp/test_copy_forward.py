"""Copy forward (opp.copy_forward, R-CONTENT-4, R-CONSENT-7): a draft version starts a goal from a goal of the same
pupil's earlier version or evaluation, with its measure and the last measured value as the new baseline."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from evaluations.models import Evaluation, ItemProgress
from opp import copy_forward, services
from opp.models import ActionItem, Goal, Measurement, Plan, PlanVersion
from tests.auth import login
from tests.factories import ActionItemFactory, PlanFactory, PlanVersionFactory, StudentFactory

pytestmark = pytest.mark.usefixtures("clock")

D = datetime.date
READING = dict(goal="Sanne leest aan het eind van het schooljaar op AVI M5.", measure_instrument="avi",
               measure_baseline="E3", measure_baseline_on=D(2025, 9, 15), measure_target="M5",
               measure_target_on=D(2026, 7, 1), measure_direction="hoger")


def adopt(plan, by, items, *, at=None):
    """A set version of `plan` with these items (as the factories adopt: items first, then the state)."""
    version = PlanVersionFactory(plan=plan, uitstroom_profiel="vmbo_kb")
    for i, fields in enumerate(items, 1):
        ActionItemFactory(version=version, position=i, **fields)
    PlanVersion.objects.filter(pk=version.pk).update(
        state="vastgesteld", adopted_at=at or timezone.now(), adopted_by=by, adopted_hash="0" * 64)
    version.refresh_from_db()
    return version


def measure(item, on, value, by):
    return Measurement.objects.create(goal_id=item.plan_goal_id, measured_on=on, instrument=item.measure_instrument,
                                      value=value, recorded_by=by)


@pytest.fixture
def pupil(org):
    return StudentFactory(school=org.school_a, first_name="Sanne", last_name="Smit", opp_required=True,
                          support_level="extra")


@pytest.fixture
def revision(personas, pupil):
    """Sanne's plan: version 1 set with a reading goal (measured) and a working goal; version 2, the revision in
    concept, no longer words the reading goal."""
    by = personas.begeleider_a
    plan = PlanFactory(student=pupil, created_by=by)
    v1 = adopt(plan, by, [READING, dict(goal="Sanne werkt 15 minuten zelfstandig aan een taak.")],
               at=timezone.make_aware(datetime.datetime(2025, 10, 1, 12)))
    v2 = services.revision_start(actor=by, plan=plan)
    v2.actions.filter(position=1).delete()
    return v1, v2


def url(version):
    return reverse("opp:copy_forward", args=[version.pk])


def reading_item(v1):
    return v1.actions.get(position=1)


# --- The service --------------------------------------------------------------------------------------------------


def test_from_the_same_plan_the_copy_continues_the_lasting_goal(personas, revision):
    v1, v2 = revision
    source = reading_item(v1)
    item = copy_forward.copy_goal(actor=personas.begeleider_a, version=v2, source=source)
    assert item.version_id == v2.pk and item.plan_goal_id == source.plan_goal_id
    assert item.goal == source.goal and item.approach == source.approach
    assert item.position > max(v2.actions.exclude(pk=item.pk).values_list("position", flat=True))  # at the end
    assert item.evaluation_criterion == source.evaluation_criterion  # no note: the same goal
    v2.refresh_from_db()
    assert v2.section_revisions["handelingsdeel"] == 1  # an editor opened before must not save it away


def test_a_goal_already_in_the_version_becomes_a_new_goal_beside_it(personas, revision):
    v1, v2 = revision
    source = v1.actions.get(position=2)  # the revision still words it
    item = copy_forward.copy_goal(actor=personas.begeleider_a, version=v2, source=source)
    assert item.plan_goal_id != source.plan_goal_id
    assert "Overgenomen uit versie 1 van dit OPP (vastgesteld op 1 oktober 2025)." in item.evaluation_criterion


def test_from_an_earlier_plan_the_copy_is_a_new_goal_of_this_plan_with_its_origin(personas, pupil):
    by = personas.begeleider_a
    old_plan = PlanFactory(student=pupil, created_by=by)
    old = adopt(old_plan, by, [READING], at=timezone.make_aware(datetime.datetime(2025, 3, 3, 12)))
    Plan.objects.filter(pk=old_plan.pk).update(state="beeindigd", ended_on=D(2026, 7, 1), end_reason="Doelen behaald")
    new = services.plan_start(actor=by, student=pupil).versions.get()
    source = old.actions.get()
    item = copy_forward.copy_goal(actor=by, version=new, source=source)
    assert item.plan_goal.plan_id == new.plan_id and item.plan_goal_id != source.plan_goal_id
    assert item.evaluation_criterion.endswith("Overgenomen uit versie 1 van het eerdere OPP (vastgesteld op 3 maart 2025).")
    assert Goal.objects.filter(plan=old_plan).count() == 1  # the old plan's goal is left alone


def test_the_last_measured_value_becomes_the_baseline(personas, revision):
    v1, v2 = revision
    source = reading_item(v1)
    by = personas.begeleider_a
    measure(source, D(2026, 2, 1), "M4", by)
    measure(source, D(2025, 11, 1), "E3", by)  # recorded later, measured earlier: not the last value
    item = copy_forward.copy_goal(actor=by, version=v2, source=source)
    assert (item.measure_baseline, item.measure_baseline_on) == ("M4", D(2026, 2, 1))
    assert (item.measure_target, item.measure_target_on) == ("M5", D(2026, 7, 1))  # still progress: kept


def test_a_goal_never_measured_keeps_its_baseline(personas, revision):
    v1, v2 = revision
    item = copy_forward.copy_goal(actor=personas.begeleider_a, version=v2, source=reading_item(v1))
    assert (item.measure_baseline, item.measure_baseline_on) == ("E3", D(2025, 9, 15))


def test_a_value_from_before_the_items_own_baseline_does_not_replace_it(personas, revision):
    """A measurement of an earlier baseline (older than the item's own) is no news: the item's baseline stays."""
    v1, v2 = revision
    source = reading_item(v1)
    measure(source, D(2025, 9, 1), "M3", personas.begeleider_a)  # before the baseline of 15 September 2025
    item = copy_forward.copy_goal(actor=personas.begeleider_a, version=v2, source=source)
    assert (item.measure_baseline, item.measure_baseline_on) == ("E3", D(2025, 9, 15))


def test_a_target_that_is_no_progress_any_more_is_not_stored(personas, revision):
    v1, v2 = revision
    source = reading_item(v1)
    by = personas.begeleider_a
    measure(source, D(2026, 6, 20), "M5", by)  # the target is reached
    with pytest.raises(ValidationError) as refused:
        copy_forward.copy_goal(actor=by, version=v2, source=source)
    assert "measure_target" in refused.value.error_dict
    assert not v2.actions.filter(plan_goal_id=source.plan_goal_id).exists()
    # With a new target it is copied; or without the measure.
    item = copy_forward.copy_goal(actor=by, version=v2, source=source, target="E6", target_on=D(2027, 7, 1))
    assert (item.measure_baseline, item.measure_target, item.measure_target_on) == ("M5", "E6", D(2027, 7, 1))
    bare = copy_forward.copy_goal(actor=by, version=v2, source=source, without_measure=True)
    assert bare.measure_instrument == "" and bare.measure_baseline == ""


def test_a_set_version_is_refused_with_a_dutch_message(personas, revision):
    v1, _v2 = revision
    with pytest.raises(ValidationError) as refused:
        copy_forward.copy_goal(actor=personas.begeleider_a, version=v1, source=v1.actions.get(position=2))
    assert refused.value.code == "not_editable"
    assert "kan niet meer worden gewijzigd" in refused.value.messages[0]


def test_candidates_are_the_pupils_set_goals_once_each_with_last_value_and_outcome(personas, revision, pupil):
    v1, v2 = revision
    by = personas.begeleider_a
    source = reading_item(v1)
    measure(source, D(2026, 2, 1), "M5", by)
    evaluation = Evaluation.objects.create(plan=v1.plan, version=v1, school_year="2025-2026", held_on=D(2026, 6, 1),
                                           conclusion="Loopt goed.", decision="bijstellen", created_by=by)
    ItemProgress.objects.create(evaluation=evaluation, action=source, progress="deels")
    found = copy_forward.candidates(v2)
    assert [c.item.pk for c in found] == [source.pk, v2.based_on.actions.get(position=2).pk]  # one per goal
    reading = found[0]
    assert reading.continues_goal and reading.last.value == "M5" and reading.needs_target
    assert reading.outcome.label == "Deels behaald" and reading.outcome.held_on == D(2026, 6, 1)
    working = found[1]
    assert working.item.version_id == v2.based_on_id and working.in_version == 1 and not working.continues_goal


def test_another_pupils_goals_are_no_candidates(personas, revision, org):
    _v1, v2 = revision
    other = StudentFactory(school=org.school_a, first_name="Bram", opp_required=True, support_level="extra")
    adopt(PlanFactory(student=other, created_by=personas.begeleider_a), personas.begeleider_a, [READING])
    assert {c.item.version.plan.student_id for c in copy_forward.candidates(v2)} == {v2.plan.student_id}


# --- The page -------------------------------------------------------------------------------------------------------


def test_the_page_lists_the_goals_and_the_post_copies_back_to_the_editor(client, personas, revision):
    v1, v2 = revision
    source = reading_item(v1)
    measure(source, D(2026, 2, 1), "M4", personas.begeleider_a)
    login(client, personas.begeleider_a)
    page = client.get(url(v2))
    html = page.content.decode()
    assert page.status_code == 200
    assert source.goal in html and "AVI-niveau: M4 op 1 februari 2026" in html and "Nog niet geëvalueerd" in html
    assert '<th scope="row"' in html and 'name="csrfmiddlewaretoken"' in html
    response = client.post(url(v2), {"item": source.pk})
    item = v2.actions.get(plan_goal_id=source.plan_goal_id)
    assert response.status_code == 302
    assert response["Location"] == reverse("opp:version", args=[v2.pk]) + f"#doel-{item.plan_goal_id}"
    editor = client.get(response["Location"]).content.decode()
    assert f'id="doel-{item.plan_goal_id}"' in editor and "Het doel is overgenomen als onderdeel 2" in editor


def test_the_editor_links_to_the_page_only_when_there_is_an_earlier_goal(client, personas, revision, org):
    _v1, v2 = revision
    login(client, personas.begeleider_a)
    assert url(v2) in client.get(reverse("opp:version", args=[v2.pk])).content.decode()
    fresh = services.plan_start(actor=personas.begeleider_a, student=StudentFactory(
        school=org.school_a, opp_required=True, support_level="extra")).versions.get()
    assert url(fresh) not in client.get(reverse("opp:version", args=[fresh.pk])).content.decode()


def test_a_flagged_target_asks_for_a_new_one_and_keeps_what_was_typed(client, personas, revision):
    v1, v2 = revision
    source = reading_item(v1)
    measure(source, D(2026, 6, 20), "M5", personas.begeleider_a)
    login(client, personas.begeleider_a)
    html = client.get(url(v2)).content.decode()
    assert "Nieuwe streefwaarde" in html and "Zonder meting overnemen" in html
    prefix = f"doel{source.pk}"
    response = client.post(url(v2), {"item": source.pk, f"{prefix}-measure_target": "M4",
                                     f"{prefix}-measure_target_on": "2027-07-01"})
    assert response.status_code == 200 and "Het doel is geen vooruitgang" in response.content.decode()
    assert 'value="M4"' in response.content.decode()  # nothing typed is lost
    assert not v2.actions.filter(plan_goal_id=source.plan_goal_id).exists()
    client.post(url(v2), {"item": source.pk, "zonder_meting": "1"})
    assert v2.actions.get(plan_goal_id=source.plan_goal_id).measure_instrument == ""


def test_a_set_version_shows_no_buttons_and_refuses_the_post(client, personas, revision):
    v1, v2 = revision
    # The revision is set in its turn: version 1 is superseded, and still a source of version 2.
    PlanVersion.objects.filter(pk=v1.pk).update(state="vervangen", superseded_at=timezone.now())
    PlanVersion.objects.filter(pk=v2.pk).update(state="vastgesteld", adopted_at=timezone.now(),
                                                adopted_by=personas.bestuurder_a, adopted_hash="1" * 64)
    login(client, personas.begeleider_a)
    page = client.get(url(v2)).content.decode()
    assert reading_item(v1).goal in page and 'name="item"' not in page
    count = ActionItem.objects.count()
    response = client.post(url(v2), {"item": reading_item(v1).pk})
    assert response.status_code == 200 and "kan niet meer worden gewijzigd" in response.content.decode()
    assert ActionItem.objects.count() == count


def test_a_goal_of_another_pupil_is_a_404(client, personas, revision, org):
    _v1, v2 = revision
    other = StudentFactory(school=org.school_a, first_name="Bram", opp_required=True, support_level="extra")
    foreign = adopt(PlanFactory(student=other, created_by=personas.begeleider_a), personas.begeleider_a, [READING])
    login(client, personas.begeleider_a)
    count = ActionItem.objects.count()
    assert client.post(url(v2), {"item": foreign.actions.get().pk}).status_code == 404
    assert client.post(url(v2), {"item": "x"}).status_code == 404
    assert ActionItem.objects.count() == count


def test_the_leerkracht_reads_the_plan_but_may_not_copy(client, personas, revision):
    v1, v2 = revision
    login(client, personas.leerkracht_a)
    assert client.get(reverse("opp:version", args=[v2.pk])).status_code == 200
    assert client.get(url(v2)).status_code == 403
    assert client.post(url(v2), {"item": reading_item(v1).pk}).status_code == 403
    assert not v2.actions.filter(plan_goal_id=reading_item(v1).plan_goal_id).exists()


def test_another_school_does_not_find_the_page(client, personas, revision):
    _v1, v2 = revision
    login(client, personas.begeleider_b)
    assert client.get(url(v2)).status_code == 404


def test_reading_and_copying_are_audited(client, personas, revision):
    v1, v2 = revision
    login(client, personas.begeleider_a)
    client.get(url(v2))
    seen = AuditEvent.objects.filter(action="view", object_type="opp.planversion", object_id=str(v2.pk)).latest("pk")
    assert seen.details == {"page": "copy_forward"} and seen.actor == personas.begeleider_a
    source = reading_item(v1)
    client.post(url(v2), {"item": source.pk})
    row = AuditEvent.objects.filter(action="update", object_type="opp.planversion", object_id=str(v2.pk)).latest("pk")
    assert row.details["copied_from"] == source.pk and row.details["continues_goal"] is True
    assert row.school_id == v2.plan.student.school_id


def test_the_page_takes_as_many_queries_for_many_goals_as_for_few(client, personas, revision, pupil):
    v1, v2 = revision
    by = personas.begeleider_a
    login(client, by)
    client.get(url(v2))  # warm up the session and the user's memberships
    with CaptureQueriesContext(connection) as few:
        assert client.get(url(v2)).status_code == 200
    # Many more: an earlier plan with five measured and evaluated goals.
    Plan.objects.filter(pk=v1.plan_id).update(created_at=timezone.now())
    old_plan = PlanFactory(student=pupil, created_by=by, state="beeindigd", ended_on=D(2025, 7, 1), end_reason="Klaar")
    Plan.objects.filter(pk=old_plan.pk).update(created_at=timezone.now() - datetime.timedelta(days=900))
    old = adopt(old_plan, by, [READING] * 5)
    evaluation = Evaluation.objects.create(plan=old_plan, version=old, school_year="2024-2025", held_on=D(2025, 6, 1),
                                           conclusion="Klaar.", decision="beeindigen", end_reason="Klaar",
                                           created_by=by)
    for item in old.actions.all():
        measure(item, D(2025, 5, 1), "M4", by)
        measure(item, D(2025, 6, 1), "E4", by)
        ItemProgress.objects.create(evaluation=evaluation, action=item, progress="behaald")
    with CaptureQueriesContext(connection) as many:
        html = client.get(url(v2)).content.decode()
    assert html.count("Behaald") >= 5
    assert len(many.captured_queries) == len(few.captured_queries)
