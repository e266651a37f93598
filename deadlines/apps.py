from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeadlinesConfig(AppConfig):
    name = "deadlines"
    verbose_name = _("Termijnen en herinneringen")

    def ready(self):
        # The start page (accounts) stands below the deadlines: its panels are registered from here, in the order
        # it shows them ("Ter vaststelling", opp, sits at 20).
        from accounts import panels

        from . import panels as deadline_panels

        panels.register("taken", deadline_panels.tasks, order=10)
        panels.register("school", deadline_panels.school_overview, order=30)
        panels.register("bestuur", deadline_panels.board_overview, order=40)
        panels.register("commissieverslagen", deadline_panels.commission_reports, order=50)
        panels.register("commissie", deadline_panels.commission_open, order=60)
