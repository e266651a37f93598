"""Downloading an OPP version as a PDF: staff (`opp:version_pdf`) here, the pupil's own parents (`portal:version_pdf`)
in portal.pdf_views, which stands above the plans and answers with the same `pdf_response`.

Both are GET-only, scoped through the one accessor of each side (404 outside reach), audited as an
export, and answered with headers that keep the file out of caches and out of content sniffing.
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
from .models import PlanVersion


def pdf_filename(version: PlanVersion) -> str:
    """`opp-SJ-v3.pdf`: the pupil's initials only (a download name ends up in mail and file shares)."""
    ascii_initials = unicodedata.normalize("NFKD", version.plan.student.initials).encode("ascii", "ignore").decode()
    initials = re.sub(r"[^A-Za-z0-9]", "", ascii_initials)
    return f"opp-{initials}-v{version.number}.pdf" if initials else f"opp-v{version.number}.pdf"


def pdf_response(request, version: PlanVersion) -> HttpResponse:
    """The version as an audited PDF attachment, for a version the caller reached through its side's accessor."""
    content = pdf.render_version_pdf(version)
    audit.record(request.user, audit.Action.EXPORT, version, details={"format": "pdf"})
    return uploads.attachment(content, "application/pdf", pdf_filename(version))


@login_required
@require_GET
def version_pdf(request, pk):
    """Staff: any role that may read the plan (begeleider, leerkracht, schoolleider, commissie, bestuurder)."""
    version = access.version_for_user(request.user, pk)
    return pdf_response(request, version)
