from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    name = "evaluations"
    verbose_name = _("Evaluaties")

    def ready(self):
        # What the audit log shows of this app's objects and which belong to a pupil: the audit app asks here.
        from audit import selectors as audit_selectors
        from evaluations import audit_objects

        audit_selectors.register(labels=audit_objects.LABELS, objects_of_pupils=audit_objects.objects_of_pupils)

        # Plans stand below evaluations: the plan page and its compliance snapshot get the evaluations from here.
        from opp import contributions

        from .selectors import plan_page_context, status_for

        contributions.register_plan_context("evaluations", plan_page_context)
        contributions.register_snapshot_part("evaluation", status_for)

        # Whether this school year's evaluation was held, annotated on the plans the editor and the portal's version
        # page load with the pupil (opp.selectors._load_with_pupil), so the snapshot asks no query of its own.
        from opp import selectors as opp_selectors

        from .selectors import plan_annotations

        opp_selectors.register_plan_annotations("evaluations", plan_annotations)

        # The pupil's timeline (students.history) stands below: its events are registered here.
        from students import history

        from .timeline import timeline_events

        history.register_timeline("evaluations", timeline_events)

        # The plans' copy-forward page shows each earlier goal's latest evaluation outcome (opp.copy_forward).
        from opp import copy_forward

        from .goal_outcomes import latest_outcomes

        copy_forward.register_outcomes("evaluations", latest_outcomes)
