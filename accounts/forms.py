from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from notifications.models import Preference


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


class NotificationPreferenceForm(forms.ModelForm):
    """One email per reminder, or one daily digest (issue 5)."""

    class Meta:
        model = Preference
        fields = ["daily_digest"]
        labels = {"daily_digest": _("Dagelijks één overzicht in plaats van een e-mail per herinnering")}
        help_texts = {
            "daily_digest": _("U ontvangt dan elke ochtend één e-mail met al uw nieuwe herinneringen."),
        }
