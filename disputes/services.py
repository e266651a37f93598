"""Every write to a dispute file: validated dates, state transitions under select_for_update, audited."""

from __future__ import annotations

import datetime
import hashlib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access
from accounts.access import Cap
from accounts.models import User
from audit import log as audit
from opp import bekendmaking
from opp.models import FROZEN_STATES, Plan, PlanVersion
from opp_portal import uploads

from . import access as dispute_access
from . import tasks
from .models import Dispute, DisputeDocument, DossierExport, SchoolDocument

S = Dispute.State
ORDER = [S.INGEDIEND, S.VERWEER_GEVRAAGD, S.VERWEER_INGEDIEND, S.ZITTING, S.ADVIES_ONTVANGEN, S.REACTIE_VERZONDEN,
         S.GESLOTEN]


def _not_future(errors: dict, field: str, value) -> None:
    if value and value > timezone.localdate():
        errors[field] = _("Deze datum ligt in de toekomst.")


def _decision(version: PlanVersion) -> PlanVersion | Plan:
    """What the parents were told of: the plan's withdrawal when there is one on record, else the version."""
    plan = version.plan
    if plan.state == Plan.State.INGETROKKEN and bekendmaking.first_made_known_on(plan) is not None:
        return plan
    return version


def made_known_on(version: PlanVersion) -> datetime.date | None:
    """From the system: the day the version (or the plan's withdrawal) was made known, per party.

    A dispute does not record which parent filed it, so this is the LATEST day among the parties told: the
    GPO's six weeks (R-GPO-2) run longest for the party told last, and the "late" hint must not fire while
    any parent's term still runs. None when no bekendmaking is on record (the hint then stays silent)."""
    return bekendmaking.latest_made_known_on(_decision(version))


def first_made_known_on(version: PlanVersion) -> datetime.date | None:
    """The first day any party was told: a request cannot be filed before it."""
    return bekendmaking.first_made_known_on(_decision(version))


@transaction.atomic
def register(*, actor: User, plan: Plan, version: PlanVersion, subject: str, filed_on: datetime.date,
             subject_other: str = "", reference: str = "", late_reasons: str = "") -> Dispute:
    school = plan.student.school
    access.require_cap(actor, Cap.DISPUTE_EDIT, school)
    errors: dict[str, str] = {}
    if version.plan_id != plan.pk:
        errors["version"] = _("Kies een versie van dit OPP.")
    elif version.state not in FROZEN_STATES:
        errors["version"] = _("Een geschil gaat over een vastgestelde versie.")
    if subject not in Dispute.Subject.values:
        errors["subject"] = _("Kies het onderwerp van het geschil.")
    if subject == Dispute.Subject.ANDERS and not subject_other.strip():
        errors["subject_other"] = _("Omschrijf het onderwerp.")
    if filed_on is None:
        errors["filed_on"] = _("Vul de datum van indiening in.")
    _not_future(errors, "filed_on", filed_on)
    known = made_known_on(version) if "version" not in errors else None
    first = first_made_known_on(version) if "version" not in errors else None
    if first and filed_on and filed_on < first:
        errors["filed_on"] = _("De indiening ligt vóór de bekendmaking van het OPP.")
    if errors:
        raise ValidationError(errors)
    dispute = Dispute.objects.create(
        plan=plan, version=version, subject=subject, subject_other=subject_other.strip()[:300], reference=reference[:40],
        made_known_on=known, filed_on=filed_on, late_reasons=late_reasons.strip(), created_by=actor)
    audit.record(actor, audit.Action.CREATE, dispute, school=school.pk, details={"subject": subject})
    return dispute


def _lock(dispute: Dispute) -> Dispute:
    return Dispute.objects.select_for_update(of=("self",)).select_related("plan__student__school").get(pk=dispute.pk)


def _check(actor: User, dispute: Dispute) -> None:
    access.require_cap(actor, Cap.DISPUTE_EDIT, dispute.plan.student.school)
    if dispute.state == S.GESLOTEN:
        raise ValidationError(_("Dit geschil is gesloten."))


