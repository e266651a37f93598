"""Consent on the handelingsdeel (R-CONSENT-4, 5; R-TIME-2, 4) and the parents' reactions (R-CONSENT-1)."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access
from accounts.access import Cap
from accounts.models import User
from audit import log as audit
from notifications.models import Notification
from notifications.services import enqueue
from opp_portal import uploads
from opp_portal.loaded import loaded
from students.models import Guardian, Student

from . import consent, content, transitions
from .models import ConsentAnswer, ConsentRequest, PlanVersion, Reaction, VersionState
from .transitions import Action, Refusal

MSG_NOT_COVERED = _("Het handelingsdeel is gewijzigd nadat om instemming is gevraagd: dit verzoek dekt de huidige "
                    "tekst niet meer.")
MSG_CLOSED = _("Dit verzoek om instemming is niet meer open (status: %(state)s).")
MSG_ALREADY = _("U heeft dit verzoek al beantwoord.")
MSG_REMINDED_TODAY = _("%(names)s kreeg vandaag al een herinnering. U kunt één herinnering per dag sturen; "
                       "probeer het morgen opnieuw.")
MSG_NO_ACCOUNT = _("%(names)s heeft geen portaalaccount met e-mailadres: een herinnering kan niet worden verstuurd. "
                   "Neem contact op, of leg de instemming op papier vast.")
MSG_NOBODY_WAITING = _("Alle partijen hebben dit verzoek al beantwoord.")
#: The notification kind of a reminder; at most one per party per day (the outbox rows are the record of it).
REMINDER_KIND = "consent_reminder"


def requirement_for(student: Student) -> consent.Requirement:
    links = student.guardian_links.select_related("guardian")
    return consent.required_parties(
        pupil_id=student.pk, pupil_name=student.full_name, handelingsbekwaam=student.handelingsbekwaam,
        consent_party=student.consent_party or "leerling",
        guardians=[consent.GuardianFact(link.guardian_id, link.guardian.name, link.has_gezag) for link in links],
        one_guardian_suffices=student.school.consent_one_guardian_suffices,
    )


#: The order of the decisions on a handelingsdeel, latest first (covering_request): by the moment of the decision, a
#: decision without one (closed_at empty) at the moment it was asked, then the latest row. Coalesced rather than
#: ordered on a column that may be NULL: PostgreSQL sorts NULL first in a descending order and SQLite last, and this
#: order is also applied in memory (decided_latest_first), so all three must agree.
DECIDED_ORDER = (Coalesce("closed_at", "requested_at").desc(), "-pk")
DECIDED_STATES = (ConsentRequest.State.GEGEVEN, ConsentRequest.State.GEWEIGERD)


def decided_latest_first(requests, current_hash: str) -> list[ConsentRequest]:
    """The decided requests among `requests` (loaded rows) on exactly this handelingsdeel, as DECIDED_ORDER sorts them."""
    return sorted((r for r in requests if r.handelingsdeel_hash == current_hash and r.state in DECIDED_STATES),
                  key=lambda r: (r.closed_at or r.requested_at, r.pk), reverse=True)


def loaded_plan_requests(version: PlanVersion) -> list[ConsentRequest] | None:
    """Every consent request of the version's plan, when the caller loaded them: the plan's versions prefetched, each
    with its consent_requests (opp.selectors.load_editor_version, portal.selectors.child_page_plans). Else None."""
    plan = version.plan
    if not loaded(plan, "versions__consent_requests"):
        return None
    return [r for v in plan.versions.all() for r in v.consent_requests.all()]


def covering_request(version: PlanVersion, *, requests: list[ConsentRequest] | None = None) -> ConsentRequest | None:
    """A given consent whose hash matches this version's handelingsdeel, on this plan (a revision with
    an unchanged handelingsdeel keeps its consent: R-CONSENT-7, practice). `requests`: all of the plan's requests,
    when the caller has them (loaded_plan_requests); else one query."""
    current = content.handelingsdeel_hash(version)
    # The latest decision on exactly this text counts: a later refusal of it undoes an earlier consent.
    if requests is None:
        decided = (ConsentRequest.objects.filter(version__plan_id=version.plan_id, handelingsdeel_hash=current,
                                                 state__in=DECIDED_STATES)
                   .order_by(*DECIDED_ORDER).first())
    else:
        decided = next(iter(decided_latest_first(requests, current)), None)
    return decided if decided is not None and decided.state == ConsentRequest.State.GEGEVEN else None


def status(version: PlanVersion) -> dict:
    """Everything the screens say about consent for this version. No query when the plan's requests come loaded with
    their answers (loaded_plan_requests); else two (the plan's requests, the latest one's answers)."""
    requests = loaded_plan_requests(version)
    if requests is None:
        requests = list(ConsentRequest.objects.filter(version__plan_id=version.plan_id))
    own = [r for r in requests if r.version_id == version.pk]
    latest = max(own, key=lambda r: (r.requested_at, r.pk), default=None)
    current = content.handelingsdeel_hash(version)
    covering = covering_request(version, requests=requests)
    return {
        "latest": latest,
        "answers": list(latest.answers.all()) if latest else [],
        "covering": covering,
        "covers": covering is not None,
        "carried_over": covering is not None and covering.version_id != version.pk,
        "stale": latest is not None and latest.handelingsdeel_hash != current and latest.state in ("open", "gegeven"),
        "asked": latest is not None and latest.state != ConsentRequest.State.INGETROKKEN,
        "refused": latest is not None and latest.state == ConsentRequest.State.GEWEIGERD,
    }


def _lock(version: PlanVersion) -> PlanVersion:
    return PlanVersion.objects.select_for_update().select_related("plan__student__school").get(pk=version.pk)


def party_users(parties: list[dict]) -> list[tuple[User, dict]]:
    """The active portal accounts of these consent parties (ConsentRequest.parties: {"kind": "guardian" | "pupil",
    "id": …}), each with its party; a party without an active account is left out. Who is asked and reminded:
    the request itself here, the reminders of the deadline registry (deadlines.registry.consent_recipients)."""
    result = []
    for p in parties:
        if p["kind"] == "guardian":
            g = Guardian.objects.filter(pk=p["id"]).select_related("user").first()
            if g and g.user and g.user.is_active:
                result.append((g.user, p))
        else:
            s = Student.objects.filter(pk=p["id"]).select_related("portal_user").first()
            if s and s.portal_user and s.portal_user.is_active:
                result.append((s.portal_user, p))
    return result


@transaction.atomic
def request_send(*, actor: User, version: PlanVersion) -> ConsentRequest:
    version = _lock(version)
    student = version.plan.student
    access.require_cap(actor, Cap.PLAN_EDIT, student.school)
    transitions.require_state(Action.ASK_CONSENT, version.plan, version, messages={
        Refusal.VERSION_STATE: _("Om instemming vragen kan alleen voor een versie die in overleg is.")})
    if not version.actions.exists():
        raise ValidationError(_("Het handelingsdeel is leeg: er is nog niets om mee in te stemmen."))
    requirement = requirement_for(student)
    if not requirement.parties:
        raise ValidationError(_("Er is geen ouder/verzorger met gezag vastgelegd (of de meerderjarige leerling zelf). "
                                "Leg die eerst vast bij de leerling."))
    request = ConsentRequest.objects.create(
        version=version, handelingsdeel_hash=content.handelingsdeel_hash(version), requested_by=actor,
        parties=[p.as_dict() for p in requirement.parties], any_one_suffices=requirement.any_one_suffices,
    )
    version.state = VersionState.INSTEMMING_GEVRAAGD
    version.save(update_fields=["state", "updated_at"])
    audit.record(actor, audit.Action.CREATE, request, details={"version": version.number, "parties": len(request.parties)})
    for user, party in party_users(request.parties):
        enqueue(recipient=user, kind="consent_request", template="consent_request", subject=request,
                school=student.school, context={"first_name": student.first_name, "school_name": student.school.name,
                                                "for_pupil": party["kind"] == "pupil"})
    return request


@transaction.atomic
def request_withdraw(*, actor: User, request: ConsentRequest) -> ConsentRequest:
    request = ConsentRequest.objects.select_for_update().select_related("version__plan__student__school").get(pk=request.pk)
    access.require_cap(actor, Cap.PLAN_EDIT, request.version.plan.student.school)
    if request.state != ConsentRequest.State.OPEN:
        raise ValidationError(MSG_CLOSED % {"state": request.get_state_display()})
    request.state = ConsentRequest.State.INGETROKKEN
    request.closed_at = timezone.now()
    request.save(update_fields=["state", "closed_at"])
    version = _lock(request.version)
    if version.state == VersionState.INSTEMMING_GEVRAAGD:
        version.state = VersionState.IN_OVERLEG
        version.save(update_fields=["state", "updated_at"])
    audit.record(actor, audit.Action.TRANSITION, request, details={"to": "ingetrokken"})
    return request


def waiting_parties(request: ConsentRequest) -> list[dict]:
    """The request's parties who have not answered yet."""
    answered = {("guardian" if a.guardian_id else "pupil", a.guardian_id or a.pupil_id) for a in request.answers.all()}
    return [p for p in request.parties if (p["kind"], p["id"]) not in answered]


