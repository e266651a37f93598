"""Forms of the OPP screens: one small form per section of the editor, formsets for the item sections, and the
forms of consultations, withdrawal, consent on paper, adoption, verification and bekendmaking."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from opp_portal import uploads
from opp_portal.forms import DATE_ERROR, DATE_FORMATS, DateInput, plausible_date
from security.policy import second_factor_required

from . import bank, bekendmaking, ldgm, measures
from . import sections as S
from .models import ConsentAnswer, Consultation, FactorItem, Suggestion

TEXTAREA = {"rows": 4}
NULL_BOOL = [("", _("Nog niet ingevuld")), ("true", _("Ja")), ("false", _("Nee"))]


class SectionForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, student=None, **kwargs):
        self.student = student
        super().__init__(*args, **kwargs)


def _null_bool(label, help_text=""):
    return forms.TypedChoiceField(
        label=label, choices=NULL_BOOL, required=False, help_text=help_text,
        coerce=lambda v: {"true": True, "false": False}.get(v), empty_value=None,
    )


class UitstroomForm(SectionForm):
    uitstroom_profiel = forms.ChoiceField(label=_("Uitstroomprofiel"), required=False)
    uitstroom_onderbouwing = forms.CharField(label=_("Onderbouwing"), required=False, widget=forms.Textarea(attrs=TEXTAREA))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = S.uitstroom_choices(self.student.onderwijssoort) if self.student else []
        self.fields["uitstroom_profiel"].choices = [("", _("Kies…"))] + list(choices)


class ProgrammaForm(SectionForm):
    programma_afwijking = forms.CharField(label=_("Afwijking van het onderwijsprogramma"), required=False,
                                          widget=forms.Textarea(attrs=TEXTAREA))


class DoelenForm(SectionForm):
    doelen_nodig = _null_bool(_("Zijn vervangende onderwijsdoelen nodig?"),
                              _("Nee als de kerndoelen (met aanpassingen) bruikbaar zijn."))
    vervangende_doelen = forms.CharField(label=_("Vervangende onderwijsdoelen"), required=False,
                                         widget=forms.Textarea(attrs=TEXTAREA))


class OnderwijstijdForm(SectionForm):
    onderwijstijd_nodig = _null_bool(_("Wijkt de onderwijstijd af?"),
                                     _("Ja als de leerling om lichamelijke of psychische redenen niet (volledig) naar "
                                       "school kan en elders onderwijs krijgt."))
    onderwijstijd_aanbod = forms.CharField(label=_("Onderwijsaanbod"), required=False, widget=forms.Textarea(attrs=TEXTAREA))
    onderwijstijd_toetsing = forms.CharField(label=_("Toetsing"), required=False, widget=forms.Textarea(attrs=TEXTAREA))
    onderwijstijd_begeleiding = forms.CharField(label=_("Begeleiding door de school"), required=False,
                                                widget=forms.Textarea(attrs=TEXTAREA))
    onderwijstijd_duur = forms.CharField(label=_("Beoogde duur"), required=False, max_length=200)


class RapportenForm(SectionForm):
    rapporten_weging = forms.CharField(label=_("Hoe zijn externe rapporten meegewogen?"), required=False,
                                       widget=forms.Textarea(attrs=TEXTAREA))


class HoorrechtForm(SectionForm):
    leerling_mening = forms.CharField(label=_("Wat vindt de leerling?"), required=False, widget=forms.Textarea(attrs=TEXTAREA))
    leerling_weging = forms.CharField(label=_("Hoe is de mening van de leerling meegewogen?"), required=False,
                                      widget=forms.Textarea(attrs=TEXTAREA))
    leerling_uitleg = forms.CharField(label=_("Hoe is het besluit aan de leerling uitgelegd?"), required=False,
                                      widget=forms.Textarea(attrs=TEXTAREA))


class OpdcForm(SectionForm):
    opdc_vraag = forms.CharField(label=_("Ondersteuningsvraag aan het OPDC"), required=False,
                                 widget=forms.Textarea(attrs=TEXTAREA))
    opdc_duur = forms.CharField(label=_("Verwachte duur"), required=False, max_length=200)
    opdc_programma = _null_bool(_("Volgt de leerling het hele onderwijsprogramma van de school?"))


class CommissieForm(SectionForm):
    commissie_advies_on = forms.DateField(label=_("Datum van het advies"), required=False, widget=DateInput(),
                                          input_formats=DATE_FORMATS, error_messages={"invalid": DATE_ERROR},
                                          validators=[plausible_date])
    commissie_advies = forms.CharField(label=_("Advies van de commissie"), required=False, widget=forms.Textarea(attrs=TEXTAREA))


class AlgemeenForm(SectionForm):
    for_swv_arrangement = forms.BooleanField(
        label=_("Deze versie is opgesteld om een arrangement van het samenwerkingsverband aan te vragen"), required=False,
        help_text=_("Ook dan is op overeenstemming gericht overleg met de ouders nodig (R-CONSENT-6)."))


class LdgmForm(SectionForm):
    """The Landelijk Doelgroepenmodel (opp.ldgm, sbo/so/vso): leerroute, bestemming, rationale, date, and one date
    field per step of the model; `clean` gathers the steps into `ldgm_stappen` as the version stores them."""

    ldgm_leerroute = forms.ChoiceField(label=_("Leerroute"), required=False)
    ldgm_bestemming = forms.ChoiceField(label=_("Verwachte uitstroombestemming"), required=False)
    ldgm_onderbouwing = forms.CharField(label=_("Onderbouwing van leerroute en bestemming"), required=False,
                                        widget=forms.Textarea(attrs=TEXTAREA))
    ldgm_besloten_on = forms.DateField(label=_("Besloten op"), required=False, widget=DateInput(),
                                       input_formats=DATE_FORMATS, error_messages={"invalid": DATE_ERROR},
                                       validators=[plausible_date])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ldgm_leerroute"].choices = [("", _("Kies…")), *ldgm.leerroute_choices()]
        self.fields["ldgm_bestemming"].choices = [("", _("Kies…")), *ldgm.bestemming_choices()]
        stored = ldgm.clean_steps(self.initial.get("ldgm_stappen"))
        for step in ldgm.STEPS:
            name = self.step_field(step.key)
            self.fields[name] = forms.DateField(
                label=format_lazy("{n}. {label}", n=step.number, label=step.label), required=False,
                widget=DateInput(), input_formats=DATE_FORMATS, error_messages={"invalid": DATE_ERROR},
                validators=[plausible_date])
            self.initial.setdefault(name, stored.get(step.key))

    @staticmethod
    def step_field(key: str) -> str:
        return f"stap_{key}"

    def step_fields(self):
        return [self[self.step_field(step.key)] for step in ldgm.STEPS]

    def clean(self):
        data = super().clean()
        data["ldgm_stappen"] = ldgm.clean_steps({step.key: data.pop(self.step_field(step.key), None)
                                                 for step in ldgm.STEPS})
        return data


SCALAR_FORMS: dict[str, type[SectionForm]] = {
    "uitstroom": UitstroomForm, "programma": ProgrammaForm, "doelen": DoelenForm, "onderwijstijd": OnderwijstijdForm,
    "rapporten": RapportenForm, "hoorrecht": HoorrechtForm, "opdc": OpdcForm, "commissie": CommissieForm,
    "algemeen": AlgemeenForm, "ldgm": LdgmForm,
}


# The selects of an item row start on their first choice (`initial`): a new, empty row whose selects were left
# alone has not changed, so it is skipped instead of failing on its empty text fields.


class FactorForm(forms.Form):
    kind = forms.ChoiceField(label=_("Soort"), choices=FactorItem.Kind.choices, initial=FactorItem.Kind.choices[0][0])
    domain = forms.ChoiceField(label=_("Gebied"), choices=FactorItem.Domain.choices,
                               initial=FactorItem.Domain.choices[0][0])
    text = forms.CharField(label=_("Factor"), widget=forms.Textarea(attrs={"rows": 2}))
    # Provenance: the goal-bank text this factor was started from, as inserted (opp.bank; not content, not hashed).
    bank_text = bank.BankIdField()
    bank_original = bank.BankOriginalField()


class ActionForm(forms.Form):
    # The lasting goal this row words (opp.models.Goal; empty for a new row). Checked against the plan by the service.
    plan_goal = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    # Provenance: the goal-bank texts the goal and approach were started from, as inserted (opp.bank; not hashed).
    goal_bank_text = bank.BankIdField()
    goal_bank_original = bank.BankOriginalField()
    approach_bank_text = bank.BankIdField()
    approach_bank_original = bank.BankOriginalField()
    goal = forms.CharField(label=_("Doel"), widget=forms.Textarea(attrs={"rows": 2}))
    approach = forms.CharField(label=_("Aanpak/interventie"), widget=forms.Textarea(attrs={"rows": 2}))
    who = forms.CharField(label=_("Wie"), max_length=300)
    frequency = forms.CharField(label=_("Hoe vaak/hoe lang"), max_length=300)
    evaluation_moment = forms.CharField(label=_("Evaluatiemoment"), max_length=300)
    evaluation_criterion = forms.CharField(label=_("Evaluatiecriterium"), widget=forms.Textarea(attrs={"rows": 2}))
    # The goal's measure (opp.measures), optional: an instrument, then baseline and target, each with a date.
    measure_instrument = forms.ChoiceField(
        label=_("Meetinstrument (niet verplicht)"), required=False, initial="",
        choices=[("", _("Geen meting"))] + measures.INSTRUMENT_CHOICES,
        help_text=format_lazy(_("AVI-niveaus, van laag naar hoog: {levels}."), levels=", ".join(measures.AVI_LEVELS)))
    measure_baseline = forms.CharField(label=_("Beginwaarde"), required=False, max_length=measures.MAX_VALUE)
    measure_baseline_on = forms.DateField(label=_("Datum beginsituatie"), required=False, widget=DateInput(),
                                          input_formats=DATE_FORMATS, error_messages={"invalid": DATE_ERROR},
                                          validators=[plausible_date])
    measure_target = forms.CharField(label=_("Streefwaarde"), required=False, max_length=measures.MAX_VALUE)
    measure_target_on = forms.DateField(label=_("Streefdatum"), required=False, widget=DateInput(),
                                        input_formats=DATE_FORMATS, error_messages={"invalid": DATE_ERROR},
                                        validators=[plausible_date])
    measure_direction = forms.ChoiceField(
        label=_("Vooruitgang is"), required=False, initial="",
        choices=[("", _("Zoals gebruikelijk bij het instrument (AVI, DMT, scores, percentages: hoger)"))]
        + measures.DIRECTIONS)

    def clean(self):
        cleaned = super().clean()
        names = [f"measure_{f}" for f in measures.Measure.__dataclass_fields__]
        if any(name in self.errors for name in names):
            return cleaned
        given = measures.Measure(**{f: cleaned.get(f"measure_{f}") or ("" if not f.endswith("_on") else None)
                                    for f in measures.Measure.__dataclass_fields__})
        measure, errors = measures.check(given)
        for field, message in errors.items():
            self.add_error(f"measure_{field}", message)
        if not errors:
            cleaned.update({f"measure_{f}": getattr(measure, f) for f in measures.Measure.__dataclass_fields__})
        return cleaned


class YieldForm(forms.Form):
    subject = forms.ChoiceField(label=_("Vakgebied"), choices=S.LEERGEBIEDEN, initial=S.LEERGEBIEDEN[0][0])
    expectation = forms.CharField(label=_("Verwachting"), widget=forms.Textarea(attrs={"rows": 2}))


def item_formset(form_class):
    # absolute_max: a forged TOTAL_FORMS builds at most this many forms (Django's default is max_num + 1000).
    return forms.formset_factory(form_class, extra=1, can_delete=True, can_order=True, max_num=50, validate_max=True,
                                 absolute_max=50)


ITEM_FORMS = {"factoren": item_formset(FactorForm), "handelingsdeel": item_formset(ActionForm),
              "leerrendement": item_formset(YieldForm)}


def ordered_forms(formset) -> list:
    """The formset's forms minus deleted and empty extra rows, in the order the user gave."""
    rows = []
    for index, form in enumerate(formset.forms):
        if not form.has_changed() and not form.initial:
            continue
        data = form.cleaned_data
        if not data or data.get("DELETE"):
            continue
        order = data.get("ORDER")
        rows.append((order if order is not None else 10_000 + index, index, form))
    return [form for _o, _i, form in sorted(rows, key=lambda r: (r[0], r[1]))]


