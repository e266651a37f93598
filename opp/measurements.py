"""Measurements of a lasting goal between evaluations (R-CONTENT-4, R-SET-2): who reaches them, recording,
correcting and deleting them, and the reads the plan page and the evaluation use.

A measurement belongs to the goal (opp.models.Goal), not to a version: it is no part of the handelingsdeel and of
no hash (R-CONSENT-5), so staff who may edit the plan record it whenever they test, after adoption too — but not on
an ended or withdrawn plan (R-SET-5). Its value is checked against the measure of the goal's current item
(`current_item`): the instrument's values (opp.measures.normalise_value), or free text for a goal without a measure.
Every read and write is in the audit log, never the value itself (audit.log: no content).
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import Cap, require_cap
from accounts.models import User
from audit import log as audit
from opp_portal import dates
from opp_portal.loaded import loaded
from students.history import TimelineEvent, reads_student

from . import measures
from .models import ActionItem, Goal, Measurement, Plan, VersionState

MAX_NOTE = 2_000
FREE = "vrij"

MSG_PLAN_ENDED = gettext_lazy("Dit OPP is beëindigd of ingetrokken: er worden geen metingen meer vastgelegd.")
MSG_NO_ITEM = gettext_lazy("Dit doel staat niet meer in het OPP: er worden geen nieuwe metingen meer vastgelegd.")


# --- Reads ----------------------------------------------------------------------------------------------------------


def current_item(goal: Goal) -> ActionItem | None:
    """The goal's item in the newest version that counts: an open revision's wording, else the adopted one's. None
    when the plan in force and its open revision dropped the goal (a superseded version no longer counts)."""
    return (ActionItem.objects.filter(plan_goal=goal).exclude(version__state=VersionState.VERVANGEN)
            .select_related("version").order_by("-version__number").first())


def current_items(plan: Plan) -> list[ActionItem]:
    """The current item of every goal of the plan that has one, in the order of the newest version. One query; none
    when the plan comes with its versions and their items (opp.selectors.load_plan_page)."""
    if loaded(plan, "versions__actions"):
        items = sorted((a for v in plan.versions.all() if v.state != VersionState.VERVANGEN for a in v.actions.all()),
                       key=lambda a: (-a.version.number, a.position, a.pk))
    else:
        items = (ActionItem.objects.filter(version__plan=plan).exclude(version__state=VersionState.VERVANGEN)
                 .select_related("version").order_by("-version__number", "position", "pk"))
    seen: set[int] = set()
    result = []
    for item in items:
        if item.plan_goal_id not in seen:
            seen.add(item.plan_goal_id)
            result.append(item)
    return result


def of_pupil(student) -> list[Measurement]:
    """Every measurement of the pupil's goals (goal, day, instrument and value; by goal, oldest first per goal), read
    once per loaded pupil: the pupil page's timeline and progress panel, the plan page's counts and charts. One query
    the first time."""
    memo = student.__dict__.get("_goal_measurements")
    if memo is None:
        memo = _of_pupil_query(student.pk)
        student.__dict__["_goal_measurements"] = memo
    return memo


def _of_pupil_query(student_id: int) -> list[Measurement]:
    return list(Measurement.objects.filter(goal__plan__student_id=student_id)
                .only("goal_id", "measured_on", "instrument", "value"))


def by_goal(rows, goal_ids, *, until: datetime.date | None = None) -> dict[int, list[Measurement]]:
    """`rows` (of_pupil) of these goals up to and including `until`, oldest first per goal: what
    goal_charts.measurements_for reads from the database."""
    ids = set(goal_ids)
    out: dict[int, list[Measurement]] = {}
    for m in sorted(rows, key=lambda m: (m.goal_id, m.measured_on, m.pk)):
        if m.goal_id in ids and (until is None or m.measured_on <= until):
            out.setdefault(m.goal_id, []).append(m)
    return out


def for_goals(goal_ids) -> dict[int, list[Measurement]]:
    """Every measurement of these goals, oldest first, per goal id. One query."""
    found: dict[int, list[Measurement]] = defaultdict(list)
    for m in Measurement.objects.filter(goal_id__in=list(goal_ids)).select_related("recorded_by").order_by(
            "goal_id", "measured_on", "pk"):
        found[m.goal_id].append(m)
    return dict(found)


def counts(goal_ids) -> dict[int, int]:
    """How many measurements each goal has. One query."""
    rows = (Measurement.objects.filter(goal_id__in=list(goal_ids)).values("goal_id")
            .annotate(n=Count("pk")).values_list("goal_id", "n"))
    return dict(rows)


def latest(goal: Goal) -> Measurement | None:
    return Measurement.objects.filter(goal=goal).order_by("-measured_on", "-pk").first()


def since(goal: Goal, day: datetime.date | None, *, until: datetime.date | None = None) -> list[Measurement]:
    """The goal's measurements from `day` on (all of them without one) up to `until`, oldest first."""
    rows = Measurement.objects.filter(goal=goal)
    if day is not None:
        rows = rows.filter(measured_on__gte=day)
    if until is not None:
        rows = rows.filter(measured_on__lte=until)
    return list(rows.select_related("recorded_by").order_by("measured_on", "pk"))


def plan_page_goals(plan: Plan) -> list[dict]:
    """The plan page's goals: each current item with its number of measurements ("Metingen (3)"). Two queries."""
    items = current_items(plan)
    goal_ids = [i.plan_goal_id for i in items]
    if loaded(plan, "versions__actions"):  # a plan loaded for its page: the pupil's measurements once (of_pupil)
        found = {goal: len(rows) for goal, rows in by_goal(of_pupil(plan.student), goal_ids).items()}
    else:
        found = counts(goal_ids)
    return [{"item": i, "goal_id": i.plan_goal_id, "count": found.get(i.plan_goal_id, 0)} for i in items]


