from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OppConfig(AppConfig):
    name = "opp"
    verbose_name = _("Ontwikkelingsperspectieven")

    def ready(self):
        # The pupils' history (students.history) reads the plans through this provider: pupils stand below plans.
        from students import history

        from .selectors import plan_facts

        history.register_plan_facts(plan_facts)