@transaction.atomic
def record_dates(*, actor: User, dispute: Dispute, data: dict) -> Dispute:
    """The commission's receipt and request for the defence, the defence, the hearing. Moves the state on."""
    dispute = _lock(dispute)
    _check(actor, dispute)
    fields = ("received_on", "defence_submitted_on", "hearing_on", "reference")
    values = {f: data.get(f, getattr(dispute, f)) for f in fields}
    errors: dict[str, str] = {}
    for f in ("received_on", "defence_submitted_on"):
        _not_future(errors, f, values[f])
    if values["received_on"] and values["received_on"] < dispute.filed_on:
        errors["received_on"] = _("De commissie kan het geschil niet vóór de indiening hebben ontvangen.")
    if values["defence_submitted_on"] and not values["received_on"]:
        errors["defence_submitted_on"] = _("Vul eerst in wanneer de commissie om verweer vroeg.")
    elif values["defence_submitted_on"] and values["defence_submitted_on"] < values["received_on"]:
        errors["defence_submitted_on"] = _("Het verweer kan niet vóór het verzoek daarom zijn ingediend.")
    if values["hearing_on"] and values["received_on"] and values["hearing_on"] < values["received_on"]:
        errors["hearing_on"] = _("De zitting kan niet vóór de ontvangst door de commissie liggen.")
    if errors:
        raise ValidationError(errors)
    for f, v in values.items():
        setattr(dispute, f, v or ("" if f == "reference" else None))
    state = S.INGEDIEND
    if dispute.received_on:
        state = S.VERWEER_GEVRAAGD
    if dispute.defence_submitted_on:
        state = S.VERWEER_INGEDIEND
    if dispute.hearing_on and dispute.hearing_on <= timezone.localdate():
        state = S.ZITTING
    if ORDER.index(state) > ORDER.index(dispute.state):
        dispute.state = state
    dispute.save()
    audit.record(actor, audit.Action.UPDATE, dispute, details={"state": dispute.state})
    return dispute


@transaction.atomic
def record_advice(*, actor: User, dispute: Dispute, advice: str, advice_on: datetime.date, recommendations: str) -> Dispute:
    dispute = _lock(dispute)
    _check(actor, dispute)
    errors: dict[str, str] = {}
    if advice not in Dispute.Advice.values:
        errors["advice"] = _("Kies het advies van de commissie.")
    if advice_on is None:
        errors["advice_on"] = _("Vul de datum van het advies in.")
    else:
        _not_future(errors, "advice_on", advice_on)
        if advice_on < dispute.filed_on:
            errors["advice_on"] = _("Het advies kan niet vóór de indiening liggen.")
        if dispute.received_on and advice_on < dispute.received_on:
            errors["advice_on"] = _("Het advies kan niet vóór de ontvangst door de commissie liggen.")
    if errors:
        raise ValidationError(errors)
    dispute.advice, dispute.advice_on = advice, advice_on
    dispute.advice_recommendations = (recommendations or "").strip()
    dispute.state = S.ADVIES_ONTVANGEN
    dispute.save()
    audit.record(actor, audit.Action.UPDATE, dispute, details={"state": dispute.state, "advice": advice})
    return dispute


