from celery import shared_task

from . import services


@shared_task(name="deadlines.sweep", time_limit=1800, soft_time_limit=1700, ignore_result=True)
def sweep_deadlines() -> dict:
    """The daily sweep writes reminder rows; their messages follow in batches (each its own transaction)."""
    result = services.sweep(notify=False)
    notified = 0
    while True:
        stats = services.fan_out()
        notified += stats["notifications"]
        if not stats["reminders"]:
            break
    return {"created": len(result.created), "errors": len(result.errors), "notifications": notified}
