"""The goals' charts of an evaluation (R-SET-2, R-CONTENT-4): per evaluated item its goal's measurements since the
previous evaluation of the plan (before the first: since the goal's baseline), drawn against the baseline and the
target (opp.goal_charts), on the staff's evaluation page, in the parents' portal and in the evaluation's PDF — the
same picture everywhere. Measurements up to the evaluation's day only: a later one belongs to the next evaluation.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from opp import goal_charts
from opp.models import Measurement

from .models import Evaluation, ItemProgress


def previous_held_on(evaluation: Evaluation) -> datetime.date | None:
    """The day of the plan's evaluation before this one (one query)."""
    earlier = (Evaluation.objects.filter(plan_id=evaluation.plan_id, held_on__lte=evaluation.held_on)
               .exclude(pk=evaluation.pk).order_by("-held_on", "-pk").values_list("held_on", "pk"))
    for held_on, pk in earlier:
        if held_on < evaluation.held_on or pk < evaluation.pk:
            return held_on
    return None


def attach(rows: Sequence[tuple[Evaluation, Sequence[ItemProgress]]], *, name: str,
           previous: dict[int, datetime.date | None] | None = None,
           measured: dict[int, list[Measurement]] | None = None) -> None:
    """Sets `goal_view` (an opp.goal_charts.GoalView, or None for an item without a measure) on every ItemProgress
    of these evaluations (their `action` loaded), and on each evaluation `goal_progress` (its rows with a measured
    goal) and `goal_since` (the previous evaluation's day, or None). `previous`: evaluation id → the previous evaluation's day, when the
    caller has all of the plan's evaluations at hand; else one query per evaluation. The measurements of all their
    goals in one query, or none when the caller read them: `measured`, goal id → measurements, holding at least
    the goals of measured_goals(rows) up to last_evaluated(rows) (later ones are left out per chart)."""
    if previous is None:
        previous = {e.pk: previous_held_on(e) for e, _progress in rows}
    if measured is None:
        measured = goal_charts.measurements_for(measured_goals(rows), until=last_evaluated(rows))
    for evaluation, progress in rows:
        views = goal_charts.views_for_items(
            [p.action for p in progress], name=name, prefix=f"grafiek-evaluatie-{evaluation.pk}",
            since=previous.get(evaluation.pk), until=evaluation.held_on, measured=measured)
        by_item = {v.item.pk: v for v in views}
        for p in progress:
            p.goal_view = by_item.get(p.action_id)
        evaluation.goal_progress = [p for p in progress if p.goal_view is not None]
        evaluation.goal_since = previous.get(evaluation.pk)


def measured_goals(rows: Sequence[tuple[Evaluation, Sequence[ItemProgress]]]) -> set[int]:
    """The lasting goals whose measurements the charts of these evaluations read: those of items with a measure
    (goal_charts.views_for_items draws no other)."""
    return {p.action.plan_goal_id for _e, progress in rows for p in progress if p.action.measure_instrument}


def last_evaluated(rows: Sequence[tuple[Evaluation, Sequence[ItemProgress]]]) -> datetime.date | None:
    """The last day whose measurements these evaluations' charts show: the latest evaluation's."""
    return max((e.held_on for e, _progress in rows), default=None)


def previous_in(evaluations: Sequence[Evaluation]) -> dict[int, datetime.date | None]:
    """The previous evaluation's day for each of a plan's evaluations, from the list itself (all of them)."""
    ordered = sorted(evaluations, key=lambda e: (e.held_on, e.pk))
    return {e.pk: (ordered[i - 1].held_on if i else None) for i, e in enumerate(ordered)}
