"""The notifications outbox (issue 5, parts 1 and 6, "Bad input"): written in the caller's transaction,
drained exactly once, a bounce marks the row and never loses it, digests instead of single mails, and
a web request never waits on the broker.
"""

import datetime
import smtplib
from contextlib import contextmanager
from unittest import mock

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deadlines.registry import REGISTRY, DueItem
from deadlines.steps import Step
from notifications import services
from notifications.models import Notification, Preference
from notifications.services import CLAIM_TIMEOUT, MAX_ATTEMPTS, drain, enqueue, send_digests
from notifications.tasks import drain_outbox
from opp_portal import celery_app
from tests.factories import UserFactory

D = datetime.date
DUE = D(2026, 10, 13)


def remind(user, org, *, initials="F.V.", due=DUE, days=7, kind="reminder:opp_vaststellen"):
    """The reminder email the sweep writes, through the single-message API."""
    item = DueItem("opp_vaststellen", "students.student", 41, org.school_a.pk, due, due.isoformat(), initials,
                   "/leerlingen/41/")
    context = {"kind": REGISTRY["opp_vaststellen"], "item": item, "step": Step("-7", due - datetime.timedelta(days=7)),
               "school_name": org.school_a.name, "days": days, "overdue": -days, "escalated": False}
    return enqueue(recipient=user, kind=kind, template="reminder", context=context, school=org.school_a)


@pytest.fixture
def begeleider(personas):
    return personas.begeleider_a


@pytest.fixture(autouse=True)
def no_eager_drain(settings):
    """Most tests drain by hand; the eager on-commit drain is tested on its own below."""
    settings.CELERY_TASK_ALWAYS_EAGER = False


# --- Written in the caller's transaction ------------------------------------------------------------


def test_enqueue_writes_a_rendered_dutch_row(begeleider, org, settings):
    n = remind(begeleider, org)
    n.refresh_from_db()
    assert n.state == Notification.State.PENDING and n.attempts == 0
    assert n.to_email == begeleider.email and n.recipient == begeleider and n.school == org.school_a
    assert n.subject_line == "OPP vaststellen (zes weken): F.V. (School A) – uiterlijk 13 oktober 2026"
    assert n.body_text.startswith(f"Beste {begeleider.get_full_name()},")
    assert "Uiterste datum: 13 oktober 2026 (nog 7 dagen)" in n.body_text
    assert f"{settings.OPP_SITE_URL.rstrip('/')}/leerlingen/41/" in n.body_text  # a link to the item
    assert "13 oktober 2026" in n.body_html
    assert not n.digest


def test_enqueue_is_rolled_back_with_the_callers_transaction(begeleider, org):
    with pytest.raises(RuntimeError), transaction.atomic():
        remind(begeleider, org)
        assert Notification.objects.count() == 1  # visible inside the transaction
        raise RuntimeError("the change that caused the message failed")
    assert Notification.objects.count() == 0
    drain()
    assert mail.outbox == []


