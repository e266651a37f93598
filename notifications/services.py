"""Writing to and draining the outbox."""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import models, transaction
from django.db.models import Q
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation

from .models import Notification, Preference

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BATCH_SIZE = 100
CLAIM_TIMEOUT = datetime.timedelta(minutes=10)  # a worker that died mid-send: the row is retried

#: Kinds that never wait for a digest (they are the action itself, e.g. an invitation).
IMMEDIATE_KINDS = {"invitation"}
#: Kinds whose body holds a secret (the invitation token): blanked once the message is sent.
REDACT_AFTER_SEND = {"invitation"}
REDACTED = "[inhoud verwijderd na verzending: bevatte een eenmalige link]"


def _wants_digest(user, kind: str) -> bool:
    if user is None or kind in IMMEDIATE_KINDS:
        return False
    return Preference.objects.filter(user=user, daily_digest=True).exists()


def enqueue(*, recipient, kind: str, template: str, context: dict, subject: models.Model | None = None,
            school=None, to_email: str | None = None) -> Notification | None:
    """Render a Dutch message and write it to the outbox in the caller's transaction.

    `template` names `notifications/email/<template>.txt` (first line: subject) and optional `.html`.
    Returns None when there is no address to send to (logged, not an error for the caller).
    """
    email = to_email or (recipient.email if recipient is not None else "")
    if not email:
        log.warning("notification %s skipped: recipient %s has no email address", kind, getattr(recipient, "pk", None))
        return None
    base = {"site_url": settings.OPP_SITE_URL.rstrip("/"), "recipient": recipient}
    with translation.override("nl"):
        text = render_to_string(f"notifications/email/{template}.txt", base | context).strip()
        try:
            html = render_to_string(f"notifications/email/{template}.html", base | context)
        except Exception:  # noqa: BLE001 - an HTML part is optional
            html = ""
    subject_line, _sep, body = text.partition("\n")
    notification = Notification.objects.create(
        recipient=recipient, to_email=email, kind=kind, subject_line=subject_line.strip()[:200], body_text=body.strip(),
        body_html=html, digest=_wants_digest(recipient, kind),
        subject_type=subject._meta.label_lower if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
        school=school, next_attempt_at=timezone.now(),
    )
    if settings.CELERY_TASK_ALWAYS_EAGER:
        # Embedded default: no worker, so send right after the commit, in-process.
        transaction.on_commit(lambda: drain(limit=BATCH_SIZE))
    return notification


def _claim(notification_id: int, now) -> bool:
    """Take one row for sending; exactly one drainer wins (conditional update, healthchecks-style)."""
    return Notification.objects.filter(
        Q(state=Notification.State.PENDING) | Q(state=Notification.State.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT),
        pk=notification_id,
    ).update(state=Notification.State.SENDING, claimed_at=now) == 1


def _send(n: Notification) -> None:
    message = EmailMultiAlternatives(subject=n.subject_line, body=n.body_text, to=[n.to_email])
    if n.body_html:
        message.attach_alternative(n.body_html, "text/html")
    message.send(fail_silently=False)


def _backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(minutes=min(2 ** attempts, 240))


def drain(*, limit: int = BATCH_SIZE, now=None) -> dict:
    """Send due, non-digest messages. Safe to run concurrently and repeatedly."""
    now = now or timezone.now()
    due = list(
        Notification.objects.filter(
            Q(state=Notification.State.PENDING, next_attempt_at__lte=now)
            | Q(state=Notification.State.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT),
            digest=False,
        ).order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit]
    )
    stats = {"sent": 0, "failed": 0, "retry": 0, "skipped": 0}
    for pk in due:
        if not _claim(pk, now):
            stats["skipped"] += 1
            continue
        n = Notification.objects.get(pk=pk)
        try:
            _send(n)
        except Exception as exc:  # noqa: BLE001 - any delivery error is recorded on the row, never lost
            attempts = n.attempts + 1
            final = attempts >= MAX_ATTEMPTS
            Notification.objects.filter(pk=pk).update(
                attempts=attempts, last_error=f"{type(exc).__name__}: {exc}"[:500],
                state=Notification.State.FAILED if final else Notification.State.PENDING,
                next_attempt_at=None if final else now + _backoff(attempts), claimed_at=None,
            )
            log.warning("notification %s failed (attempt %s): %s", pk, attempts, type(exc).__name__)
            stats["failed" if final else "retry"] += 1
        else:
            done = {"state": Notification.State.SENT, "sent_at": timezone.now(), "attempts": n.attempts + 1, "last_error": ""}
            if n.kind in REDACT_AFTER_SEND:
                done |= {"body_text": REDACTED, "body_html": ""}
            Notification.objects.filter(pk=pk).update(**done)
            stats["sent"] += 1
    return stats