@transaction.atomic
def request_remind(*, actor: User, request: ConsentRequest) -> list[str]:
    """Send the request's notification again to the parties who have not answered (R-CONSENT-4: the school asks
    explicitly), at most once per party per calendar day. Returns the names of the parties reminded."""
    request = ConsentRequest.objects.select_for_update().select_related("version__plan__student__school").get(pk=request.pk)
    student = request.version.plan.student
    access.require_cap(actor, Cap.PLAN_EDIT, student.school)
    if request.state != ConsentRequest.State.OPEN:
        raise ValidationError(MSG_CLOSED % {"state": request.get_state_display()})
    waiting = waiting_parties(request)
    if not waiting:
        raise ValidationError(MSG_NOBODY_WAITING)
    reachable = [(user, party) for user, party in party_users(waiting) if user.email]
    if not reachable:
        raise ValidationError(MSG_NO_ACCOUNT % {"names": ", ".join(p["name"] for p in waiting)})
    start_of_day = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    reminded_today = set(Notification.objects.filter(
        kind=REMINDER_KIND, subject_type=ConsentRequest._meta.label_lower, subject_id=str(request.pk),
        created_at__gte=start_of_day, recipient__in=[user for user, _party in reachable],
    ).values_list("recipient_id", flat=True))
    due = [(user, party) for user, party in reachable if user.pk not in reminded_today]
    if not due:
        raise ValidationError(MSG_REMINDED_TODAY % {"names": ", ".join(p["name"] for _u, p in reachable)})
    for user, party in due:
        enqueue(recipient=user, kind=REMINDER_KIND, template="consent_request", subject=request, school=student.school,
                context={"first_name": student.first_name, "school_name": student.school.name,
                         "for_pupil": party["kind"] == "pupil"})
    audit.record(actor, audit.Action.UPDATE, request,
                 details={"reminder": [f"{p['kind']}:{p['id']}" for _u, p in due]})
    return [p["name"] for _u, p in due]


