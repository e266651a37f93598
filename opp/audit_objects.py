"""What the audit log shows of the plans app's objects, and which of them belong to a pupil (audit.selectors;
registered in OppConfig.ready())."""

from django.utils.translation import gettext_lazy as _

from opp.models import ConsentAnswer, ConsentRequest, Consultation, Plan, PlanVersion, Reaction

LABELS = {
    "opp.plan": _("OPP"),
    "opp.planversion": _("OPP-versie"),
    "opp.consultation": _("overleg"),
    "opp.consentrequest": _("verzoek om instemming"),
    "opp.consentanswer": _("instemming"),
    "opp.reaction": _("reactie op het OPP"),
}


def objects_of_pupils(ids: list[int]) -> dict:
    return {
        "opp.plan": Plan.objects.filter(student_id__in=ids),
        "opp.planversion": PlanVersion.objects.filter(plan__student_id__in=ids),
        "opp.consultation": Consultation.objects.filter(plan__student_id__in=ids),
        "opp.consentrequest": ConsentRequest.objects.filter(version__plan__student_id__in=ids),
        "opp.consentanswer": ConsentAnswer.objects.filter(request__version__plan__student_id__in=ids),
        "opp.reaction": Reaction.objects.filter(version__plan__student_id__in=ids),
    }
