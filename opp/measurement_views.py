"""Staff screens for a goal's measurements (R-CONTENT-4, R-SET-2). Short views: scoped accessor (opp.measurements)
→ form → service → redirect. Whoever reads the plan reads the measurements; PLAN_EDIT records, corrects and deletes.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.access import Cap, has_cap
from audit import log as audit
from opp_portal.forms import DATE_ERROR, DATE_FORMATS, DateInput, ServiceErrors, plausible_date

from . import access, measurements, measures
from .models import Goal, Measurement, Plan


class MeasurementForm(forms.Form):
    """One measurement: the date, the value (checked against the goal's instrument by the service) and a note."""

    measured_on = forms.DateField(
        label=gettext_lazy("Datum van de meting"), widget=DateInput(), input_formats=DATE_FORMATS,
        validators=[plausible_date],
        error_messages={"required": gettext_lazy("Vul de datum van de meting in."), "invalid": DATE_ERROR})
    value = forms.CharField(
        label=gettext_lazy("Waarde"), max_length=measures.MAX_VALUE,
        error_messages={"required": gettext_lazy("Vul de gemeten waarde in."),
                        "max_length": gettext_lazy("De waarde is te lang (maximaal 50 tekens).")})
    note = forms.CharField(
        label=gettext_lazy("Toelichting"), required=False, max_length=measurements.MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Bijvoorbeeld welke toets of kaart, of wat opviel. Geen diagnoses."),
        error_messages={"max_length": gettext_lazy("Deze toelichting is te lang (maximaal 2.000 tekens).")})

    def __init__(self, *args, instrument: str, **kwargs):
        super().__init__(*args, **kwargs)
        found = measures.INSTRUMENTS.get(instrument)
        if found is not None and found.kind == "levels":
            self.fields["value"].help_text = _("%(instrument)s: een van %(levels)s.") % {
                "instrument": found.label, "levels": ", ".join(found.levels)}
        elif found is not None and found.kind != "free":
            self.fields["value"].help_text = str(found.label)
        else:
            self.fields["value"].help_text = _("Dit doel heeft geen meetinstrument: beschrijf de uitkomst kort "
                                               "(ten hoogste 50 tekens).")


def _save(form, call) -> bool:
    with ServiceErrors(form) as outcome:
        call(measured_on=form.cleaned_data["measured_on"], value=form.cleaned_data["value"],
             note=form.cleaned_data["note"])
    return outcome.ok


def _rows(goal: Goal) -> list[dict]:
    return [{"m": m, "named": measures.named(m.instrument, m.value)}
            for m in measurements.for_goals([goal.pk]).get(goal.pk, [])]


@login_required
def goal_measurements(request, pk):
    cap = Cap.PLAN_EDIT if request.method == "POST" else None
    goal = access.goal_for_user(request.user, pk, cap=cap)
    plan = goal.plan
    item = measurements.current_item(goal)
    can_record = (access.may_edit_plan(request.user, plan) and plan.state == Plan.State.ACTIEF and item is not None)
    instrument = measurements.instrument_of(item)
    form = MeasurementForm(request.POST if request.method == "POST" else None, instrument=instrument,
                           initial={"measured_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        if _save(form, lambda **data: measurements.measurement_record(actor=request.user, goal=goal, **data)):
            messages.success(request, _("De meting is vastgelegd."))
            return redirect("opp:measurements", pk=goal.pk)
    # Every rendering shows the goal's measurements: a GET, and a POST that comes back with its errors.
    audit.record(request.user, audit.Action.VIEW, goal, school=plan.student.school_id,
                 details={"page": "measurements"})
    return render(request, "opp/measurements.html", {
        "goal": goal, "plan": plan, "student": plan.student, "item": item, "rows": _rows(goal), "form": form,
        "can_record": can_record, "can_edit": access.may_edit_plan(request.user, plan) and plan.state == Plan.State.ACTIEF,
        "instrument": measures.INSTRUMENTS.get(instrument),
        "can_view_pupil": has_cap(request.user, Cap.PUPIL_VIEW, plan.student.school),
    })


@login_required
def measurement_edit(request, pk):
    measurement = access.measurement_for_user(request.user, pk, cap=Cap.PLAN_EDIT)
    goal = measurement.goal
    plan = goal.plan
    form = MeasurementForm(request.POST if request.method == "POST" else None, instrument=measurement.instrument,
                           initial={"measured_on": measurement.measured_on, "value": measurement.value,
                                    "note": measurement.note})
    if request.method == "POST" and form.is_valid():
        if _save(form, lambda **data: measurements.measurement_update(actor=request.user, measurement=measurement,
                                                                       **data)):
            messages.success(request, _("De meting is gewijzigd."))
            return redirect("opp:measurements", pk=goal.pk)
    audit.record(request.user, audit.Action.VIEW, measurement, school=plan.student.school_id)
    return render(request, "opp/measurements.html", {
        "goal": goal, "plan": plan, "student": plan.student, "item": measurements.current_item(goal),
        "measurement": measurement, "form": form, "editing": True,
        "instrument": measures.INSTRUMENTS.get(measurement.instrument),
        "can_view_pupil": has_cap(request.user, Cap.PUPIL_VIEW, plan.student.school),
    })


@login_required
@require_POST
def measurement_delete(request, pk):
    measurement: Measurement = access.measurement_for_user(request.user, pk, cap=Cap.PLAN_EDIT)
    goal_pk = measurement.goal_id
    with ServiceErrors(request=request) as outcome:
        measurements.measurement_delete(actor=request.user, measurement=measurement)
    if outcome.ok:
        messages.success(request, _("De meting is verwijderd."))
    return redirect("opp:measurements", pk=goal_pk)