def parties_of_user(user: User, request: ConsentRequest, *, guardian_ids: set[int] | None = None,
                    pupil: Student | None = None) -> list[dict]:
    """The request's parties this portal user may answer for (never someone else's). `guardian_ids`: the ids of the
    user's guardian rows, and `pupil`: the request's pupil, when the caller has them; else a query per party."""

    def is_guardian(pk) -> bool:
        if guardian_ids is not None:
            return pk in guardian_ids
        return Guardian.objects.filter(pk=pk, user=user).exists()

    def is_pupil(pk) -> bool:
        if pupil is not None and pupil.pk == pk:
            return pupil.portal_user_id is not None and pupil.portal_user_id == user.pk
        return Student.objects.filter(pk=pk, portal_user=user).exists()

    mine = []
    for p in request.parties:
        if p["kind"] == "guardian" and is_guardian(p["id"]):
            mine.append(p)
        elif p["kind"] == "pupil" and is_pupil(p["id"]):
            mine.append(p)
    return mine


def _close_if_decided(request: ConsentRequest, actor: User) -> None:
    answers = {("guardian" if a.guardian_id else "pupil", a.guardian_id or a.pupil_id): a.answer
               for a in request.answers.all()}
    result = consent.outcome(request.parties, request.any_one_suffices, answers)
    if result == "open":
        return
    request.state = result
    request.closed_at = timezone.now()
    request.save(update_fields=["state", "closed_at"])
    version = _lock(request.version)
    student = version.plan.student
    if result == ConsentRequest.State.GEWEIGERD:
        # One refusal means no consent: back to consultation, no escalation loop (ARCHITECTURE.md).
        version.state = VersionState.IN_OVERLEG
        version.save(update_fields=["state", "updated_at"])
    for user in access.begeleiders_of(student.school):
        enqueue(recipient=user, kind=f"consent_{result}", template="consent_outcome", subject=request,
                school=student.school, context={"initials": student.initials, "school_name": student.school.name,
                                                "refused": result == "geweigerd", "version": version.number,
                                                "url": f"/opp/versie/{version.pk}/"})
    audit.record(actor, audit.Action.TRANSITION, request, details={"to": result})


