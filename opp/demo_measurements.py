"""Measurements demo (R-CONTENT-4, R-SET-2): what staff measured between evaluations, each on its own day before today.

- Sanne (De Bron): her AVI reading goal (E4 → M5, written five weeks ago) measured four times since, and her goal
  without a measure described twice.
- Adam (Het Kompas): his goals measured across his two versions. Last school year (recorded by evaluations.demo
  before his evaluation, through `adam_before_evaluation`): AVI M4 in the autumn and in January, E4 in June —
  so his evaluation suggested "behaald", and the school chose "deels" with a reason (his tempo). This school year
  the revision (version 2, a concept) makes his goals measurable: a percentage for working on his own, and a new
  DMT goal for his tempo; both measured since the evaluation.

Idempotent: a goal that has measurements is left alone; the revision gets its measures once.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from students.models import Student

from . import measurements, services
from .demo import end_of_school_year, on_day
from .models import ActionItem, Goal, Measurement, Plan

D = datetime.date


def _record(actor: User, goal_id: int, day: D, value: str, note: str = "") -> None:
    with on_day(day, 15):
        measurements.measurement_record(actor=actor, goal=Goal.objects.get(pk=goal_id), measured_on=day, value=value,
                                        note=note)


def _between(start: D, end: D, n: int) -> list[D]:
    """`n` days spread evenly after `start` up to `end` (fewer when there is no room: never in the future)."""
    span = (end - start).days
    days = sorted({start + datetime.timedelta(days=round(span * k / n)) for k in range(1, n + 1)})
    return [d for d in days if start < d <= end]


def adam_before_evaluation(*, actor: User, plan: Plan, last_year) -> None:
    """Adam's measurements of last school year, recorded before his evaluation (evaluations.demo), so that its
    outcomes are suggested by them. `last_year(days)` is that many days into last school year."""
    items = list(plan.versions.get(number=1).actions.order_by("position"))
    if Measurement.objects.filter(goal__plan=plan).exists() or len(items) < 2:
        return
    reading, working = items[0].plan_goal_id, items[1].plan_goal_id
    for days, value, note in (
            (95, "M4", "Tussentijdse AVI-toets: M4 beheerst, op E4 nog te veel fouten."),
            (170, "M4", "Toetsweek januari: tempo op de E4-kaart beter, nauwkeurigheid nog onvoldoende."),
            (315, "E4", "Toetsweek juni: E4 beheerst. DMT kaart 2: 39 woorden per minuut (criterium 45).")):
        _record(actor, reading, last_year(days), value, note)
    for days, value in ((100, "4 van 10 opdrachten zelf gestart"), (300, "5 van 10 opdrachten zelf gestart")):
        _record(actor, working, last_year(days), value, "Observatie van de leerkracht")


#: The reason the school gave at Adam's evaluation for choosing "deels" where the measurements suggested "behaald".
ADAM_OVERRIDE = ("zijn leestempo nog achterblijft: AVI E4 is in juni gehaald, maar op DMT kaart 2 leest hij 39 woorden "
                 "per minuut (criterium 45).")


def _revised_on(held_on: D, today: D) -> D:
    return min(today, held_on + datetime.timedelta(days=2))


def _adam_revision(actor: User, plan: Plan, held_on: D, today: D) -> None:
    """The revision after the evaluation makes his goals measurable (once, while it is a concept)."""
    version = plan.versions.filter(number=2, state="concept").first()
    if version is None:
        return
    items = list(version.actions.order_by("position"))
    if len(items) < 2 or any(i.measure_instrument == "dmt" for i in items) or items[1].measure_instrument:
        return
    fields = services.ITEM_SECTIONS["handelingsdeel"][2]
    rows = [{**{f: getattr(i, f) for f in fields}, services.GOAL_KEY: i.plan_goal_id} for i in items]
    target_on = end_of_school_year(held_on)
    rows[1].update(measure_instrument="percentage", measure_baseline="50", measure_baseline_on=held_on,
                   measure_target="80", measure_target_on=target_on, measure_direction="hoger",
                   evaluation_criterion="80% van de opdrachten zonder extra uitleg gestart (telling van de leerkracht)")
    rows.append({
        "goal": "Adam leest op DMT kaart 2 minimaal 45 woorden per minuut.",
        "approach": "Elke dag herhaald lezen van woordrijtjes van kaart 2 met zijn leesmaatje; op vrijdag een "
                    "tempotoetsje dat Adam zelf in zijn grafiek zet.",
        "who": "Onderwijsassistent", "frequency": "4 × per week 10 minuten", "evaluation_moment": "Toetsweek januari",
        "evaluation_criterion": "DMT kaart 2: 45 woorden per minuut",
        "measure_instrument": "dmt", "measure_baseline": "39", "measure_baseline_on": held_on,
        "measure_target": "45", "measure_target_on": target_on, "measure_direction": "hoger",
    })
    with on_day(_revised_on(held_on, today), 16):
        version.refresh_from_db()
        services.version_save_section(actor=actor, version=version, section="handelingsdeel",
                                      revision=version.section_revisions.get("handelingsdeel", 0), items=rows)


def _adam_this_year(actor: User, plan: Plan, held_on: D, today: D) -> None:
    goals = [i.plan_goal_id for i in ActionItem.objects.filter(version__plan=plan, version__number=2)
             .order_by("position")]
    if len(goals) < 3 or Measurement.objects.filter(goal__plan=plan, measured_on__gt=held_on).exists():
        return
    days = _between(_revised_on(held_on, today), today, 3)
    for day, value in zip(days, ("40", "41", "43"), strict=False):
        _record(actor, goals[2], day, value, "Tempotoets van vrijdag")
    for day, value in zip(days[1:], ("60",), strict=False):
        _record(actor, goals[1], day, value, "6 van 10 opdrachten zelf gestart")
    for day in days[-1:]:
        _record(actor, goals[0], day, "E4", "Leest E4-teksten nu vlot; M5 nog niet.")


def _sanne(actor: User, sanne: Student, today: D) -> None:
    plan = sanne.plans.filter(state=Plan.State.ACTIEF).first()
    if plan is None or Measurement.objects.filter(goal__plan=plan).exists():
        return
    items = list(plan.versions.order_by("-number").first().actions.order_by("position"))
    if len(items) < 2 or items[0].measure_instrument != "avi":
        return
    # From the school year's first reading test (the baseline, opp.demo._first_reading_test) up to two days ago.
    start = items[0].measure_baseline_on or timezone.localtime(plan.created_at).date()
    days = _between(start, today - datetime.timedelta(days=2), 4)
    for day, value, note in zip(days, ("E4", "E4", "E4", "M5"), (
            "Start RALFI-lezen: E4-teksten met veel herhalingen.",
            "Leest E4-teksten vlotter; nog fouten bij lange woorden.",
            "E4 beheerst: tempo en fouten binnen de norm.",
            "Eerste keer M5 op beheersingsniveau; in januari opnieuw toetsen."), strict=False):
        _record(actor, items[0].plan_goal_id, day, value, note)
    # The working goal has no measure: observed since the plan started.
    since_plan = _between(timezone.localtime(plan.created_at).date(), today - datetime.timedelta(days=2), 2)
    for day, value in zip(since_plan, ("2 van 5 dagen 15 minuten taakgericht", "3 van 5 dagen 15 minuten taakgericht"),
                          strict=False):
        _record(actor, items[1].plan_goal_id, day, value, "Observatie met de time-timer")


@transaction.atomic
def seed_measurements(today: D | None = None) -> None:
    today = today or timezone.localdate()
    users = {u.username: u for u in User.objects.filter(username__in=["ib.debron", "ib.kompas"])}
    if len(users) < 2:
        return
    sanne = Student.objects.filter(school__brin="11AA", pupil_number="D001").first()
    if sanne is not None:
        _sanne(users["ib.debron"], sanne, today)
    adam = Student.objects.filter(school__brin="11BB", pupil_number="K001").first()
    plan = adam.plans.first() if adam is not None else None
    evaluation = plan.evaluations.order_by("-held_on").first() if plan is not None else None
    if evaluation is not None:
        _adam_revision(users["ib.kompas"], plan, evaluation.held_on, today)
        _adam_this_year(users["ib.kompas"], plan, evaluation.held_on, today)
