"""A request to the samenwerkingsverband (a TLV, an extension, an arrangement), end to end: compose, tell the parents,
their reaction, the package, the hand-in through the SWV's own channel, the SWV's decision, withdrawal.

Every write is one transaction with its audit row. The state machine is TRANSITIONS; a step from any other state is
refused (ValidationError). The portal never sends the request: staff download the package and hand it in through the
SWV's portal or secure mail, and record that here (ARCHITECTURE.md: no plan content by email). The parties told and
allowed to react are the consent parties (opp.consent_services.requirement_for: the guardians with gezag, or the
adult handelingsbekwame pupil, R-TIME-4).
"""

from __future__ import annotations

import datetime
import hashlib
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import require_cap
from accounts.models import User
from audit import log as audit
from evaluations.models import Evaluation
from notifications.services import enqueue
from opp import consent_services
from opp.models import FROZEN_STATES, PlanVersion
from opp_portal import files, uploads
from students.models import Student

from . import access, package, rules, services
from .models import AdmissionDecision, SwvRequest, SwvRequestAttachment, SwvRequestReaction

S = SwvRequest.State
#: The folder of the attachments and of the packages in the private storage (opp_portal.files).
FOLDER = "swv-aanvragen"
#: The notification kind (and template) of "there is a request about your child to look at".
NOTIFICATION = "swv_request"

#: action → (the states it may start from, the state it leads to). Everything else is refused.
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "attach": (frozenset({S.CONCEPT}), None),
    "inform": (frozenset({S.CONCEPT}), S.BIJ_OUDERS),
    "react": (frozenset({S.BIJ_OUDERS}), None),
    "ready": (frozenset({S.BIJ_OUDERS}), S.KLAAR),
    "hand_in": (frozenset({S.KLAAR}), S.INGEDIEND),
    "decide": (frozenset({S.INGEDIEND}), None),  # → toegekend or afgewezen
    "withdraw": (frozenset({S.CONCEPT, S.BIJ_OUDERS, S.KLAAR, S.INGEDIEND}), S.INGETROKKEN),
}
#: The states in which the package exists and can be downloaded (again).
PACKAGE_STATES = frozenset({S.KLAAR, S.INGEDIEND, S.TOEGEKEND, S.AFGEWEZEN})
#: The kinds whose grant becomes an AdmissionDecision (an arrangement is recorded on the request itself).
DECISION_KINDS = frozenset({SwvRequest.Kind.TLV, SwvRequest.Kind.VERLENGING})
#: Which outcomes a decision may have.
OUTCOMES = (S.TOEGEKEND, S.AFGEWEZEN)


def allowed(action: str, state: str) -> bool:
    return state in TRANSITIONS[action][0]


def _require(action: str, request: SwvRequest) -> None:
    if not allowed(action, request.state):
        raise ValidationError(_("Dit kan niet bij een aanvraag met de status ‘%(state)s’.")
                              % {"state": request.get_state_display()})


def _lock(request: SwvRequest) -> SwvRequest:
    return (SwvRequest.objects.select_for_update().select_related("student__school", "samenwerkingsverband")
            .get(pk=request.pk))


def _write(actor: User, student: Student) -> None:
    require_cap(actor, access.WRITE_CAP, student.school)


# --- What the composer offers ---------------------------------------------------------------------------------------


def versions_of(student: Student):
    """The pupil's OPP versions, newest first (adopted ones before others in the default: default_version)."""
    return PlanVersion.objects.filter(plan__student=student).select_related("plan").order_by("-plan__created_at",
                                                                                             "-plan_id", "-number")


def default_version(student: Student) -> PlanVersion | None:
    """The current adopted version, else the latest."""
    adopted = versions_of(student).filter(state__in=FROZEN_STATES).order_by("-adopted_at", "-pk").first()
    return adopted or versions_of(student).first()


def evaluations_of(student: Student):
    return Evaluation.objects.filter(plan__student=student).order_by("-held_on", "-pk")


def tlv_to_extend(student: Student) -> AdmissionDecision | None:
    """The TLV an extension extends: the latest TLV not withdrawn (the one in force, or the one that ended last)."""
    return (AdmissionDecision.objects.filter(student=student, kind=rules.KIND_TLV, withdrawn_at__isnull=True)
            .order_by("-starts_on", "-decided_on", "-pk").first())


