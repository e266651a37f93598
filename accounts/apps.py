from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Boards, schools, people and their roles, and the capability rules (accounts.access) everything stands on."""

    name = "accounts"
    verbose_name = _("Accounts en organisaties")

    def ready(self):
        # The start page's panels come from the apps above (accounts.panels); beheer is the ground floor's own.
        from .panels import admin_panel, register

        register("beheer", admin_panel, order=90)
