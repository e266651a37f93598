"""The sweep can write reminder rows alone and leave the messages to fan_out() (the Celery task does).
Exactly once still holds; escalations go into the recipient's daily digest; long overdue items slow down."""

import datetime

from deadlines import services
from deadlines.models import Reminder
from deadlines.steps import StepConfig, due_step
from notifications.models import Notification

from .test_sweep import DUE, mails_for, run


def test_sweep_without_notify_writes_reminders_only_and_fan_out_sends_them_once(pupil, personas):
    result = run(DUE, notify=False)
    assert [r["step"] for r in result.created] == ["0"]
    assert not mails_for(pupil).exists()
    reminder = Reminder.objects.get(subject_id=str(pupil.pk))
    assert reminder.notified_at is None and reminder.initials.startswith("F.")

    first = services.fan_out(today=DUE)
    again = services.fan_out(today=DUE)
    assert first["reminders"] == 1 and first["notifications"] == 1
    assert again == {"reminders": 0, "notifications": 0, "errors": []}
    assert [m.to_email for m in mails_for(pupil)] == [personas.begeleider_a.email]
    assert "13 oktober 2026" in mails_for(pupil).get().body_text


def test_a_claimed_reminder_is_not_fanned_out_by_a_second_worker(pupil):
    run(DUE, notify=False)
    reminder = Reminder.objects.get(subject_id=str(pupil.pk))
    # Another worker claimed it a moment ago (its transaction committed): nothing left for us.
    Reminder.objects.filter(pk=reminder.pk).update(notified_at=reminder.created_at, notify_token="other")
    assert services.fan_out(today=DUE)["notifications"] == 0
    assert not mails_for(pupil).exists()


def test_escalations_reach_the_board_in_its_daily_digest_not_as_separate_mails(pupil, personas):
    late = DUE + datetime.timedelta(days=21)
    run(late)
    by_email = {m.to_email: m for m in mails_for(pupil)}
    assert by_email[personas.begeleider_a.email].digest is False
    assert by_email[personas.bestuurder_a.email].digest is True
    assert by_email[personas.schoolleider_a.email].digest is True
    assert Notification.objects.filter(digest=True, state="pending").count() >= 2


def test_long_overdue_items_are_reminded_every_four_weeks_after_twelve_weeks():
    config = StepConfig()
    due = datetime.date(2026, 1, 5)
    names = {due_step(due, due + datetime.timedelta(days=n), config).name for n in range(84, 84 + 56)}
    assert names == {"+84", "+112"}
    assert due_step(due, due + datetime.timedelta(days=83), config).name == "+77"
