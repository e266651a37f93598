"""What the audit log shows of the disputes app's objects, and which of them belong to a pupil (audit.selectors;
registered in DisputesConfig.ready())."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.selectors import day, pupil_name, register_describers
from disputes.models import Dispute, DisputeDocument, DossierExport, SchoolDocument

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


# --- Human labels (audit.selectors.object_labels): one query per object type per page ----------------------------


def dispute_label(dispute, school_ids) -> str:
    """"Geschil over het OPP van Sanne de Vries, ingediend 3 april 2027"."""
    return gettext("Geschil over het OPP van %(pupil)s, ingediend %(day)s") % {
        "pupil": pupil_name(dispute.plan.student, school_ids), "day": day(dispute.filed_on)}


def _disputes(pks, school_ids):
    return {d.pk: dispute_label(d, school_ids)
            for d in Dispute.objects.filter(pk__in=pks).select_related("plan__student")}


def _documents(pks, school_ids):
    rows = DisputeDocument.objects.filter(pk__in=pks).select_related("dispute__plan__student")
    return {d.pk: gettext("Document bij het geschil over het OPP van %(pupil)s") % {
        "pupil": pupil_name(d.dispute.plan.student, school_ids)} for d in rows}


def _exports(pks, school_ids):
    rows = DossierExport.objects.filter(pk__in=pks).select_related("dispute__plan__student")
    return {e.pk: gettext("Dossier van het geschil over het OPP van %(pupil)s") % {
        "pupil": pupil_name(e.dispute.plan.student, school_ids)} for e in rows}


def _school_documents(pks, school_ids):
    rows = SchoolDocument.objects.filter(pk__in=pks).select_related("school")
    return {d.pk: gettext("%(kind)s van %(school)s") % {"kind": d.get_kind_display(), "school": d.school.name}
            for d in rows}


register_describers({
    "disputes.dispute": _disputes,
    "disputes.disputedocument": _documents,
    "disputes.dossierexport": _exports,
    "disputes.schooldocument": _school_documents,
})
