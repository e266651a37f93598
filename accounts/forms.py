from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.models import Preference


class NotificationPreferenceForm(forms.ModelForm):
    """One email per reminder, or one daily digest."""

    class Meta:
        model = Preference
        fields = ["daily_digest"]
        labels = {"daily_digest": _("Dagelijks één overzicht in plaats van een e-mail per herinnering")}
        help_texts = {
            "daily_digest": _("U ontvangt dan elke ochtend één e-mail met al uw nieuwe herinneringen."),
        }
