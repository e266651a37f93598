from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Ouderportaal")

    def ready(self):
        # What the audit log shows of this app's objects and which belong to a pupil: the audit app asks here.
        from audit import selectors as audit_selectors
        from portal import audit_objects, pupil_panel
        from students import page_parts

        audit_selectors.register(labels=audit_objects.LABELS, objects_of_pupils=audit_objects.objects_of_pupils)
        # The pupil page's "Ouderportaal" panel: invited when, accepted or not, a reminder (pupils know no portal).
        page_parts.register(pupil_panel.parts)
