"""What the audit log shows of the swv app's objects, and which of them belong to a pupil (audit.selectors;
registered in SwvConfig.ready())."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.selectors import day, pupil_name, register_describers

from .models import AdmissionDecision, SwvRequest, SwvRequestAttachment, SwvRequestReaction

LABELS = {
    "swv.admissiondecision": _("toelatingsbesluit (TLV of commissie van onderzoek)"),
    "swv.swvrequest": _("aanvraag bij het samenwerkingsverband"),
    "swv.swvrequestattachment": _("bijlage bij een aanvraag bij het samenwerkingsverband"),
    "swv.swvrequestreaction": _("reactie op een aanvraag bij het samenwerkingsverband"),
}


def objects_of_pupils(ids: list[int]) -> dict:
    return {
        "swv.admissiondecision": AdmissionDecision.objects.filter(student_id__in=ids),
        "swv.swvrequest": SwvRequest.objects.filter(student_id__in=ids),
        "swv.swvrequestattachment": SwvRequestAttachment.objects.filter(request__student_id__in=ids),
        "swv.swvrequestreaction": SwvRequestReaction.objects.filter(request__student_id__in=ids),
    }


def _decisions(pks, school_ids):
    rows = AdmissionDecision.objects.filter(pk__in=pks).select_related("student")
    return {d.pk: gettext("%(kind)s van %(pupil)s, besluit van %(day)s") % {
        "kind": d.get_kind_display(), "pupil": pupil_name(d.student, school_ids), "day": day(d.decided_on)}
        for d in rows}


def _requests(pks, school_ids):
    rows = SwvRequest.objects.filter(pk__in=pks).select_related("student")
    return {r.pk: gettext("Aanvraag (%(kind)s) voor %(pupil)s") % {
        "kind": r.get_kind_display().lower(), "pupil": pupil_name(r.student, school_ids)} for r in rows}


def _attachments(pks, school_ids):
    rows = SwvRequestAttachment.objects.filter(pk__in=pks).select_related("request__student")
    return {a.pk: gettext("Bijlage bij de aanvraag voor %(pupil)s") % {
        "pupil": pupil_name(a.request.student, school_ids)} for a in rows}


def _reactions(pks, school_ids):
    rows = SwvRequestReaction.objects.filter(pk__in=pks).select_related("request__student")
    return {r.pk: gettext("Reactie op de aanvraag voor %(pupil)s") % {
        "pupil": pupil_name(r.request.student, school_ids)} for r in rows}


register_describers({
    "swv.admissiondecision": _decisions,
    "swv.swvrequest": _requests,
    "swv.swvrequestattachment": _attachments,
    "swv.swvrequestreaction": _reactions,
})
