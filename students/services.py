"""Every write to pupil data goes through here: validated, audited, eligibility recomputed (R-ELIG-5)."""

from __future__ import annotations

import dataclasses
import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit import log as audit
from opp_portal import dates

from . import destinations, eligibility, history
from .models import EligibilityDecision, Guardian, GuardianLink, PlacementEvent, Student, SupportLevel

STUDENT_FIELDS = [
    "first_name", "last_name", "date_of_birth", "pupil_number", "onderwijssoort", "group_name", "enrolled_on",
    "placed_on", "support_need_on", "support_level", "extra_support_description", "extra_support_funding",
    "lwoo", "dyslexie", "dyscalculie", "hoogbegaafd", "handelingsbekwaam", "left_on", "destination",
    "destination_note",
]
#: Set through the pupil form, not the CSV import (they follow from the pupil's own choice).
CONSENT_FIELDS = ["consent_party", "parents_informed"]


def validate_student(student: Student, *, today: datetime.date | None = None, check_unique: bool = True) -> None:
    """Rules the database cannot express, with Dutch messages per field.

    `check_unique=False` skips the per-pupil uniqueness query for callers that check pupil numbers
    in bulk themselves (the CSV import: one query for the whole school instead of one per row).
    """
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    if student.date_of_birth and student.date_of_birth > today:
        add("date_of_birth", _("De geboortedatum ligt in de toekomst."))
    if student.date_of_birth and student.enrolled_on and student.enrolled_on <= student.date_of_birth:
        add("enrolled_on", _("De inschrijving moet na de geboortedatum liggen."))
    if student.placed_on and student.enrolled_on and student.placed_on < student.enrolled_on:
        add("placed_on", _("De definitieve plaatsing kan niet vóór de inschrijving liggen."))
    if student.support_need_on and student.date_of_birth and student.support_need_on <= student.date_of_birth:
        add("support_need_on", _("De datum van de ondersteuningsbehoefte moet na de geboortedatum liggen."))
    if student.left_on and student.enrolled_on and student.left_on < student.enrolled_on:
        add("left_on", _("De uitschrijving kan niet vóór de inschrijving liggen."))
    if student.support_need_on and student.left_on and student.support_need_on > student.left_on:
        add("support_need_on", _("De ondersteuningsbehoefte kan niet na de uitschrijving zijn vastgesteld."))
    if student.destination and not student.left_on:
        add("left_on", _("Vul de datum van uitschrijving in bij een bestemming."))
    if student.destination == destinations.OVERIG and not student.destination_note.strip():
        add("destination_note", _("Beschrijf bij ‘overig’ kort waar de leerling naartoe is gegaan."))
    if student.school_id and student.onderwijssoort and not student.school.offers(student.onderwijssoort):
        add("onderwijssoort", _("Deze school biedt %(soort)s niet aan.") % {"soort": student.get_onderwijssoort_display()})
    if student.support_level == SupportLevel.EXTRA and not student.extra_support_description.strip():
        add("extra_support_description", _("Beschrijf kort welke extra ondersteuning de leerling krijgt."))
    if student.support_level != SupportLevel.EXTRA and student.extra_support_funding:
        add("extra_support_funding", _("Bekostiging hoort alleen bij extra ondersteuning."))
    if student.handelingsbekwaam and student.date_of_birth:
        if student.age_on(today) < 18:
            add("handelingsbekwaam", _("Alleen een leerling van 18 jaar of ouder kan handelingsbekwaam zijn."))
    if not student.handelingsbekwaam and (student.consent_party or student.parents_informed):
        add("consent_party", _("Dit geldt alleen voor een meerderjarige, handelingsbekwame leerling."))
    if check_unique and student.pupil_number and student.school_id:
        clash = Student.objects.filter(school_id=student.school_id, pupil_number=student.pupil_number)
        if student.pk:
            clash = clash.exclude(pk=student.pk)
        if clash.exists():
            add("pupil_number", _("Dit leerlingnummer bestaat al op deze school."))
    if errors:
        raise ValidationError(errors)


