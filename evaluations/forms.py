"""Forms for the evaluations: they validate and normalise the typed input; the services own the rules.

Plain forms, not ModelForms: the service builds the rows (school year, evaluated version, audit) and a
ModelForm would run the model's constraint checks with their English default messages.
"""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from opp import measures
from opp_portal.forms import DATE_ERROR, DATE_FORMATS, DateInput, plausible_date

from . import rules
from .models import CommissionEvaluation, Evaluation, ItemProgress

MAX_TEXT = 20_000
MAX_NOTE = 5_000
#: `item-<ActionItem id>-progress`: one select per handelingsdeel item (the prefix of ProgressForm).
PROGRESS_KEY = re.compile(r"^item-(\d{1,18})-progress$")
TOO_LONG = {MAX_TEXT: _("Deze tekst is te lang (maximaal 20.000 tekens)."),
            MAX_NOTE: _("Deze tekst is te lang (maximaal 5.000 tekens).")}


def _date_field(label, required_message=None, help_text=""):
    """Required when it has a `required_message`."""
    messages = {"invalid": DATE_ERROR}
    if required_message:
        messages["required"] = required_message
    return forms.DateField(label=label, widget=DateInput(), input_formats=DATE_FORMATS, help_text=help_text,
                           validators=[plausible_date], required=bool(required_message), error_messages=messages)


def _text_field(label, *, required=False, required_message=None, rows=3, max_length=MAX_TEXT, help_text=""):
    messages = {"max_length": TOO_LONG[max_length]}
    if required_message:
        messages["required"] = required_message
    return forms.CharField(label=label, required=required, max_length=max_length, help_text=help_text,
                           strip=True, widget=forms.Textarea(attrs={"rows": rows}), error_messages=messages)


class EvaluationForm(forms.Form):
    """The evaluation with the parents (R-EVAL-1, R-EVAL-2) without the per-item progress (ProgressForm)."""

    held_on = _date_field(_("Datum van de evaluatie"), _("Vul de datum van de evaluatie in."))
    parents_present = forms.BooleanField(label=_("Ouders/verzorgers waren aanwezig"), required=False)
    # Only without the parents (the service drops them otherwise): R-EVAL-1, evaluations.rules.
    parents_invited_on = _date_field(
        _("Ouders uitgenodigd op"),
        help_text=_("Alleen als de ouders er niet bij waren: wanneer zijn ze voor deze evaluatie uitgenodigd?"))
    parents_absence_reason = _text_field(
        _("Waarom waren de ouders er niet bij?"), rows=2,
        help_text=_("Alleen als de ouders er niet bij waren. Zonder uitnodiging en reden telt de evaluatie niet als "
                    "de jaarlijkse evaluatie met de ouders (R-EVAL-1)."))
    pupil_present = forms.BooleanField(
        label=_("De leerling was aanwezig"), required=False,
        help_text=_("Verplicht bij een meerderjarige, handelingsbekwame leerling in het vso (R-EVAL-2)."))
    others_present = forms.CharField(label=_("Andere aanwezigen"), required=False, max_length=300,
                                     help_text=_("Bijvoorbeeld: intern begeleider, leerkracht, jeugdhulp."))
    pupil_view = _text_field(
        _("Mening van de leerling (hoorrecht)"), required=True, rows=3,
        required_message=_("Leg de mening van de leerling vast (hoorrecht, R-CONTENT-10). "
                           "Kon de leerling die niet geven, schrijf dan waarom."),
        help_text=_("Verplicht bij elke evaluatie, ook voor een leerling jonger dan 18: wat vindt de leerling zelf "
                    "van de voortgang en van het plan? Kon de leerling die niet geven, schrijf dan waarom."))
    conclusion = _text_field(_("Conclusie"), required=True, required_message=_("Vul de conclusie in."), rows=4)
    decision = forms.ChoiceField(label=_("Besluit"), choices=Evaluation.Decision.choices, widget=forms.RadioSelect,
                                 error_messages={"required": _("Kies een besluit."),
                                                 "invalid_choice": _("Kies een besluit.")})
    end_reason = _text_field(_("Reden van beëindigen"), rows=2,
                             help_text=_("Alleen bij beëindigen: waarom is extra ondersteuning niet meer nodig?"))