def parties(student: Student) -> list[dict]:
    """Who is told and may react: the consent parties (R-TIME-4), as opp.consent_services decides them."""
    return [p.as_dict() for p in consent_services.requirement_for(student).parties]


def parties_of_user(user: User, request: SwvRequest) -> list[dict]:
    """The request's parties this portal user is (a guardian without gezag reads, but is no party)."""
    return consent_services.parties_of_user(user, SimpleNamespace(parties=parties(request.student)))


# --- Compose ---------------------------------------------------------------------------------------------------------


def _check_compose(student: Student, *, kind: str, version, evaluation) -> dict[str, str]:
    errors = {}
    if kind not in SwvRequest.Kind.values:
        errors["kind"] = _("Kies de soort aanvraag.")
    if version is not None and version.plan.student_id != student.pk:
        errors["version"] = _("Kies een versie van het OPP van deze leerling.")
    if evaluation is not None and evaluation.plan.student_id != student.pk:
        errors["evaluation"] = _("Kies een evaluatie van deze leerling.")
    if kind == SwvRequest.Kind.VERLENGING and tlv_to_extend(student) is None:
        errors["kind"] = _("Er is geen toelaatbaarheidsverklaring vastgelegd om te verlengen. Leg die eerst vast, of "
                           "vraag een nieuwe TLV aan.")
    return errors


@transaction.atomic
def compose(*, actor: User, student: Student, kind: str, samenwerkingsverband, version=None, evaluation=None,
            share_factors: bool = True, share_pupil_view: bool = True, note: str = "") -> SwvRequest:
    """A new request in concept: nothing is shared before the parents were told (inform_parents)."""
    _write(actor, student)
    errors = _check_compose(student, kind=kind, version=version, evaluation=evaluation)
    if samenwerkingsverband is None:
        errors["samenwerkingsverband"] = _("Kies het samenwerkingsverband.")
    if errors:
        raise ValidationError(errors)
    request = SwvRequest.objects.create(
        student=student, kind=kind, samenwerkingsverband=samenwerkingsverband, version=version, evaluation=evaluation,
        extends=tlv_to_extend(student) if kind == SwvRequest.Kind.VERLENGING else None,
        share_factors=share_factors, share_pupil_view=share_pupil_view, note=(note or "").strip(), created_by=actor)
    audit.record(actor, audit.Action.CREATE, request, school=student.school_id,
                 details={"student": student.pk, "kind": kind, "samenwerkingsverband": samenwerkingsverband.pk,
                          "version": version.pk if version else None,
                          "evaluation": evaluation.pk if evaluation else None})
    return request


def _sha256_of(upload) -> str:
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def add_attachment(*, actor: User, request: SwvRequest, title: str, upload) -> SwvRequestAttachment:
    """An attachment, checked and stored as every upload (opp_portal.uploads), while the request is a concept: what
    the parents are told is what goes."""
    _write(actor, request.student)
    _require("attach", request)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Geef de bijlage een omschrijving.")})
    digest = _sha256_of(upload)
    stored = uploads.store(upload, folder=FOLDER)
    try:
        with transaction.atomic():
            locked = _lock(request)
            _require("attach", locked)
            attachment = SwvRequestAttachment.objects.create(
                request=locked, title=title[:200], stored_name=stored.name, content_type=stored.content_type,
                size=stored.size, sha256=digest, uploaded_by=actor)
            audit.record(actor, audit.Action.CREATE, attachment, school=locked.student.school_id,
                         details={"request": locked.pk, "content_type": stored.content_type})
    except Exception:
        uploads.discard(stored.name)
        raise
    return attachment


# --- The parents -----------------------------------------------------------------------------------------------------


@transaction.atomic
def inform_parents(*, actor: User, request: SwvRequest) -> SwvRequest:
    """concept → bij_ouders: the parties get an email that there is a request to look at in the portal (never its
    content) and may react there until staff mark it klaar."""
    request = _lock(request)
    student = request.student
    _write(actor, student)
    _require("inform", request)
    told = parties(student)
    if not told:
        raise ValidationError(_("Er is geen ouder/verzorger met gezag vastgelegd (of de meerderjarige leerling zelf). "
                                "Leg die eerst vast bij de leerling."))
    request.state, request.parents_informed_at = S.BIJ_OUDERS, timezone.now()
    request.save(update_fields=["state", "parents_informed_at"])
    audit.record(actor, audit.Action.TRANSITION, request, school=student.school_id,
                 details={"to": S.BIJ_OUDERS, "parties": [f"{p['kind']}:{p['id']}" for p in told]})
    for user, party in consent_services.party_users(told):
        enqueue(recipient=user, kind=NOTIFICATION, template=NOTIFICATION, subject=request, school=student.school,
                context={"first_name": student.first_name, "school_name": student.school.name,
                         "for_pupil": party["kind"] == "pupil"})
    return request


