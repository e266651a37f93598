"""Downloading an evaluation as a PDF: staff (`evaluations:pdf`) here, the pupil's own parents or the adult pupil
(`portal:evaluation_pdf`) in portal.pdf_views, which stands above the evaluations and answers with the same
`pdf_response`.

Like opp.pdf_views: GET-only, scoped through the one accessor of each side (404 outside reach, before
anything is rendered), audited as an export, answered with headers that keep the file out of caches and
out of content sniffing.
"""

from __future__ import annotations

import re
import unicodedata

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from audit import log as audit
from opp_portal import uploads

from . import access, pdf
from .models import Evaluation


def pdf_filename(evaluation: Evaluation) -> str:
    """`evaluatie-SJ-2027-03-15.pdf`: the pupil's initials only (a download name ends up in mail and file shares)."""
    ascii_initials = unicodedata.normalize("NFKD", evaluation.plan.student.initials).encode("ascii", "ignore").decode()
    initials = re.sub(r"[^A-Za-z0-9]", "", ascii_initials)
    day = evaluation.held_on.isoformat()
    return f"evaluatie-{initials}-{day}.pdf" if initials else f"evaluatie-{day}.pdf"


def pdf_response(request, evaluation: Evaluation, *, for_staff: bool = True) -> HttpResponse:
    """The evaluation as an audited PDF attachment, for an evaluation the caller reached through its side's
    accessor. The parents' copy (`for_staff=False`) leaves out what the commission reports to the board."""
    content = pdf.render_evaluation_pdf(evaluation, for_staff=for_staff)
    audit.record(request.user, audit.Action.EXPORT, evaluation, details={"format": "pdf"})
    return uploads.attachment(content, "application/pdf", pdf_filename(evaluation))


@login_required
@require_GET
def evaluation_pdf(request, pk):
    """Staff: any role that may read the plan (begeleider, leerkracht, schoolleider, commissie, bestuurder)."""
    return pdf_response(request, access.evaluation_for_user(request.user, pk))