def validate_need_date(student: Student, *, today: datetime.date) -> None:
    """A regular pupil already at school who now gets extra support: the six weeks run from the day that need was
    established (R-TIME-1), so that day must be given — not left empty (the term would run from an enrolment years
    ago and be overdue at once), not in the future, and after the end of an earlier plan (a returning need)."""
    if student.onderwijssoort not in eligibility.REGULAR or student.support_level != SupportLevel.EXTRA:
        return
    need = student.support_need_on
    if need is None:
        raise ValidationError({"support_need_on": _(
            "Vul de datum in waarop bleek dat extra ondersteuning nodig is: de zes weken voor het OPP lopen vanaf die "
            "dag (R-TIME-1).")})
    if need > today:
        raise ValidationError({"support_need_on": _("De datum van de ondersteuningsbehoefte ligt in de toekomst.")})
    end = history.previous_end(history.plan_facts(student.pk))
    if end is not None and need <= end:
        raise ValidationError({"support_need_on": _(
            "Het vorige OPP is beëindigd of ingetrokken op %(date)s. Vul de datum in waarop de behoefte aan extra "
            "ondersteuning opnieuw bleek (na die dag).") % {"date": dates.formatted(end)}})


def facts_for(student: Student) -> eligibility.PupilFacts:
    placements = tuple(
        eligibility.PlacementFact(kind=p.kind, start_on=p.start_on, investigation_recorded=bool(p.investigation_on and p.investigation_summary.strip()))
        for p in student.placement_events.all()
    )
    return eligibility.PupilFacts(
        onderwijssoort=student.onderwijssoort,
        extra_support=student.support_level == SupportLevel.EXTRA,
        lwoo=student.lwoo, dyslexie=student.dyslexie, dyscalculie=student.dyscalculie, hoogbegaafd=student.hoogbegaafd,
        placements=placements,
    )


def standing_of(student: Student, plans: tuple[history.PlanFact, ...] | None = None) -> history.Standing:
    """The pupil's standing (students.history) from its data, placements and `plans` (default: the registered
    provider's). The pupil page and compliance read it through opp.selectors.pupil_history()."""
    plans = history.plan_facts(student.pk) if plans is None else plans
    base = _facts_without_events(student)
    return history.standing(
        onderwijssoort=student.onderwijssoort, enrolled_on=student.enrolled_on, placed_on=student.placed_on,
        support_need_on=student.support_need_on, need_without_placements=eligibility.decide(base).required,
        placements=facts_for(student).placements if student.pk else (), plans=plans,
    )


def _decide(student: Student) -> tuple[eligibility.Decision, list[dict]]:
    """Compute the decision and the pupil's standing and put their outcome on the (unsaved) pupil's denormalised
    fields, which the lists, overviews and the sweep filter on."""
    plans = history.plan_facts(student.pk)
    st = standing_of(student, plans)
    placements = history.live_placements(facts_for(student).placements if student.pk else (), plans)
    decision = eligibility.decide(dataclasses.replace(_facts_without_events(student), placements=placements))
    student.opp_required = st.required
    student.opp_start_on = st.term.on if st.term else None
    student.opp_start_basis = str(st.term.basis) if st.term else ""
    student.opp_due_on = st.due_on
    student.opp_in_force = st.in_force
    return decision, [r.as_dict() for r in decision.reasons]


def _facts_without_events(student: Student) -> eligibility.PupilFacts:
    return eligibility.PupilFacts(
        onderwijssoort=student.onderwijssoort, extra_support=student.support_level == SupportLevel.EXTRA,
        lwoo=student.lwoo, dyslexie=student.dyslexie, dyscalculie=student.dyscalculie, hoogbegaafd=student.hoogbegaafd,
    )


