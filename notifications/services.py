"""Writing to and draining the outbox."""

from __future__ import annotations

import datetime
import logging
import re
import secrets

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection, models, transaction
from django.db.models import Q
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.html import conditional_escape

from opp_portal import languages

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
            school=None, to_email: str | None = None, language: str | None = None) -> Notification | None:
    """Render a message in the recipient's language and write it to the outbox in the caller's transaction.

    The language is the one a parent or adult pupil chose in the portal (opp_portal.languages.for_user), Dutch for
    the staff and for an address without an account (unless `language` says otherwise, e.g. an invitation's).
    `template` names `notifications/email/<template>.txt` (first line: subject) and optional `.html`.
    Returns None when there is no address to send to (logged, not an error for the caller).
    """
    email = to_email or (recipient.email if recipient is not None else "")
    if not email:
        log.warning("notification %s skipped: recipient %s has no email address", kind, getattr(recipient, "pk", None))
        return None
    base = {"site_url": settings.OPP_SITE_URL.rstrip("/"), "recipient": recipient}
    lang = languages.get(language).code if language else languages.for_user(recipient)
    with translation.override(lang):
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


def _claimable(now) -> Q:
    """Due and not taken, or taken by a drainer that died mid-send (its claim is older than CLAIM_TIMEOUT)."""
    return (Q(state=Notification.State.PENDING, next_attempt_at__lte=now)
            | Q(state=Notification.State.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT))


