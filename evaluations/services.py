"""Recording evaluations: with the parents (and the adult pupil), by the (v)so commission; the decision
continues, revises (a new version) or ends the plan (R-EVAL-1..3, R-SET-2, R-SET-5, R-CONSENT-7). Every
evaluation records the pupil's view (hoorrecht, R-CONTENT-10); one without the parents counts as the yearly
evaluation only when they were invited and the reason they did not come is recorded (evaluations.rules)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import access
from accounts.access import Cap
from accounts.models import User
from audit import log as audit
from notifications.services import enqueue
from opp import bekendmaking, measures, transitions
from opp import measurements as opp_measurements
from opp import services as opp_services
from opp.models import ActionItem, Measurement, Plan, PlanVersion, VersionState
from opp.transitions import Action, Refusal
from opp_portal.schoolyear import school_year_label
from students import eligibility
from students import services as student_services
from students.models import SupportLevel

from . import access as evaluation_access
from . import rules
from .models import CommissionEvaluation, Evaluation, EvaluationReaction, ItemProgress

MAX_TEXT = 20_000


def _text(data: dict, *fields) -> None:
    errors = {f: _("Deze tekst is te lang (maximaal 20.000 tekens).") for f in fields
              if len(data.get(f) or "") > MAX_TEXT}
    if errors:
        raise ValidationError(errors)


# --- The outcome pre-filled from the goals' measurements (R-SET-2, R-CONTENT-4) -------------------------------------


@dataclass(frozen=True)
class Prefill:
    """What the evaluation shows of one item's goal: its measurements since the previous evaluation of the plan (or,
    before the first, since the goal's baseline date), the latest of them, and the outcome that pre-fills the choice
    ("" when the measurements tell nothing: no measure, a free one, or nothing measured in its instrument)."""

    since: datetime.date | None
    since_evaluation: bool
    measurements: list[Measurement]
    suggested: str

    @property
    def latest(self) -> Measurement | None:
        return self.measurements[-1] if self.measurements else None


def progress_prefill(plan: Plan, actions: list[ActionItem], *, until: datetime.date) -> dict[int, Prefill]:
    """Per ActionItem id of the evaluated version, measured up to `until` (the evaluation's day). Two queries."""
    previous = (plan.evaluations.filter(held_on__lte=until).order_by("-held_on", "-pk")
                .values_list("held_on", flat=True).first())
    found = opp_measurements.for_goals({a.plan_goal_id for a in actions})
    result = {}
    for action in actions:
        start = previous + datetime.timedelta(days=1) if previous else action.measure_baseline_on
        rows = [m for m in found.get(action.plan_goal_id, [])
                if (start is None or m.measured_on >= start) and m.measured_on <= until]
        # A value measured on the baseline's day (or before) is the baseline itself: it suggests nothing.
        base_on = action.measure_baseline_on
        news = [(m.instrument, m.value) for m in rows if base_on is None or m.measured_on > base_on]
        result[action.pk] = Prefill(
            since=start, since_evaluation=previous is not None, measurements=rows,
            suggested=measures.suggestion(action.measure, news))
    return result


def _progress_row(value) -> tuple[str, str, str]:
    """(progress, note, override reason) from the view's triple or a caller's (progress, note) pair."""
    progress, note, *rest = value
    return progress, note or "", (rest[0] if rest else "") or ""


@transaction.atomic
def evaluation_record(*, actor: User, plan: Plan, data: dict, progress: dict[int, tuple]) -> Evaluation:
    """`progress` maps ActionItem ids of the adopted version to (progress, note) or (progress, note, override reason).
    The outcome the measurements suggest is computed here (never taken from the request): choosing otherwise needs
    a reason (R-SET-2)."""
    plan = Plan.objects.select_for_update().select_related("student__school").get(pk=plan.pk)
    student = plan.student
    access.require_cap(actor, Cap.PLAN_EDIT, student.school)
    transitions.require_state(Action.RECORD_EVALUATION, plan, messages={
        Refusal.NOT_ADOPTED: _("Dit OPP heeft nog geen vastgestelde versie: er is nog niets te evalueren.")})
    version = PlanVersion.objects.get(plan=plan, state=VersionState.VASTGESTELD)
    held_on = data.get("held_on")
    errors: dict[str, str] = {}
    if held_on is None:
        errors["held_on"] = _("Vul de datum van de evaluatie in.")
    elif held_on > timezone.localdate():
        errors["held_on"] = _("Een evaluatie in de toekomst kan nog niet worden vastgelegd.")
    elif version.adopted_at and held_on < timezone.localtime(version.adopted_at).date():
        errors["held_on"] = _("De evaluatie ligt vóór de vaststelling van de geëvalueerde versie.")
    if student.handelingsbekwaam and student.onderwijssoort == "vso" and not data.get("pupil_present"):
        errors["pupil_present"] = _("Een meerderjarige, handelingsbekwame leerling is bij de evaluatie betrokken (R-EVAL-2).")
    parents_present = bool(data.get("parents_present"))
    # With the parents at the table there is no invitation to account for: whatever was typed is dropped.
    invited_on = None if parents_present else data.get("parents_invited_on")
    absence_reason = "" if parents_present else (data.get("parents_absence_reason") or "").strip()
    errors.update(_invitation_errors(invited_on, absence_reason, held_on))
    if not rules.has_text(data.get("pupil_view")):
        # Hoorrecht (since 1-8-2025): at every evaluation, for every pupil, also under 18.
        errors["pupil_view"] = _("Leg de mening van de leerling vast (hoorrecht, R-CONTENT-10). "
                                 "Kon de leerling die niet geven, schrijf dan waarom.")
    if not (data.get("conclusion") or "").strip():
        errors["conclusion"] = _("Vul de conclusie in.")
    decision = data.get("decision")
    if decision not in Evaluation.Decision.values:
        errors["decision"] = _("Kies een besluit.")
    if decision == Evaluation.Decision.BEEINDIGEN:
        if not (data.get("end_reason") or "").strip():
            errors["end_reason"] = _("Geef aan waarom de extra ondersteuning niet meer nodig is.")
        if transitions.why_not_for(Action.END, plan) == Refusal.OPEN_VERSION:
            errors["decision"] = _("Er loopt nog een bijstelling. Rond die af of trek haar in voordat u het OPP beëindigt.")
        if student.onderwijssoort in eligibility.ALWAYS_OPP:
            errors["decision"] = _("Een leerling in het %(soort)s heeft altijd een OPP; beëindigen kan pas na terugplaatsing.") % {
                "soort": student.onderwijssoort}
    if decision == Evaluation.Decision.BIJSTELLEN and transitions.why_not_for(Action.START_REVISION, plan) == Refusal.OPEN_VERSION:
        errors["decision"] = _("Er loopt al een bijstelling; er kan geen tweede worden gestart.")
    items = {a.pk: a for a in version.actions.all()}
    unknown = [pk for pk in progress if pk not in items]
    if unknown:
        errors["__all__"] = _("Er is voortgang opgegeven voor een onderdeel dat niet in de geëvalueerde versie staat.")
    missing = [pk for pk in items if pk not in progress]
    if missing and not unknown:
        errors["__all__"] = _("Geef voor elk onderdeel van het handelingsdeel de voortgang aan.")
    progress = {pk: _progress_row(value) for pk, value in progress.items()}
    bad = [pk for pk, (p, _note, _reason) in progress.items() if p not in ItemProgress.Progress.values]
    if bad:
        errors["__all__"] = _("Kies voor elk onderdeel: behaald, deels behaald, niet behaald of niet meer van toepassing.")
    suggested = {}
    if not errors:
        prefill = progress_prefill(plan, list(items.values()), until=held_on)
        suggested = {pk: prefill[pk].suggested for pk in items}
        for pk, (p, _note, reason) in progress.items():
            if measures.needs_reason(suggested[pk], p, reason):
                errors[f"item-{pk}-override_reason"] = _(
                    "Onderdeel %(n)s: u kiest een andere voortgang dan de metingen voorstellen (%(suggested)s). "
                    "Schrijf waarom.") % {"n": items[pk].position,
                                          "suggested": ItemProgress.Progress(suggested[pk]).label}
    if errors:
        raise ValidationError(errors)
    _text(data, "conclusion", "pupil_view", "end_reason", "parents_absence_reason")

    evaluation = Evaluation.objects.create(
        plan=plan, version=version, school_year=school_year_label(held_on), held_on=held_on,
        parents_present=parents_present, parents_invited_on=invited_on, parents_absence_reason=absence_reason,
        pupil_present=bool(data.get("pupil_present")),
        others_present=(data.get("others_present") or "")[:300], pupil_view=data["pupil_view"].strip(),
        conclusion=data["conclusion"].strip(), decision=decision, end_reason=(data.get("end_reason") or "").strip(),
        created_by=actor,
    )
    ItemProgress.objects.bulk_create([
        ItemProgress(evaluation=evaluation, action=items[pk], progress=p, note=(note or "")[:5000],
                     suggested=suggested[pk],
                     override_reason=reason.strip()[:5000] if suggested[pk] and p != suggested[pk] else "")
        for pk, (p, note, reason) in progress.items()
    ])
    # Whether it counts as the yearly evaluation with the parents (R-EVAL-1), never why: that is content.
    details = {"decision": decision, "yearly": str(evaluation.yearly_how)}
    overridden = sum(1 for pk, (p, _n, _r) in progress.items() if suggested[pk] not in ("", p))
    if overridden:  # how many outcomes differ from the measurements (R-SET-2), never why
        details["overridden"] = overridden
    audit.record(actor, audit.Action.CREATE, evaluation, school=student.school_id, details=details)

    if decision == Evaluation.Decision.BIJSTELLEN:
        opp_services.revision_start(actor=actor, plan=plan)
    elif decision == Evaluation.Decision.BEEINDIGEN:
        plan.state = Plan.State.BEEINDIGD
        plan.ended_on = held_on
        plan.end_reason = evaluation.end_reason
        plan.ended_by = actor
        plan.save(update_fields=["state", "ended_on", "end_reason", "ended_by"])
        audit.record(actor, audit.Action.TRANSITION, plan, details={"to": "beeindigd", "evaluation": evaluation.pk})
        # The pupil no longer needs extra support: the eligibility decision follows (R-ELIG-5).
        if student.support_level == SupportLevel.EXTRA:
            student_services.student_update(actor=actor, student=student, data={
                "support_level": SupportLevel.BASIS, "extra_support_description": "", "extra_support_funding": ""})
        else:  # e.g. a plan that rested on a placement: the standing follows the ended plan all the same
            student_services.refresh_standing(student, actor=actor)
    _notify_parents(evaluation)
    return evaluation


def _invitation_errors(invited_on, absence_reason: str, held_on) -> dict[str, str]:
    """Without the parents: the invitation date and the reason they did not come go together (R-EVAL-1,
    rules.counts_as_yearly). Neither is fine too: the evaluation is saved but does not count, and the view
    says so. One of the two is almost certainly a slip, and an evaluation cannot be edited afterwards, so
    it is refused with the typed input kept rather than saved as one that silently does not count."""
    errors = {}
    if invited_on is not None:
        if held_on is not None and invited_on > held_on:
            errors["parents_invited_on"] = _("De ouders zijn uitgenodigd na de evaluatie. Vul de datum in waarop "
                                             "ze voor deze evaluatie zijn uitgenodigd.")
        elif invited_on > timezone.localdate():
            errors["parents_invited_on"] = _("De datum van de uitnodiging ligt in de toekomst.")
        if not absence_reason:
            errors["parents_absence_reason"] = _(
                "Schrijf waarom de ouders er niet bij waren. Zonder reden telt deze evaluatie niet als de "
                "jaarlijkse evaluatie met de ouders (R-EVAL-1).")
    elif absence_reason:
        errors["parents_invited_on"] = _(
            "Vul in wanneer de ouders zijn uitgenodigd. Zonder uitnodiging telt deze evaluatie niet als de "
            "jaarlijkse evaluatie met de ouders (R-EVAL-1).")
    return errors


def _notify_parents(evaluation: Evaluation) -> None:
    student = evaluation.plan.student
    for _party, user in bekendmaking.portal_parties(student):
        enqueue(recipient=user, kind="evaluation", template="evaluation", subject=evaluation, school=student.school,
                context={"first_name": student.first_name, "school_name": student.school.name,
                         "held_on": evaluation.held_on, "for_pupil": user.pk == student.portal_user_id})


@transaction.atomic
def reaction_add(*, user: User, evaluation: Evaluation, author_name: str, text: str) -> EvaluationReaction:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Schrijf uw reactie.")})
    if len(text) > 5000:
        raise ValidationError({"text": _("Uw reactie is te lang (maximaal 5.000 tekens).")})
    reaction = EvaluationReaction.objects.create(evaluation=evaluation, author=user, author_name=author_name[:200], text=text)
    audit.record(user, audit.Action.CREATE, reaction, school=evaluation.plan.student.school_id)
    return reaction


@transaction.atomic
def commission_record(*, actor: User, plan: Plan, data: dict) -> CommissionEvaluation:
    plan = Plan.objects.select_for_update().select_related("student__school").get(pk=plan.pk)
    student = plan.student
    evaluation_access.require_commission(actor, plan)
    errors = {}
    if plan.state != Plan.State.ACTIEF or not plan.versions.filter(state=VersionState.VASTGESTELD).exists():
        errors["__all__"] = _("De commissie evalueert een lopend, vastgesteld OPP.")
    if student.onderwijssoort not in eligibility.COMMISSION_SOORTEN:
        errors["__all__"] = _("Alleen een OPP in het (v)so heeft een evaluatie door de commissie (R-EVAL-3).")
    held_on = data.get("held_on")
    if held_on is None:
        errors["held_on"] = _("Vul de datum in.")
    elif held_on > timezone.localdate():
        errors["held_on"] = _("Een evaluatie in de toekomst kan nog niet worden vastgelegd.")
    for field in ("evaluation", "report"):
        if not (data.get(field) or "").strip():
            errors[field] = _("Dit veld is verplicht.")
    if data.get("advice") not in CommissionEvaluation.Advice.values:
        errors["advice"] = _("Kies een advies.")
    elif not rules.advice_fits(data["advice"], student.onderwijssoort):
        errors["advice"] = _("Deze terugplaatsing past niet bij een leerling in het %(soort)s: uit het so gaat een "
                             "leerling terug naar het (speciaal) basisonderwijs, uit het vso naar het regulier "
                             "voortgezet onderwijs (R-EVAL-3). Kies een ander advies.") % {
            "soort": student.onderwijssoort}
    if errors:
        raise ValidationError(errors)
    _text(data, "evaluation", "report", "advice_text")
    row = CommissionEvaluation.objects.create(
        plan=plan, school_year=school_year_label(held_on), held_on=held_on, evaluation=data["evaluation"].strip(),
        report=data["report"].strip(), advice=data["advice"], advice_text=(data.get("advice_text") or "").strip(),
        created_by=actor)
    audit.record(actor, audit.Action.CREATE, row, school=student.school_id, details={"advice": row.advice})
    return row
