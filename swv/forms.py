"""Forms validate and normalise only; the services decide (and check the same rules again). Every choice of an object
is scoped to the pupil."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Onderwijssoort, Samenwerkingsverband
from opp.models import FROZEN_STATES, PlanVersion
from opp_portal import dates
from opp_portal.forms import dutch_date_field
from students.models import Student

from . import rules
from .models import AdmissionDecision, Category


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, version):
        day = dates.formatted(timezone.localdate(version.adopted_at)) if version.adopted_at else ""
        return _("Versie %(n)s (%(state)s %(day)s)") % {"n": version.number, "state": version.get_state_display().lower(),
                                                       "day": day}


def adopted_versions(student: Student):
    """The pupil's adopted versions (also the ones replaced since), the newest first."""
    return (PlanVersion.objects.filter(plan__student=student, state__in=FROZEN_STATES)
            .order_by("-adopted_at", "-plan_id", "-number"))


class AdmissionFields(forms.Form):
    """The fields of an admission decision as the SWV issued it: recorded on its own (DecisionForm) or as the SWV's
    grant of a request (swv.request_forms.DecideForm). The onderwijssoorten offered are those of the pupil's school."""

    decision_number = forms.CharField(label=_("Nummer van het besluit"), max_length=40, required=False)
    onderwijssoort = forms.ChoiceField(label=_("Onderwijssoort"), choices=())
    category = forms.ChoiceField(label=_("Categorie"), required=False, choices=[("", _("Geen (sbo, pro)")),
                                                                               *Category.choices],
                                 help_text=_("Alleen bij so en vso: laag, midden of hoog."))
    starts_on = dutch_date_field(_("Ingangsdatum"), required=True)
    ends_on = dutch_date_field(_("Einddatum"), help_text=_("Leeg laten als de verklaring voor onbepaalde tijd geldt."))
    document = forms.FileField(label=_("Besluit (PDF, JPEG of PNG)"), required=False,
                               help_text=_("Kan ook later worden toegevoegd."))

    def __init__(self, *args, student: Student, **kwargs):
        super().__init__(*args, **kwargs)
        school = student.school
        labels = dict(Onderwijssoort.choices)
        self.fields["onderwijssoort"].choices = [(s, labels.get(s, s)) for s in Onderwijssoort.values
                                                 if school.offers(s)]


class DecisionForm(AdmissionFields):
    kind = forms.ChoiceField(label=_("Soort besluit"), choices=AdmissionDecision.Kind.choices)
    samenwerkingsverband = forms.ModelChoiceField(
        label=_("Samenwerkingsverband"), queryset=Samenwerkingsverband.objects.all(), required=False,
        help_text=_("Alleen bij een toelaatbaarheidsverklaring."),
        error_messages={"invalid_choice": _("Kies een samenwerkingsverband uit de lijst.")})
    decided_on = dutch_date_field(_("Datum van het besluit"), required=True)
    based_on_version = VersionChoiceField(
        label=_("Gebaseerd op OPP-versie"), queryset=PlanVersion.objects.none(), required=False,
        help_text=_("Optioneel: een OPP is geen wettelijke voorwaarde voor een toelaatbaarheidsverklaring."),
        error_messages={"invalid_choice": _("Kies een vastgestelde versie van het OPP van deze leerling.")})

    field_order = ["kind", "samenwerkingsverband", "decision_number", "decided_on", "onderwijssoort", "category",
                   "starts_on", "ends_on", "based_on_version", "document"]

    def __init__(self, *args, student: Student, **kwargs):
        super().__init__(*args, student=student, **kwargs)
        self.student = student
        school = student.school
        self.fields["based_on_version"].queryset = adopted_versions(student)
        if not self.is_bound:
            self.initial.setdefault("kind", rules.required_kind(student.onderwijssoort, school.cluster) or rules.KIND_TLV)
            self.initial.setdefault("samenwerkingsverband", school.samenwerkingsverband_id)
            self.initial.setdefault("onderwijssoort", student.onderwijssoort)

    def clean(self):
        data = super().clean()
        kind, soort = data.get("kind"), data.get("onderwijssoort")
        if not kind or not soort:
            return data
        swv = data.get("samenwerkingsverband")
        errors = rules.decision_errors(kind=kind, swv_id=swv.pk if swv else None, number=data.get("decision_number", ""),
                                       onderwijssoort=soort, category=data.get("category", ""),
                                       starts_on=data.get("starts_on"), ends_on=data.get("ends_on"))
        errors = rules.fit_errors(kind=kind, onderwijssoort=soort, school_soorten=self.student.school.onderwijssoorten,
                                  cluster=self.student.school.cluster) | errors
        for name, message in errors.items():
            if name in self.fields and name not in self.errors:
                self.add_error(name, message)
        return data


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Waarom wordt dit besluit ingetrokken?"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Bijvoorbeeld: per vergissing vastgelegd, of een verkeerde einddatum. Het "
                                         "besluit blijft in de geschiedenis zichtbaar."),
                             error_messages={"required": _("Geef de reden van het intrekken.")})


class DocumentForm(forms.Form):
    document = forms.FileField(label=_("Besluit (PDF, JPEG of PNG)"),
                               error_messages={"required": _("Kies het bestand met het besluit.")})
