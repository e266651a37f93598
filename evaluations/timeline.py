"""The evaluations on the pupil's timeline (students.history.register_timeline, from EvaluationsConfig.ready())."""

from __future__ import annotations

from django.utils.translation import gettext as _

from students.history import TimelineEvent

from .models import CommissionEvaluation, Evaluation


def timeline_events(student_id: int) -> list[TimelineEvent]:
    """Each evaluation with the parents (R-EVAL-1) and by the commission (R-EVAL-3), with its outcome. Two queries."""
    events = [TimelineEvent(e.held_on, _("Evaluatie van het OPP"), e.get_decision_display())
              for e in Evaluation.objects.filter(plan__student_id=student_id).only("held_on", "decision")]
    events += [TimelineEvent(c.held_on, _("Evaluatie door de commissie"), c.get_advice_display())
               for c in CommissionEvaluation.objects.filter(plan__student_id=student_id).only("held_on", "advice")]
    return events
