"""What apps above the plans add to a plan's page and to its compliance snapshot (ARCHITECTURE.md "Floors").

Plans stand below evaluations: the plan page shows the evaluations and compliance checks this school year's
evaluation, yet opp imports nothing of evaluations. The evaluations app registers its parts here from
EvaluationsConfig.ready(); without it the plan page simply has no evaluation sections.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

#: (user, plan, *, can_edit, has_adopted) → context for the plan page's template.
PlanContext = Callable[..., dict]
#: (plan, today) → one value of compliance.Snapshot.extra (for a plan whose adopted version is in force).
SnapshotPart = Callable[..., object]

_plan_context: dict[str, PlanContext] = {}
_snapshot_parts: dict[str, SnapshotPart] = {}


def register_plan_context(key: str, provider: PlanContext) -> None:
    """Called from an AppConfig.ready(); `key` names the contributor, so that a second ready() replaces it."""
    _plan_context[key] = provider


def register_snapshot_part(key: str, provider: SnapshotPart) -> None:
    """Called from an AppConfig.ready(): `provider(plan, today)` becomes `snapshot.extra[key]`."""
    _snapshot_parts[key] = provider


def plan_context(user, plan, *, can_edit: bool, has_adopted: bool) -> dict:
    context: dict = {}
    for provider in _plan_context.values():
        context.update(provider(user, plan, can_edit=can_edit, has_adopted=has_adopted))
    return context


def snapshot_parts(plan, today: datetime.date) -> dict:
    return {key: provider(plan, today) for key, provider in _snapshot_parts.items()}
