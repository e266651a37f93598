"""What the audit log shows of the evaluations app's objects, and which of them belong to a pupil
(audit.selectors; registered in EvaluationsConfig.ready())."""

from django.utils.translation import gettext_lazy as _

from evaluations.models import CommissionEvaluation, Evaluation, EvaluationReaction

LABELS = {
    "evaluations.evaluation": _("evaluatie"),
    "evaluations.evaluationreaction": _("reactie op de evaluatie"),
    "evaluations.commissionevaluation": _("evaluatie door de commissie"),
}


def objects_of_pupils(ids: list[int]) -> dict:
    return {
        "evaluations.evaluation": Evaluation.objects.filter(plan__student_id__in=ids),
        "evaluations.evaluationreaction": EvaluationReaction.objects.filter(evaluation__plan__student_id__in=ids),
        "evaluations.commissionevaluation": CommissionEvaluation.objects.filter(plan__student_id__in=ids),
    }
