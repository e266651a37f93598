"""Forms validate and normalise only; the services decide. Every choice of an object is scoped."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from opp.models import FROZEN_STATES, PlanVersion
from opp_portal.forms import dutch_date_field

from .models import Dispute, SchoolDocument


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, version):
        student = version.plan.student
        return _("%(name)s (%(school)s) – versie %(n)s, %(state)s") % {
            "name": student.full_name, "school": student.school.name, "n": version.number,
            "state": version.get_state_display().lower()}


def adopted_versions(schools):
    """Adopted versions (also the ones replaced since) of plans of pupils at `schools`."""
    return (PlanVersion.objects.filter(state__in=FROZEN_STATES, plan__student__school__in=schools)
            .select_related("plan__student__school").order_by("plan__student__last_name", "plan__student__first_name",
                                                              "plan_id", "-number"))


class RegisterForm(forms.Form):
    version = VersionChoiceField(label=_("Betwiste versie van het OPP"), queryset=PlanVersion.objects.none(),
                                 error_messages={"invalid_choice": _("Kies een vastgestelde versie uit de lijst.")})
    subject = forms.ChoiceField(label=_("Onderwerp"), choices=Dispute.Subject.choices)
    subject_other = forms.CharField(label=_("Omschrijving (bij anders)"), max_length=300, required=False)
    filed_on = dutch_date_field(_("Ingediend op"), required=True)
    reference = forms.CharField(label=_("Zaaknummer van de commissie"), max_length=40, required=False)
    late_reasons = forms.CharField(label=_("Redenen voor te late indiening (zoals opgegeven door de ouders)"),
                                   required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = adopted_versions(schools)


class DatesForm(forms.Form):
    received_on = dutch_date_field(_("Ontvangen door de commissie / verweer gevraagd op"))
    defence_submitted_on = dutch_date_field(_("Verweer ingediend op"))
    hearing_on = dutch_date_field(_("Datum zitting"))
    reference = forms.CharField(label=_("Zaaknummer van de commissie"), max_length=40, required=False)


class AdviceForm(forms.Form):
    advice = forms.ChoiceField(label=_("Advies van de commissie"), choices=[("", "---------"), *Dispute.Advice.choices])
    advice_on = dutch_date_field(_("Datum advies"), required=True)
    recommendations = forms.CharField(label=_("Aanbevelingen"), required=False, max_length=10000,
                                      widget=forms.Textarea(attrs={"rows": 3}))


class ResponseForm(forms.Form):
    response = forms.ChoiceField(label=_("Reactie van het bestuur"), choices=[("", "---------"), *Dispute.Response.choices])
    reasons = forms.CharField(label=_("Redenen (verplicht als het bestuur het advies niet of deels volgt)"),
                              required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 4}))
    sent_parents_on = dutch_date_field(_("Verzonden aan de ouders op"))
    sent_commission_on = dutch_date_field(_("Verzonden aan de commissie op"))


class CloseForm(forms.Form):
    """Closing asks nothing: the form carries the service's reason when the dispute cannot be closed yet."""


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Omschrijving"), max_length=200)
    upload = forms.FileField(label=_("Bestand (PDF, JPEG of PNG)"))


class SchoolDocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Soort document"), choices=SchoolDocument.Kind.choices)
    upload = forms.FileField(label=_("Bestand (PDF)"))
