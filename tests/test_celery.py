"""The Celery wiring: the heartbeat task, its beat schedule, /health/, and one run through a real worker."""

import time
import uuid

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django_celery_beat.models import PeriodicTask

from health.models import Heartbeat
from health.tasks import heartbeat
from opp_portal import celery_app
from tests.services import redis_url

WORKER_TIMEOUT = 20  # seconds


def test_heartbeat_task_creates_then_increments_the_row(db):
    assert not Heartbeat.objects.exists()
    assert heartbeat.delay().get() == 1  # eager in the fast suite
    first = Heartbeat.objects.get(name="celery")
    assert first.beats == 1
    heartbeat.delay()
    second = Heartbeat.objects.get(name="celery")
    assert second.beats == 2
    assert second.last_beat_at >= first.last_beat_at
    assert Heartbeat.objects.count() == 1


def test_heartbeat_is_registered_with_the_beat_scheduler(db):
    """Data from migrations is there unless an earlier transactional test flushed a reused database."""
    tasks = PeriodicTask.objects.filter(task="health.heartbeat")
    if not tasks.exists():
        pytest.skip("database was flushed by a transactional test in an earlier --reuse-db run; "
                    "test_heartbeat_migration_registers_the_task covers the migration itself")
    task = tasks.get()
    assert task.enabled
    assert task.interval is not None and task.interval.every == 60 and task.interval.period == "seconds"


@pytest.mark.django_db(transaction=True)
def test_heartbeat_migration_registers_the_task():
    """Unapply and reapply the data migration, so the test does not depend on the database's history."""
    call_command("migrate", "health", "0001", verbosity=0)
    assert not PeriodicTask.objects.filter(task="health.heartbeat").exists()
    call_command("migrate", "health", verbosity=0)
    task = PeriodicTask.objects.get(task="health.heartbeat")
    assert task.enabled
    assert task.interval.every == 60 and task.interval.period == "seconds"


def test_health_reports_database_and_beats(client, db):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"database": "ok", "celery_heartbeat": None, "celery_beats": 0}
    assert "no-cache" in response["Cache-Control"]
    heartbeat.delay()
    heartbeat.delay()
    body = client.get("/health/").json()
    assert body["database"] == "ok"
    assert body["celery_beats"] == 2
    assert body["celery_heartbeat"] == Heartbeat.objects.get().last_beat_at.isoformat()


def test_health_is_served_over_plain_http_even_with_ssl_redirect(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/health/").status_code == 200
    assert client.get("/accounts/login/").status_code == 301  # everything else goes to https


@pytest.fixture
def real_broker():
    """Point the project's Celery app at Redis with eager mode off; put everything back afterwards."""
    url = redis_url()  # skips (or fails under OPP_REQUIRE_SERVICES=1) without Redis
    conf = celery_app.conf
    saved = {key: conf[key] for key in ("broker_url", "task_always_eager")}
    conf.broker_url = url
    conf.task_always_eager = False
    celery_app._pool = None  # a connection pool made for another broker must not be reused
    # A private queue, so that a concurrent test run on the same Redis database cannot take our message.
    queue = f"opp-test-{uuid.uuid4().hex}"
    try:
        yield queue
    finally:
        with celery_app.connection_for_write() as conn:
            # Leave no per-run keys behind in Redis; the channel must know the binding to drop it.
            private = celery_app.amqp.queues[queue](conn.default_channel)
            private.declare()
            private.delete()
        conf.update(saved)
        celery_app._pool = None
        celery_app.amqp.queues.select([conf.task_default_queue])
        celery_app.amqp.queues.pop(queue, None)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)  # the worker thread has its own connection: it must see committed rows
def test_heartbeat_through_a_real_worker(real_broker):
    from celery.contrib.testing.worker import start_worker
    from celery.result import EagerResult

    queue = real_broker
    with start_worker(celery_app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=10):
        result = heartbeat.apply_async(queue=queue)
        assert not isinstance(result, EagerResult)  # sent to the broker, not run in this thread
        deadline = time.monotonic() + WORKER_TIMEOUT
        beat = None
        while time.monotonic() < deadline:
            try:
                beat = Heartbeat.objects.filter(name="celery").first()
            except OperationalError:  # SQLite shared-cache: the worker holds the table for a moment
                beat = None
            if beat is not None:
                break
            time.sleep(0.05)
    assert beat is not None, f"the worker did not run health.heartbeat within {WORKER_TIMEOUT} s"
    assert beat.beats == 1