@transaction.atomic
def react(*, user: User, request: SwvRequest, text: str) -> SwvRequestReaction:
    """A party's view of the request ("zienswijze van de ouders"), while it is bij_ouders; it goes into the package."""
    request = _lock(request)
    _require("react", request)
    mine = parties_of_user(user, request)
    if not mine:
        raise ValidationError(_("Alleen een ouder/verzorger met gezag (of de meerderjarige leerling zelf) kan op deze "
                                "aanvraag reageren."))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Schrijf uw reactie.")})
    reaction = SwvRequestReaction.objects.create(request=request, author=user, author_name=mine[0]["name"][:200],
                                                 text=text[:5000])
    audit.record(user, audit.Action.CREATE, reaction, school=request.student.school_id,
                 details={"request": request.pk, "party": f"{mine[0]['kind']}:{mine[0]['id']}"})
    return reaction


# --- The package -----------------------------------------------------------------------------------------------------


def mark_ready(*, actor: User, request: SwvRequest) -> SwvRequest:
    """bij_ouders → klaar, and the package is made and kept (rendered here, synchronously: a few seconds)."""
    _write(actor, request.student)
    _require("ready", request)
    made = package.build(request)
    pdf_name = files.save(files.new_name(FOLDER, "pdf"), made.pdf)
    json_name = files.save(files.new_name(FOLDER, "json"), made.json)
    try:
        with transaction.atomic():
            locked = _lock(request)
            _require("ready", locked)
            if locked.reactions.count() != len(made.reactions):
                raise ValidationError(_("Er kwam net een reactie van de ouders binnen. Bekijk die en probeer het "
                                        "opnieuw."))
            locked.state = S.KLAAR
            locked.package_name, locked.package_json_name = pdf_name, json_name
            locked.package_sha256, locked.package_pdfa = made.sha256, made.pdfa
            locked.package_made_at = timezone.now()
            locked.save(update_fields=["state", "package_name", "package_json_name", "package_sha256", "package_pdfa",
                                       "package_made_at"])
            audit.record(actor, audit.Action.TRANSITION, locked, school=locked.student.school_id,
                         details={"to": S.KLAAR, "package_sha256": made.sha256, "pdfa": made.pdfa,
                                  "reactions": len(made.reactions)})
    except Exception:
        files.delete(pdf_name)
        files.delete(json_name)
        raise
    return locked


def export_package(*, actor: User, request: SwvRequest, what: str) -> bytes:
    """The kept package's PDF or JSON, read back (verified against its hash), the download audited: which request,
    which SWV."""
    if request.state not in PACKAGE_STATES or not request.package_name:
        raise ValidationError(_("Het pakket is er pas als de aanvraag klaar is om in te dienen."))
    if what == "pdf":
        data = files.read_verified(request.package_name, request.package_sha256)
    else:
        data = files.read(request.package_json_name)
    audit.record(actor, audit.Action.EXPORT, request, school=request.student.school_id,
                 details={"request": request.pk, "student": request.student_id, "file": what,
                          "samenwerkingsverband": request.samenwerkingsverband_id,
                          "samenwerkingsverband_name": request.samenwerkingsverband.name,
                          "package_sha256": request.package_sha256})
    return data


# --- Hand-in, decision, withdrawal -----------------------------------------------------------------------------------


def _moment(day: datetime.date) -> datetime.datetime:
    """The hand-in's day as a moment: now when it is today, else noon of that day (the form asks a date)."""
    now = timezone.localtime()
    if day == now.date():
        return now
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12, 0)))


