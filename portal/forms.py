from django import forms
from django.utils.translation import gettext_lazy as _

from opp.models import ConsentAnswer


class AcceptForm(forms.Form):
    first_name = forms.CharField(label=_("Voornaam"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Achternaam"), max_length=150, required=False)
    password1 = forms.CharField(label=_("Wachtwoord"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                help_text=_("Minstens 12 tekens; geen veelgebruikt wachtwoord."))
    password2 = forms.CharField(label=_("Wachtwoord nogmaals"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, existing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.existing = existing
        if existing:
            del self.fields["first_name"], self.fields["last_name"], self.fields["password2"]
            self.fields["password1"].label = _("Wachtwoord van uw bestaande account")
            self.fields["password1"].help_text = ""
            self.fields["password1"].widget.attrs["autocomplete"] = "current-password"

    def clean(self):
        cleaned = super().clean()
        if not self.existing and cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("De twee wachtwoorden zijn niet gelijk."))
        return cleaned


class ReactionForm(forms.Form):
    text = forms.CharField(label=_("Uw reactie of suggestie"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 4}),
                           error_messages={"max_length": _("Uw reactie is te lang (maximaal 5.000 tekens).")})


class ConsentForm(forms.Form):
    party = forms.ChoiceField(label=_("Wie geeft dit antwoord?"), widget=forms.RadioSelect)
    answer = forms.ChoiceField(label=_("Uw antwoord"), choices=ConsentAnswer.Answer.choices, widget=forms.RadioSelect)
    explanation = forms.CharField(label=_("Toelichting (niet verplicht)"), required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    password = forms.CharField(label=_("Uw wachtwoord, ter bevestiging"),
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def __init__(self, *args, parties, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["party"].choices = [(f"{p['kind']}:{p['id']}", p["name"]) for p in parties]
        if len(parties) == 1:
            self.fields["party"].initial = f"{parties[0]['kind']}:{parties[0]['id']}"

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("Het wachtwoord klopt niet. Uw keuze is nog niet vastgelegd."))
        return password

    def party_key(self) -> tuple[str, int]:
        kind, _sep, pk = self.cleaned_data["party"].partition(":")
        return kind, int(pk)


class InviteForm(forms.Form):
    """The begeleider's invitation of a guardian or an adult pupil to the portal."""

    name = forms.CharField(label=_("Naam"), max_length=200, required=False,
                           help_text=_("Zo spreekt het portaal de ontvanger aan; de ontvanger kan de naam bij het "
                                       "aanmaken van het account nog aanpassen."))
    email = forms.EmailField(label=_("E-mailadres"), error_messages={"invalid": _("Vul een geldig e-mailadres in.")})


def split_name(name: str) -> dict:
    """A name from the guardian record as the account form's first and last name ("Pieter de Vries" → "Pieter",
    "de Vries")."""
    first, _sep, last = (name or "").strip().partition(" ")
    return {"first_name": first, "last_name": last.strip()}


class SwvReactionForm(forms.Form):
    """The parents' view on a request to the samenwerkingsverband (portal.swv_views), while it is "bij_ouders"."""

    text = forms.CharField(label=_("Uw reactie (zienswijze)"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5}),
                           help_text=_("Uw reactie gaat met de aanvraag mee naar het samenwerkingsverband."),
                           error_messages={"required": _("Schrijf uw reactie.")})