def _record_decision(student: Student, decision, reasons: list[dict], actor, *, compare: bool) -> EligibilityDecision | None:
    if compare:
        last = student.eligibility_decisions.order_by("-decided_at", "-pk").first()
        if last and last.required == decision.required and last.reasons == reasons and last.due_on == student.opp_due_on:
            return None
    return EligibilityDecision.objects.create(
        student=student, required=decision.required, reasons=reasons,
        start_on=student.opp_start_on, due_on=student.opp_due_on, decided_by=actor,
    )


def refresh_standing(student: Student, *, actor: User | None) -> EligibilityDecision | None:
    """Recompute and store the decision and the standing; append a history row when the outcome, its reasons or
    the due date changed. Called after every write that moves the pupil's history: pupil data and placements
    here, and by the plans app when a plan starts, is adopted, ends or is withdrawn."""
    decision, reasons = _decide(student)
    Student.objects.filter(pk=student.pk).update(
        opp_required=student.opp_required, opp_start_on=student.opp_start_on,
        opp_start_basis=student.opp_start_basis, opp_due_on=student.opp_due_on, opp_in_force=student.opp_in_force,
    )
    return _record_decision(student, decision, reasons, actor, compare=True)


def _with_destination(data: dict) -> dict:
    """A destination given as a sentence (an older caller, a spreadsheet) becomes its catalogue key, with the sentence
    kept as the note (students.destinations.from_text); a key stays as it is."""
    value = data.get("destination")
    if not isinstance(value, str) or value in destinations.KEYS or not value.strip():
        return data
    key, note = destinations.from_text(value)
    return {**data, "destination": key, "destination_note": data.get("destination_note") or note}


@transaction.atomic
def student_create(*, actor: User, school, data: dict, today: datetime.date | None = None) -> Student:
    data = _with_destination(data)
    student = Student(school=school, **{k: v for k, v in data.items() if k in STUDENT_FIELDS + CONSENT_FIELDS})
    validate_student(student, today=today)
    # validate_student() checked uniqueness and the date rules; the database constraints still guard them.
    student.full_clean(validate_unique=False, validate_constraints=False)
    decision, reasons = _decide(student)  # a new pupil has no placement events yet
    student.save()
    _record_decision(student, decision, reasons, actor, compare=False)
    audit.record(actor, audit.Action.CREATE, student, details={"fields": sorted(k for k in data if k in STUDENT_FIELDS)})
    return student


@transaction.atomic
def student_update(*, actor: User, student: Student, data: dict, today: datetime.date | None = None) -> Student:
    data = _with_destination(data)
    locked = Student.objects.select_for_update().select_related("school").get(pk=student.pk)
    was_extra = locked.support_level == SupportLevel.EXTRA
    changed = sorted(k for k, v in data.items() if k in STUDENT_FIELDS + CONSENT_FIELDS and getattr(locked, k) != v)
    for key in changed:
        setattr(locked, key, data[key])
    validate_student(locked, today=today)
    if not was_extra:
        validate_need_date(locked, today=today or timezone.localdate())
    locked.full_clean(validate_unique=False, validate_constraints=False)
    decision, reasons = _decide(locked)
    locked.save()
    _record_decision(locked, decision, reasons, actor, compare=True)
    audit.record(actor, audit.Action.UPDATE, locked, details={"fields": changed})
    return locked


GUARDIAN_FIELDS = ["name", "email", "phone"]


@transaction.atomic
def guardian_add(*, actor: User, student: Student, data: dict, relation: str, has_gezag: bool) -> GuardianLink:
    guardian = Guardian(school=student.school, **{k: data.get(k, "") for k in GUARDIAN_FIELDS})
    guardian.full_clean()
    guardian.save()
    link = GuardianLink(student=student, guardian=guardian, relation=relation, has_gezag=has_gezag)
    link.full_clean()
    link.save()
    audit.record(actor, audit.Action.CREATE, link, school=student.school_id, details={"student": student.pk, "gezag": has_gezag})
    return link


