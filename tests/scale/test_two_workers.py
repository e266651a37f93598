"""More than one of everything, in real processes: two Celery workers (`celery -A opp_portal worker`, separate
processes, like two machines) on one PostgreSQL and one Redis.

- The outbox is drained exactly once while both workers drain it at the same time (claims with SELECT … FOR
  UPDATE SKIP LOCKED, notifications.services._claim_batch).
- Two beat schedulers by mistake: every periodic task arrives twice at the same moment, and still nothing is
  sent or written twice.

CI runs this (`.ci/run` runs every `services` test against PostgreSQL and Redis).
"""

import datetime
from collections import Counter

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from deadlines.models import Reminder, SweepRun
from health.models import Heartbeat
from notifications.models import Notification, Preference
from retention.models import RetentionRun
from students import services as student_services
from students.models import Student
from tests.factories import StudentFactory, member

from .procs import Broker, mails, start_workers, started, text_of, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

MESSAGES = 400
BATCH = 5


@pytest.fixture
def broker():
    broker = Broker()
    try:
        yield broker
    finally:
        broker.close()


def test_two_workers_draining_at_once_send_every_message_exactly_once(broker, tmp_path):
    now = timezone.now()
    Notification.objects.bulk_create([
        Notification(to_email=f"ontvanger{i}@example.nl", kind="test", subject_line=f"Bericht {i:04d}",
                     body_text=f"Tekst {i}", next_attempt_at=now) for i in range(MESSAGES)])
    with started(start_workers(broker, tmp_path)):
        # Many short drain runs (BATCH messages each), all queued at once: both workers claim side by side.
        broker.send("notifications.drain", times=MESSAGES // BATCH + 20, limit=BATCH)
        wait_for("every message to be sent",
                 lambda: not Notification.objects.exclude(state=Notification.State.SENT).exists())
        broker.wait_idle()

    sent = {i: mails(tmp_path / f"mail-worker{i}") for i in (1, 2)}
    subjects = Counter(m["subject"] for found in sent.values() for m in found)
    assert subjects == Counter({f"Bericht {i:04d}": 1 for i in range(MESSAGES)})  # each exactly once
    assert sent[1] and sent[2], "both workers drained"
    for message in sent[1] + sent[2]:
        i = int(message["subject"].split()[-1])
        assert message["to"] == f"ontvanger{i}@example.nl" and text_of(message).strip() == f"Tekst {i}"
    rows = Notification.objects.all()
    assert {n.attempts for n in rows} == {1}
    # Each batch was claimed by one drain run: several claims, none shared between the workers' messages.
    assert rows.values("claim_token").distinct().count() >= MESSAGES // BATCH


def test_two_beats_by_mistake_send_and_write_nothing_twice(broker, tmp_path, org, personas):
    today = timezone.localdate()
    # A pupil due today: the sweep reminds the school's begeleiders, one of whom wants a daily digest.
    pupil = student_services.student_create(actor=personas.begeleider_a, school=org.school_a, today=today, data={
        "first_name": "Fenna", "last_name": "de Vries", "date_of_birth": datetime.date(2017, 5, 4),
        "pupil_number": "2001", "onderwijssoort": "bao", "group_name": "3b", "enrolled_on": datetime.date(2017, 8, 20),
        "support_need_on": today - datetime.timedelta(days=42), "support_level": "extra",
        "extra_support_description": "Dagelijks remedial teaching",
    })
    second_begeleider = member("begeleider", school=org.school_a, username="begeleider_a2")
    Preference.objects.create(user=personas.begeleider_a, daily_digest=True)
    # A pupil who left six years ago: the nightly retention run deletes everything of them (R: 5 years at most).
    gone = StudentFactory(school=org.school_a, date_of_birth=today - datetime.timedelta(days=16 * 365),
                          enrolled_on=today - datetime.timedelta(days=9 * 365),
                          left_on=today - datetime.timedelta(days=6 * 365))

    with started(start_workers(broker, tmp_path)):
        # Two beats: every periodic task twice, at the same moment, to two workers.
        for task in ("deadlines.sweep", "retention.nightly", "health.heartbeat"):
            broker.send(task, times=2)
        wait_for("both sweeps", lambda: SweepRun.objects.count() == 2)
        broker.wait_idle()
        for task in ("notifications.drain", "notifications.digest"):
            broker.send(task, times=2)
        broker.wait_idle()
        for task in ("notifications.drain", "notifications.digest"):  # the next minute's and morning's runs
            broker.send(task, times=2)
        broker.wait_idle()

    reminders = Reminder.objects.filter(subject_id=str(pupil.pk))
    assert reminders.count() == 1
    rows = Notification.objects.filter(subject_id=str(pupil.pk))
    assert sorted(rows.values_list("to_email", "digest", "state")) == sorted([
        (personas.begeleider_a.email, True, "sent"), (second_begeleider.email, False, "sent")])

    everything = mails(tmp_path / "mail-worker1") + mails(tmp_path / "mail-worker2")
    to = Counter(m["to"] for m in everything)
    assert to == Counter({second_begeleider.email: 1, personas.begeleider_a.email: 1})
    [digest] = [m for m in everything if m["to"] == personas.begeleider_a.email]
    assert text_of(digest).count(rows.get(digest=True).subject_line) == 1

    assert not Student.objects.filter(pk=gone.pk).exists()
    assert AuditEvent.objects.filter(action="retention_delete").count() == 1
    # What is written per run says so: two sweeps and two retention runs are on record (that is how a second beat
    # shows), the second of each with nothing done; the heartbeat counts its runs.
    assert sorted(SweepRun.objects.values_list("created", flat=True)) == [0, 1]
    assert RetentionRun.objects.count() == 2
    assert Heartbeat.objects.filter(name="celery").count() == 1  # one row, however the two runs interleave
