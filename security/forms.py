"""The forms of login, activation and the second factor."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_lazy as _lazy


class LoginForm(AuthenticationForm):
    """Django's login form; its error never says whether the username or the password was wrong."""

    error_messages = {
        "invalid_login": _(
            "De combinatie van gebruikersnaam en wachtwoord is onjuist. Let op: beide zijn hoofdlettergevoelig."
        ),
        "inactive": _(
            "De combinatie van gebruikersnaam en wachtwoord is onjuist. Let op: beide zijn hoofdlettergevoelig."
        ),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_lazy("Code"), max_length=32, strip=True,
        help_text=_lazy("De zescijferige code uit uw authenticator-app, of een van uw herstelcodes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True,
                                      "spellcheck": "false", "autocapitalize": "off"}),
    )


class EnrolForm(forms.Form):
    token = forms.CharField(
        label=_lazy("Code uit de app"), max_length=12, strip=True,
        help_text=_lazy("Typ de zescijferige code die de app nu laat zien."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


PASSWORD_MAX_LENGTH = 1024


class ActivationPasswordForm(SetPasswordForm):
    """A staff account sets its own password from the activation link; Django's validators apply."""

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["new_password1"].label = _("Nieuw wachtwoord")
        self.fields["new_password1"].help_text = _("Minstens 12 tekens; geen veelgebruikt wachtwoord, en niet te veel "
                                                   "lijkend op uw naam of gebruikersnaam.")
        self.fields["new_password2"].label = _("Nieuw wachtwoord (nogmaals)")
        for name in ("new_password1", "new_password2"):
            # A hostile 10k-character "password" is refused before the validators and the hasher see it.
            self.fields[name].validators.append(MaxLengthValidator(
                PASSWORD_MAX_LENGTH, _("Een wachtwoord is hoogstens %(limit_value)d tekens lang.")))
        self.error_messages = {**self.error_messages,
                               "password_mismatch": _("De twee wachtwoorden zijn niet gelijk.")}
