"""Thin Celery tasks for the dossier export: take ids, claim the row with a conditional update, bounded time.

A web request only ever calls enqueue_export (after commit). If the broker is down it logs and returns:
the row stays "wacht" and the periodic `disputes.pending_exports` picks it up, so no request hangs or
fails on Redis.
"""

from __future__ import annotations

import datetime
import logging
import time

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import dossier
from .models import DossierExport

logger = logging.getLogger(__name__)

W = DossierExport.State
# A build that has not finished 15 minutes after its request is dead: the task's hard limit is 10 minutes.
STUCK_AFTER = datetime.timedelta(minutes=15)
# Give the on-commit enqueue (and its worker) a head start before the sweep builds the row itself.
PENDING_AFTER = datetime.timedelta(seconds=30)
PENDING_BATCH = 3
PENDING_BUDGET_SECONDS = 600


def claim_and_build(export_pk: int) -> bool:
    """Build the export if this caller wins the claim wacht → bezig; False when another worker has it."""
    claimed = DossierExport.objects.filter(pk=export_pk, state=W.WACHT).update(state=W.BEZIG, progress=0, step="",
                                                                              error="")
    if claimed != 1:
        return False
    dossier.build(DossierExport.objects.select_related("dispute").get(pk=export_pk))
    return True


@shared_task(name="disputes.build_dossier", time_limit=600, soft_time_limit=540, acks_late=True, ignore_result=True)
def build_dossier(export_pk: int) -> bool:
    return claim_and_build(export_pk)


@shared_task(name="disputes.pending_exports", time_limit=1800, soft_time_limit=1740, ignore_result=True)
def pending_exports() -> int:
    """Catch-up sweep: builds exports whose enqueue was lost, and retries builds that died (worker killed)."""
    now = timezone.now()
    requeued = DossierExport.objects.filter(state=W.BEZIG, requested_at__lt=now - STUCK_AFTER).update(
        state=W.WACHT, step="")
    if requeued:
        logger.warning("Re-queued %d stuck dossier export(s)", requeued)
    started = time.monotonic()
    built = 0
    pks = list(DossierExport.objects.filter(state=W.WACHT, requested_at__lt=now - PENDING_AFTER)
               .order_by("requested_at", "pk").values_list("pk", flat=True)[:PENDING_BATCH])
    for pk in pks:
        if time.monotonic() - started > PENDING_BUDGET_SECONDS:
            break
        built += claim_and_build(pk)
    return built


def enqueue_export(export_pk: int) -> None:
    """Called on commit by services.request_export. Never raises: a dead broker leaves the row for the sweep."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        build_dossier.apply(args=[export_pk])
        return
    try:
        build_dossier.apply_async(args=[export_pk], retry=False)
    except Exception:
        logger.warning("Could not enqueue dossier export %s; disputes.pending_exports will build it", export_pk,
                       exc_info=True)
