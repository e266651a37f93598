from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SwvConfig(AppConfig):
    name = "swv"
    label = "swv"
    verbose_name = _("Samenwerkingsverband")

    def ready(self):
        # What the audit log shows of this app's objects and which belong to a pupil: the audit app asks here.
        from audit import selectors as audit_selectors
        from swv import audit_objects

        audit_selectors.register(labels=audit_objects.LABELS, objects_of_pupils=audit_objects.objects_of_pupils)

        # The pupil page (students) stands below: its "Toelaatbaarheid" section is registered here.
        from students import page_parts

        from .page_part import parts

        page_parts.register(parts)

        # The start page (accounts) stands below: the SWV overviews' panel for the schoolleider and the bestuurder.
        from accounts import panels

        from .overviews import panel as overview_panel

        panels.register("swv", overview_panel, order=45)
