"""The board's response to the commission's advice as a Dutch letter (R-GPO-4).

One autoescaped template, rendered through opp.pdf.html_to_pdf (the SafeFetcher walls). Always Dutch: the
letter goes to the parents whatever the UI language.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from opp import pdf as opp_pdf

from .models import Dispute

TEMPLATE = "disputes/pdf/letter.html"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def context_for(dispute: Dispute) -> dict:
    student = dispute.plan.student
    return {
        "dispute": dispute,
        "student": student,
        "school": student.school,
        "board": student.school.board,
        "version": dispute.version,
        # In the running sentence, but "OPP" stays upper case ("vaststelling van het OPP"): only the first letter.
        "subject": _lower_first(dispute.get_subject_display()),
        "letter_on": dispute.response_sent_parents_on or timezone.localdate(),
        "follows": dispute.response == Dispute.Response.VOLGT,
        "partly": dispute.response == Dispute.Response.DEELS,
        "not_follows": dispute.response == Dispute.Response.VOLGT_NIET,
    }


def render_response_letter(dispute: Dispute) -> bytes:
    if not dispute.advice or not dispute.response:
        raise ValidationError(_("Leg eerst het advies van de commissie en de reactie van het bestuur vast."))
    if dispute.response != Dispute.Response.VOLGT and not dispute.response_reasons.strip():
        raise ValidationError(_("Geef de redenen: die zijn verplicht als het bestuur het advies niet (helemaal) volgt."))
    dispute = Dispute.objects.select_related("plan__student__school__board", "version").get(pk=dispute.pk)
    with translation.override("nl"):
        html = render_to_string(TEMPLATE, context_for(dispute))
    return opp_pdf.html_to_pdf(html)
