"""Every write of the admission decisions: checked against swv.rules, stored, audited in one transaction."""

from __future__ import annotations

import hashlib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import require_cap
from accounts.models import User
from audit import log as audit
from opp.models import FROZEN_STATES
from opp_portal import uploads
from students.models import Student

from . import access, rules
from .models import AdmissionDecision

#: The folder of the decision documents in the private storage (opp_portal.files).
FOLDER = "toelaatbaarheid"


def _sha256_of(upload) -> str:
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _store(upload) -> tuple[uploads.StoredFile, str]:
    """Checked as every upload (opp_portal.uploads.validate), then kept in the private storage."""
    digest = _sha256_of(upload)
    return uploads.store(upload, folder=FOLDER), digest


def _check(student: Student, *, kind: str, samenwerkingsverband, decision_number: str, onderwijssoort: str,
           category: str, starts_on, ends_on, based_on_version) -> None:
    school = student.school
    errors = rules.fit_errors(kind=kind, onderwijssoort=onderwijssoort, school_soorten=school.onderwijssoorten,
                              cluster=school.cluster)
    errors |= rules.decision_errors(kind=kind, swv_id=samenwerkingsverband.pk if samenwerkingsverband else None,
                                    number=decision_number, onderwijssoort=onderwijssoort, category=category,
                                    starts_on=starts_on, ends_on=ends_on)
    if based_on_version is not None and (based_on_version.plan.student_id != student.pk
                                         or based_on_version.state not in FROZEN_STATES):
        errors["based_on_version"] = _("Kies een vastgestelde versie van het OPP van deze leerling.")
    if errors:
        raise ValidationError(errors)


def record_decision(*, actor: User, student: Student, kind: str, samenwerkingsverband, decision_number: str,
                    decided_on, onderwijssoort: str, category: str, starts_on, ends_on, based_on_version=None,
                    upload=None, request=None) -> AdmissionDecision:
    """Record a TLV or the commissie van onderzoek's decision for the pupil (swv.rules: kind, category and
    onderwijssoort must fit the pupil's school). The document is optional: a decision without one shows it missing."""
    require_cap(actor, access.WRITE_CAP, student.school)
    _check(student, kind=kind, samenwerkingsverband=samenwerkingsverband, decision_number=decision_number,
           onderwijssoort=onderwijssoort, category=category, starts_on=starts_on, ends_on=ends_on,
           based_on_version=based_on_version)
    stored, digest = _store(upload) if upload else (None, "")
    try:
        with transaction.atomic():
            decision = AdmissionDecision.objects.create(
                student=student, kind=kind, samenwerkingsverband=samenwerkingsverband if kind == rules.KIND_TLV else None,
                decision_number=(decision_number or "").strip(), decided_on=decided_on, onderwijssoort=onderwijssoort,
                category=category or "", starts_on=starts_on, ends_on=ends_on, based_on_version=based_on_version,
                stored_name=stored.name if stored else "", content_type=stored.content_type if stored else "",
                size=stored.size if stored else 0, sha256=digest, recorded_by=actor, request=request)
            audit.record(actor, audit.Action.CREATE, decision, school=student.school_id,
                         details={"student": student.pk, "kind": kind, "document": bool(stored)})
    except Exception:
        if stored:
            uploads.discard(stored.name)
        raise
    return decision


def attach_document(*, actor: User, decision: AdmissionDecision, upload) -> AdmissionDecision:
    """Add the missing document of a decision. A decision's document is never replaced: a wrong decision is
    withdrawn and recorded again, so that what was on record stays on record."""
    require_cap(actor, access.WRITE_CAP, decision.student.school)
    if decision.withdrawn_at is not None:
        raise ValidationError(_("Dit besluit is ingetrokken; er kan geen document meer bij."))
    if decision.stored_name:
        raise ValidationError(_("Bij dit besluit staat al een document. Is het verkeerd, trek het besluit dan in en "
                                "leg het opnieuw vast."))
    stored, digest = _store(upload)
    try:
        with transaction.atomic():
            updated = AdmissionDecision.objects.filter(pk=decision.pk, stored_name="", withdrawn_at__isnull=True).update(
                stored_name=stored.name, content_type=stored.content_type, size=stored.size, sha256=digest)
            if not updated:
                raise ValidationError(_("Bij dit besluit staat intussen al een document, of het is ingetrokken."))
            audit.record(actor, audit.Action.UPDATE, decision, school=decision.student.school_id,
                         details={"student": decision.student_id, "fields": ["document"]})
    except Exception:
        uploads.discard(stored.name)
        raise
    decision.refresh_from_db()
    return decision


@transaction.atomic
def withdraw_decision(*, actor: User, decision: AdmissionDecision, reason: str) -> AdmissionDecision:
    """Withdraw a decision recorded by mistake. Nothing is deleted: the decision stays in the history, marked."""
    require_cap(actor, access.WRITE_CAP, decision.student.school)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Geef de reden van het intrekken.")})
    locked = AdmissionDecision.objects.select_for_update().get(pk=decision.pk)
    if locked.withdrawn_at is not None:
        raise ValidationError(_("Dit besluit is al ingetrokken."))
    locked.withdrawn_at, locked.withdrawn_by, locked.withdrawn_reason = timezone.now(), actor, reason[:2000]
    locked.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason"])
    audit.record(actor, audit.Action.TRANSITION, locked, school=decision.student.school_id,
                 details={"student": decision.student_id, "to": "ingetrokken"})
    return locked