def _answer(*, request_pk: int, party: dict, answer: str, explanation: str, user: User | None, recorded_by: User | None,
            channel: str, ip: str | None, signed_on: datetime.date | None = None,
            store_scan: Callable[[], uploads.StoredFile] | None = None) -> ConsentAnswer:
    request = ConsentRequest.objects.select_for_update().select_related("version__plan__student__school").get(pk=request_pk)
    key = {"kind": party.get("kind"), "id": party.get("id")}
    if not any(p["kind"] == key["kind"] and p["id"] == key["id"] for p in request.parties):
        raise access.forbidden(request.version.plan.student.school_id)
    # Before the state checks: the second tab of a party whose first click closed the request must hear
    # "you already answered", not something about the request's state.
    exists = request.answers.filter(**({"guardian_id": key["id"]} if key["kind"] == "guardian" else {"pupil_id": key["id"]}))
    if exists.exists():
        raise ValidationError(MSG_ALREADY)
    if request.state != ConsentRequest.State.OPEN:
        raise ValidationError(MSG_CLOSED % {"state": request.get_state_display()})
    version = request.version
    if version.state != VersionState.INSTEMMING_GEVRAAGD:
        raise ValidationError(_("Deze versie wacht niet (meer) op instemming."))
    if content.handelingsdeel_hash(version) != request.handelingsdeel_hash:
        raise ValidationError(MSG_NOT_COVERED)
    if answer not in ConsentAnswer.Answer.values:
        raise ValidationError(_("Kies ‘ik stem in’ of ‘ik stem niet in’."))
    name = next(p["name"] for p in request.parties if p["kind"] == key["kind"] and p["id"] == key["id"])
    # The scan is written only once every check passed, so a refused answer leaves no file behind.
    scan = store_scan() if store_scan else None
    try:
        with transaction.atomic():
            row = ConsentAnswer.objects.create(
                request=request, guardian_id=key["id"] if key["kind"] == "guardian" else None,
                pupil_id=key["id"] if key["kind"] == "pupil" else None, party_name=name, answer=answer,
                explanation=(explanation or "").strip()[:5000], handelingsdeel_hash=request.handelingsdeel_hash,
                user=user, recorded_by=recorded_by, ip_address=ip, channel=channel, signed_on=signed_on,
                scan=scan.name if scan else "", scan_content_type=scan.content_type if scan else "",
            )
    except IntegrityError:
        if scan:
            uploads.discard(scan.name)
        raise ValidationError(MSG_ALREADY) from None
    audit.record(user or recorded_by, audit.Action.CREATE, row, details={"answer": answer, "channel": channel})
    _close_if_decided(request, user or recorded_by)
    return row