def _claim_batch(queryset, claimable: Q, now, limit: int) -> tuple[list[Notification], int]:
    """Claim up to `limit` rows of `queryset` for this caller alone; returns (claimed rows, rows lost to another).

    PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED in a short transaction, so concurrent drainers take disjoint
    batches without waiting on each other, and the rows are marked SENDING before the lock is released; the
    sending itself happens outside any transaction. SQLite (the embedded default) has no row locks: Django
    leaves the FOR UPDATE out there, and the conditional update below is the guard, as it is everywhere — a
    row another drainer took meanwhile is no longer claimable, and the token says which rows are ours.
    """
    token = secrets.token_hex(16)
    with transaction.atomic():
        ids = list(queryset.select_for_update(skip_locked=True).filter(claimable)
                   .order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
        if not ids:
            return [], 0
        Notification.objects.filter(claimable, pk__in=ids).update(
            state=Notification.State.SENDING, claimed_at=now, claim_token=token)
    rows = list(Notification.objects.filter(pk__in=ids, claim_token=token).select_related("recipient")
                .order_by("next_attempt_at", "pk"))
    return rows, len(ids) - len(rows)


def _send(n: Notification) -> None:
    message = EmailMultiAlternatives(subject=n.subject_line, body=n.body_text, to=[n.to_email])
    if n.body_html:
        message.attach_alternative(n.body_html, "text/html")
    message.send(fail_silently=False)


def _backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(minutes=min(2 ** attempts, 240))


def drain(*, limit: int = BATCH_SIZE, now=None) -> dict:
    """Send due, non-digest messages. Safe to run concurrently and repeatedly: every row is sent by the one
    drainer that claimed it (see _claim_batch); a drainer that dies mid-batch leaves its rows to be claimed
    again after CLAIM_TIMEOUT."""
    now = now or timezone.now()
    claimed, lost = _claim_batch(Notification.objects.filter(digest=False), _claimable(now), now, limit)
    stats = {"sent": 0, "failed": 0, "retry": 0, "skipped": lost}
    for n in claimed:
        try:
            _send(n)
        except Exception as exc:  # noqa: BLE001 - any delivery error is recorded on the row, never lost
            attempts = n.attempts + 1
            final = attempts >= MAX_ATTEMPTS
            Notification.objects.filter(pk=n.pk).update(
                attempts=attempts, last_error=f"{type(exc).__name__}: {exc}"[:500],
                state=Notification.State.FAILED if final else Notification.State.PENDING,
                next_attempt_at=None if final else now + _backoff(attempts), claimed_at=None,
            )
            log.warning("notification %s failed (attempt %s): %s", n.pk, attempts, type(exc).__name__)
            stats["failed" if final else "retry"] += 1
        else:
            done = {"state": Notification.State.SENT, "sent_at": timezone.now(), "attempts": n.attempts + 1, "last_error": ""}
            if n.kind in REDACT_AFTER_SEND:
                done |= {"body_text": REDACTED, "body_html": ""}
            Notification.objects.filter(pk=n.pk).update(**done)
            stats["sent"] += 1
    return stats


def _digest_claimable(now) -> Q:
    """A digest row waits for the daily run (no next_attempt_at), or was taken by a run that died mid-send."""
    return (Q(state=Notification.State.PENDING)
            | Q(state=Notification.State.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT))


def send_digests(*, now=None) -> int:
    """One email per user with all their pending digest messages; each row is marked sent with it.

    Each user's rows are claimed like the drain's (SKIP LOCKED, then a conditional update with a token), and
    the email is sent outside the transaction: two digest runs at once (two beats by mistake) never put a
    message into two emails.
    """
    now = now or timezone.now()
    sent = 0
    users = (Notification.objects.filter(_digest_claimable(now), digest=True, recipient__isnull=False)
             .values_list("recipient_id", flat=True).distinct())
    for user_id in list(users):
        rows, _lost = _claim_batch(Notification.objects.filter(digest=True, recipient_id=user_id),
                                   _digest_claimable(now), now, limit=10_000)
        if not rows:
            continue
        rows.sort(key=lambda r: r.pk)
        recipient = rows[0].recipient
        ids = [r.pk for r in rows]
        with translation.override(languages.for_user(recipient)):
            body = render_to_string("notifications/email/digest.txt", {
                "recipient": recipient, "items": rows, "site_url": settings.OPP_SITE_URL.rstrip("/")}).strip()
        subject_line, _sep, text = body.partition("\n")
        message = EmailMultiAlternatives(subject=subject_line, body=text.strip(), to=[rows[0].to_email])
        try:
            message.send(fail_silently=False)
        except Exception as exc:  # noqa: BLE001 - recorded on every row of the digest, retried tomorrow
            error = f"{type(exc).__name__}: {exc}"[:500]
            Notification.objects.filter(pk__in=ids).update(
                state=Notification.State.PENDING, claimed_at=None, attempts=models.F("attempts") + 1, last_error=error)
            Notification.objects.filter(pk__in=ids, attempts__gte=MAX_ATTEMPTS).update(
                state=Notification.State.FAILED)
            continue
        Notification.objects.filter(pk__in=ids).update(
            state=Notification.State.SENT, sent_at=now, attempts=models.F("attempts") + 1)
        sent += 1
    return sent


#: Where a value that differs per message sits in a shared rendering (see slot()).
_SLOT = re.compile("\ue000(\\w+)\ue001")


def slot(name: str) -> str:
    """A stand-in for a value that differs between messages of one shape (enqueue_many): the template prints
    it where the value goes, and each message's own value replaces it, escaped as the template escapes."""
    return f"\ue000{name}\ue001"


class SharedRenderingError(Exception):
    """A template printed more of the recipient than the name in a shared rendering (not silenced by templates)."""


class _AnyRecipient:
    """Every recipient of a shared rendering: the name is all a message template prints of the person."""

    def get_full_name(self) -> str:
        return slot("recipient")

    def get_username(self) -> str:
        return slot("recipient")

    def __getattr__(self, name):
        raise SharedRenderingError(f"a shared rendering prints only the recipient's name, not {name!r}")


def _escaped(value: str, memo: dict) -> str:
    key = (type(value), value)  # a SafeString stays as it is, an equal plain str is escaped: not one entry
    if key not in memo:
        memo[key] = conditional_escape(value)
    return memo[key]


def _filled(rendered: str, values: dict[str, str]) -> str:
    return _SLOT.sub(lambda match: values[match[1]], rendered)


def _insert(rows: list[dict]) -> None:
    """INSERT outbox rows in batches without a model instance per row.

    The fan-out of the benchmark's worst day writes 117,075 rows: Django's bulk_create spends more time building
    and preparing ~2 million field values one by one than PostgreSQL spends storing them. Each row here holds
    values the database takes as they are (text, integers, booleans, and datetimes adapted once by the caller);
    every other column gets its field's default, so a new field with a default needs nothing here.
    """
    if not rows:
        return
    fields = [f for f in Notification._meta.concrete_fields if not f.primary_key]
    unknown = set(rows[0]) - {f.attname for f in fields}
    if unknown:
        raise TypeError(f"not columns of the outbox: {', '.join(sorted(unknown))}")
    defaults = {f.attname: f.get_db_prep_save(f.get_default(), connection) for f in fields}
    table = connection.ops.quote_name(Notification._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    batch = min(1000, connection.ops.bulk_batch_size(fields, rows))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            chunk = rows[start:start + batch]
            params = [row.get(f.attname, defaults[f.attname]) for row in chunk for f in fields]
            values = ", ".join([placeholders] * len(chunk))
            # Names from the model, quoted by the backend; every value a parameter.
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {values}", params)  # noqa: S608


def enqueue_many(messages: list[dict]) -> int:
    """Bulk form of enqueue() for the sweep's fan-out: one preference query, one insert, and each message
    shape rendered once.

    Each message: recipient, kind, template, context, subject_type, subject_id, school_id; optional force_digest.
    Messages may also carry `shape` (hashable) and `fill` ({name: str}): messages with the same template and
    shape share one rendering. Their contexts must differ only in values given as slot(name) — each message's
    `fill` supplies its own — and in the recipient, of whom the template prints only the name
    (get_full_name|default:get_username, as every message template does; anything else raises
    SharedRenderingError). The result is byte for byte what rendering each message alone gives (the values are
    escaped exactly as the template's autoescaping would), at a fraction of the cost: the benchmark's worst day
    has 117,075 messages but a few hundred shapes. Without a shape a message is rendered on its own.

    Each message is rendered in its recipient's language (opp_portal.languages.for_user): a shared rendering is one
    per template, shape and language, so no recipient gets another's language.
    """
    if not messages:
        return 0
    digest_users = set(Preference.objects.filter(
        user_id__in={m["recipient"].pk for m in messages}, daily_digest=True).values_list("user_id", flat=True))
    templates: dict[str, tuple] = {}
    shared: dict[tuple, list] = {}  # (template, shape, language) → [text, html or None until a message needs it]
    escaped: dict[tuple, str] = {}  # the same school and person names recur across thousands of messages
    rows = []
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    base = {"site_url": settings.OPP_SITE_URL.rstrip("/")}
    active = languages.DEFAULT
    with translation.override(active):  # restores the caller's language afterwards
        for m in messages:
            recipient = m["recipient"]
            if not recipient.email:
                log.warning("notification %s skipped: user %s has no email address", m["kind"], recipient.pk)
                continue
            lang = languages.for_user(recipient)
            if lang != active:  # switched only when it changes: most of a fan-out is staff, in Dutch
                translation.activate(lang)
                active = lang
            if m["template"] not in templates:
                try:
                    html = get_template(f"notifications/email/{m['template']}.html")
                except Exception:  # noqa: BLE001 - optional HTML part
                    html = None
                text = get_template(f"notifications/email/{m['template']}.txt")
                templates[m["template"]] = (text, html, text.template.engine.autoescape)
            text_t, html_t, autoescape = templates[m["template"]]
            digest = bool(m.get("force_digest") or recipient.pk in digest_users) and m["kind"] not in IMMEDIATE_KINDS
            # A digest line is its subject; the HTML part of a message that is never sent alone is not rendered.
            want_html = html_t is not None and not digest
            if m.get("shape") is None:
                context = base | {"recipient": recipient} | m["context"]
                text = text_t.render(context)
                html = html_t.render(context) if want_html else ""
            else:
                key = (m["template"], m["shape"], lang)
                if key not in shared:
                    shared[key] = [text_t.render(base | {"recipient": _AnyRecipient()} | m["context"]), None]
                if want_html and shared[key][1] is None:
                    shared[key][1] = html_t.render(base | {"recipient": _AnyRecipient()} | m["context"])
                values = m.get("fill", {}) | {"recipient": recipient.get_full_name() or recipient.get_username()}
                if autoescape:
                    values = {name: _escaped(value, escaped) for name, value in values.items()}
                text = _filled(shared[key][0], values)
                html = _filled(shared[key][1], values) if want_html else ""
            subject_line, _sep, body = text.strip().partition("\n")
            rows.append({
                "recipient_id": recipient.pk, "to_email": recipient.email, "kind": m["kind"],
                "subject_line": subject_line.strip()[:200], "body_text": body.strip(), "body_html": html,
                "digest": digest, "subject_type": m.get("subject_type", ""), "subject_id": str(m.get("subject_id", "")),
                "school_id": m.get("school_id"), "next_attempt_at": now, "created_at": now,
            })
    _insert(rows)
    if settings.CELERY_TASK_ALWAYS_EAGER and rows:
        transaction.on_commit(lambda: drain(limit=10_000))
    return len(rows)
