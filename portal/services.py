"""Invitations: a random one-time token by email, only its hash stored; exchanged by POST."""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access
from accounts.models import User
from audit import log as audit
from notifications.services import enqueue
from students.models import Guardian, Student

from . import access as portal_access
from .models import Invitation, token_hash

#: The account page reached without (or after losing) the session of an exchange: the emailed link is the way back.
NO_SESSION = "no_session"


class InvitationProblem(Exception):
    def __init__(self, problem: str, invitation: Invitation | None = None):
        super().__init__(problem)
        self.problem = problem
        self.invitation = invitation


@transaction.atomic
def invite(*, actor: User, email: str, guardian: Guardian | None = None, pupil: Student | None = None,
           child: Student | None = None, name: str = "", reminder_of: Invitation | None = None) -> Invitation:
    """Send (or resend) an invitation; earlier open invitations for the same person are revoked. `name` is how the
    invitee is addressed and pre-fills the account form; `reminder_of` marks a reminder in the audit log."""
    school = guardian.school if guardian else pupil.school
    portal_access.require_inviter(actor, school)
    email = (email or "").strip().lower()
    if not email:
        raise ValidationError({"email": _("Vul een e-mailadres in.")})
    if guardian is not None and guardian.user_id:
        raise ValidationError(_("Deze ouder/verzorger heeft al een portaalaccount."))
    if pupil is not None:
        if not pupil.handelingsbekwaam:
            raise ValidationError(_("Alleen een meerderjarige, handelingsbekwame leerling kan zelf worden uitgenodigd."))
        if pupil.portal_user_id:
            raise ValidationError(_("Deze leerling heeft al een portaalaccount."))
    now = timezone.now()
    open_ones = Invitation.objects.filter(guardian=guardian) if guardian else Invitation.objects.filter(pupil=pupil)
    # Also one that was exchanged but never finished: a new invitation (perhaps to a corrected address)
    # must stop whoever holds the old session from still creating the account.
    open_ones.filter(accepted_user__isnull=True, revoked_at__isnull=True).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        token_hash=token_hash(token), email=email, guardian=guardian, pupil=pupil, created_by=actor,
        name=(name or "").strip()[:200], expires_at=now + datetime.timedelta(days=settings.OPP_INVITATION_DAYS),
    )
    if child is None:
        child = guardian.links.select_related("student").first().student if guardian else pupil
    details = {"for": "guardian" if guardian else "pupil"}
    if reminder_of is not None:
        details |= {"reminder": True, "replaces": reminder_of.pk}
    audit.record(actor, audit.Action.CREATE, invitation, school=school.pk, details=details)
    enqueue(recipient=None, to_email=email, kind="invitation", template="invitation", subject=invitation, school=school,
            context={"token": token, "first_name": child.first_name if child else "", "school_name": school.name,
                     "for_pupil": pupil is not None, "expires_at": invitation.expires_at})
    return invitation


@transaction.atomic
def remind(*, actor: User, invitation: Invitation, child: Student | None = None) -> Invitation:
    """"Herinnering sturen" for a pending invitation: the same email again. Only the old token's hash is stored, so
    the reminder carries a fresh token (and a fresh validity); the old link stops working (revoked by `invite`)."""
    invitation = Invitation.objects.select_for_update(of=("self",)).select_related("guardian__school", "pupil__school").get(
        pk=invitation.pk)
    if invitation.accepted_user_id or invitation.used_at:
        raise ValidationError(_("Deze uitnodiging is al geaccepteerd; er is een portaalaccount."))
    if invitation.revoked_at:
        raise ValidationError(_("Deze uitnodiging is al vervangen door een nieuwere. Stuur de herinnering vanaf de "
                                "leerlingpagina opnieuw."))
    return invite(actor=actor, email=invitation.email, guardian=invitation.guardian, pupil=invitation.pupil,
                  child=child, name=invitation.name, reminder_of=invitation)


@transaction.atomic
def exchange(token: str) -> Invitation:
    """The POST of the emailed token. It proves that whoever holds this session has the link; it spends nothing.

    The invitation stays valid until the account is made or linked (`accept`): a parent who stops at the password
    form comes back through the same link (any session) and continues. The caller keeps only the invitation's id in
    the session and redirects to a token-less address."""
    invitation = Invitation.objects.filter(token_hash=token_hash(token or "")).first()
    if invitation is None:
        raise InvitationProblem(Invitation.Problem.UNKNOWN)
    problem = invitation.problem()
    if problem:
        raise InvitationProblem(problem, invitation)
    audit.record(None, audit.Action.UPDATE, invitation, school=invitation.school_id, actor_label=f"uitnodiging-{invitation.pk}",
                 details={"exchanged": True})
    return invitation


def open_invitation(pk) -> Invitation:
    """The invitation a session exchanged, if it can still make an account: raises InvitationProblem otherwise."""
    if not pk:
        raise InvitationProblem(NO_SESSION)
    invitation = Invitation.objects.filter(pk=pk).first()
    if invitation is None:
        raise InvitationProblem(Invitation.Problem.UNKNOWN)
    problem = invitation.problem()
    if problem:
        raise InvitationProblem(problem, invitation)
    return invitation


def existing_user_for(invitation: Invitation) -> User | None:
    return User.objects.filter(username__iexact=invitation.email).first()


@transaction.atomic
def accept(*, invitation: Invitation, password: str, first_name: str = "", last_name: str = "") -> User:
    """Create the portal account (or link the existing one, whose password must then match)."""
    now = timezone.now()
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    problem = invitation.problem(now)
    if problem:
        raise InvitationProblem(problem, invitation)
    # Spent here, once: a conditional UPDATE, so that of two tabs racing exactly one gets the row (the other sees
    # "used"); a refused password below rolls this back with the rest of the transaction.
    spent = Invitation.objects.filter(pk=invitation.pk, used_at__isnull=True, revoked_at__isnull=True,
                                      accepted_user__isnull=True, expires_at__gt=now).update(used_at=now)
    if not spent:
        raise InvitationProblem(Invitation.Problem.USED, invitation)
    invitation.used_at = now
    user = existing_user_for(invitation)
    if user is not None:
        if not user.check_password(password):
            raise ValidationError({"password1": _("Dit wachtwoord hoort niet bij uw bestaande account.")})
    else:
        candidate = User(username=invitation.email, email=invitation.email, first_name=first_name, last_name=last_name)
        validate_password(password, candidate)
        candidate.set_password(password)
        candidate.save()
        user = candidate
    if invitation.guardian_id:
        Guardian.objects.filter(pk=invitation.guardian_id).update(user=user)
    else:
        Student.objects.filter(pk=invitation.pupil_id).update(portal_user=user)
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_user"])
    access.clear_cache(user)
    audit.record(user, audit.Action.UPDATE, invitation, school=invitation.school_id, details={"accepted": True})
    return user
