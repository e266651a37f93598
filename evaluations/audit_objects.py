"""What the audit log shows of the evaluations app's objects, and which of them belong to a pupil
(audit.selectors; registered in EvaluationsConfig.ready())."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.selectors import day, pupil_name, register_describers
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


# --- Human labels (audit.selectors.object_labels): one query per object type per page ----------------------------


def evaluation_label(evaluation, school_ids) -> str:
    """"Evaluatie van 12 maart 2027 — Sanne de Vries"."""
    return gettext("Evaluatie van %(day)s — %(pupil)s") % {"day": day(evaluation.held_on),
                                                           "pupil": pupil_name(evaluation.plan.student, school_ids)}


def _evaluations(pks, school_ids):
    return {e.pk: evaluation_label(e, school_ids)
            for e in Evaluation.objects.filter(pk__in=pks).select_related("plan__student")}


def _reactions(pks, school_ids):
    rows = EvaluationReaction.objects.filter(pk__in=pks).select_related("evaluation__plan__student")
    return {r.pk: gettext("Reactie op de evaluatie van %(day)s — %(pupil)s") % {
        "day": day(r.evaluation.held_on), "pupil": pupil_name(r.evaluation.plan.student, school_ids)} for r in rows}


def _commission(pks, school_ids):
    rows = CommissionEvaluation.objects.filter(pk__in=pks).select_related("plan__student")
    return {c.pk: gettext("Evaluatie door de commissie van %(day)s — %(pupil)s") % {
        "day": day(c.held_on), "pupil": pupil_name(c.plan.student, school_ids)} for c in rows}


register_describers({
    "evaluations.evaluation": _evaluations,
    "evaluations.evaluationreaction": _reactions,
    "evaluations.commissionevaluation": _commission,
})
