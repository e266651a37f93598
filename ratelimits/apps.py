from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RatelimitsConfig(AppConfig):
    name = "ratelimits"
    verbose_name = _("Pogingenlimieten")

    def ready(self):
        # A malformed limit must stop start-up (web, worker, manage.py), not turn up as a 500 on the first visit.
        from .limits import check_settings

        check_settings()
