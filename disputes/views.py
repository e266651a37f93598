"""Staff screens for GPO disputes. Short views: scoped accessor → form → service → redirect.

Reads go through access.dispute_for_user (404 outside the board or the pupil's school); writes ask it for
`write=True` (403 for the schoolleider, who may only look). Every file served is audited first.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access
from accounts.access import Cap
from accounts.models import School
from audit import log as audit
from opp_portal import uploads
from students.views import _apply_errors

from . import hints, rules, services
from .forms import AdviceForm, DatesForm, DocumentForm, RegisterForm, ResponseForm, SchoolDocumentForm
from .models import Dispute, DossierExport, SchoolDocument

S = Dispute.State


def _apply(form, exc: ValidationError, *, file_field: str | None = None):
    """A service's errors on the form; an upload's single message belongs to the file field."""
    if file_field and not hasattr(exc, "error_dict"):
        form.add_error(file_field, exc)
    else:
        _apply_errors(form, exc)


def _with_deadlines(disputes):
    return [{"dispute": d, "next": rules.next_deadline(d)} for d in disputes]


def open_disputes_for(user, limit: int = 20):
    """The start page's panel: open disputes the user may see, with their next deadline. One query."""
    rows = list(access.disputes_visible_to(user).exclude(state=S.GESLOTEN)
                .select_related("plan__student__school").order_by("filed_on", "pk")[:limit])
    return _with_deadlines(rows)


# --- List and register --------------------------------------------------------------------------------------


@login_required
def dispute_list(request):
    if Cap.DISPUTE_VIEW not in access.capabilities(request.user):
        raise PermissionDenied
    qs = (access.disputes_visible_to(request.user).select_related("plan__student__school")
          .annotate(closed=Case(When(state=S.GESLOTEN, then=Value(1)), default=Value(0), output_field=IntegerField()))
          .order_by("closed", "-filed_on", "-pk"))
    rows = _with_deadlines(qs)
    can_edit = Cap.DISPUTE_EDIT in access.capabilities(request.user)
    school_docs = access.schools_with(request.user, Cap.DISPUTE_EDIT) | access.schools_with(request.user, Cap.SCHOOL_OVERVIEW)
    return render(request, "disputes/list.html", {"rows": rows, "can_edit": can_edit,
                                                  "schools": list(school_docs.distinct().order_by("name"))})


@login_required
def register(request):
    schools = access.schools_with(request.user, Cap.DISPUTE_EDIT)
    if not schools.exists():
        raise PermissionDenied
    form = RegisterForm(request.POST or None, schools=schools)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        version = data["version"]
        try:
            dispute = services.register(
                actor=request.user, plan=version.plan, version=version, subject=data["subject"],
                subject_other=data["subject_other"], filed_on=data["filed_on"], reference=data["reference"],
                late_reasons=data["late_reasons"])
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Het geschil is geregistreerd."))
            return redirect("disputes:detail", pk=dispute.pk)
    return render(request, "disputes/register.html", {"form": form})


# --- Detail and its forms -------------------------------------------------------------------------------------


def _steps(dispute: Dispute) -> list[dict]:
    current = services.ORDER.index(dispute.state)
    return [{"value": s.value, "label": s.label, "done": i < current, "current": i == current}
            for i, s in enumerate(services.ORDER)]


def _detail(request, dispute: Dispute, status: int = 200, **forms):
    student, plan = dispute.plan.student, dispute.plan
    can_edit = access.has_cap(request.user, Cap.DISPUTE_EDIT, student.school)
    context = {
        "dispute": dispute, "student": student, "plan": plan, "version": dispute.version, "can_edit": can_edit,
        "steps": _steps(dispute), "deadlines": rules.deadlines_of(dispute),
        "hints": hints.hints(filed_on=dispute.filed_on, made_known_on=dispute.made_known_on,
                             left_school_on=student.left_on, plan_withdrawn=plan.state == "ingetrokken"),
        "documents": list(dispute.documents.all()),
        "exports": list(dispute.exports.all()[:5]),
        "can_school_documents": can_edit or access.has_cap(request.user, Cap.SCHOOL_OVERVIEW, student.school),
    }
    if can_edit and dispute.is_open:
        context.update(
            dates_form=forms.get("dates_form") or DatesForm(initial={
                f: getattr(dispute, f) for f in ("received_on", "defence_submitted_on", "hearing_on", "reference")}),
            advice_form=forms.get("advice_form") or AdviceForm(initial={
                "advice": dispute.advice, "advice_on": dispute.advice_on,
                "recommendations": dispute.advice_recommendations}),
            response_form=forms.get("response_form") or ResponseForm(initial={
                "response": dispute.response, "reasons": dispute.response_reasons,
                "sent_parents_on": dispute.response_sent_parents_on,
                "sent_commission_on": dispute.response_sent_commission_on}),
            close_error=forms.get("close_error"),
        )
    if can_edit:
        context["document_form"] = forms.get("document_form") or DocumentForm()
    audit.record(request.user, audit.Action.VIEW, dispute)
    return render(request, "disputes/detail.html", context, status=status)


@login_required
def detail(request, pk):
    return _detail(request, access.dispute_for_user(request.user, pk))


def _form_post(request, pk, form_class, key, call, done):
    dispute = access.dispute_for_user(request.user, pk, write=True)
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        try:
            call(dispute, form.cleaned_data)
        except ValidationError as exc:
            _apply(form, exc, file_field="upload" if "upload" in form.fields else None)
        else:
            messages.success(request, done)
            return redirect("disputes:detail", pk=dispute.pk)
    dispute.refresh_from_db()
    return _detail(request, dispute, status=400, **{key: form})


