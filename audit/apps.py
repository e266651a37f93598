from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """The append-only audit log, its page for schoolleider and bestuurder, and the refusal middleware.

    It stands on accounts (people, schools, capabilities) and knows no pupils or plans: what the log shows of
    them it gets from the lookups the higher apps register (audit.log.register_people_lookup,
    audit.selectors.register_pupil_objects).
    """

    name = "audit"
    verbose_name = _("Auditlogboek")