def instrument_of(item: ActionItem | None) -> str:
    """The instrument a new measurement of the goal is recorded in: its current measure's, or free text."""
    return item.measure_instrument if item is not None and item.measure_instrument else FREE


@reads_student
def timeline_events(student) -> list[TimelineEvent]:
    """Each measurement of the pupil's goals on the pupil's timeline (students.history): "Meting: AVI E4". One query,
    shared with the page's progress panel (of_pupil); `student` may be its id (then not shared)."""
    rows = of_pupil(student) if hasattr(student, "pk") else _of_pupil_query(student)
    return [TimelineEvent(m.measured_on, _("Meting bij een doel van het OPP"), measures.named(m.instrument, m.value))
            for m in rows]


# --- Writes -------------------------------------------------------------------------------------------------------


def _locked_plan(goal: Goal) -> Plan:
    return Plan.objects.select_for_update().select_related("student__school").get(pk=goal.plan_id)


def earliest_day(plan: Plan, item: ActionItem | None) -> datetime.date:
    """The first day a measurement of the goal may be from: the plan's start, or its measure's baseline day when that
    was earlier (the test the plan starts from, R-CONTENT-4)."""
    start = timezone.localtime(plan.created_at).date()
    baseline_on = item.measure_baseline_on if item is not None else None
    return min(start, baseline_on) if baseline_on else start


def _check(plan: Plan, instrument: str, measured_on, value: str, note: str,
           earliest: datetime.date) -> tuple[str, str]:
    """The value as stored and the note; refused with a Dutch message per field (R-CONTENT-4)."""
    errors: dict[str, str] = {}
    if plan.state != Plan.State.ACTIEF:
        raise ValidationError(MSG_PLAN_ENDED, code="plan_ended")
    if measured_on is None:
        errors["measured_on"] = _("Vul de datum van de meting in.")
    elif measured_on > timezone.localdate():
        errors["measured_on"] = _("Een meting in de toekomst kan nog niet worden vastgelegd.")
    elif measured_on < earliest:
        errors["measured_on"] = _("De meting ligt vóór de start van het OPP (%(day)s).") % {
            "day": dates.formatted(earliest)}
    stored = ""
    try:
        stored = measures.normalise_value(instrument, value or "")
    except (ValueError, KeyError):
        errors["value"] = measures.value_message(instrument)
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        errors["note"] = _("Deze toelichting is te lang (maximaal 2.000 tekens).")
    if errors:
        raise ValidationError(errors)
    return stored, note


@transaction.atomic
def measurement_record(*, actor: User, goal: Goal, measured_on: datetime.date | None, value: str,
                       note: str = "") -> Measurement:
    """Record a measurement of the goal in the instrument of its current item (opp.measures)."""
    plan = _locked_plan(goal)
    require_cap(actor, Cap.PLAN_EDIT, plan.student.school)
    if plan.state != Plan.State.ACTIEF:
        raise ValidationError(MSG_PLAN_ENDED, code="plan_ended")
    item = current_item(goal)
    if item is None:
        raise ValidationError(MSG_NO_ITEM, code="no_item")
    instrument = instrument_of(item)
    stored, note = _check(plan, instrument, measured_on, value, note, earliest_day(plan, item))
    measurement = Measurement.objects.create(goal=goal, measured_on=measured_on, instrument=instrument, value=stored,
                                             note=note, recorded_by=actor)
    audit.record(actor, audit.Action.CREATE, measurement, school=plan.student.school_id,
                 details={"goal": goal.pk, "instrument": instrument})
    return measurement


@transaction.atomic
def measurement_update(*, actor: User, measurement: Measurement, measured_on: datetime.date | None, value: str,
                       note: str = "") -> Measurement:
    """Correct a measurement, in the instrument it was recorded in (a later revision may have changed the measure)."""
    plan = _locked_plan(measurement.goal)
    require_cap(actor, Cap.PLAN_EDIT, plan.student.school)
    measurement = Measurement.objects.select_for_update().get(pk=measurement.pk)
    stored, note = _check(plan, measurement.instrument, measured_on, value, note,
                          earliest_day(plan, current_item(measurement.goal)))
    new = {"measured_on": measured_on, "value": stored, "note": note}
    changed = sorted(k for k, v in new.items() if getattr(measurement, k) != v)
    for key in changed:
        setattr(measurement, key, new[key])
    if changed:
        measurement.save(update_fields=changed)
    # Which fields changed, never the values: they are the pupil's results (audit.log, DOMAIN "Retention").
    audit.record(actor, audit.Action.UPDATE, measurement, school=plan.student.school_id,
                 details={"goal": measurement.goal_id, "fields": changed})
    return measurement


@transaction.atomic
def measurement_delete(*, actor: User, measurement: Measurement) -> None:
    plan = _locked_plan(measurement.goal)
    require_cap(actor, Cap.PLAN_EDIT, plan.student.school)
    if plan.state != Plan.State.ACTIEF:
        raise ValidationError(MSG_PLAN_ENDED, code="plan_ended")
    measurement = Measurement.objects.select_for_update().get(pk=measurement.pk)
    audit.record(actor, audit.Action.DELETE, measurement, school=plan.student.school_id,
                 details={"goal": measurement.goal_id, "measured_on": measurement.measured_on.isoformat()})
    measurement.delete()
