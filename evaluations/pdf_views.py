"""Downloading an evaluation as a PDF: staff (`evaluations:pdf`) and the pupil's own parents or the adult
pupil (`portal:evaluation_pdf`).

Like opp.pdf_views: GET-only, scoped through the one accessor of each side (404 outside reach, before
anything is rendered), audited as an export, answered with headers that keep the file out of caches and
out of content sniffing.
"""

from __future__ import annotations

import re
import unicodedata

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from accounts import access
from audit import log as audit
from opp_portal import uploads
from portal import selectors as portal_selectors

from . import pdf
from .models import Evaluation


def pdf_filename(evaluation: Evaluation) -> str:
    """`evaluatie-SJ-2027-03-15.pdf`: the pupil's initials only (a download name ends up in mail and file shares)."""
    ascii_initials = unicodedata.normalize("NFKD", evaluation.plan.student.initials).encode("ascii", "ignore").decode()
    initials = re.sub(r"[^A-Za-z0-9]", "", ascii_initials)
    day = evaluation.held_on.isoformat()
    return f"evaluatie-{initials}-{day}.pdf" if initials else f"evaluatie-{day}.pdf"


def _load(pk) -> Evaluation:
    try:
        return pdf.load(pk)
    except (Evaluation.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def _pdf_response(request, evaluation: Evaluation, *, for_staff: bool = True) -> HttpResponse:
    content = pdf.render_evaluation_pdf(evaluation, for_staff=for_staff)
    audit.record(request.user, audit.Action.EXPORT, evaluation, details={"format": "pdf"})
    return uploads.attachment(content, "application/pdf", pdf_filename(evaluation))


@login_required
@require_GET
def evaluation_pdf(request, pk):
    """Staff: any role that may read the plan (begeleider, leerkracht, schoolleider, commissie, bestuurder)."""
    evaluation = _load(pk)
    access.plan_for_user(request.user, evaluation.plan_id)  # 404 outside reach
    return _pdf_response(request, evaluation)


@login_required
@require_GET
def portal_evaluation_pdf(request, pk):
    """Parents (with the portal's R-TIME-4 rule) and the adult pupil: only their own child's or their own."""
    evaluation = _load(pk)
    portal_selectors.student_for_portal(request.user, evaluation.plan.student_id)  # 404 unless theirs
    return _pdf_response(request, evaluation, for_staff=False)
