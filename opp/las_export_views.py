"""The LAS export of a school (opp.las_export): a page that explains the file and the download itself. Only for the
school's begeleider and schoolleider (Cap.PLAN_EDIT); the download is audited as an export of pupil data, with the
number of pupils and never a name."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from audit import log as audit
from opp_portal import uploads

from . import las_export
from .access import school_for_export, schools_for_export


@login_required
@require_GET
def las_export_page(request, school_pk):
    school = school_for_export(request.user, school_pk)
    return render(request, "opp/las_export.html", {
        "school": school, "columns": las_export.COLUMNS, "count": las_export.pupils(school).count(),
        "other_schools": [s for s in schools_for_export(request.user) if s.pk != school.pk],
    })


@login_required
@require_GET
def las_export_csv(request, school_pk):
    school = school_for_export(request.user, school_pk)
    rows = las_export.rows(school)
    audit.record(request.user, audit.Action.EXPORT, school=school, details={"export": "las", "count": len(rows)})
    return uploads.attachment(las_export.to_csv(rows), "text/csv; charset=utf-8",
                              las_export.filename(school, timezone.localdate()))
