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


class InvitationProblem(Exception):
    def __init__(self, problem: str, invitation: Invitation | None = None):
        super().__init__(problem)
        self.problem = problem
        self.invitation = invitation


@transaction.atomic
def invite(*, actor: User, email: str, guardian: Guardian | None = None, pupil: Student | None = None,
           child: Student | None = None) -> Invitation:
    """Send (or resend) an invitation; earlier open invitations for the same person are revoked."""
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
        expires_at=now + datetime.timedelta(days=settings.OPP_INVITATION_DAYS),
    )
    if child is None:
        child = guardian.links.select_related("student").first().student if guardian else pupil
    audit.record(actor, audit.Action.CREATE, invitation, school=school.pk, details={"for": "guardian" if guardian else "pupil"})
    enqueue(recipient=None, to_email=email, kind="invitation", template="invitation", subject=invitation, school=school,
            context={"token": token, "first_name": child.first_name if child else "", "school_name": school.name,
                     "for_pupil": pupil is not None, "expires_at": invitation.expires_at})
    return invitation


@transaction.atomic
def exchange(token: str) -> Invitation:
    """The POST of the emailed token: one time only. Returns the invitation, now marked used."""
    invitation = Invitation.objects.select_for_update().filter(token_hash=token_hash(token or "")).first()
    if invitation is None:
        raise InvitationProblem(Invitation.Problem.UNKNOWN)
    problem = invitation.problem()
    if problem:
        raise InvitationProblem(problem, invitation)
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    audit.record(None, audit.Action.UPDATE, invitation, school=invitation.school_id, actor_label=f"uitnodiging-{invitation.pk}",
                 details={"exchanged": True})
    return invitation


def existing_user_for(invitation: Invitation) -> User | None:
    return User.objects.filter(username__iexact=invitation.email).first()


@transaction.atomic
def accept(*, invitation: Invitation, password: str, first_name: str = "", last_name: str = "") -> User:
    """Create the portal account (or link the existing one, whose password must then match)."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.expires_at <= timezone.now():
        raise InvitationProblem(Invitation.Problem.EXPIRED, invitation)
    if invitation.accepted_user_id:
        raise InvitationProblem(Invitation.Problem.USED, invitation)
    if invitation.revoked_at:
        raise InvitationProblem(Invitation.Problem.REVOKED, invitation)
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
