"""Staff accounts set their own password: nobody else ever does, the beheerder included.

A new staff account, and one whose password reset was approved (security.approvals), gets a one-time,
expiring link by e-mail; only the token's hash is stored. As with the parent invitations (portal/), the
link's page POSTs the token, the exchange happens once and the next address is clean; the account then
sets its password (the password validators apply) and its second factor.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access
from accounts.models import Board, User
from audit import log as audit
from notifications.services import enqueue
from security.models import StaffActivation

#: The session key that carries an exchanged activation from the exchange to the password page.
SESSION_KEY = "staff_activation_id"


class ActivationProblem(Exception):
    def __init__(self, problem: str):
        super().__init__(problem)
        self.problem = problem


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def valid_for() -> datetime.timedelta:
    return datetime.timedelta(days=settings.OPP_INVITATION_DAYS)


def is_activated(user: User) -> bool:
    return user.has_usable_password()


@transaction.atomic
def create_staff_account(*, actor: User, user: User, board: Board | None = None) -> User:
    """Save a new (unsaved) staff account without a password and send it its activation link.

    The account has no role: roles are asked for separately and wait for approval (security.approvals).
    """
    if not actor.is_superuser:
        managed = access.boards_managed_by(actor)
        board = board or managed.first()
        if board is None or not managed.filter(pk=board.pk).exists():
            raise PermissionDenied
    user.email = (user.email or "").strip()
    if not user.email:
        raise ValidationError({"email": _("Vul het e-mailadres in: daarheen gaat de activeringslink.")})
    user.managed_by = board
    user.created_by = actor
    user.is_staff = user.is_superuser = False
    user.set_unusable_password()
    user.full_clean()
    user.save()
    audit.record(actor, audit.Action.CREATE, user, details={"managed_by": getattr(board, "pk", None)})
    send_activation(actor=actor, user=user)
    return user


@transaction.atomic
def send_activation(*, actor: User | None, user: User, reset: bool = False) -> StaffActivation:
    """A new link (earlier open ones stop working). Only for an account without a password: a new account,
    or one whose password reset was approved (reset=True)."""
    if user.has_usable_password():
        raise ValidationError(_("Dit account heeft al een wachtwoord. Een nieuw wachtwoord gaat via een verzoek "
                                "dat de schoolleider of bestuurder goedkeurt."), code="activated")
    if not user.is_active:
        raise ValidationError(_("Dit account is gedeactiveerd."), code="inactive")
    if not user.email:
        raise ValidationError(_("Dit account heeft geen e-mailadres voor de activeringslink."), code="no_email")
    now = timezone.now()
    StaffActivation.objects.filter(user=user, completed_at__isnull=True, revoked_at__isnull=True).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    activation = StaffActivation.objects.create(
        user=user, token_hash=token_hash(token), email=user.email, reset=reset, created_by=actor,
        expires_at=now + valid_for(),
    )
    audit.record(actor, audit.Action.CREATE, activation, details={"user": user.pk, "reset": reset},
                 actor_label=None if actor is not None else "systeem")
    # Kind "invitation": sent at once (never in a digest) and its body, which holds the token, blanked once sent.
    enqueue(recipient=user, to_email=user.email, kind="invitation", template="staff_activation", subject=activation,
            context={"token": token, "first_name": user.first_name, "reset": reset,
                     "expires_at": activation.expires_at})
    return activation


@transaction.atomic
def exchange(token: str) -> StaffActivation:
    """The POST of the e-mailed token: once only. Returns the activation, now marked used."""
    activation = (StaffActivation.objects.select_for_update(of=("self",)).select_related("user")
                  .filter(token_hash=token_hash(str(token or ""))).first())
    if activation is None:
        raise ActivationProblem(StaffActivation.Problem.UNKNOWN)
    problem = activation.problem()
    if problem:
        raise ActivationProblem(problem)
    activation.used_at = timezone.now()
    activation.save(update_fields=["used_at"])
    audit.record(None, audit.Action.UPDATE, activation, actor_label=f"activering-{activation.pk}",
                 details={"exchanged": True, "user": activation.user_id})
    return activation


def exchanged(pk) -> StaffActivation | None:
    """The activation whose token this session exchanged and whose password is not set yet."""
    if not isinstance(pk, int):
        return None
    return (StaffActivation.objects.select_related("user")
            .filter(pk=pk, used_at__isnull=False, completed_at__isnull=True, revoked_at__isnull=True,
                    user__is_active=True).first())


@transaction.atomic
def complete(*, activation: StaffActivation, password: str) -> User:
    """Set the account's own password (validated); the link is spent."""
    activation = StaffActivation.objects.select_for_update(of=("self",)).select_related("user").get(pk=activation.pk)
    if activation.completed_at or activation.revoked_at or not activation.user.is_active:
        raise ActivationProblem(StaffActivation.Problem.REVOKED if activation.revoked_at else StaffActivation.Problem.USED)
    if activation.expires_at <= timezone.now():
        raise ActivationProblem(StaffActivation.Problem.EXPIRED)
    user = activation.user
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])  # ends any other session of the account (security.signals)
    activation.completed_at = timezone.now()
    activation.save(update_fields=["completed_at"])
    audit.record(user, audit.Action.PASSWORD_CHANGED, details={"activation": activation.pk, "reset": activation.reset})
    access.clear_cache(user)
    return user
