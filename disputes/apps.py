from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisputesConfig(AppConfig):
    name = "disputes"
    verbose_name = _("Geschillen")

    def ready(self):
        # What the audit log shows of this app's objects and which belong to a pupil: the audit app asks here.
        from audit import selectors as audit_selectors
        from disputes import audit_objects

        audit_selectors.register(labels=audit_objects.LABELS, objects_of_pupils=audit_objects.objects_of_pupils)

        # The start page (accounts) stands below the disputes: their panel is registered here.
        from accounts import panels

        from .panels import open_disputes

        panels.register("geschillen", open_disputes, order=70)

        # The pupil's timeline (students.history) stands below: its events are registered here.
        from students import history

        from .timeline import timeline_events

        history.register_timeline("disputes", timeline_events)
