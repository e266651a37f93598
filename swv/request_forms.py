"""The forms of a request to the SWV. They validate and normalise; swv.requests decides (and checks again). Every
choice of an object is scoped to the pupil."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Samenwerkingsverband
from evaluations.models import Evaluation
from opp.models import PlanVersion
from opp_portal import dates
from opp_portal.forms import dutch_date_field
from students.models import Student

from . import requests as swv_requests
from .forms import AdmissionFields
from .models import SwvRequest


class VersionField(forms.ModelChoiceField):
    def label_from_instance(self, version):
        return _("Versie %(n)s (%(state)s)") % {"n": version.number, "state": version.get_state_display().lower()}


class EvaluationField(forms.ModelChoiceField):
    def label_from_instance(self, evaluation):
        return _("Evaluatie van %(d)s") % {"d": dates.formatted(evaluation.held_on)}


class ComposeForm(forms.Form):
    kind = forms.ChoiceField(label=_("Soort aanvraag"), choices=SwvRequest.Kind.choices)
    samenwerkingsverband = forms.ModelChoiceField(
        label=_("Samenwerkingsverband"), queryset=Samenwerkingsverband.objects.order_by("name"),
        error_messages={"invalid_choice": _("Kies een samenwerkingsverband uit de lijst.")})
    version = VersionField(label=_("OPP-versie"), queryset=PlanVersion.objects.none(), required=False,
                           help_text=_("Standaard de huidige vastgestelde versie, anders de laatste."),
                           error_messages={"invalid_choice": _("Kies een versie van het OPP van deze leerling.")})
    evaluation = EvaluationField(label=_("Evaluatie"), queryset=Evaluation.objects.none(), required=False,
                                 help_text=_("Optioneel: de laatste evaluatie."),
                                 error_messages={"invalid_choice": _("Kies een evaluatie van deze leerling.")})
    share_factors = forms.BooleanField(label=_("Belemmerende en bevorderende factoren meesturen"), required=False)
    share_pupil_view = forms.BooleanField(label=_("Mening van de leerling (hoorrecht) meesturen"), required=False)
    note = forms.CharField(label=_("Toelichting van de school"), required=False, max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 4}),
                           help_text=_("Wat de school het samenwerkingsverband vraagt, en waarom."))

    def __init__(self, *args, student: Student, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = swv_requests.versions_of(student)
        self.fields["evaluation"].queryset = swv_requests.evaluations_of(student)
        if not self.is_bound:
            latest = swv_requests.evaluations_of(student).first()
            version = swv_requests.default_version(student)
            self.initial.update({
                "samenwerkingsverband": student.school.samenwerkingsverband_id,
                "version": version.pk if version else None, "evaluation": latest.pk if latest else None,
                "share_factors": True, "share_pupil_view": True})


class AttachmentForm(forms.Form):
    title = forms.CharField(label=_("Omschrijving"), max_length=200,
                            error_messages={"required": _("Geef de bijlage een omschrijving.")})
    document = forms.FileField(label=_("Bestand (PDF, JPEG of PNG)"),
                               error_messages={"required": _("Kies het bestand.")})


class HandInForm(forms.Form):
    handed_in_on = dutch_date_field(_("Ingediend op"), required=True)
    channel = forms.ChoiceField(label=_("Ingediend via"), choices=SwvRequest.Channel.choices)
    channel_detail = forms.CharField(label=_("Toelichting"), max_length=200, required=False,
                                     help_text=_("Bijvoorbeeld het dossiernummer in het portaal van het "
                                                 "samenwerkingsverband, of het e-mailadres. Verplicht bij ‘Anders’."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("handed_in_on", timezone.localdate())


class DecideForm(AdmissionFields):
    """The SWV's decision on a request; for a granted TLV or extension also the TLV as the SWV issued it (the
    admission decision's own fields, swv.forms.AdmissionFields; required only when granted)."""

    outcome = forms.ChoiceField(label=_("Besluit van het samenwerkingsverband"), widget=forms.RadioSelect,
                                choices=[(swv_requests.S.TOEGEKEND, _("Toegekend")),
                                         (swv_requests.S.AFGEWEZEN, _("Afgewezen"))])
    decided_on = dutch_date_field(_("Datum van het besluit"), required=True)
    note = forms.CharField(label=_("Toelichting bij het besluit"), required=False, max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 3}))

    field_order = ["outcome", "decided_on", "note", "decision_number", "onderwijssoort", "category", "starts_on",
                   "ends_on", "document"]

    def __init__(self, *args, request: SwvRequest, **kwargs):
        super().__init__(*args, student=request.student, **kwargs)
        self.request = request
        self.fields["decision_number"].label = _("Nummer van de TLV")
        for name in ("onderwijssoort", "starts_on"):  # required only for a grant (clean)
            self.fields[name].required = False
        self.makes_decision = request.kind in swv_requests.DECISION_KINDS
        if not self.makes_decision:
            for name in ("decision_number", "onderwijssoort", "category", "starts_on", "ends_on", "document"):
                del self.fields[name]
        elif not self.is_bound:
            # Prefilled from the request: the pupil's onderwijssoort, the extended TLV's category, and an extension
            # starting the day after the extended TLV ends.
            self.initial["onderwijssoort"] = request.student.onderwijssoort
            extends = request.extends
            if extends is not None:
                self.initial["category"] = extends.category
                if extends.ends_on:
                    self.initial["starts_on"] = extends.ends_on + datetime.timedelta(days=1)

    def clean(self):
        data = super().clean()
        if self.makes_decision and data.get("outcome") == swv_requests.S.TOEGEKEND:
            if not data.get("starts_on") and "starts_on" not in self.errors:
                self.add_error("starts_on", _("Vul de ingangsdatum van de toelaatbaarheidsverklaring in."))
            if not data.get("onderwijssoort") and "onderwijssoort" not in self.errors:
                self.add_error("onderwijssoort", _("Kies de onderwijssoort."))
        return data

    def decision(self) -> dict:
        data = self.cleaned_data
        return {k: data.get(k) for k in ("decision_number", "onderwijssoort", "category", "starts_on", "ends_on")}


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Waarom wordt deze aanvraag ingetrokken?"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("Geef de reden van het intrekken.")})

