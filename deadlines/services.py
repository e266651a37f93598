"""The daily sweep: compute what is due, write reminder rows and their outbox messages, exactly once."""

from __future__ import annotations

import datetime
import logging
import secrets
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from accounts import access
from accounts.models import School
from notifications.services import enqueue_many, slot

from . import registry
from .models import Reminder, SweepRun
from .steps import Step, due_step

log = logging.getLogger(__name__)
BATCH = 1000


@dataclass
class SweepResult:
    run_date: datetime.date
    created: list[dict] = field(default_factory=list)
    would_create: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    notifications: int = 0


def recipients_of_schools(school_ids: set[int]) -> dict[tuple[int, str], list]:
    """(school_id, role) → users, for the roles a kind reminds and escalates to (accounts.access decides who)."""
    return access.people_by_school_and_role(school_ids)


def sweep(*, today: datetime.date | None = None, dry_run: bool = False, kinds: list[str] | None = None,
          notify: bool = True) -> SweepResult:
    """Write the reminder rows that are due today. With `notify` (the default) their outbox messages are
    written in the same transaction; without, fan_out() writes them afterwards (the Celery task does)."""
    today = today or timezone.localdate()
    result = SweepResult(run_date=today)
    token = secrets.token_hex(16)
    for kind in registry.REGISTRY.values():
        if kinds and kind.key not in kinds:
            continue
        try:
            items = iter(kind.items(today, None))
            batch = []
            for item in items:
                batch.append(item)
                if len(batch) >= BATCH:
                    _process(kind, batch, today, token, dry_run, result, notify)
                    batch = []
            if batch:
                _process(kind, batch, today, token, dry_run, result, notify)
        except Exception as exc:  # noqa: BLE001 - one failing kind must not stop the others
            log.exception("deadline kind %s failed", kind.key)
            result.errors.append({"kind": kind.key, "error": f"{type(exc).__name__}: {exc}"[:300]})
    if not dry_run:
        SweepRun.objects.create(run_date=today, created=len(result.created), errors=result.errors[:200])
    return result


def _process(kind, items, today, token, dry_run, result, notify=True) -> None:
    candidates = []
    for item in items:
        try:
            step = due_step(item.due_on, today, kind.steps)
        except Exception as exc:  # noqa: BLE001 - a bad subject is logged and skipped, the rest goes on
            result.errors.append({"kind": kind.key, "subject": item.subject_id, "error": f"{type(exc).__name__}: {exc}"[:300]})
            continue
        if step is not None:
            candidates.append((item, step))
    if not candidates:
        return
    existing = set(
        Reminder.objects.filter(kind=kind.key, subject_type=candidates[0][0].subject_type,
                                subject_id__in=[str(i.subject_id) for i, _s in candidates])
        .values_list("subject_id", "period", "step")
    )
    new = [(i, s) for i, s in candidates if (str(i.subject_id), i.period, s.name) not in existing]
    # After a refusal the item asks for a new consultation and escalates to nobody (ARCHITECTURE.md).
    new = [(i, type(s)(s.name, s.on, ()) if i.state == "geen_instemming" else s) for i, s in new]
    if dry_run:
        result.would_create += [_describe(kind, i, s) for i, s in new]
        return
    if not new:
        return
    with transaction.atomic():
        Reminder.objects.bulk_create([
            Reminder(subject_type=i.subject_type, subject_id=str(i.subject_id), kind=kind.key, period=i.period,
                     step=s.name, due_on=i.due_on, school_id=i.school_id, escalated_to=",".join(s.escalate_to),
                     sweep_token=token, initials=i.initials[:20], url=i.url[:200], item_state=i.state)
            for i, s in new
        ], ignore_conflicts=True)
        rows = list(Reminder.objects.filter(sweep_token=token, kind=kind.key,
                                            subject_id__in=[str(i.subject_id) for i, _s in new])
                    .values_list("pk", "subject_id", "period", "step"))
        keys = {row[1:] for row in rows}
        mine = [row[0] for row in rows]
        result.created += [_describe(kind, i, s) for i, s in new if (str(i.subject_id), i.period, s.name) in keys]
        if notify and mine:
            stats = fan_out(reminder_ids=mine, today=today)
            result.notifications += stats["notifications"]
            result.errors += stats["errors"]


