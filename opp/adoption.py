"""Setting the OPP (vaststelling): submission, the board's adoption or return, bekendmaking, withdrawal
notices, and verification against the archive (R-SET-1, R-TIME-1..3, R-GPO-2, R-GPO-6, R-GPO-7)."""

from __future__ import annotations

import hashlib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access
from accounts.access import Cap
from accounts.models import User
from audit import log as audit
from notifications.services import enqueue
from opp_portal import files
from security import otp
from security.policy import second_factor_required
from students import services as student_services

from . import access as plan_access
from . import bekendmaking, compliance, content, selectors, transitions
from . import pdf as opp_pdf
from .consent_services import covering_request
from .models import Plan, PlanVersion, ReturnedVersion, VersionState
from .rules import gpo_last_day
from .transitions import Action, Refusal

MSG_BLOCKING = _("Deze versie heeft nog blokkerende bevindingen en kan niet ter vaststelling worden aangeboden.")
MSG_NO_CONSENT = _("De ouders hebben (nog) niet ingestemd met precies dit handelingsdeel.")
MSG_PLAN_ENDED = _("Dit OPP is beëindigd of ingetrokken.")
MSG_NOT_AWAITING = _("Deze versie wacht niet (meer) op vaststelling (status: %(state)s). Misschien heeft iemand anders "
                     "haar net vastgesteld of teruggestuurd.")
_REFUSALS = {Refusal.PLAN_ENDED: MSG_PLAN_ENDED, Refusal.VERSION_STATE: MSG_NOT_AWAITING}


def _lock(version: PlanVersion) -> PlanVersion:
    # Lock the version row only: adoptions of other pupils of the same board must not wait for this one.
    return (PlanVersion.objects.select_for_update(of=("self",))
            .select_related("plan", "plan__student", "plan__student__school", "plan__student__school__board")
            .get(pk=version.pk))


@transaction.atomic
def submit(*, actor: User, version: PlanVersion) -> PlanVersion:
    """Begeleider or schoolleider: ter vaststelling, once nothing blocks and consent covers the handelingsdeel."""
    version = _lock(version)
    student = version.plan.student
    access.require_cap(actor, Cap.PLAN_EDIT, student.school)
    transitions.require_state(Action.SUBMIT, version.plan, version, messages=_REFUSALS)
    if covering_request(version) is None:
        raise ValidationError(MSG_NO_CONSENT)
    found = selectors.findings_for(version, today=timezone.localdate())
    if compliance.has_blocking(found):
        raise ValidationError(MSG_BLOCKING)
    version.state = VersionState.TER_VASTSTELLING
    version.submitted_at = timezone.now()
    version.submitted_by = actor
    version.save(update_fields=["state", "submitted_at", "submitted_by", "updated_at"])
    audit.record(actor, audit.Action.TRANSITION, version, details={"to": "ter_vaststelling"})
    return version


def _archive(version: PlanVersion, pdf: bytes) -> tuple[str, str]:
    digest = hashlib.sha256(pdf).hexdigest()
    name = f"archief/{timezone.localdate():%Y}/opp-{version.plan_id}-v{version.number}-{digest[:12]}.pdf"
    return files.save(name, pdf), digest


def _parents_to_notify(version: PlanVersion) -> list[User]:
    """Who is told of a decision through the portal: the parties that must be told (opp.rules.parties_to_tell:
    the guardians with gezag, or the adult pupil and his parents only with his permission, R-TIME-4) who have
    an active portal account. The others are told on paper; the school records that (opp.bekendmaking)."""
    return [user for _party, user in bekendmaking.portal_parties(version.plan.student)]


def adopt(*, actor: User, version: PlanVersion, password: str, otp_token: str | None = None) -> PlanVersion:
    """Vaststellen: who (under which mandate), when, the version hash; the previous adopted version is
    superseded; the PDF is rendered once and archived with its hash; the parents are told (bekendmaking).

    The credentials are checked before the transaction, so that a wrong second-factor code counts for
    django-otp's throttling and stays in the audit log (a rollback would erase both)."""
    plan_access.require_adoption_mandate(actor, version.plan.student.school)
    if not actor.check_password(password or ""):
        raise ValidationError({"password": _("Het wachtwoord klopt niet. Er is niets vastgesteld.")})
    if second_factor_required(actor):
        # Adoption re-checks the second factor, not only the password.
        error = otp.reconfirm(actor, otp_token or "")
        if error:
            raise ValidationError({"otp_token": error})
    return adopt_confirmed(actor=actor, version=version)


