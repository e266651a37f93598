"""Inzage as one ZIP: the parent with gezag or the adult pupil in the portal, and the school
for a formal request. Both POST only (CSRF), scoped through each side's one accessor, audited as an export
(how many files, never what is in them), answered as an attachment that no cache keeps."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_POST

from audit import log as audit
from opp_portal import uploads
from students import access as student_access

from . import access, inzage


def _zip_response(export: inzage.InzageExport):
    return uploads.attachment(export.file, "application/zip", export.filename)


@login_required
@require_POST
def portal_inzage(request, pk):
    """Own child only (another child: 404); a guardian without gezag sees the child but may not export (403)."""
    student = access.student_for_inzage(request.user, pk)
    export = inzage.build_inzage_zip(student, requested_via=inzage.VIA_PORTAL)
    audit.record(request.user, audit.Action.EXPORT, student, details={"kind": "inzage", "files": export.files})
    return _zip_response(export)


@login_required
@require_POST
def staff_inzage(request, pk):
    """Begeleider and schoolleider of the pupil's school (PUPIL_EDIT): the parents' copy, for a formal request.
    Another school: 404; a read-only role (leerkracht, commissie): 403."""
    student = student_access.student_for_user(request.user, pk, write=True)
    export = inzage.build_inzage_zip(student, requested_via=inzage.VIA_SCHOOL)
    audit.record(request.user, audit.Action.EXPORT, student,
                 details={"kind": "inzage", "by": "school", "files": export.files})
    return _zip_response(export)
