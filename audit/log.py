"""The audit helper every service calls for reads and writes of pupil data (DOMAIN "Retention and privacy").

It records who, what, which object, when and from which address — never content. `details` takes
structured facts only (field names, states, counts); pass no free text a user typed.
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
import ipaddress
from collections.abc import Callable, Sequence

from django.conf import settings
from django.db import connections, models, router

from accounts import access
from accounts.models import School, User
from audit.models import AuditEvent

_request_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("audit_request_ip", default=None)
# Set once a DENIED row is written in this request, so the refusal middleware does not write a second one.
_denied_recorded: contextvars.ContextVar[bool] = contextvars.ContextVar("audit_denied_recorded", default=False)

Action = AuditEvent.Action


def client_ip(request) -> str | None:
    """The client's address. Behind the compose proxy, the right-most untrusted X-Forwarded-For hop."""
    trusted = settings.TRUSTED_PROXY_COUNT
    candidate = request.META.get("REMOTE_ADDR")
    if trusted:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= trusted:
            candidate = hops[-trusted]
    try:
        return str(ipaddress.ip_address(candidate)) if candidate else None
    except ValueError:
        return None


def set_request_ip(ip: str | None) -> contextvars.Token:
    return _request_ip.set(ip)


def reset_request_ip(token: contextvars.Token) -> None:
    _request_ip.reset(token)


def begin_refusal_scope() -> contextvars.Token:
    return _denied_recorded.set(False)


def end_refusal_scope(token: contextvars.Token) -> None:
    _denied_recorded.reset(token)


def denied_recorded() -> bool:
    return _denied_recorded.get()


def record(
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    *,
    school: School | int | None = None,
    details: dict | None = None,
    actor_label: str | None = None,
) -> AuditEvent:
    """Append one audit row. Call it inside the service's transaction so the row and the change share a fate."""
    row = event(actor, action, obj, school=school, details=details, actor_label=actor_label)
    row.save(force_insert=True)
    return row


def record_many(rows: Sequence[AuditEvent]) -> list[AuditEvent]:
    """Append several rows made by event() in one INSERT (a page that reads several objects at once), in their
    order. Each row holds exactly what record() would have written for it, its time included."""
    rows = list(rows)
    using = router.db_for_write(AuditEvent)
    if len(rows) < 2 or not connections[using].features.can_return_rows_from_bulk_insert:
        for row in rows:
            row.save(force_insert=True, using=using)
        return rows
    # One multi-row INSERT the way Model.save() writes one row (the manager's _insert): bulk_create() would wrap it in a
    # transaction of its own, two more round trips outside a transaction, and one statement is atomic already.
    meta = AuditEvent._meta
    fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field]
    returned = AuditEvent._base_manager._insert(rows, fields=fields, returning_fields=meta.db_returning_fields,
                                                using=using)
    for row, values in zip(rows, returned, strict=True):
        for field, value in zip(meta.db_returning_fields, values, strict=True):
            setattr(row, field.attname, value)
        row._state.adding = False
        row._state.db = using
    return rows


def event(
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    *,
    school: School | int | None = None,
    details: dict | None = None,
    actor_label: str | None = None,
) -> AuditEvent:
    """The row record() appends, not written yet: for record_many(). Its time is set when it is written."""
    if school is None and obj is not None:
        school = _school_of(obj)
    actor_obj = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    if action == Action.DENIED:
        _denied_recorded.set(True)
    return AuditEvent(
        actor=actor_obj,
        actor_label=(actor_label if actor_label is not None else (label_for(actor_obj) if actor_obj else ""))[:150],
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        school_id=school if isinstance(school, int) or school is None else school.pk,
        ip_address=_request_ip.get(),
        details=details or {},
    )


def _school_of(obj: models.Model) -> int | None:
    if isinstance(obj, School):
        return obj.pk
    school_id = getattr(obj, "school_id", None)
    if school_id is None and hasattr(obj, "audit_school_id"):
        school_id = obj.audit_school_id()
    return school_id


#: The start of the pseudonymous reference an audit row keeps for a parent or an adult pupil (label_for).
PORTAL_LABEL_PREFIX = "portaal-"


def is_pseudonymous(event: AuditEvent) -> bool:
    """Was the actor a parent or an adult pupil (a portal account), whose name the log may not show to everyone?"""
    return event.actor_label.startswith(PORTAL_LABEL_PREFIX)


# --- Who may see a portal account's name: looked up when the log is shown ------------------------------------
# A school sees the name of a parent (or adult pupil) whose child it holds; anyone else sees the pseudonym
# (another board must not learn that this person has a child with special needs). The audit app knows no pupils:
# the pupils app registers the lookup (StudentsConfig.ready()).

PeopleLookup = Callable[[set[int], set[int]], set[int]]
_people_lookups: list[PeopleLookup] = []


def register_people_lookup(lookup: PeopleLookup) -> None:
    """`lookup(user_ids, school_ids)` returns those of `user_ids` whose child (or who themselves, as an adult pupil)
    is a pupil of one of `school_ids`."""
    if lookup not in _people_lookups:
        _people_lookups.append(lookup)


def people_known_to(user_ids: set[int], school_ids: set[int]) -> set[int]:
    known: set[int] = set()
    if not user_ids or not school_ids:
        return known
    for lookup in _people_lookups:
        known |= lookup(set(user_ids), set(school_ids))
    return known


def label_for(user: User) -> str:
    """The name an audit row keeps for its actor. Staff by username (their work account); a parent or an
    adult pupil by a pseudonymous reference, because their username is a private email address and audit
    rows outlive the pupil (DOMAIN.md "Retention and privacy"). While the account exists, the log shows
    the person through the foreign key; after retention only the reference remains."""
    if access.is_staff_account(user):
        return user.get_username()
    return f"{PORTAL_LABEL_PREFIX}{user.pk}"


def typed_username_label(username: str) -> str:
    """For failed logins and lockouts: a staff username as typed; anything else (an email address, a typo,
    a guess) as a keyed hash, so attempts on one name can still be told apart without keeping the address."""
    username = (username or "")[:150]
    user = User.objects.filter(username=username).first()
    if user is not None:
        if access.is_staff_account(user):
            return username
    digest = hmac.new(settings.SECRET_KEY.encode(), f"username:{username.lower()}".encode(), hashlib.sha256)
    return f"getypt-{digest.hexdigest()[:12]}"