@transaction.atomic
def adopt_confirmed(*, actor: User, version: PlanVersion) -> PlanVersion:
    """The adoption itself, for a caller that has checked the credentials (adopt(); the demo seed)."""
    version = _lock(version)
    student = version.plan.student
    mandate = plan_access.require_adoption_mandate(actor, student.school)
    transitions.require_state(Action.ADOPT, version.plan, version, messages=_REFUSALS)
    if covering_request(version) is None:
        raise ValidationError(MSG_NO_CONSENT)
    today = timezone.localdate()
    if compliance.has_blocking(selectors.findings_for(version, today=today)):
        raise ValidationError(MSG_BLOCKING)

    now = timezone.now()
    previous = PlanVersion.objects.select_for_update().filter(plan=version.plan, state=VersionState.VASTGESTELD).first()
    if previous is not None:
        previous.state = VersionState.VERVANGEN
        previous.superseded_at = now
        previous.save(update_fields=["state", "superseded_at"])
    version.state = VersionState.VASTGESTELD
    version.adopted_at = now
    version.adopted_by = actor
    version.adopted_as = mandate.label
    version.adopted_hash = content.version_hash(version)
    version.made_known_on = today
    version.archived_pdf, version.archived_pdf_hash = _archive(version, opp_pdf.render_version_pdf(version))
    version.save()
    # The six-week term is met from now on (students.history: the current plan is in force).
    student_services.refresh_standing(student, actor=actor)
    audit.record(actor, audit.Action.TRANSITION, version, details={
        "to": "vastgesteld", "mandate": mandate.role, "superseded": previous.pk if previous else None})
    last_day = gpo_last_day(today)
    # Each party told through the portal is on record as told today: its own six weeks start now (R-GPO-2).
    for user in bekendmaking.record_portal(version_or_plan=version, on=today):
        enqueue(recipient=user, kind="bekendmaking", template="bekendmaking", subject=version, school=student.school,
                context={"first_name": student.first_name, "school_name": student.school.name,
                         "made_known_on": today, "last_day": last_day, "withdrawn": False,
                         "for_pupil": user.pk == student.portal_user_id})
    return version


@transaction.atomic
def send_back(*, actor: User, version: PlanVersion, reason: str) -> ReturnedVersion:
    version = _lock(version)
    plan_access.require_adoption_mandate(actor, version.plan.student.school)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Geef aan waarom de versie wordt teruggestuurd.")})
    transitions.require_state(Action.SEND_BACK, version.plan, version, messages=_REFUSALS)
    version.state = VersionState.IN_OVERLEG
    version.save(update_fields=["state", "updated_at"])
    returned = ReturnedVersion.objects.create(version=version, returned_by=actor, reason=reason.strip()[:5000])
    audit.record(actor, audit.Action.TRANSITION, version, details={"to": "in_overleg", "returned": True})
    return returned


def notify_withdrawal(plan: Plan, *, actor: User) -> None:
    """Intrekken is made known to the same parties as an adoption, but without the GPO route: a request about a
    withdrawn OPP is niet-ontvankelijk (R-GPO-6, GPO 108928). The notice names where parents can go instead."""
    student = plan.student
    today = plan.made_known_on or timezone.localdate()
    swv = student.school.samenwerkingsverband
    for user in bekendmaking.record_portal(version_or_plan=plan, on=today):
        enqueue(recipient=user, kind="intrekking", template="bekendmaking", subject=plan, school=student.school,
                context={"first_name": student.first_name, "school_name": student.school.name,
                         "made_known_on": today, "withdrawn": True, "withdrawn_on": plan.ended_on,
                         "swv_name": swv.name if swv else "",
                         "for_pupil": user.pk == student.portal_user_id})


def verify(*, user: User, pdf_bytes: bytes | None = None, version_hash: str | None = None) -> PlanVersion | None:
    """Find the adopted version an uploaded PDF (its file hash) or a pasted version hash belongs to,
    among the plans the user may see."""
    candidates = plan_access.versions_visible_to(user).filter(
        state__in=[VersionState.VASTGESTELD, VersionState.VERVANGEN],
    ).select_related("plan__student__school", "adopted_by")
    if pdf_bytes:
        return candidates.filter(archived_pdf_hash=hashlib.sha256(pdf_bytes).hexdigest()).first()
    value = (version_hash or "").strip().lower()
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        return None
    return candidates.filter(adopted_hash=value).first()