@transaction.atomic
def record_response(*, actor: User, dispute: Dispute, response: str, reasons: str,
                    sent_parents_on: datetime.date | None, sent_commission_on: datetime.date | None) -> Dispute:
    """R-GPO-4: what the board does with the advice, told to the parents and the commission; reasons are
    required unless it follows the advice."""
    dispute = _lock(dispute)
    _check(actor, dispute)
    errors: dict[str, str] = {}
    if not dispute.advice:
        errors["response"] = _("Leg eerst het advies van de commissie vast.")
    if response not in Dispute.Response.values:
        errors["response"] = _("Kies wat het bestuur met het advies doet.")
    if response in (Dispute.Response.DEELS, Dispute.Response.VOLGT_NIET) and not (reasons or "").strip():
        errors["reasons"] = _("Geef de redenen: die zijn verplicht als het bestuur het advies niet (helemaal) volgt.")
    for f, v in (("sent_parents_on", sent_parents_on), ("sent_commission_on", sent_commission_on)):
        _not_future(errors, f, v)
        if v and dispute.advice_on and v < dispute.advice_on:
            errors[f] = _("De reactie kan niet vóór het advies zijn verzonden.")
    if errors:
        raise ValidationError(errors)
    dispute.response, dispute.response_reasons = response, (reasons or "").strip()
    dispute.response_sent_parents_on, dispute.response_sent_commission_on = sent_parents_on, sent_commission_on
    if sent_parents_on and sent_commission_on:
        dispute.state = S.REACTIE_VERZONDEN
    dispute.save()
    audit.record(actor, audit.Action.UPDATE, dispute, details={"state": dispute.state, "response": response})
    return dispute


@transaction.atomic
def close(*, actor: User, dispute: Dispute) -> Dispute:
    dispute = _lock(dispute)
    _check(actor, dispute)
    if not (dispute.response_sent_parents_on and dispute.response_sent_commission_on):
        raise ValidationError(_("Sluiten kan pas als de reactie van het bestuur aan de ouders én aan de commissie is "
                                "verzonden (R-GPO-4)."))
    dispute.state, dispute.closed_on = S.GESLOTEN, timezone.localdate()
    dispute.save()
    audit.record(actor, audit.Action.TRANSITION, dispute, details={"to": "gesloten"})
    return dispute


def _sha256_of(upload) -> str:
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


@transaction.atomic
def add_document(*, actor: User, dispute: Dispute, title: str, upload) -> DisputeDocument:
    dispute = _lock(dispute)
    _check(actor, dispute)
    if not (title or "").strip():
        raise ValidationError({"title": _("Geef het document een omschrijving.")})
    digest = _sha256_of(upload)
    stored = uploads.store(upload, folder="geschillen")
    doc = DisputeDocument.objects.create(dispute=dispute, title=title.strip()[:200], stored_name=stored.name,
                                         content_type=stored.content_type, size=stored.size, sha256=digest, uploaded_by=actor)
    audit.record(actor, audit.Action.CREATE, doc, school=dispute.plan.student.school_id, details={"dispute": dispute.pk})
    return doc


@transaction.atomic
def add_school_document(*, actor: User, school, kind: str, upload) -> SchoolDocument:
    dispute_access.require_school_documents(actor, school)
    if kind not in SchoolDocument.Kind.values:
        raise ValidationError({"kind": _("Kies het soort document.")})
    ext, _type = uploads.validate(upload)
    if ext != "pdf":
        raise ValidationError({"upload": _("Het SOP en het ondersteuningsplan worden als PDF geüpload.")})
    digest = _sha256_of(upload)
    stored = uploads.store(upload, folder="scholen")
    doc = SchoolDocument.objects.create(school=school, kind=kind, stored_name=stored.name, size=stored.size,
                                        sha256=digest, uploaded_by=actor)
    audit.record(actor, audit.Action.CREATE, doc, school=school.pk, details={"kind": kind})
    return doc


@transaction.atomic
def request_export(*, actor: User, dispute: Dispute) -> DossierExport:
    dispute = _lock(dispute)
    access.require_cap(actor, Cap.DISPUTE_EDIT, dispute.plan.student.school)
    running = dispute.exports.filter(state__in=[DossierExport.State.WACHT, DossierExport.State.BEZIG]).first()
    if running:
        return running
    export = DossierExport.objects.create(dispute=dispute, requested_by=actor)
    audit.record(actor, audit.Action.EXPORT, dispute, details={"dossier": export.pk})
    transaction.on_commit(lambda: tasks.enqueue_export(export.pk))
    return export


def has_open_dispute(student) -> bool:
    """Retention hold: nothing of a pupil with an open dispute may be deleted."""
    return Dispute.objects.filter(plan__student=student).exclude(state=S.GESLOTEN).exists()