@transaction.atomic
def guardian_update(*, actor: User, link: GuardianLink, data: dict, relation: str, has_gezag: bool) -> GuardianLink:
    guardian = link.guardian
    changed = sorted(k for k in GUARDIAN_FIELDS if k in data and getattr(guardian, k) != data[k])
    for key in changed:
        setattr(guardian, key, data[key])
    guardian.full_clean()
    guardian.save()
    if link.relation != relation or link.has_gezag != has_gezag:
        changed += ["relation" if link.relation != relation else "", "has_gezag" if link.has_gezag != has_gezag else ""]
        link.relation, link.has_gezag = relation, has_gezag
        link.full_clean()
        link.save()
    audit.record(actor, audit.Action.UPDATE, link, school=link.student.school_id,
                 details={"student": link.student_id, "fields": sorted(c for c in changed if c)})
    return link


@transaction.atomic
def guardian_unlink(*, actor: User, link: GuardianLink) -> None:
    guardian = link.guardian
    student_id, school_id = link.student_id, link.student.school_id
    audit.record(actor, audit.Action.DELETE, link, school=school_id, details={"student": student_id})
    link.delete()
    if not guardian.links.exists() and guardian.user_id is None:
        try:
            with transaction.atomic():  # a savepoint: a refused delete must not undo the unlink
                guardian.delete()
        except ProtectedError:
            pass  # their consent answers point at them (R-TIME-2): the guardian stays, as evidence, without a link


PLACEMENT_FIELDS = [
    "kind", "start_on", "end_on", "location", "support_question", "expected_duration", "follows_whole_programme",
    "investigation_on", "investigation_summary", "note",
]


def validate_placement(event: PlacementEvent) -> None:
    errors: dict[str, list[str]] = {}
    student = event.student
    if event.start_on and event.start_on < student.enrolled_on:
        errors.setdefault("start_on", []).append(_("De startdatum ligt vóór de inschrijving van de leerling."))
    if event.end_on and event.start_on and event.end_on < event.start_on:
        errors.setdefault("end_on", []).append(_("De einddatum kan niet vóór de startdatum liggen."))
    if event.kind == PlacementEvent.Kind.OPDC:
        if not event.support_question.strip():
            errors.setdefault("support_question", []).append(_("Vermeld de ondersteuningsvraag aan het OPDC (GPO 109370)."))
        if not event.expected_duration.strip():
            errors.setdefault("expected_duration", []).append(_("Vermeld de verwachte duur van de plaatsing (GPO 109370)."))
        if event.follows_whole_programme is None:
            errors.setdefault("follows_whole_programme", []).append(
                _("Geef aan of de leerling het hele onderwijsprogramma van de school volgt (GPO 109370)."))
    if event.investigation_on and event.start_on and event.investigation_on < event.start_on - datetime.timedelta(days=365):
        errors.setdefault("investigation_on", []).append(_("Het onderzoek ligt meer dan een jaar vóór de start van de procedure."))
    if event.kind != PlacementEvent.Kind.VERWIJDERING and (event.investigation_on or event.investigation_summary.strip()):
        errors.setdefault("investigation_summary", []).append(_("Het onderzoek naar ondersteuningsmogelijkheden hoort bij een verwijderingsprocedure."))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def placement_record(*, actor: User, student: Student, data: dict) -> PlacementEvent:
    event = PlacementEvent(student=student, **{k: v for k, v in data.items() if k in PLACEMENT_FIELDS})
    validate_placement(event)
    event.full_clean()
    event.save()
    refresh_standing(student, actor=actor)
    audit.record(actor, audit.Action.CREATE, event, school=student.school_id, details={"student": student.pk, "kind": event.kind})
    return event


@transaction.atomic
def placement_update(*, actor: User, event: PlacementEvent, data: dict) -> PlacementEvent:
    changed = sorted(k for k, v in data.items() if k in PLACEMENT_FIELDS and getattr(event, k) != v)
    for key in changed:
        setattr(event, key, data[key])
    validate_placement(event)
    event.full_clean()
    event.save()
    refresh_standing(event.student, actor=actor)
    audit.record(actor, audit.Action.UPDATE, event, school=event.student.school_id,
                 details={"student": event.student_id, "fields": changed})
    return event
