from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OppConfig(AppConfig):
    name = "opp"
    verbose_name = _("Ontwikkelingsperspectieven")
