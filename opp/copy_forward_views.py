"""The copy-forward page of a draft version (opp.copy_forward): the pupil's earlier goals with their last measured
value and evaluation outcome, each with a button that starts a new handelingsdeel item from it."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import Cap
from audit import log as audit
from opp_portal.forms import DATE_ERROR, DATE_FORMATS, DateInput, ServiceErrors, plausible_date

from . import access, copy_forward, measures
from .models import Plan


class CopyForm(forms.Form):
    """One candidate's button, with a new target where the copied one is no progress any more."""

    measure_target = forms.CharField(label=gettext_lazy("Nieuwe streefwaarde"), required=False,
                                     max_length=measures.MAX_VALUE)
    measure_target_on = forms.DateField(label=gettext_lazy("Nieuwe streefdatum"), required=False, widget=DateInput(),
                                        input_formats=DATE_FORMATS, error_messages={"invalid": DATE_ERROR},
                                        validators=[plausible_date])


def _form(candidate_pk: int, data=None) -> CopyForm:
    return CopyForm(data, prefix=f"doel{candidate_pk}")


@login_required
def copy_forward_page(request, pk):
    """GET: the candidates. POST (`item`, and for a flagged measure the new target): the copy, then back to the editor
    at the new goal. A read-only role gets 403, another pupil's goal is a 404 (opp.copy_forward.source_for)."""
    version = access.version_for_user(request.user, pk, cap=Cap.PLAN_EDIT)
    bound: dict[int, CopyForm] = {}
    if request.method == "POST":
        source = copy_forward.source_for(version, request.POST.get("item"))
        form = _form(source.pk, request.POST)
        bound[source.pk] = form
        if form.is_valid():
            with ServiceErrors(form) as outcome:
                item = copy_forward.copy_goal(
                    actor=request.user, version=version, source=source,
                    target=form.cleaned_data["measure_target"], target_on=form.cleaned_data["measure_target_on"],
                    without_measure=bool(request.POST.get("zonder_meting")))
            if outcome.ok:
                number = version.actions.filter(position__lte=item.position).count()
                messages.success(request, _("Het doel is overgenomen als onderdeel %(n)s. Lees het na en maak het passend "
                                            "voor deze periode.") % {"n": number})
                return redirect(reverse("opp:version", args=[version.pk]) + f"#doel-{item.plan_goal_id}")
        if not form.is_valid() or getattr(outcome.error, "code", None) != "not_editable":
            messages.error(request, _("Niet overgenomen: verbeter de gemarkeerde velden. Uw invoer is bewaard."))
        else:
            messages.error(request, outcome.message)
    # The page shows the pupil's goals, measurements and evaluation outcomes: every showing is a read.
    audit.record(request.user, audit.Action.VIEW, version, details={"page": "copy_forward"})
    found = copy_forward.candidates(version)
    rows = [{"c": c, "form": bound.get(c.item.pk) or _form(c.item.pk)} for c in found]
    return render(request, "opp/copy_forward.html", {
        "version": version, "plan": version.plan, "student": version.plan.student, "rows": rows,
        "editable": version.is_editable and version.plan.state == Plan.State.ACTIEF,
    })
