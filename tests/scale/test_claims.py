"""Claims under real row locks (PostgreSQL): while another session holds some rows, the drain, the digest and the
fan-out take the others at once (SELECT … FOR UPDATE SKIP LOCKED) instead of waiting or taking them twice.

The other session is a second database connection in a thread that locks rows and keeps its transaction open
until the main thread has finished its call. Had the call waited on the locks, the thread would have given up
after LOCK_SECONDS and the call would then have taken those rows too: the counts below would differ.
"""

import datetime
import threading

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from deadlines import services as deadline_services
from deadlines.models import Reminder
from notifications.models import Notification, Preference
from notifications.services import drain, send_digests
from tests.services import require_postgres

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

LOCK_SECONDS = 10


@pytest.fixture(autouse=True)
def postgres(settings):
    require_postgres()
    settings.CELERY_TASK_ALWAYS_EAGER = False


class OtherSession(threading.Thread):
    """Another drainer: locks `queryset`'s rows in its own transaction and holds them until released."""

    def __init__(self, queryset):
        super().__init__(daemon=True)
        self.queryset = queryset
        self.locked = threading.Event()
        self.release = threading.Event()
        self.held: list[int] = []

    def run(self):
        try:
            with transaction.atomic():
                self.held = list(self.queryset.select_for_update().values_list("pk", flat=True))
                self.locked.set()
                self.release.wait(LOCK_SECONDS)
        finally:
            connection.close()

    def __enter__(self):
        self.start()
        assert self.locked.wait(LOCK_SECONDS), "the other session did not get its locks"
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.join(LOCK_SECONDS)


def outbox_rows(count: int, **fields) -> list[Notification]:
    now = timezone.now()
    return Notification.objects.bulk_create([
        Notification(to_email=f"ontvanger{i}@example.nl", kind="test", subject_line=f"Bericht {i:03d}",
                     body_text="Tekst", next_attempt_at=now, **fields) for i in range(count)])


def test_the_drain_skips_rows_another_drainer_holds_and_sends_each_row_once():
    rows = outbox_rows(10)
    held = [n.pk for n in rows[:4]]
    with OtherSession(Notification.objects.filter(pk__in=held)):
        first = drain(limit=100)
    assert first == {"sent": 6, "failed": 0, "retry": 0, "skipped": 0}
    assert sorted(m.subject for m in mail.outbox) == [f"Bericht {i:03d}" for i in range(4, 10)]
    # The other drainer let go without claiming (it only locked): the rows are still there for the next run.
    assert drain(limit=100)["sent"] == 4
    assert sorted(m.subject for m in mail.outbox) == [f"Bericht {i:03d}" for i in range(10)]
    assert drain(limit=100)["sent"] == 0


def test_the_digest_skips_a_user_whose_rows_another_run_holds(personas):
    user = personas.begeleider_a
    Preference.objects.create(user=user, daily_digest=True)
    outbox_rows(3, recipient=user, digest=True)
    with OtherSession(Notification.objects.filter(recipient=user)):
        assert send_digests() == 0
    assert mail.outbox == []
    assert send_digests() == 1
    assert send_digests() == 0
    [digest] = mail.outbox
    assert [line for line in digest.body.splitlines() if line.startswith("- ")] == [
        "- Bericht 000", "- Bericht 001", "- Bericht 002"]


def test_the_fan_out_skips_reminders_another_fan_out_holds(personas, org):
    due = datetime.date(2026, 10, 13)
    reminders = Reminder.objects.bulk_create([
        Reminder(subject_type="students.student", subject_id=str(100 + i), kind="opp_vaststellen",
                 period=due.isoformat(), step="0", due_on=due, school=org.school_a, sweep_token="t",
                 initials=f"A.{i}.", url=f"/leerlingen/{100 + i}/") for i in range(6)])
    held = [r.pk for r in reminders[:2]]
    with OtherSession(Reminder.objects.filter(pk__in=held)):
        first = deadline_services.fan_out(today=due)
    assert first["reminders"] == 4 and first["notifications"] == 4
    assert deadline_services.fan_out(today=due)["reminders"] == 2
    assert deadline_services.fan_out(today=due)["reminders"] == 0
    subjects = sorted(Notification.objects.values_list("subject_id", flat=True))
    assert subjects == [str(100 + i) for i in range(6)]  # each reminder's message once
