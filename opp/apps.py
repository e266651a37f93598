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
        # … and the pupil's timeline gets the plans' events (started, consent, adopted, ended) from here.
        from .selectors import timeline_events

        history.register_timeline("opp", timeline_events)
        # … and the measurements of its goals.
        from .measurements import timeline_events as measurement_events

        history.register_timeline("opp.measurements", measurement_events)
        # The pupil page shows the OPP history the same way.
        student_selectors.register_pupil_page(pupil_page)
        # … and the pupil's progress on every measured goal, across versions and school years (a panel).
        from students import page_parts

        from .goal_charts import pupil_page_part

        page_parts.register(pupil_page_part)
        # And the pupil list's OPP-status column.
        from .pupil_list import PROVIDER as pupil_list_status

        student_selectors.register_opp_status(pupil_list_status)

        # What the audit log shows of this app's objects and which belong to a pupil: the audit app asks here.
        from audit import selectors as audit_selectors
        from opp import audit_objects

        audit_selectors.register(labels=audit_objects.LABELS, objects_of_pupils=audit_objects.objects_of_pupils)

        # The start page (accounts) stands below the plans: "Ter vaststelling" is registered here.
        from accounts import panels

        from .panels import adoption_queue, las_export

        panels.register("vaststellen", adoption_queue, order=20)
        # The OPP dates for the school's own pupil administration (BRON/ROD), for those who keep it.
        panels.register("las", las_export, order=85)
        # The leerkracht's own pupils with an OPP and their handelingsdeel (read only).
        from .leerkracht_panel import leerkracht_pupils

        panels.register("leerkracht", leerkracht_pupils, order=15)

        # The plan page's stepper: one next step for the plan (opp.next_step), beside the evaluations' sections.
        from . import contributions
        from .selectors import plan_page_next_step

        contributions.register_plan_context("next_step", plan_page_next_step)
