"""Each goal's latest evaluation outcome, for the plans' copy-forward page (opp.copy_forward; registered in
EvaluationsConfig.ready(): plans stand below evaluations)."""

from __future__ import annotations

from opp.copy_forward import Outcome

from .models import ItemProgress


def latest_outcomes(goal_ids: set[int]) -> dict[int, Outcome]:
    """{goal id: the outcome of its latest evaluation}, in one query."""
    found: dict[int, Outcome] = {}
    rows = (ItemProgress.objects.filter(goal_id__in=goal_ids).select_related("evaluation")
            .order_by("goal_id", "-evaluation__held_on", "-evaluation_id"))
    for row in rows:
        found.setdefault(row.goal_id, Outcome(held_on=row.evaluation.held_on, label=str(row.get_progress_display())))
    return found
