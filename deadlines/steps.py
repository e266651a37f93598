"""Which reminder step is due for a deadline on a given day. Pure functions.

Steps are offsets in days from the due date (negative: before). While overdue, a reminder repeats
weekly. Only the latest step whose date has come is returned, so a sweep that missed three days
catches up with one reminder per subject, not three.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

#: After twelve weeks overdue a reminder repeats every four weeks instead of weekly.
MONTHLY_AFTER_DAYS = 84


@dataclass(frozen=True)
class StepConfig:
    before: tuple[int, ...] = (14, 7)  # days before the due date
    on_the_day: bool = True
    weekly_overdue: bool = True
    escalate: tuple[tuple[int, str], ...] = ((7, "schoolleider"), (21, "bestuurder"))  # days overdue → role


@dataclass(frozen=True)
class Step:
    name: str  # "-14", "-7", "0", "+7", "+14", …
    on: datetime.date
    escalate_to: tuple[str, ...] = ()


def due_step(due_on: datetime.date, today: datetime.date, config: StepConfig) -> Step | None:
    """The most recent step on or before `today`, or None when the first step has not come yet."""
    offset = (today - due_on).days  # negative before the due date
    if offset < 0:
        candidates = [-d for d in config.before if -d <= offset]
        if not candidates:
            return None
        k = max(candidates)
        # Escalation may start before the due date (evaluatie: from 1 July, 30 days before 31 July).
        roles = tuple(role for days, role in config.escalate if days < 0 and k >= days)
        return Step(f"{k}", due_on + datetime.timedelta(days=k), roles)
    if offset >= 7 and config.weekly_overdue:
        k = (offset // 7) * 7
        if k > MONTHLY_AFTER_DAYS:
            # Long overdue (e.g. imported history): every four weeks instead of every week.
            k = MONTHLY_AFTER_DAYS + ((offset - MONTHLY_AFTER_DAYS) // 28) * 28
        roles = tuple(role for days, role in config.escalate if k >= days)
        return Step(f"+{k}", due_on + datetime.timedelta(days=k), roles)
    if config.on_the_day:
        # An escalation configured "from 0 days overdue" (the evaluatie kind) applies on the day itself.
        return Step("0", due_on, tuple(role for days, role in config.escalate if days <= 0))
    candidates = [-d for d in config.before]
    return Step(f"{max(candidates)}", due_on + datetime.timedelta(days=max(candidates))) if candidates else None


def config_from_settings(raw: dict | None) -> StepConfig:
    if not raw:
        return StepConfig()
    return StepConfig(
        before=tuple(raw.get("before", (14, 7))),
        on_the_day=raw.get("on_the_day", True),
        weekly_overdue=raw.get("weekly_overdue", True),
        escalate=tuple((int(d), r) for d, r in raw.get("escalate", ((7, "schoolleider"), (21, "bestuurder")))),
    )