@transaction.atomic
def answer_in_portal(*, user: User, request: ConsentRequest, party_kind: str, party_id: int, answer: str,
                     explanation: str, ip: str | None) -> ConsentAnswer:
    party = {"kind": party_kind, "id": party_id}
    if party not in [{"kind": p["kind"], "id": p["id"]} for p in parties_of_user(user, request)]:
        raise access.forbidden(request.version.plan.student.school_id)  # a forged party id: not this user's
    return _answer(request_pk=request.pk, party=party, answer=answer, explanation=explanation, user=user,
                   recorded_by=None, channel=ConsentAnswer.Channel.PORTAAL, ip=ip)


@transaction.atomic
def answer_on_paper(*, actor: User, request: ConsentRequest, party_kind: str, party_id: int, answer: str,
                    explanation: str, signed_on: datetime.date, scan_upload) -> ConsentAnswer:
    access.require_cap(actor, Cap.PLAN_EDIT, request.version.plan.student.school)
    if signed_on > timezone.localdate():
        raise ValidationError({"signed_on": _("De datum van ondertekening ligt in de toekomst.")})
    if signed_on < timezone.localtime(request.requested_at).date():
        raise ValidationError({"signed_on": _("De datum van ondertekening ligt vóór het verzoek om instemming.")})
    uploads.validate(scan_upload)
    return _answer(request_pk=request.pk, party={"kind": party_kind, "id": party_id}, answer=answer,
                   explanation=explanation, user=None, recorded_by=actor, channel=ConsentAnswer.Channel.PAPIER,
                   ip=None, signed_on=signed_on, store_scan=lambda: uploads.store(scan_upload, folder="instemming"))


# --- Reactions (R-CONSENT-1) -------------------------------------------------------------------------


@transaction.atomic
def reaction_add(*, user: User, version: PlanVersion, author_name: str, text: str) -> Reaction:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Schrijf uw reactie.")})
    if len(text) > 5000:
        raise ValidationError({"text": _("Uw reactie is te lang (maximaal 5.000 tekens).")})
    if version.state in (VersionState.CONCEPT,):
        raise access.forbidden(version.plan.student.school_id)
    reaction = Reaction.objects.create(version=version, author=user, author_name=author_name[:200], text=text)
    audit.record(user, audit.Action.CREATE, reaction, school=version.plan.student.school_id)
    student = version.plan.student
    for staff in access.begeleiders_of(student.school):
        enqueue(recipient=staff, kind="reaction_new", template="reaction_new", subject=reaction, school=student.school,
                context={"initials": student.initials, "school_name": student.school.name,
                         "url": f"/opp/{version.plan_id}/"})
    return reaction


@transaction.atomic
def reaction_respond(*, actor: User, reaction: Reaction, response: str) -> Reaction:
    reaction = Reaction.objects.select_for_update().select_related("version__plan__student__school").get(pk=reaction.pk)
    student = reaction.version.plan.student
    access.require_cap(actor, Cap.PLAN_EDIT, student.school)
    response = (response or "").strip()
    if not response:
        raise ValidationError({"response": _("Schrijf de reactie van de school.")})
    reaction.response = response[:5000]
    reaction.responded_at = timezone.now()
    reaction.responded_by = actor
    reaction.save(update_fields=["response", "responded_at", "responded_by"])
    audit.record(actor, audit.Action.UPDATE, reaction, details={"responded": True})
    enqueue(recipient=reaction.author, kind="reaction_response", template="reaction_response", subject=reaction,
            school=student.school, context={"first_name": student.first_name, "school_name": student.school.name})
    return reaction
