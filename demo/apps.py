from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The roof's demo command (`manage.py seed_demo`): it seeds every floor through each app's own demo module, so
    it stands above them all and nothing imports it."""

    name = "demo"
    verbose_name = _("Demodata")
