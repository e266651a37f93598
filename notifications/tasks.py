"""Thin Celery tasks: take no arguments or ids, call a service, bounded time."""

from celery import shared_task

from . import services


@shared_task(name="notifications.drain", time_limit=240, soft_time_limit=200, ignore_result=True)
def drain_outbox(limit: int = services.BATCH_SIZE) -> dict:
    """Beat sends it every minute without arguments; a smaller `limit` makes more, shorter claims (the tests)."""
    return services.drain(limit=limit)


@shared_task(name="notifications.digest", time_limit=600, soft_time_limit=540, ignore_result=True)
def send_digests() -> int:
    return services.send_digests()
