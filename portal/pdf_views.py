"""The parents' PDFs: an OPP version (`portal:version_pdf`), an evaluation (`portal:evaluation_pdf`), their own
bekendmaking letter in the language they read the portal in (`portal:bekendmaking_letter`) and the board's
response letter of a closed dispute (`portal:dispute_letter`) about their own child, or the adult pupil's own. Reached through portal.access (404 for any other pupil, R-TIME-4 applied); rendered,
audited and answered by the plans' and evaluations' own `pdf_response`, the same as the staff's copies."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_GET

from audit import log as audit
from disputes import letter as dispute_letter
from evaluations import pdf_views as evaluation_pdf_views
from opp import bekendmaking_pdf
from opp import pdf_views as opp_pdf_views
from opp_portal import uploads

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


@login_required
@require_GET
def portal_dispute_letter(request, pk):
    """The parties (a guardian with gezag, the adult pupil) read the board's response letter of a closed dispute
    about their own child's plan (R-GPO-4), rendered by the disputes app as the staff's copy; audited as an export."""
    dispute = access.dispute_letter_for_portal(request.user, pk)
    pdf = dispute_letter.render_response_letter(dispute)
    audit.record(request.user, audit.Action.EXPORT, dispute, details={"file": "reactiebrief", "via": "portaal"})
    return uploads.attachment(pdf, "application/pdf", f"reactie-bestuur-geschil-{dispute.pk}.pdf")


@login_required
@require_GET
def portal_bekendmaking_letter(request, pk):
    """The party's own bekendmaking letter (with the GPO notice, R-GPO-2), in the language the parent reads the portal
    in — Arabic right to left; the Dutch letter the school sent stays the one that counts, and says so."""
    version, status = access.bekendmaking_for_portal(request.user, pk)
    language = request.LANGUAGE_CODE
    content = bekendmaking_pdf.render_letter(version, status, language=language)
    audit.record(request.user, audit.Action.EXPORT, version, details={
        "format": "pdf", "letter": "bekendmaking", "language": language, "via": "portaal"})
    return uploads.attachment(content, "application/pdf", bekendmaking_pdf.letter_filename(version, status))
