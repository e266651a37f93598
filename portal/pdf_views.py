"""The parents' PDFs: an OPP version (`portal:version_pdf`) and an evaluation (`portal:evaluation_pdf`) of their own
child, or the adult pupil's own. Reached through portal.access (404 for any other pupil, R-TIME-4 applied); rendered,
audited and answered by the plans' and evaluations' own `pdf_response`, the same as the staff's copies."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_GET

from evaluations import pdf_views as evaluation_pdf_views
from opp import pdf_views as opp_pdf_views

from . import access


@login_required
@require_GET
def portal_version_pdf(request, pk):
    """Parents and the adult pupil: their own child's versions as put before them — never a concept."""
    return opp_pdf_views.pdf_response(request, access.version_for_portal(request.user, pk))


@login_required
@require_GET
def portal_evaluation_pdf(request, pk):
    """Parents and the adult pupil: only their own child's evaluations or their own, without the commission's
    report to the board."""
    return evaluation_pdf_views.pdf_response(request, access.evaluation_for_portal(request.user, pk), for_staff=False)