@login_required
@require_POST
def dates(request, pk):
    return _form_post(request, pk, DatesForm, "dates_form", lambda d, data: services.record_dates(
        actor=request.user, dispute=d, data=data), _("De datums zijn opgeslagen."))


@login_required
@require_POST
def advice(request, pk):
    return _form_post(request, pk, AdviceForm, "advice_form", lambda d, data: services.record_advice(
        actor=request.user, dispute=d, advice=data["advice"], advice_on=data["advice_on"],
        recommendations=data["recommendations"]), _("Het advies is vastgelegd."))


@login_required
@require_POST
def response(request, pk):
    return _form_post(request, pk, ResponseForm, "response_form", lambda d, data: services.record_response(
        actor=request.user, dispute=d, response=data["response"], reasons=data["reasons"],
        sent_parents_on=data["sent_parents_on"], sent_commission_on=data["sent_commission_on"]),
        _("De reactie van het bestuur is vastgelegd."))


@login_required
@require_POST
def close(request, pk):
    dispute = access.dispute_for_user(request.user, pk, write=True)
    try:
        services.close(actor=request.user, dispute=dispute)
    except ValidationError as exc:
        return _detail(request, dispute, status=400, close_error=" ".join(exc.messages))
    messages.success(request, _("Het geschil is gesloten."))
    return redirect("disputes:detail", pk=dispute.pk)


# --- Documents ---------------------------------------------------------------------------------------------------


@login_required
@require_POST
def upload(request, pk):
    return _form_post(request, pk, DocumentForm, "document_form", lambda d, data: services.add_document(
        actor=request.user, dispute=d, title=data["title"], upload=data["upload"]), _("Het document is toegevoegd."))


@login_required
def document(request, pk, doc_pk):
    dispute = access.dispute_for_user(request.user, pk)
    try:
        doc = dispute.documents.get(pk=doc_pk)
    except (dispute.documents.model.DoesNotExist, ValueError):
        raise Http404 from None
    audit.record(request.user, audit.Action.EXPORT, doc, school=dispute.plan.student.school_id,
                 details={"dispute": dispute.pk, "file": "document"})
    ext = doc.stored_name.rsplit(".", 1)[-1]
    return uploads.response(doc.stored_name, doc.content_type, f"geschil-{dispute.pk}-document-{doc.pk}.{ext}")


@login_required
def letter(request, pk):
    dispute = access.dispute_for_user(request.user, pk)
    if not dispute.response:
        raise Http404
    from .letter import render_response_letter

    pdf = render_response_letter(dispute)
    audit.record(request.user, audit.Action.EXPORT, dispute, details={"file": "reactiebrief"})
    return uploads.attachment(pdf, "application/pdf", f"reactie-bestuur-geschil-{dispute.pk}.pdf")


# --- Dossier export ------------------------------------------------------------------------------------------------


@login_required
@require_POST
def export(request, pk):
    dispute = access.dispute_for_user(request.user, pk, write=True)
    job = services.request_export(actor=request.user, dispute=dispute)
    return redirect("disputes:export_status", pk=dispute.pk, export_pk=job.pk)


def _export_for(request, pk, export_pk) -> tuple[Dispute, DossierExport]:
    dispute = access.dispute_for_user(request.user, pk)
    try:
        return dispute, dispute.exports.get(pk=export_pk)
    except (DossierExport.DoesNotExist, ValueError):
        raise Http404 from None


@login_required
def export_status(request, pk, export_pk):
    dispute, job = _export_for(request, pk, export_pk)
    running = job.state in (DossierExport.State.WACHT, DossierExport.State.BEZIG)
    return render(request, "disputes/export_status.html", {"dispute": dispute, "export": job, "running": running})


@login_required
def export_download(request, pk, export_pk):
    dispute, job = _export_for(request, pk, export_pk)
    if job.state != DossierExport.State.KLAAR or not job.stored_name:
        raise Http404
    audit.record(request.user, audit.Action.EXPORT, dispute, details={"dossier": job.pk, "sha256": job.sha256})
    return uploads.response(job.stored_name, "application/pdf", f"dossier-geschil-{dispute.pk}.pdf")


# --- The school's SOP and the SWV ondersteuningsplan ------------------------------------------------------------------


def _school_for(user, pk) -> School:
    allowed = access.schools_with(user, Cap.DISPUTE_EDIT) | access.schools_with(user, Cap.SCHOOL_OVERVIEW)
    try:
        return School.objects.filter(pk__in=allowed.values("pk")).get(pk=pk)
    except (School.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


@login_required
def school_documents(request, school_pk):
    school = _school_for(request.user, school_pk)
    form = SchoolDocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_school_document(actor=request.user, school=school, kind=form.cleaned_data["kind"],
                                         upload=form.cleaned_data["upload"])
        except ValidationError as exc:
            _apply(form, exc, file_field="upload")
        else:
            messages.success(request, _("Het document is geüpload."))
            return redirect("disputes:school_documents", school_pk=school.pk)
    docs = list(SchoolDocument.objects.filter(school=school).select_related("uploaded_by"))
    return render(request, "disputes/school_documents.html", {"school": school, "form": form, "documents": docs},
                  status=400 if form.is_bound and form.errors else 200)


@login_required
def school_document(request, school_pk, doc_pk):
    school = _school_for(request.user, school_pk)
    try:
        doc = SchoolDocument.objects.get(Q(school=school), pk=doc_pk)
    except (SchoolDocument.DoesNotExist, ValueError):
        raise Http404 from None
    audit.record(request.user, audit.Action.EXPORT, doc, school=school.pk, details={"kind": doc.kind})
    return uploads.response(doc.stored_name, "application/pdf", f"{doc.kind}-{school.brin}-{doc.pk}.pdf")
