"""Thin Celery tasks: take no arguments or ids, call a service, bounded time."""

import time

from celery import shared_task

from . import services

#: One drain run keeps claiming batches until the outbox is empty or this much time has passed, so a busy hour's
#: messages go out within minutes instead of a batch a minute; the next run (a minute later) carries on.
DRAIN_BUDGET_SECONDS = 45


@shared_task(name="notifications.drain", time_limit=240, soft_time_limit=200, ignore_result=True)
def drain_outbox(limit: int = services.BATCH_SIZE) -> dict:
    """Beat sends it every minute without arguments; a smaller `limit` makes more, shorter claims (the tests)."""
    deadline = time.monotonic() + DRAIN_BUDGET_SECONDS
    total = {"sent": 0, "failed": 0, "retry": 0, "skipped": 0}
    while True:
        stats = services.drain(limit=limit)
        for key, value in stats.items():
            total[key] = total.get(key, 0) + value
        if stats["sent"] + stats["failed"] + stats["retry"] < limit or time.monotonic() >= deadline:
            return total


@shared_task(name="notifications.digest", time_limit=600, soft_time_limit=540, ignore_result=True)
def send_digests() -> int:
    return services.send_digests()