def ordered_items(formset) -> list[dict]:
    """The rows of ordered_forms as plain values."""
    return [{k: v for k, v in form.cleaned_data.items() if k not in ("ORDER", "DELETE")} for form in ordered_forms(formset)]


class ConsultationForm(forms.ModelForm):
    class Meta:
        model = Consultation
        fields = ["version", "held_on", "parents_present", "pupil_present", "staff_present", "others_present",
                  "agreement", "summary", "internal_note"]
        widgets = {"summary": forms.Textarea(attrs=TEXTAREA), "internal_note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = plan.versions.all()
        self.fields["version"].required = False
        self.fields["held_on"].widget = DateInput()
        self.fields["held_on"].input_formats = DATE_FORMATS
        self.fields["held_on"].error_messages["invalid"] = DATE_ERROR
        self.fields["held_on"].validators.append(plausible_date)


class SuggestionForm(forms.Form):
    text = forms.CharField(label=_("Suggestie van de ouders"), widget=forms.Textarea(attrs={"rows": 2}))
    response = forms.CharField(label=_("Reactie van de school"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    outcome = forms.ChoiceField(label=_("Uitkomst"), choices=Suggestion.Outcome.choices, initial=Suggestion.Outcome.OPEN)


SuggestionFormSet = forms.formset_factory(SuggestionForm, extra=2, can_delete=True, max_num=30, validate_max=True,
                                          absolute_max=30)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Redenen voor het intrekken"), widget=forms.Textarea(attrs=TEXTAREA), max_length=5000)
    on_date = forms.DateField(label=_("Datum van intrekking"), widget=DateInput(), input_formats=DATE_FORMATS,
                              error_messages={"invalid": DATE_ERROR}, validators=[plausible_date])


# --- Consent and reactions ------------------------------------------------------------------------------------------


class PaperConsentForm(forms.Form):
    party = forms.ChoiceField(label=_("Wie heeft getekend"))
    answer = forms.ChoiceField(label=_("Antwoord"), choices=ConsentAnswer.Answer.choices, widget=forms.RadioSelect)
    signed_on = forms.DateField(label=_("Datum van ondertekening"), widget=DateInput(), input_formats=DATE_FORMATS,
                                error_messages={"invalid": DATE_ERROR}, validators=[plausible_date])
    explanation = forms.CharField(label=_("Toelichting van de ouder (niet verplicht)"), required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    scan = forms.FileField(label=_("Scan van het ondertekende formulier (PDF, JPEG of PNG)"))

    def __init__(self, *args, parties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].choices = [(f"{p['kind']}:{p['id']}", p["name"]) for p in parties]

    def clean_scan(self):
        upload = self.cleaned_data["scan"]
        uploads.validate(upload)
        return upload


class ResponseForm(forms.Form):
    response = forms.CharField(label=_("Reactie van de school"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


# --- Adoption (vaststelling) and verification --------------------------------------------------------------------


class AdoptForm(forms.Form):
    password = forms.CharField(label=_("Uw wachtwoord, ter bevestiging"),
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    otp_token = forms.CharField(label=_("Code uit uw authenticator-app"), max_length=32,
                                widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The second factor is asked again for this signature-like act, when the user has one.
        if user is None or not second_factor_required(user):
            del self.fields["otp_token"]


class SendBackForm(forms.Form):
    reason = forms.CharField(label=_("Reden om terug te sturen"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


class VerifyForm(forms.Form):
    pdf = forms.FileField(label=_("PDF-bestand"), required=False)
    version_hash = forms.CharField(label=_("of: de versiehash (64 tekens) uit de voettekst"), required=False, max_length=200)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("pdf") and not (cleaned.get("version_hash") or "").strip():
            raise ValidationError(gettext("Kies een PDF-bestand of plak een versiehash."))
        if cleaned.get("pdf"):
            ext, _type = uploads.validate(cleaned["pdf"], max_bytes=20 * 1024 * 1024)
            if ext != "pdf":
                raise ValidationError(gettext("Alleen een PDF-bestand kan worden gecontroleerd."))
        return cleaned


# --- Bekendmaking -------------------------------------------------------------------------------------


class BekendmakingForm(forms.Form):
    party = forms.ChoiceField(label=_("Aan wie"))
    channel = forms.ChoiceField(label=_("Hoe"), choices=[("", "—")] + [
        (c.value, c.label) for c in bekendmaking.MANUAL_CHANNELS])
    made_known_on = forms.DateField(
        label=_("Bekendgemaakt op"), widget=DateInput(), input_formats=DATE_FORMATS,
        error_messages={"invalid": DATE_ERROR}, validators=[plausible_date],
        help_text=_("De dag waarop de brief is overhandigd of verstuurd, de e-mail is verstuurd of het gesprek is "
                    "gevoerd. Vanaf die dag lopen de zes weken voor deze ouder."))

    def __init__(self, *args, parties=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(s.key, gettext("%(name)s (leerling)") % {"name": s.party.name} if s.is_pupil else s.party.name)
                   for s in parties if s.must_be_told]
        self.fields["party"].choices = [("", "—"), *choices]
        self.fields["party"].error_messages["invalid_choice"] = gettext(
            "Kies een ouder met gezag of de meerderjarige leerling aan wie het besluit bekend moet worden gemaakt.")

    def clean_party(self) -> tuple[str, int]:
        # One of the offered keys (ChoiceField checked it), so it parses.
        return bekendmaking.parse_party_key(self.cleaned_data["party"])
