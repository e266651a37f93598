"""What the audit log shows of the disputes app's objects, and which of them belong to a pupil (audit.selectors;
registered in DisputesConfig.ready())."""

from django.utils.translation import gettext_lazy as _

from disputes.models import Dispute, DisputeDocument, DossierExport

LABELS = {
    "disputes.dispute": _("geschil"),
    "disputes.disputedocument": _("document bij een geschil"),
    "disputes.schooldocument": _("document van de school"),
    "disputes.dossierexport": _("dossier van een geschil"),
}


def objects_of_pupils(ids: list[int]) -> dict:
    return {
        "disputes.dispute": Dispute.objects.filter(plan__student_id__in=ids),
        "disputes.disputedocument": DisputeDocument.objects.filter(dispute__plan__student_id__in=ids),
        "disputes.dossierexport": DossierExport.objects.filter(dispute__plan__student_id__in=ids),
    }
