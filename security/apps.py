from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    """Who gets in, and how: login, the second factor, lockout, sessions, the staff activation link and the
    four-eyes approvals of access (with the beheerder's account screens in the admin)."""

    name = "security"
    verbose_name = _("Beveiliging")

    def ready(self):
        from accounts import panels
        from security import signals  # noqa: F401  (login auditing, sessions ended on deactivation)
        from security.panels import approvals_waiting

        # The start page (accounts) stands below security: the approvals' panel is registered here.
        panels.register("goedkeuren", approvals_waiting, order=80)
