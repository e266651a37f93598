"""Every write to an OPP: state transitions under select_for_update, audited in the same transaction.

Transitions owned here: start a plan, concept → in overleg, save a section, start a revision,
withdraw a plan, record consultations. Consent, adoption and ending come with their own features.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access
from accounts.access import Cap
from accounts.models import User
from audit import log as audit
from students import services as student_services
from students.models import Student

from . import access as plan_access
from . import adoption, bank, hashing, ldgm, measures, transitions
from . import sections as S
from .models import (
    EDITABLE_STATES,
    ActionItem,
    Consultation,
    FactorItem,
    Goal,
    Plan,
    PlanVersion,
    Suggestion,
    VersionState,
    YieldItem,
)
from .transitions import Action, Refusal

MSG_NOT_EDITABLE = _("Deze versie kan niet meer worden gewijzigd (status: %(state)s).")
MSG_STALE = _(
    "Iemand anders heeft dit onderdeel intussen opgeslagen. Uw tekst is niet opgeslagen maar staat hieronder nog; "
    "vergelijk met de nieuwe versie en sla opnieuw op."
)

#: What the editor may save per section, derived from the catalogue (opp.sections).
SECTION_SCALARS: dict[str, tuple[str, ...]] = {**S.SECTION_FIELDS, "algemeen": S.GENERAL_FIELDS}
_ITEM_MODELS = {"factors": FactorItem, "actions": ActionItem, "yields": YieldItem}
ITEM_SECTIONS = {key: (_ITEM_MODELS[S.SECTIONS[key].items], S.SECTIONS[key].items, S.SECTIONS[key].item_fields)
                 for key in S.ITEM_SECTION_KEYS}
#: A revision starts from the adopted version's content, except what must be given anew for it (R-CONTENT-10,
#: R-TIME-3): the pupil's view and the commission's advice.
RENEWED_FIELDS = frozenset(f for sec in S.SECTIONS.values() if sec.renewed_per_version for f in sec.fields)
MAX_TEXT = 20_000
#: The key of an item's lasting goal (opp.models.Goal) in the handelingsdeel rows the editor posts: the goal's id,
#: or nothing for a new row.
GOAL_KEY = "plan_goal"
MSG_FOREIGN_GOAL = _("Een onderdeel van het handelingsdeel verwijst naar een doel dat niet bij dit OPP hoort. Er is "
                     "niets opgeslagen; uw tekst staat er nog.")


def _lock_version(version: PlanVersion) -> PlanVersion:
    return PlanVersion.objects.select_for_update().select_related("plan", "plan__student", "plan__student__school").get(pk=version.pk)


def _lock_plan(plan: Plan) -> Plan:
    return Plan.objects.select_for_update().select_related("student", "student__school").get(pk=plan.pk)


@transaction.atomic
def plan_start(*, actor: User, student: Student) -> Plan:
    access.require_cap(actor, Cap.PLAN_EDIT, student.school)
    student = Student.objects.select_for_update().get(pk=student.pk)
    if not student.opp_required:
        raise ValidationError(_("Voor deze leerling is volgens de gegevens geen OPP nodig. Leg eerst de extra "
                                "ondersteuning of de plaatsing vast."))
    if student.plans.filter(state=Plan.State.ACTIEF).exists():
        raise ValidationError(_("Deze leerling heeft al een lopend OPP."))
    plan = Plan.objects.create(student=student, created_by=actor)
    version = PlanVersion.objects.create(plan=plan, number=1, created_by=actor)
    audit.record(actor, audit.Action.CREATE, plan, school=student.school_id)
    audit.record(actor, audit.Action.CREATE, version, school=student.school_id, details={"number": 1})
    student_services.refresh_standing(student, actor=actor)
    return plan


@transaction.atomic
def version_to_overleg(*, actor: User, version: PlanVersion) -> PlanVersion:
    version = _lock_version(version)
    access.require_cap(actor, Cap.PLAN_EDIT, version.plan.student.school)
    transitions.require_state(Action.TO_OVERLEG, version.plan, version, messages={
        Refusal.VERSION_STATE: _("Alleen een conceptversie kan in overleg worden gebracht.")})
    version.state = VersionState.IN_OVERLEG
    version.save(update_fields=["state", "updated_at"])
    audit.record(actor, audit.Action.TRANSITION, version, details={"from": "concept", "to": "in_overleg"})
    return version


def _check_text(data: dict) -> None:
    errors = {}
    for key, value in data.items():
        if isinstance(value, str) and len(value) > MAX_TEXT:
            errors[key] = _("Deze tekst is te lang (maximaal %(n)s tekens).") % {"n": f"{MAX_TEXT:,}".replace(",", ".")}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def version_save_section(*, actor: User, version: PlanVersion, section: str, revision: int,
                         data: dict | None = None, items: list[dict] | None = None) -> PlanVersion:
    """Save one section. Refused when the version moved on, or someone saved this section since `revision`."""
    version = _lock_version(version)
    school = version.plan.student.school
    plan_access.require_section_right(actor, school, section)
    # The commission's advice (R-TIME-3) is not part of the handelingsdeel: it may still come in while
    # the parents are asked for consent, as long as the board has not got the version.
    editable = EDITABLE_STATES | ({VersionState.INSTEMMING_GEVRAAGD} if section == "commissie" else set())
    if version.plan.state != Plan.State.ACTIEF or version.state not in editable:
        raise ValidationError(MSG_NOT_EDITABLE % {"state": version.get_state_display()}, code="not_editable")
    if section not in SECTION_SCALARS and section not in ITEM_SECTIONS:
        raise ValidationError(_("Onbekend onderdeel."))
    current = int(version.section_revisions.get(section, 0))
    if int(revision) != current:
        raise ValidationError(MSG_STALE, code="stale")

    if section in SECTION_SCALARS:
        data = {k: v for k, v in (data or {}).items() if k in SECTION_SCALARS[section]}
        _check_text(data)
        if section == "uitstroom" and data.get("uitstroom_profiel"):
            valid = {c for c, _label in S.uitstroom_choices(version.plan.student.onderwijssoort)}
            if data["uitstroom_profiel"] not in valid:
                raise ValidationError({"uitstroom_profiel": _("Kies een uitstroomprofiel dat past bij de onderwijssoort.")})
        if section == "commissie" and data.get("commissie_advies_on") and data["commissie_advies_on"] > timezone.localdate():
            raise ValidationError({"commissie_advies_on": _("De datum van het advies ligt in de toekomst.")})
        if section == "ldgm":
            data = _checked_ldgm(version, data)
        changed = sorted(k for k, v in data.items() if getattr(version, k) != v)
        for key in changed:
            setattr(version, key, data[key])
    else:
        model, related, fields = ITEM_SECTIONS[section]
        items = items or []
        for item in items:
            _check_text(item)
        if model is ActionItem:
            items = _checked_measures(items)
        goals = _posted_goals(version, items) if model is ActionItem else [None] * len(items)
        items = bank.checked_provenance(version=version, section=section, items=items)  # before the rows go
        getattr(version, related).all().delete()
        model.objects.bulk_create([
            model(version=version, position=i, **{f: item.get(f, None if f.endswith("_on") else "") for f in fields},
                  **({"plan_goal_id": goal} if model is ActionItem else {}), **bank.provenance_values(related, item))
            for i, (item, goal) in enumerate(zip(items, goals, strict=True), 1)
        ])
        changed = [section]
    version.section_revisions = {**version.section_revisions, section: current + 1}
    if section in SECTION_SCALARS:
        version.full_clean(validate_unique=False, validate_constraints=False)  # field lengths → Dutch messages
    version.save()
    audit.record(actor, audit.Action.UPDATE, version, details={"section": section, "fields": changed})
    return version


def _checked_ldgm(version: PlanVersion, data: dict) -> dict:
    """The Landelijk Doelgroepenmodel (opp.ldgm) as it may be stored: only for sbo/so/vso, choices from the
    catalogue, no date in the future; the steps as {step: ISO date}."""
    data = {**data, "ldgm_stappen": ldgm.clean_steps(data.get("ldgm_stappen") if isinstance(data.get("ldgm_stappen"), dict)
                                                     else None)}
    if ldgm.is_set(data) and not ldgm.applies(version.plan.student.onderwijssoort):
        raise ValidationError(_("Het doelgroepenmodel hoort alleen bij een OPP in sbo, so of vso."))
    errors = {}
    if data.get("ldgm_leerroute") and data["ldgm_leerroute"] not in ldgm.LEERROUTE_KEYS:
        errors["ldgm_leerroute"] = _("Kies een leerroute uit de lijst.")
    if data.get("ldgm_bestemming") and data["ldgm_bestemming"] not in ldgm.BESTEMMING_KEYS:
        errors["ldgm_bestemming"] = _("Kies een uitstroombestemming uit de lijst.")
    today = timezone.localdate()
    if data.get("ldgm_besloten_on") and data["ldgm_besloten_on"] > today:
        errors["ldgm_besloten_on"] = _("Deze datum ligt in de toekomst.")
    if any(on > today.isoformat() for on in data["ldgm_stappen"].values()):
        errors["__all__"] = _("Een stap van het doelgroepenmodel heeft een datum in de toekomst: vul de datum in "
                              "waarop de stap is gezet.")
    if errors:
        raise ValidationError(errors)
    return data


def _checked_measures(items: list[dict]) -> list[dict]:
    """The handelingsdeel rows with their measures checked and normalised (opp.measures, R-CONTENT-4); refused with
    the row's number and the field's message."""
    result, errors = [], []
    for number, item in enumerate(items, 1):
        given = measures.Measure(**{f: item.get(f"measure_{f}") or ("" if not f.endswith("_on") else None)
                                    for f in measures.Measure.__dataclass_fields__})
        measure, found = measures.check(given)
        errors += [_("Onderdeel %(n)s: %(message)s") % {"n": number, "message": message} for message in found.values()]
        result.append({**item, **{f"measure_{f}": getattr(measure, f) for f in measures.Measure.__dataclass_fields__}})
    if errors:
        raise ValidationError(errors)
    return result


def _posted_goals(version: PlanVersion, items: list[dict]) -> list[int | None]:
    """The lasting goal of each posted handelingsdeel row (R-CONTENT-4): the id the row carries, or None for a new
    row (it gets a new goal). The id comes from the browser, so it is never trusted: it must be a goal of this
    plan, and one goal is one row."""
    posted = [item.get(GOAL_KEY) or None for item in items]
    wanted = {g for g in posted if g is not None}
    try:
        wanted = {int(g) for g in wanted}
    except (TypeError, ValueError):
        raise ValidationError(MSG_FOREIGN_GOAL) from None
    if wanted and Goal.objects.filter(plan_id=version.plan_id, pk__in=wanted).count() != len(wanted):
        raise ValidationError(MSG_FOREIGN_GOAL)
    goals = [int(g) if g is not None else None for g in posted]
    known = [g for g in goals if g is not None]
    if len(known) != len(set(known)):
        raise ValidationError(_("Twee onderdelen van het handelingsdeel verwijzen naar hetzelfde doel. Er is niets "
                                "opgeslagen; uw tekst staat er nog."))
    return goals


@transaction.atomic
def revision_start(*, actor: User, plan: Plan) -> PlanVersion:
    """A revision (bijstelling) is a new version, copied from the current adopted one (R-SET-5) — except the pupil's
    view and the commission's advice, which the revision needs anew (R-CONTENT-10, R-TIME-3); it also needs its own
    consultation with the parents before it is adopted (R-CONSENT-7, see compliance.consultation)."""
    plan = _lock_plan(plan)
    access.require_cap(actor, Cap.PLAN_EDIT, plan.student.school)
    transitions.require_state(Action.START_REVISION, plan, messages={
        Refusal.NOT_ADOPTED: _("Er is nog geen vastgestelde versie om bij te stellen.")})
    current = plan.versions.filter(state=VersionState.VASTGESTELD).prefetch_related("factors", "actions", "yields").get()
    number = plan.versions.order_by("-number").values_list("number", flat=True).first() + 1
    new = PlanVersion.objects.create(
        plan=plan, number=number, based_on=current, created_by=actor,
        **{f: getattr(current, f) for f in (*hashing.SCALAR_FIELDS, *hashing.LDGM_FIELDS) if f not in RENEWED_FIELDS},
    )
    for model, related, fields in ITEM_SECTIONS.values():
        # A handelingsdeel item keeps its lasting goal (opp.models.Goal): the revision words the same goals anew.
        model.objects.bulk_create([
            model(version=new, position=item.position, **{f: getattr(item, f) for f in fields},
                  **({"plan_goal_id": item.plan_goal_id} if model is ActionItem else {}),
                  **bank.provenance_of(related, item))  # where a text came from the goal bank (R-CONTENT-4)
            for item in getattr(current, related).all()
        ])
    audit.record(actor, audit.Action.CREATE, new, details={"number": number, "based_on": current.pk})
    return new


@transaction.atomic
def plan_withdraw(*, actor: User, plan: Plan, reason: str, on_date: datetime.date) -> Plan:
    """Intrekken, the board's act like adopting: the bestuurder, or a schoolleider with the board's mandate
    (Cap.PLAN_WITHDRAW), with reasons (R-SET-5; read by R-GPO-6)."""
    plan = _lock_plan(plan)
    access.require_cap(actor, Cap.PLAN_WITHDRAW, plan.student.school)
    transitions.require_state(Action.WITHDRAW, plan, messages={
        Refusal.PLAN_ENDED: _("Dit OPP is al beëindigd of ingetrokken.")})
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("Geef de redenen voor het intrekken.")})
    if on_date > timezone.localdate():
        raise ValidationError({"on_date": _("De datum van intrekking ligt in de toekomst.")})
    if on_date < timezone.localtime(plan.created_at).date():
        raise ValidationError({"on_date": _("De datum van intrekking ligt vóór de start van het OPP.")})
    plan.state = Plan.State.INGETROKKEN
    plan.ended_on = on_date
    plan.end_reason = reason.strip()
    plan.ended_by = actor
    plan.made_known_on = timezone.localdate()
    plan.save(update_fields=["state", "ended_on", "end_reason", "ended_by", "made_known_on"])
    audit.record(actor, audit.Action.TRANSITION, plan, details={"to": "ingetrokken"})
    # The term is no longer met; if the need stays, a new plan is due (students.history, R-SET-5).
    student_services.refresh_standing(plan.student, actor=actor)
    adoption.notify_withdrawal(plan, actor=actor)
    return plan


CONSULTATION_FIELDS = ("version", "held_on", "parents_present", "pupil_present", "staff_present", "others_present",
                       "agreement", "summary", "internal_note")


def _validate_consultation(plan: Plan, data: dict) -> None:
    errors = {}
    held_on = data.get("held_on")
    if held_on and held_on > timezone.localdate():
        errors["held_on"] = _("Een overleg in de toekomst kan nog niet worden vastgelegd.")
    if held_on and held_on < plan.student.enrolled_on - datetime.timedelta(days=180):
        errors["held_on"] = _("Deze datum ligt ruim vóór de inschrijving van de leerling.")
    version = data.get("version")
    if version is not None and version.plan_id != plan.pk:
        errors["version"] = _("Kies een versie van dit OPP.")
    if errors:
        raise ValidationError(errors)


def _save_suggestions(consultation: Consultation, suggestions: list[dict]) -> None:
    consultation.suggestions.all().delete()
    Suggestion.objects.bulk_create([
        Suggestion(consultation=consultation, position=i, text=s["text"], response=s.get("response", ""),
                   outcome=s.get("outcome") or Suggestion.Outcome.OPEN)
        for i, s in enumerate(suggestions, 1) if s.get("text", "").strip()
    ])


@transaction.atomic
def consultation_record(*, actor: User, plan: Plan, data: dict, suggestions: list[dict]) -> Consultation:
    plan = _lock_plan(plan)
    access.require_cap(actor, Cap.PLAN_EDIT, plan.student.school)
    transitions.require_state(Action.RECORD_CONSULTATION, plan)
    _validate_consultation(plan, data)
    _check_text({k: v for k, v in data.items() if isinstance(v, str)})
    consultation = Consultation(plan=plan, created_by=actor, **{k: data.get(k) for k in CONSULTATION_FIELDS if k in data})
    consultation.full_clean()
    consultation.save()
    _save_suggestions(consultation, suggestions)
    audit.record(actor, audit.Action.CREATE, consultation, school=plan.student.school_id,
                 details={"suggestions": len(suggestions), "agreement": consultation.agreement})
    return consultation


@transaction.atomic
def consultation_update(*, actor: User, consultation: Consultation, data: dict, suggestions: list[dict]) -> Consultation:
    consultation = Consultation.objects.select_for_update().select_related("plan__student__school").get(pk=consultation.pk)
    plan = consultation.plan
    access.require_cap(actor, Cap.PLAN_EDIT, plan.student.school)
    _validate_consultation(plan, data)
    _check_text({k: v for k, v in data.items() if isinstance(v, str)})
    changed = sorted(k for k in CONSULTATION_FIELDS if k in data and getattr(consultation, k) != data[k])
    for key in changed:
        setattr(consultation, key, data[key])
    consultation.full_clean()
    consultation.save()
    _save_suggestions(consultation, suggestions)
    audit.record(actor, audit.Action.UPDATE, consultation, school=plan.student.school_id, details={"fields": changed})
    return consultation


def integrity_message(exc: IntegrityError) -> str:
    return _("Dit kon niet worden opgeslagen omdat de gegevens intussen zijn veranderd. Laad de pagina opnieuw.")