def test_embedded_default_sends_after_commit_and_not_after_a_rollback(begeleider, org, settings,
                                                                        django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        remind(begeleider, org, initials="X.X.")
        raise RuntimeError("rolled back")
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        remind(begeleider, org)
        assert mail.outbox == []  # not before the commit
    assert len(callbacks) == 1
    assert [m.subject for m in mail.outbox] == ["OPP vaststellen (zes weken): F.V. (School A) – uiterlijk 13 oktober 2026"]
    assert Notification.objects.get().state == Notification.State.SENT


def test_a_user_without_an_email_address_is_skipped_not_an_error(org):
    user = UserFactory(username="zonder_mail", email="")
    assert remind(user, org) is None
    assert not Notification.objects.exists()


# --- Drain: exactly once ----------------------------------------------------------------------------


def test_drain_sends_each_message_once(begeleider, org):
    n = remind(begeleider, org)
    assert drain() == {"sent": 1, "failed": 0, "retry": 0, "skipped": 0}
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [begeleider.email]
    assert message.subject == n.subject_line
    assert "Uiterste datum: 13 oktober 2026" in message.body
    assert message.alternatives and "13 oktober 2026" in message.alternatives[0][0]
    n.refresh_from_db()
    assert n.state == Notification.State.SENT and n.sent_at is not None and n.attempts == 1
    assert drain() == {"sent": 0, "failed": 0, "retry": 0, "skipped": 0}
    assert len(mail.outbox) == 1


def test_drain_sends_in_batches_and_leaves_the_rest_for_the_next_run(begeleider, org):
    for i in range(5):
        remind(begeleider, org, initials=f"A.{i}.")
    drain(limit=3)
    assert len(mail.outbox) == 3
    drain(limit=3)
    assert len(mail.outbox) == 5
    assert len({m.subject for m in mail.outbox}) == 5


def test_a_message_scheduled_for_later_waits(begeleider, org):
    n = remind(begeleider, org)
    Notification.objects.filter(pk=n.pk).update(next_attempt_at=timezone.now() + datetime.timedelta(minutes=5))
    drain()
    assert mail.outbox == []
    drain(now=timezone.now() + datetime.timedelta(minutes=6))
    assert len(mail.outbox) == 1


@pytest.fixture
def bounce(monkeypatch):
    """The SMTP server refuses one address; everything else is delivered (to the locmem outbox)."""
    real_send = EmailMultiAlternatives.send
    refused = "weg@example.nl"

    def send(self, fail_silently=False):
        if refused in self.to:
            raise smtplib.SMTPRecipientsRefused({refused: (550, b"5.1.1 User unknown")})
        return real_send(self, fail_silently)

    monkeypatch.setattr(EmailMultiAlternatives, "send", send)
    return UserFactory(username="weg", email=refused)


def test_a_bouncing_address_marks_its_row_and_the_others_are_sent(begeleider, org, personas, bounce):
    good_before = remind(begeleider, org, initials="A.A.")
    bad = remind(bounce, org, initials="B.B.")
    good_after = remind(personas.schoolleider_a, org, initials="C.C.")
    now = timezone.now()
    assert drain(now=now) == {"sent": 2, "failed": 0, "retry": 1, "skipped": 0}
    assert sorted(m.to[0] for m in mail.outbox) == sorted([begeleider.email, personas.schoolleider_a.email])
    bad.refresh_from_db()
    assert bad.state == Notification.State.PENDING
    assert bad.attempts == 1
    assert bad.last_error.startswith("SMTPRecipientsRefused")
    assert "weg@example.nl" in bad.last_error
    assert bad.next_attempt_at > now
    assert bad.claimed_at is None
    for n in (good_before, good_after):
        n.refresh_from_db()
        assert n.state == Notification.State.SENT
    # Not retried before its time.
    assert drain(now=now + datetime.timedelta(seconds=30))["retry"] == 0
    assert Notification.objects.get(pk=bad.pk).attempts == 1


def test_after_max_attempts_a_bounce_is_failed_and_kept(org, bounce):
    bad = remind(bounce, org)
    now = timezone.now()
    waits = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        drain(now=now)
        bad.refresh_from_db()
        assert bad.attempts == attempt
        if attempt < MAX_ATTEMPTS:
            assert bad.state == Notification.State.PENDING
            waits.append(bad.next_attempt_at - now)
            now = bad.next_attempt_at
    assert waits == sorted(waits) and waits[0] < waits[-1]  # backing off
    assert bad.state == Notification.State.FAILED
    assert bad.next_attempt_at is None
    assert bad.last_error.startswith("SMTPRecipientsRefused")
    # Never lost: the row and its text stay; later drains leave it alone.
    assert bad.subject_line.startswith("OPP vaststellen") and bad.body_text
    drain(now=now + datetime.timedelta(days=30))
    bad.refresh_from_db()
    assert bad.state == Notification.State.FAILED and bad.attempts == MAX_ATTEMPTS
    assert mail.outbox == []


def test_a_row_stuck_in_sending_is_retried_after_the_claim_timeout(begeleider, org, personas):
    stuck = remind(begeleider, org, initials="S.S.")
    busy = remind(personas.schoolleider_a, org, initials="B.B.")
    now = timezone.now()
    Notification.objects.filter(pk=stuck.pk).update(
        state=Notification.State.SENDING, claimed_at=now - CLAIM_TIMEOUT - datetime.timedelta(minutes=1))
    Notification.objects.filter(pk=busy.pk).update(
        state=Notification.State.SENDING, claimed_at=now - datetime.timedelta(minutes=1))  # a live worker has it
    drain(now=now)
    assert [m.to for m in mail.outbox] == [[begeleider.email]]
    stuck.refresh_from_db()
    busy.refresh_from_db()
    assert stuck.state == Notification.State.SENT
    assert busy.state == Notification.State.SENDING


def test_a_claimed_batch_is_not_claimed_again(begeleider, org, personas):
    first = remind(begeleider, org, initials="A.A.")
    second = remind(personas.schoolleider_a, org, initials="B.B.")
    now = timezone.now()
    queryset = Notification.objects.filter(digest=False)
    mine, lost = services._claim_batch(queryset, services._claimable(now), now, limit=10)
    assert [n.pk for n in mine] == [first.pk, second.pk] and lost == 0
    assert {n.state for n in mine} == {Notification.State.SENDING}
    assert len({n.claim_token for n in mine}) == 1 and mine[0].claim_token
    # Another drainer a moment later finds nothing left to take, and sends nothing.
    assert services._claim_batch(queryset, services._claimable(now), now, limit=10) == ([], 0)
    assert drain(now=now) == {"sent": 0, "failed": 0, "retry": 0, "skipped": 0}
    assert mail.outbox == []


def test_a_drainer_that_loses_the_race_between_select_and_update_sends_nothing(begeleider, org):
    """SQLite has no row locks: another drainer may claim a row between our SELECT and our UPDATE.
    The conditional update is the guard there; the token says which rows are ours."""
    n = remind(begeleider, org)
    now = timezone.now()
    raced = []

    def other_drainer_first(execute, sql, params, many, context):
        if sql.startswith("UPDATE") and "claim_token" in sql and not raced:
            raced.append(sql)
            Notification.objects.filter(pk=n.pk).update(state=Notification.State.SENDING, claimed_at=now,
                                                         claim_token="other")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(other_drainer_first):
        assert drain(now=now) == {"sent": 0, "failed": 0, "retry": 0, "skipped": 1}
    assert raced and mail.outbox == []
    n.refresh_from_db()
    assert n.claim_token == "other" and n.state == Notification.State.SENDING


def test_a_drain_claims_its_batch_in_three_queries_and_sends_outside_the_transaction(begeleider, org, personas):
    for i in range(4):
        remind(personas.schoolleider_a if i % 2 else begeleider, org, initials=f"Q.{i}.")
    in_transaction = []
    real_send = services._send

    def send(n):
        in_transaction.append(len(connection.atomic_blocks) > outer)  # deeper than the test's own transaction
        real_send(n)

    services._send = send
    outer = len(connection.atomic_blocks)
    try:
        # SELECT (FOR UPDATE SKIP LOCKED on PostgreSQL), UPDATE, SELECT the claimed rows; then one UPDATE per sent row.
        with CaptureQueriesContext(connection) as captured:
            assert drain()["sent"] == 4
    finally:
        services._send = real_send
    statements = [q["sql"].split()[0] for q in captured.captured_queries
                  if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert statements == ["SELECT", "UPDATE", "SELECT"] + ["UPDATE"] * 4
    assert in_transaction == [False] * 4
    assert len(mail.outbox) == 4


# --- Daily digest ---------------------------------------------------------------------------------


def test_a_digest_user_gets_one_daily_mail_listing_both_messages(begeleider, org, personas):
    Preference.objects.create(user=begeleider, daily_digest=True)
    first = remind(begeleider, org, initials="A.A.")
    second = remind(begeleider, org, initials="B.B.")
    single = remind(personas.schoolleider_a, org, initials="C.C.")  # no preference: one mail per message
    assert first.digest and second.digest and not single.digest
    drain()
    assert [m.to for m in mail.outbox] == [[personas.schoolleider_a.email]]
    assert Notification.objects.get(pk=first.pk).state == Notification.State.PENDING

    assert send_digests() == 1
    assert len(mail.outbox) == 2
    digest = mail.outbox[1]
    assert digest.to == [begeleider.email]
    assert digest.subject == "Uw dagelijkse overzicht van het OPP-portaal"
    assert f"- {first.subject_line}" in digest.body and f"- {second.subject_line}" in digest.body
    assert "C.C." not in digest.body
    for n in (first, second):
        n.refresh_from_db()
        assert n.state == Notification.State.SENT and n.sent_at is not None
    assert send_digests() == 0
    drain()
    assert len(mail.outbox) == 2


def test_an_invitation_is_never_held_for_the_digest(begeleider, org):
    Preference.objects.create(user=begeleider, daily_digest=True)
    n = remind(begeleider, org, kind="invitation")
    assert not n.digest
    drain()
    assert len(mail.outbox) == 1


def test_a_bouncing_digest_stays_pending_with_the_error(org, bounce):
    Preference.objects.create(user=bounce, daily_digest=True)
    n = remind(bounce, org)
    assert send_digests() == 0
    n.refresh_from_db()
    assert n.state == Notification.State.PENDING and n.attempts == 1
    assert n.last_error.startswith("SMTPRecipientsRefused")


def test_enqueue_many_honours_the_digest_preference_and_skips_users_without_email(begeleider, org, personas):
    Preference.objects.create(user=begeleider, daily_digest=True)
    nomail = UserFactory(username="zonder_mail", email="")
    item = DueItem("opp_vaststellen", "students.student", 7, org.school_a.pk, DUE, DUE.isoformat(), "Q.Q.", "/leerlingen/7/")
    context = {"kind": REGISTRY["opp_vaststellen"], "item": item, "step": Step("0", DUE), "school_name": "School A",
               "days": 0, "overdue": 0, "escalated": False}
    messages = [dict(recipient=u, kind="reminder:opp_vaststellen", template="reminder", context=context,
                     subject_type="students.student", subject_id=7, school_id=org.school_a.pk)
                for u in (begeleider, personas.schoolleider_a, nomail)]
    assert services.enqueue_many(messages) == 2
    rows = {n.to_email: n for n in Notification.objects.all()}
    assert set(rows) == {begeleider.email, personas.schoolleider_a.email}
    assert rows[begeleider.email].digest and not rows[personas.schoolleider_a.email].digest
    assert rows[begeleider.email].subject_line == "OPP vaststellen (zes weken): Q.Q. (School A) – vandaag"
    assert rows[personas.schoolleider_a.email].body_text.startswith(
        f"Beste {personas.schoolleider_a.get_full_name()},")


# --- The broker is down ---------------------------------------------------------------------------


@contextmanager
def celery_conf(**values):
    """Set keys on the Celery app's config and afterwards put back exactly what was there.

    The config reads Django's settings live; a key set directly sits in its `changes` layer, which
    must be emptied again (not set to the value read meanwhile) or later tests inherit it.
    """
    changes = celery_app.conf.changes
    saved = {key: changes[key] for key in values if key in changes}
    changes.update(values)
    celery_app._pool = None
    try:
        yield
    finally:
        for key in values:
            if key in saved:
                changes[key] = saved[key]
            else:
                changes.pop(key, None)
        celery_app._pool = None


def test_with_the_broker_down_enqueue_commits_without_touching_it_and_sends_once_it_is_back(
        begeleider, org, settings, django_capture_on_commit_callbacks):
    closed = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = closed
    broker_touched = AssertionError("a web request must not talk to the broker")
    with celery_conf(broker_url=closed, task_always_eager=False), \
            mock.patch("kombu.Connection.connect", side_effect=broker_touched) as connect, \
            mock.patch("celery.app.task.Task.apply_async", side_effect=broker_touched) as apply_async, \
            django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():  # the request's transaction
            n = remind(begeleider, org)
    assert connect.call_count == 0 and apply_async.call_count == 0
    n.refresh_from_db()
    assert n.state == Notification.State.PENDING  # the row waits
    assert mail.outbox == []

    # The broker is back: beat's drain task runs (eagerly here) and the message goes out once.
    with celery_conf(task_always_eager=True):
        drain_outbox.delay()
        drain_outbox.delay()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [begeleider.email]
    n.refresh_from_db()
    assert n.state == Notification.State.SENT



def test_one_drain_run_sends_a_busy_hours_messages_not_one_batch(begeleider, org, settings):
    """Beat runs the drain once a minute: a run keeps claiming batches until the outbox is empty (within its time
    budget), so 250 messages do not wait three minutes for three runs."""
    settings.CELERY_TASK_ALWAYS_EAGER = False  # rows wait for the drain, as with a broker
    for n in range(250):
        remind(begeleider, org, initials=f"A.{n}.")
    assert Notification.objects.filter(state=Notification.State.PENDING).count() == 250
    with celery_conf(task_always_eager=True):
        result = drain_outbox.apply(kwargs={"limit": 100}).get()
    assert result["sent"] == 250 and len(mail.outbox) == 250
    assert not Notification.objects.filter(state=Notification.State.PENDING).exists()
