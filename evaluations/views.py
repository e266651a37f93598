"""Staff screens for evaluations. Short views: scoped accessor → form → service → redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import log as audit
from opp import measures
from opp import selectors as opp_selectors
from opp.models import ActionItem, Plan, PlanVersion, VersionState
from opp_portal import dates
from opp_portal.forms import ServiceErrors
from students.eligibility import COMMISSION_SOORTEN

from . import access, rules, services
from . import charts as evaluation_charts
from .forms import CommissionEvaluationForm, EvaluationForm, progress_forms, progress_from
from .models import Evaluation, ItemProgress

VSO = COMMISSION_SOORTEN


def _adopted_version(plan: Plan) -> PlanVersion | None:
    return (plan.versions.filter(state=VersionState.VASTGESTELD)
            .prefetch_related(Prefetch("actions", queryset=ActionItem.objects.order_by("position", "pk"))).first())


# --- Evaluation with the parents ------------------------------------------------------------------------------


@login_required
def record(request, pk):
    plan = access.plan_to_evaluate(request.user, pk)
    version = _adopted_version(plan) if plan.state == Plan.State.ACTIEF else None
    context = {"plan": plan, "student": plan.student, "version": version}
    if version is None:
        # Nothing to evaluate: say why instead of offering a form the service would refuse.
        return render(request, "evaluations/record.html", context)
    actions = list(version.actions.all())
    data = request.POST if request.method == "POST" else None
    form = EvaluationForm(data, initial={"held_on": timezone.localdate(), "parents_present": True})
    # The measurements up to the evaluation's day (today until a valid day is posted): what the server suggests.
    until = timezone.localdate()
    if data is not None and (form.is_valid() or form.cleaned_data.get("held_on")):
        until = form.cleaned_data["held_on"]
    prefill = services.progress_prefill(plan, actions, until=until)
    rows = progress_forms(actions, data, suggested={pk: p.suggested for pk, p in prefill.items()})
    if data is not None:
        rows_valid = all([f.is_valid() for _a, f in rows])  # a list: every row gets its errors
        if form.is_valid() and rows_valid:
            with ServiceErrors(form) as outcome:
                try:
                    evaluation = services.evaluation_record(actor=request.user, plan=plan, data=form.cleaned_data,
                                                            progress=progress_from(request.POST, rows))
                except IntegrityError as exc:  # a revision opened meanwhile (one open version per plan)
                    raise ValidationError(_("Er is intussen al een versie in bewerking; er is niets vastgelegd.")) from exc
            if outcome.ok:
                return _after_record(request, plan, evaluation)
    # The form shows the adopted version's handelingsdeel and its goals' measurements: a read, also when a POST comes
    # back with its errors.
    audit.record(request.user, audit.Action.VIEW, version, school=plan.student.school_id,
                 details={"page": "evaluation_form"})
    context.update(form=form, rows=[(a, f, _prefill_view(a, prefill[a.pk])) for a, f in rows],
                   rows_have_errors=any(f.errors for _a, f in rows),
                   open_version=opp_selectors.open_version(plan))
    return render(request, "evaluations/record.html", context)


def _prefill_view(action: ActionItem, prefill: services.Prefill) -> dict:
    """One item's measurements as the form shows them: each value and the target in words (opp.measures)."""
    instrument = action.measure_instrument
    return {
        "prefill": prefill,
        "rows": [{"m": m, "named": measures.named(m.instrument, m.value)} for m in prefill.measurements],
        "latest": measures.named(prefill.latest.instrument, prefill.latest.value) if prefill.latest else "",
        "target": measures.named(instrument, action.measure_target) if instrument and action.measure_target else "",
        "suggested_label": ItemProgress.Progress(prefill.suggested).label if prefill.suggested else "",
    }


