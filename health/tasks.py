from celery import shared_task
from django.db.models import F
from django.utils import timezone

from .models import Heartbeat


@shared_task(name="health.heartbeat", time_limit=30, soft_time_limit=20)
def heartbeat() -> int:
    """Records that the scheduler and a worker are alive; /health/ shows when it last ran."""
    now = timezone.now()
    updated = Heartbeat.objects.filter(name="celery").update(last_beat_at=now, beats=F("beats") + 1)
    if not updated:
        Heartbeat.objects.get_or_create(name="celery", defaults={"last_beat_at": now, "beats": 1})
    return Heartbeat.objects.get(name="celery").beats