def send_digests(*, now=None) -> int:
    """One email per user with all their pending digest messages; each row is marked sent with it."""
    now = now or timezone.now()
    sent = 0
    users = (Notification.objects.filter(state=Notification.State.PENDING, digest=True, recipient__isnull=False)
             .values_list("recipient_id", flat=True).distinct())
    for user_id in list(users):
        with transaction.atomic():
            rows = list(Notification.objects.select_for_update().filter(
                state=Notification.State.PENDING, digest=True, recipient_id=user_id).select_related("recipient").order_by("pk"))
            if not rows:
                continue
            recipient = rows[0].recipient
            with translation.override("nl"):
                body = render_to_string("notifications/email/digest.txt", {
                    "recipient": recipient, "items": rows, "site_url": settings.OPP_SITE_URL.rstrip("/")}).strip()
            subject_line, _sep, text = body.partition("\n")
            message = EmailMultiAlternatives(subject=subject_line, body=text.strip(), to=[rows[0].to_email])
            try:
                message.send(fail_silently=False)
            except Exception as exc:  # noqa: BLE001 - recorded on every row of the digest, retried tomorrow
                error = f"{type(exc).__name__}: {exc}"[:500]
                Notification.objects.filter(pk__in=[r.pk for r in rows]).update(
                    attempts=models.F("attempts") + 1, last_error=error)
                Notification.objects.filter(pk__in=[r.pk for r in rows], attempts__gte=MAX_ATTEMPTS).update(
                    state=Notification.State.FAILED)
                continue
            Notification.objects.filter(pk__in=[r.pk for r in rows]).update(
                state=Notification.State.SENT, sent_at=now, attempts=models.F("attempts") + 1)
            sent += 1
    return sent


def enqueue_many(messages: list[dict]) -> int:
    """Bulk form of enqueue() for the sweep: one preference query, one insert, one template compile.

    Each message: recipient, kind, template, context, subject_type, subject_id, school_id.
    """
    if not messages:
        return 0
    digest_users = set(Preference.objects.filter(
        user_id__in={m["recipient"].pk for m in messages}, daily_digest=True).values_list("user_id", flat=True))
    templates: dict[str, tuple] = {}
    rows = []
    now = timezone.now()
    base = {"site_url": settings.OPP_SITE_URL.rstrip("/")}
    with translation.override("nl"):
        for m in messages:
            recipient = m["recipient"]
            if not recipient.email:
                log.warning("notification %s skipped: user %s has no email address", m["kind"], recipient.pk)
                continue
            if m["template"] not in templates:
                html = None
                try:
                    html = get_template(f"notifications/email/{m['template']}.html")
                except Exception:  # noqa: BLE001 - optional HTML part
                    html = None
                templates[m["template"]] = (get_template(f"notifications/email/{m['template']}.txt"), html)
            text_t, html_t = templates[m["template"]]
            context = base | {"recipient": recipient} | m["context"]
            subject_line, _sep, body = text_t.render(context).strip().partition("\n")
            digest = bool(m.get("force_digest") or recipient.pk in digest_users) and m["kind"] not in IMMEDIATE_KINDS
            rows.append(Notification(
                recipient=recipient, to_email=recipient.email, kind=m["kind"], subject_line=subject_line.strip()[:200],
                # A digest line is its subject; the HTML part of a message that is never sent alone is not rendered.
                body_text=body.strip(), body_html=html_t.render(context) if html_t and not digest else "",
                digest=digest,
                subject_type=m.get("subject_type", ""), subject_id=str(m.get("subject_id", "")),
                school_id=m.get("school_id"), next_attempt_at=now,
            ))
    Notification.objects.bulk_create(rows, batch_size=1000)
    if settings.CELERY_TASK_ALWAYS_EAGER and rows:
        transaction.on_commit(lambda: drain(limit=10_000))
    return len(rows)