def _after_record(request, plan: Plan, evaluation: Evaluation):
    if evaluation.decision == Evaluation.Decision.BIJSTELLEN:
        revision = opp_selectors.open_version(plan)
        messages.success(request, _("De evaluatie is vastgelegd en de bijstelling is gestart als versie %(n)s. "
                                    "Voer opnieuw overleg met de ouders (R-CONSENT-7).") % {"n": revision.number})
        response = redirect("opp:version", pk=revision.pk)
    elif evaluation.decision == Evaluation.Decision.BEEINDIGEN:
        messages.success(request, _("De evaluatie is vastgelegd en het OPP is beëindigd."))
        response = redirect("opp:plan", pk=plan.pk)
    else:
        messages.success(request, _("De evaluatie is vastgelegd. Het OPP wordt voortgezet."))
        response = redirect("opp:plan", pk=plan.pk)
    _tell_whether_it_counts(request, evaluation)
    return response


def _tell_whether_it_counts(request, evaluation: Evaluation) -> None:
    """R-EVAL-1: an evaluation without the parents is saved (it was a real meeting), but the user must know
    at once whether it counts as the school year's evaluation with the parents, and why not."""
    how = evaluation.yearly_how
    if how is rules.YearlyHow.NOT_COUNTED:
        messages.warning(request, _(
            "Let op: deze evaluatie telt niet als de jaarlijkse evaluatie met de ouders (R-EVAL-1). De ouders waren "
            "er niet bij en er is niet vastgelegd wanneer ze zijn uitgenodigd en waarom ze niet kwamen. Evalueer "
            "het OPP in schooljaar %(year)s alsnog met de ouders.") % {"year": evaluation.school_year})
    elif how is rules.YearlyHow.INVITED_NOT_CAME:
        messages.warning(request, _(
            "Deze evaluatie telt als de jaarlijkse evaluatie, maar de ouders waren er niet bij (uitgenodigd op "
            "%(date)s). Bespreek de evaluatie alsnog met de ouders als dat kan.") % {
                "date": dates.formatted(evaluation.parents_invited_on)})


@login_required
def detail(request, pk):
    evaluation = access.evaluation_for_user(request.user, pk)
    plan = evaluation.plan
    progress = list(ItemProgress.objects.filter(evaluation=evaluation).select_related("action")
                    .order_by("action__position", "action__pk"))
    evaluation_charts.attach([(evaluation, progress)], name=plan.student.first_name)  # the goals' charts
    audit.record(request.user, audit.Action.VIEW, evaluation)
    return render(request, "evaluations/detail.html", {
        "evaluation": evaluation, "plan": plan, "student": plan.student, "progress": progress,
        "reactions": list(evaluation.reactions.all()), **access.evaluation_rights(request.user, plan),
    })


# --- The (v)so commission ------------------------------------------------------------------------------------


@login_required
def commission_record(request, pk):
    plan = access.plan_for_commission(request.user, pk)
    context = {"plan": plan, "student": plan.student, "applies": plan.student.onderwijssoort in VSO}
    if not context["applies"]:
        return render(request, "evaluations/commission_record.html", context)
    form = CommissionEvaluationForm(request.POST if request.method == "POST" else None,
                                    initial={"held_on": timezone.localdate()}, soort=plan.student.onderwijssoort)
    if form.is_bound and form.is_valid():
        with ServiceErrors(form) as outcome:
            services.commission_record(actor=request.user, plan=plan, data=form.cleaned_data)
        if outcome.ok:
            messages.success(request, _("De evaluatie door de commissie is vastgelegd."))
            return redirect("opp:plan", pk=plan.pk)
    context["form"] = form
    return render(request, "evaluations/commission_record.html", context)


@login_required
def commission_detail(request, pk):
    row = access.commission_evaluation_for_user(request.user, pk)
    plan = row.plan
    audit.record(request.user, audit.Action.VIEW, row)
    return render(request, "evaluations/commission_detail.html", {
        "row": row, "plan": plan, "student": plan.student, **access.evaluation_rights(request.user, plan),
    })