def fan_out(*, reminder_ids: list[int] | None = None, limit: int = 5000, today: datetime.date | None = None) -> dict:
    """Write the outbox messages of reminders not yet notified. Each batch of reminders is claimed in the same
    transaction as its messages — SELECT … FOR UPDATE SKIP LOCKED (PostgreSQL), then a conditional update with
    a token (the guard everywhere) — so two fan-outs at once take different reminders and never write the same
    message twice.

    All messages of reminders with the same kind, due date, step, escalation and item state read the same but
    for the pupil's initials, link, school and the recipient's name: they share one rendering (enqueue_many's
    shapes), which keeps the worst benchmark day's fan-out within seconds instead of a minute."""
    today = today or timezone.localdate()
    token = secrets.token_hex(16)
    stats = {"reminders": 0, "notifications": 0, "errors": []}
    with transaction.atomic():
        pending = Reminder.objects.select_for_update(skip_locked=True).filter(notified_at__isnull=True)
        if reminder_ids is not None:
            pending = pending.filter(pk__in=reminder_ids)
        ids = list(pending.order_by("pk").values_list("pk", flat=True)[:limit])
        if not ids:
            return stats
        Reminder.objects.filter(pk__in=ids, notified_at__isnull=True).update(notified_at=timezone.now(), notify_token=token)
        rows = list(Reminder.objects.filter(notify_token=token))
        stats["reminders"] = len(rows)
        people = recipients_of_schools({r.school_id for r in rows})
        schools = dict(School.objects.filter(pk__in={r.school_id for r in rows}).values_list("pk", "name"))
        messages = []
        for r in rows:
            kind = registry.REGISTRY.get(r.kind)
            if kind is None:
                stats["errors"].append({"kind": r.kind, "subject": r.subject_id, "error": "onbekende soort termijn"})
                continue
            item = registry.DueItem(r.kind, r.subject_type, int(r.subject_id), r.school_id, r.due_on, r.period,
                                    r.initials, r.url, r.item_state)
            escalate = tuple(x for x in r.escalated_to.split(",") if x)
            step = Step(r.step, r.due_on, escalate)
            regular = {u.pk: u for role in kind.remind_roles for u in people.get((r.school_id, role), [])}
            if kind.recipients is not None:
                regular.update({u.pk: u for u in kind.recipients(item, step)})
            # Escalations go into the daily digest of those who receive them only as escalation: a board
            # member gets one summary a morning, not a mail per pupil.
            escalated = {u.pk: u for role in escalate for u in people.get((r.school_id, role), []) if u.pk not in regular}
            # What differs between reminders of one shape goes into the rendering as slots (enqueue_many).
            fill = {"subject_id": r.subject_id, "school_id": str(r.school_id), "period": r.period,
                    "initials": r.initials, "url": r.url, "school": schools.get(r.school_id, "")}
            shaped = registry.DueItem(r.kind, r.subject_type, slot("subject_id"), slot("school_id"), r.due_on,
                                      slot("period"), slot("initials"), slot("url"), r.item_state)
            context = {"kind": kind, "item": shaped, "step": step, "school_name": slot("school"),
                       "days": (r.due_on - today).days, "overdue": (today - r.due_on).days,
                       "escalated": bool(escalate), "refused": r.item_state == "geen_instemming"}
            shape = (r.kind, r.due_on, r.step, r.escalated_to, r.item_state)
            for users, digest in ((regular, False), (escalated, True)):
                messages += [dict(recipient=u, kind=f"reminder:{kind.key}", template="reminder", context=context,
                                  shape=shape, fill=fill, subject_type=r.subject_type, subject_id=r.subject_id,
                                  school_id=r.school_id, force_digest=digest) for u in users.values()]
            if not regular and not escalated:
                stats["errors"].append({"kind": r.kind, "subject": int(r.subject_id), "error": "geen ontvanger op deze school"})
        stats["notifications"] = enqueue_many(messages)
    return stats


def _describe(kind, item, step) -> dict:
    return {"kind": kind.key, "subject": f"{item.subject_type}#{item.subject_id}", "initials": item.initials,
            "school_id": item.school_id, "due_on": item.due_on.isoformat(), "step": step.name,
            "escalate_to": list(step.escalate_to)}
