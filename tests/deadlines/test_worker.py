"""Proof with real parts (issue 5, part 7): the beat tasks run in a real Celery worker against Redis
(and PostgreSQL when DATABASE_URL points there), and the begeleider's email arrives exactly once.

The worker is Celery's in-process test worker, so the locmem email outbox is shared with the test.
Skipped with a visible reason without Redis; a failure under OPP_REQUIRE_SERVICES=1 (CI).
"""

import datetime
import time
import uuid
from contextlib import contextmanager

import pytest
from celery.contrib.testing.worker import start_worker
from celery.result import EagerResult
from django.core import mail
from django.db import OperationalError
from django.utils import timezone

from deadlines.models import Reminder, SweepRun
from deadlines.tasks import sweep_deadlines
from health.models import Heartbeat
from health.tasks import heartbeat
from notifications.models import Notification
from notifications.tasks import drain_outbox
from opp_portal import celery_app
from students import services as student_services
from tests.services import redis_url

WORKER_TIMEOUT = 20  # seconds


@contextmanager
def celery_conf(**values):
    """Set keys on the Celery app's config and afterwards put back exactly what was there.

    The config reads Django's settings live; a key set directly sits in its `changes` layer, which
    must be emptied again (not set to the value read meanwhile) or later tests inherit it.
    """
    changes = celery_app.conf.changes
    saved = {key: changes[key] for key in values if key in changes}
    changes.update(values)
    celery_app._pool = None  # a connection pool made for another broker must not be reused
    try:
        yield
    finally:
        for key in values:
            if key in saved:
                changes[key] = saved[key]
            else:
                changes.pop(key, None)
        celery_app._pool = None


@pytest.fixture
def real_broker(settings):
    """The project's Celery app on Redis with eager mode off, a private queue; everything put back after."""
    url = redis_url()  # skips (or fails under OPP_REQUIRE_SERVICES=1) without Redis
    # enqueue() must not send in-process after the commit: only the drain task may send.
    settings.CELERY_TASK_ALWAYS_EAGER = False
    queue = f"opp-test-{uuid.uuid4().hex}"  # a concurrent run on the same Redis cannot take our messages
    with celery_conf(broker_url=url, task_always_eager=False):
        try:
            yield queue
        finally:
            with celery_app.connection_for_write() as conn:
                private = celery_app.amqp.queues[queue](conn.default_channel)
                private.declare()
                private.delete()
            celery_app.amqp.queues.select([celery_app.conf.task_default_queue])
            celery_app.amqp.queues.pop(queue, None)


def wait_for(what: str, check):
    """Poll (bounded) until check() is truthy; SQLite's shared cache may be locked by the worker for a moment."""
    deadline = time.monotonic() + WORKER_TIMEOUT
    while time.monotonic() < deadline:
        try:
            value = check()
        except OperationalError:
            value = None
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"the worker did not {what} within {WORKER_TIMEOUT} s")


def send(task, queue):
    result = task.apply_async(queue=queue)  # .delay() on our private queue
    assert not isinstance(result, EagerResult)  # went through Redis, not run in this thread
    return result


def queue_drained(queue):
    """Tasks run in order on the solo pool: once a heartbeat sent after them has run, they have too."""
    before = Heartbeat.objects.filter(name="celery").values_list("beats", flat=True).first() or 0
    send(heartbeat, queue)
    wait_for("run the tasks sent before the heartbeat",
             lambda: (Heartbeat.objects.filter(name="celery").values_list("beats", flat=True).first() or 0) > before)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)  # the worker thread has its own connection: it must see committed rows
def test_the_sweep_and_the_drain_in_a_real_worker_send_the_email_exactly_once(real_broker, personas, org):
    queue = real_broker
    today = timezone.localdate()
    pupil = student_services.student_create(actor=personas.begeleider_a, school=org.school_a, today=today, data={
        "first_name": "Fenna", "last_name": "de Vries", "date_of_birth": datetime.date(2017, 5, 4),
        "pupil_number": "2001", "onderwijssoort": "bao", "group_name": "3b", "enrolled_on": datetime.date(2017, 8, 20),
        "support_need_on": today - datetime.timedelta(days=42), "support_level": "extra",
        "extra_support_description": "Dagelijks remedial teaching",
    })
    assert pupil.opp_due_on == today  # due today: the reminder "on the day"
    begeleider = personas.begeleider_a

    def sent_rows():
        return list(Notification.objects.filter(subject_id=str(pupil.pk), state=Notification.State.SENT))

    with start_worker(celery_app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=10):
        send(sweep_deadlines, queue)
        wait_for("run deadlines.sweep", lambda: SweepRun.objects.exists())
        assert mail.outbox == []  # the sweep writes the outbox; only the drain sends
        send(drain_outbox, queue)
        [row] = wait_for("send the reminder", sent_rows)
        wait_for("put the email in the outbox", lambda: mail.outbox)

        assert row.to_email == begeleider.email and row.attempts == 1
        assert [m.to for m in mail.outbox] == [[begeleider.email]]
        assert "F.V. (School A) – vandaag" in mail.outbox[0].subject
        assert "Fenna" not in mail.outbox[0].body

        # The beat runs both again, twice: nothing is reminded or sent twice.
        send(sweep_deadlines, queue)
        send(drain_outbox, queue)
        send(sweep_deadlines, queue)
        send(drain_outbox, queue)
        queue_drained(queue)

    assert SweepRun.objects.count() == 3
    assert Reminder.objects.filter(subject_id=str(pupil.pk)).count() == 1
    assert Notification.objects.filter(subject_id=str(pupil.pk)).count() == 1
    assert [m.to for m in mail.outbox] == [[begeleider.email]]
