from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OppConfig(AppConfig):
    name = "opp"
    verbose_name = _("Ontwikkelingsperspectieven")

    def ready(self):
        # The pupils' history (students.history) reads the plans through this provider: pupils stand below plans.
        from students import history
        from students import selectors as student_selectors

        from .selectors import plan_facts, pupil_page

        history.register_plan_facts(plan_facts)
        # The pupil page shows the OPP history the same way.
        student_selectors.register_pupil_page(pupil_page)

        # What the audit log shows of this app's objects and which belong to a pupil: the audit app asks here.
        from audit import selectors as audit_selectors
        from opp import audit_objects

        audit_selectors.register(labels=audit_objects.LABELS, objects_of_pupils=audit_objects.objects_of_pupils)

        # The start page (accounts) stands below the plans: "Ter vaststelling" is registered here.
        from accounts import panels

        from .panels import adoption_queue

        panels.register("vaststellen", adoption_queue, order=20)
