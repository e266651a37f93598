from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from .models import Heartbeat


@never_cache
def health(request):
    """Liveness for the proxy and CI: the database answers; when the worker last beat. No pupil data."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        db_ok = True
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        db_ok = False
    beat = Heartbeat.objects.filter(name="celery").first() if db_ok else None
    return JsonResponse(
        {
            "database": "ok" if db_ok else "unavailable",
            "celery_heartbeat": beat.last_beat_at.isoformat() if beat else None,
            "celery_beats": beat.beats if beat else 0,
        },
        status=200 if db_ok else 503,
    )