class ProgressForm(forms.Form):
    """The progress on one handelingsdeel item; prefix `item-<id>` gives `item-<id>-progress`, `-note` and
    `-override_reason`. `suggested` is the outcome the server computed from the goal's measurements
    (evaluations.services.progress_prefill), never a posted value: it pre-selects the choice, and choosing otherwise
    needs a reason (R-SET-2)."""

    progress = forms.ChoiceField(label=_("Voortgang"), choices=[("", _("— kies —"))] + ItemProgress.Progress.choices,
                                 error_messages={"required": _("Kies de voortgang op dit onderdeel."),
                                                 "invalid_choice": _("Kies de voortgang op dit onderdeel.")})
    note = _text_field(_("Toelichting"), rows=2, max_length=MAX_NOTE)
    override_reason = _text_field(
        _("Waarom anders dan de metingen?"), rows=2, max_length=MAX_NOTE,
        help_text=_("Alleen nodig als u een andere voortgang kiest dan de metingen voorstellen."))

    def __init__(self, *args, suggested: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.suggested = suggested
        if suggested:
            self.fields["progress"].initial = suggested
        else:  # nothing measured to differ from
            del self.fields["override_reason"]

    def clean(self):
        data = super().clean()
        # The service checks the same rule again on saving, with its own computation of the suggestion.
        if data.get("progress") and measures.needs_reason(self.suggested, data["progress"],
                                                          data.get("override_reason", "")):
            self.add_error("override_reason", _("U kiest een andere voortgang dan de metingen voorstellen (%(s)s). "
                                                "Schrijf waarom.") % {"s": ItemProgress.Progress(self.suggested).label})
        return data


def progress_forms(actions, data=None, suggested: dict[int, str] | None = None) -> list[tuple[object, ProgressForm]]:
    """One bound (or blank) ProgressForm per item of the evaluated version, in the version's order."""
    suggested = suggested or {}
    return [(action, ProgressForm(data, prefix=f"item-{action.pk}", suggested=suggested.get(action.pk, "")))
            for action in actions]


def posted_item_ids(data) -> list[int]:
    """Every item id the POST carries progress for, also ids that are not in the version: the service
    refuses those with its own message, so they must not be dropped here."""
    return [int(m.group(1)) for key in data if (m := PROGRESS_KEY.match(key))]


def progress_from(data, rows: list[tuple[object, ProgressForm]]) -> dict[int, tuple[str, str, str]]:
    """`{action id: (progress, note, override reason)}` for the service: the cleaned rows of the version, plus the
    raw values of any other posted id."""
    progress = {action.pk: (form.cleaned_data["progress"], form.cleaned_data["note"],
                            form.cleaned_data.get("override_reason", "")) for action, form in rows}
    for pk in posted_item_ids(data):
        if pk not in progress:
            progress[pk] = (data.get(f"item-{pk}-progress", ""), data.get(f"item-{pk}-note", ""), "")
    return progress


class CommissionEvaluationForm(forms.Form):
    """(v)so: the commission's yearly evaluation, its report to the board and its advice (R-EVAL-3)."""

    held_on = _date_field(_("Datum"), _("Vul de datum in."))
    evaluation = _text_field(_("Evaluatie van de commissie"), required=True,
                             required_message=_("Dit veld is verplicht."), rows=4)
    report = _text_field(_("Verslag aan het bestuur"), required=True, required_message=_("Dit veld is verplicht."),
                         rows=4)
    advice = forms.ChoiceField(label=_("Advies"), choices=CommissionEvaluation.Advice.choices, widget=forms.RadioSelect,
                               error_messages={"required": _("Kies een advies."), "invalid_choice": _("Kies een advies.")})
    advice_text = _text_field(_("Toelichting op het advies"), rows=3)

    def __init__(self, *args, soort: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if soort is not None:  # only the advice that fits the pupil (R-EVAL-3): no terugplaatsing to the bao from vso
            self.fields["advice"].choices = rules.advice_choices(soort, CommissionEvaluation.Advice.choices)


class EvaluationReactionForm(forms.Form):
    text = forms.CharField(label=_("Uw reactie op deze evaluatie"), max_length=MAX_NOTE,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": _("Schrijf uw reactie."),
                                           "max_length": _("Uw reactie is te lang (maximaal 5.000 tekens).")})
