from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudentsConfig(AppConfig):
    name = "students"
    verbose_name = _("Leerlingen")

    def ready(self):
        # The audit log shows a parent's name only to the schools that hold their child: it asks here.
        from audit import log as audit

        from .selectors import portal_people_of_schools

        audit.register_people_lookup(portal_people_of_schools)

        # What the audit log shows of this app's objects and which belong to a pupil: the audit app asks here.
        from audit import selectors as audit_selectors
        from students import audit_objects

        audit_selectors.register(labels=audit_objects.LABELS, objects_of_pupils=audit_objects.objects_of_pupils, find_pupils=audit_objects.find_pupils)
