"""Reading the audit log (issue 10): the rows of a user's schools, and the rows about one pupil.

The log stores `object_type` (a model label such as "opp.planversion") and `object_id` (its pk as text), not a
link to the pupil. "Everything about this pupil" is therefore one query whose condition lists, per object
type, the ids of that pupil's objects as subqueries — plus rows that name the pupil in their details (a
guardian link or placement that was deleted since).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from audit.models import AuditEvent

#: Model label -> what the log calls it. Labels not listed here are shown as they are.
OBJECT_TYPE_LABELS = {
    "students.student": _("leerling"),
    "students.guardian": _("ouder/verzorger"),
    "students.guardianlink": _("ouder/verzorger van de leerling"),
    "students.placementevent": _("plaatsing"),
    "students.eligibilitydecision": _("besluit OPP-plicht"),
    "students.importbatch": _("import van leerlingen"),
    "opp.plan": _("OPP"),
    "opp.planversion": _("OPP-versie"),
    "opp.consultation": _("overleg"),
    "opp.consentrequest": _("verzoek om instemming"),
    "opp.consentanswer": _("instemming"),
    "opp.reaction": _("reactie op het OPP"),
    "evaluations.evaluation": _("evaluatie"),
    "evaluations.evaluationreaction": _("reactie op de evaluatie"),
    "evaluations.commissionevaluation": _("evaluatie door de commissie"),
    "disputes.dispute": _("geschil"),
    "disputes.disputedocument": _("document bij een geschil"),
    "disputes.schooldocument": _("document van de school"),
    "disputes.dossierexport": _("dossier van een geschil"),
    "portal.invitation": _("uitnodiging voor het portaal"),
    "accounts.user": _("gebruiker"),
    "accounts.membership": _("rol"),
    "accounts.school": _("school"),
    "accounts.board": _("schoolbestuur"),
    "audit.auditevent": _("logboek"),
}


def object_type_label(object_type: str) -> str:
    return str(OBJECT_TYPE_LABELS.get(object_type, object_type))


def events_for_schools(school_ids: Iterable[int]) -> QuerySet[AuditEvent]:
    """The rows of these schools, newest first. Rows without a school (logins, a parent's portal rows that
    name no school) are not in a school's log."""
    return (AuditEvent.objects.filter(school_id__in=list(school_ids))
            .select_related("actor", "school").order_by("-at", "-id"))


def _ids(qs) -> QuerySet:
    return qs.annotate(audit_object_id=Cast("pk", CharField())).values("audit_object_id")


def pupil_condition(student_ids: list[int]) -> Q:
    """Rows about these pupils: the pupils themselves and every object of theirs that the services audit."""
    from disputes.models import Dispute, DisputeDocument, DossierExport
    from evaluations.models import CommissionEvaluation, Evaluation, EvaluationReaction
    from opp.models import ConsentAnswer, ConsentRequest, Consultation, Plan, PlanVersion, Reaction
    from portal.models import Invitation
    from students.models import EligibilityDecision, GuardianLink, PlacementEvent, Student

    ids = list(student_ids)
    per_type = {
        "students.student": Student.objects.filter(pk__in=ids),
        "students.guardianlink": GuardianLink.objects.filter(student_id__in=ids),
        "students.placementevent": PlacementEvent.objects.filter(student_id__in=ids),
        "students.eligibilitydecision": EligibilityDecision.objects.filter(student_id__in=ids),
        "opp.plan": Plan.objects.filter(student_id__in=ids),
        "opp.planversion": PlanVersion.objects.filter(plan__student_id__in=ids),
        "opp.consultation": Consultation.objects.filter(plan__student_id__in=ids),
        "opp.consentrequest": ConsentRequest.objects.filter(version__plan__student_id__in=ids),
        "opp.consentanswer": ConsentAnswer.objects.filter(request__version__plan__student_id__in=ids),
        "opp.reaction": Reaction.objects.filter(version__plan__student_id__in=ids),
        "evaluations.evaluation": Evaluation.objects.filter(plan__student_id__in=ids),
        "evaluations.evaluationreaction": EvaluationReaction.objects.filter(evaluation__plan__student_id__in=ids),
        "evaluations.commissionevaluation": CommissionEvaluation.objects.filter(plan__student_id__in=ids),
        "disputes.dispute": Dispute.objects.filter(plan__student_id__in=ids),
        "disputes.disputedocument": DisputeDocument.objects.filter(dispute__plan__student_id__in=ids),
        "disputes.dossierexport": DossierExport.objects.filter(dispute__plan__student_id__in=ids),
        "portal.invitation": Invitation.objects.filter(Q(pupil_id__in=ids) | Q(guardian__links__student_id__in=ids)),
    }
    condition = Q(details__student__in=ids)  # guardian links and placements record their pupil (also on delete)
    for object_type, qs in per_type.items():
        condition |= Q(object_type=object_type, object_id__in=_ids(qs))
    return condition


def recent_views_of(student, limit: int = 20) -> list[AuditEvent]:
    """The pupil page's "who viewed this file": the last reads of the pupil and its plans, versions and the rest.
    One query."""
    return list(events_for_schools([student.school_id])
                .filter(pupil_condition([student.pk]), action=AuditEvent.Action.VIEW)[:limit])