@transaction.atomic
def hand_in(*, actor: User, request: SwvRequest, handed_in_on: datetime.date, channel: str,
            channel_detail: str = "") -> SwvRequest:
    """klaar → ingediend: recorded and audited with to whom (the SWV), when and through which channel. The portal
    sends nothing itself."""
    request = _lock(request)
    _write(actor, request.student)
    _require("hand_in", request)
    errors = {}
    if channel not in SwvRequest.Channel.values:
        errors["channel"] = _("Kies hoe de aanvraag is ingediend.")
    channel_detail = (channel_detail or "").strip()
    if channel == SwvRequest.Channel.ANDERS and not channel_detail:
        errors["channel_detail"] = _("Beschrijf hoe de aanvraag is ingediend.")
    if handed_in_on is None or handed_in_on > timezone.localdate():
        errors["handed_in_on"] = _("De datum van indienen ligt niet in de toekomst.")
    elif request.package_made_at and handed_in_on < timezone.localtime(request.package_made_at).date():
        errors["handed_in_on"] = _("De datum van indienen ligt vóór de dag waarop het pakket is gemaakt.")
    if errors:
        raise ValidationError(errors)
    request.state, request.handed_in_at, request.handed_in_by = S.INGEDIEND, _moment(handed_in_on), actor
    request.channel, request.channel_detail = channel, channel_detail[:200]
    request.save(update_fields=["state", "handed_in_at", "handed_in_by", "channel", "channel_detail"])
    audit.record(actor, audit.Action.TRANSITION, request, school=request.student.school_id,
                 details={"to": S.INGEDIEND, "channel": channel, "channel_detail": request.channel_detail,
                          "handed_in_on": handed_in_on.isoformat(),
                          "samenwerkingsverband": request.samenwerkingsverband_id,
                          "samenwerkingsverband_name": request.samenwerkingsverband.name,
                          "package_sha256": request.package_sha256})
    return request


def decide(*, actor: User, request: SwvRequest, outcome: str, decided_on: datetime.date, note: str = "",
           decision: dict | None = None, upload=None) -> SwvRequest:
    """The SWV's decision. Granted TLV or extension: a new AdmissionDecision (swv.services.record_decision, the rules
    of swv.rules apply) linked to the request; an arrangement: the decision on the request. Refused: date and note."""
    _write(actor, request.student)
    _require("decide", request)
    if outcome not in OUTCOMES:
        raise ValidationError({"outcome": _("Kies toegekend of afgewezen.")})
    if decided_on is None or decided_on > timezone.localdate():
        raise ValidationError({"decided_on": _("De datum van het besluit ligt niet in de toekomst.")})
    with transaction.atomic():
        locked = _lock(request)
        _require("decide", locked)
        made = None
        if outcome == S.TOEGEKEND and locked.kind in DECISION_KINDS:
            data = decision or {}
            if not data.get("starts_on"):
                raise ValidationError({"starts_on": _("Vul de ingangsdatum van de toelaatbaarheidsverklaring in.")})
            made = services.record_decision(
                actor=actor, student=locked.student, kind=rules.KIND_TLV, samenwerkingsverband=locked.samenwerkingsverband,
                decision_number=data.get("decision_number", ""), decided_on=decided_on,
                onderwijssoort=data.get("onderwijssoort") or locked.student.onderwijssoort,
                category=data.get("category", ""), starts_on=data.get("starts_on"), ends_on=data.get("ends_on"),
                based_on_version=locked.version if locked.version and locked.version.state in FROZEN_STATES else None,
                upload=upload, request=locked)
        locked.state, locked.decided_on, locked.decision_note = outcome, decided_on, (note or "").strip()
        locked.save(update_fields=["state", "decided_on", "decision_note"])
        audit.record(actor, audit.Action.TRANSITION, locked, school=locked.student.school_id,
                     details={"to": outcome, "decided_on": decided_on.isoformat(),
                              "admission_decision": made.pk if made else None})
    return locked


@transaction.atomic
def withdraw(*, actor: User, request: SwvRequest, reason: str) -> SwvRequest:
    """Withdrawn with a reason at any state before the SWV's decision. Nothing is deleted."""
    request = _lock(request)
    _write(actor, request.student)
    _require("withdraw", request)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Geef de reden van het intrekken.")})
    previous = request.state
    request.state, request.withdrawn_at, request.withdrawn_reason = S.INGETROKKEN, timezone.now(), reason[:2000]
    request.save(update_fields=["state", "withdrawn_at", "withdrawn_reason"])
    audit.record(actor, audit.Action.TRANSITION, request, school=request.student.school_id,
                 details={"from": previous, "to": S.INGETROKKEN})
    return request
