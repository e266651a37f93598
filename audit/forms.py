"""The audit log's filters."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from audit.models import AuditEvent
from opp_portal.forms import DATE_ERROR, DATE_FORMATS, DateInput

#: Dates outside this range are refused: they only come from typing errors, and far ones overflow.
FIRST_YEAR, LAST_YEAR = 2000, 2100


class AuditFilterForm(forms.Form):
    """GET filters. Each field is checked on its own: a bad value is reported and left out, the rest still applies."""

    van = forms.DateField(label=_lazy("Vanaf datum"), required=False, widget=DateInput(), input_formats=DATE_FORMATS,
                          error_messages={"invalid": DATE_ERROR})
    tot = forms.DateField(label=_lazy("Tot en met datum"), required=False, widget=DateInput(),
                          input_formats=DATE_FORMATS, error_messages={"invalid": DATE_ERROR})
    handeling = forms.ChoiceField(label=_lazy("Handeling"), required=False)
    persoon = forms.CharField(label=_lazy("Persoon (gebruikersnaam bevat)"), required=False, max_length=150)
    leerling = forms.CharField(label=_lazy("Leerlingnummer"), required=False, max_length=20,
                               help_text=_lazy("Toont wat er met de leerling en met diens OPP's, versies, overleggen, "
                                               "evaluaties en geschillen is gebeurd."))
    # Set by the link on the pupil page; the page shows it as a removable filter.
    leerling_id = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1,
                                     error_messages={"invalid": _lazy("Onbekende leerling."),
                                                     "min_value": _lazy("Onbekende leerling.")})
    school = forms.ChoiceField(label=_lazy("School"), required=False)

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handeling"].choices = [("", _("Alle handelingen")), *AuditEvent.Action.choices]
        self.fields["school"].choices = [("", _("Alle scholen")), *[(str(s.pk), s.name) for s in schools]]

    def _clean_year(self, name):
        value = self.cleaned_data.get(name)
        if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise forms.ValidationError(_("Kies een datum tussen %(a)s en %(b)s.") % {"a": FIRST_YEAR, "b": LAST_YEAR})
        return value

    def clean_van(self):
        return self._clean_year("van")

    def clean_tot(self):
        value = self._clean_year("tot")
        start = self.cleaned_data.get("van")
        if value is not None and start is not None and value < start:
            raise forms.ValidationError(_("De einddatum ligt vóór de begindatum."))
        return value

    def clean_persoon(self):
        return self.cleaned_data["persoon"].strip()

    def clean_leerling(self):
        return self.cleaned_data["leerling"].strip()
