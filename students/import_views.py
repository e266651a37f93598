"""Web pages of the pupil CSV import: upload (dry run), preview of a stored batch, apply, discard.

Short views: accessor → form → service → redirect. The rules live in students/csv_import.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from audit import log as audit
from opp_portal import uploads

from . import access, csv_import
from .csv_import import Kind
from .forms import ImportUploadForm
from .models import ImportBatch

KIND_HELP = {
    Kind.TEXT: gettext_lazy("tekst"),
    Kind.DATE: gettext_lazy("datum: dd-mm-jjjj, d-m-jjjj, dd/mm/jjjj of jjjj-mm-dd"),
    Kind.SOORT: gettext_lazy("bao, sbo, so, vso, vo of pro (een soort die de school aanbiedt)"),
    Kind.SUPPORT: gettext_lazy("basis of extra (leeg = basis)"),
    Kind.FUNDING: gettext_lazy("school, swv of leeg (alleen bij extra ondersteuning)"),
    Kind.BOOL: gettext_lazy("ja of nee (ook: 1/0, waar/onwaar, x/leeg)"),
    Kind.DESTINATION: gettext_lazy("een code zoals mbo_2, arbeid_begeleid of dagbesteding_arbeidsmatig, of een "
                                   "omschrijving: die wordt herkend en bewaard als toelichting (anders: overig)"),
}


def _plan_context(plan: csv_import.Plan | None) -> dict:
    if plan is None:
        return {"plan": None}
    problems, changes = plan.problems, plan.changes
    limit = csv_import.PREVIEW_LIMIT
    return {
        "plan": plan, "counts": plan.counts,
        "problems": problems[:limit], "problems_hidden": max(0, len(problems) - limit),
        "changes": changes[:limit], "changes_hidden": max(0, len(changes) - limit),
    }


@login_required
def import_upload(request):
    schools = access.require_pupil_editor(request.user)
    form = ImportUploadForm(request.POST or None, request.FILES or None, schools=schools)
    plan = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch, plan = csv_import.batch_create(
                actor=request.user, school=form.cleaned_data["school"], filename=uploads.client_name(upload),
                raw=upload.read(),
            )
        except csv_import.FileRejected as exc:
            for message in exc.messages:
                form.add_error("file", message)
        else:
            if batch is not None:
                return redirect("students:import_preview", pk=batch.pk)
    recent = ImportBatch.objects.filter(school__in=schools).select_related("school", "uploaded_by")[:10]
    return render(request, "students/import/upload.html", {
        "form": form, "columns": [(c, KIND_HELP[c.kind]) for c in csv_import.COLUMNS], "recent": recent,
        **_plan_context(plan),
    })


@login_required
def import_preview(request, pk):
    batch = access.batch_for_user(request.user, pk, pending_only=True)
    plan = csv_import.plan_batch(batch)
    audit.record(request.user, audit.Action.VIEW, batch, school=batch.school_id)
    expired = csv_import.is_expired(batch)
    return render(request, "students/import/preview.html", {
        "batch": batch, "expired": expired, "can_apply": plan.ok and not expired, **_plan_context(plan),
    })


@login_required
@require_POST
def import_apply(request, pk):
    batch = access.batch_for_user(request.user, pk)
    try:
        plan = csv_import.batch_apply(batch=batch, actor=request.user)
    except csv_import.ImportRefused as exc:
        messages.error(request, exc.message)
        if ImportBatch.objects.filter(pk=batch.pk, state=ImportBatch.State.PENDING).exists():
            return redirect("students:import_preview", pk=batch.pk)
        return redirect("students:import_upload")
    messages.success(request, _("De import is uitgevoerd: %(summary)s") % {"summary": plan.summary()})
    return redirect("students:import_upload")


@login_required
@require_POST
def import_discard(request, pk):
    batch = access.batch_for_user(request.user, pk, pending_only=True)
    csv_import.batch_discard(batch=batch, actor=request.user)
    messages.info(request, _("De import is verworpen; er is niets geïmporteerd."))
    return redirect("students:import_upload")
