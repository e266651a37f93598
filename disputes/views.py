"""Staff screens for GPO disputes. Short views: scoped accessor → form → service → redirect.

Every object is reached through disputes.access (404 outside the board or the pupil's school, naming the probed
object's school); writes ask it for `write=True` (403 for the schoolleider, who may only look). Every file served is
audited first.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from audit import log as audit
from opp_portal import dates as days
from opp_portal import uploads
from opp_portal.forms import ServiceErrors

from . import access, hints, rules, services
from . import letter as response_letter
from .forms import AdviceForm, CloseForm, DatesForm, DocumentForm, RegisterForm, ResponseForm, SchoolDocumentForm
from .models import Dispute, DossierExport, SchoolDocument
from .selectors import with_deadlines as _with_deadlines

S = Dispute.State


# --- List and register --------------------------------------------------------------------------------------


#: Shown at the top of a page re-rendered with a form's errors further down, where the eye does not reach.
NOT_SAVED = _lazy("Er is niets opgeslagen. Bekijk de melding bij het formulier hieronder.")


@login_required
def dispute_list(request):
    access.require_dispute_list(request.user)
    qs = (access.disputes_visible_to(request.user).select_related("plan__student__school")
          .annotate(closed=Case(When(state=S.GESLOTEN, then=Value(1)), default=Value(0), output_field=IntegerField()))
          .order_by("closed", "-filed_on", "-pk"))
    rows = _with_deadlines(qs)
    schools = access.schools_with_documents(request.user).distinct().order_by("name")
    return render(request, "disputes/list.html", {"rows": rows, "can_edit": access.can_register_anywhere(request.user),
                                                  "schools": list(schools)})


@login_required
def register(request):
    schools = access.schools_to_register_for(request.user)
    form = RegisterForm(request.POST or None, schools=schools)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        version = data["version"]
        with ServiceErrors(form) as outcome:
            dispute = services.register(
                actor=request.user, plan=version.plan, version=version, subject=data["subject"],
                subject_other=data["subject_other"], filed_on=data["filed_on"], reference=data["reference"],
                late_reasons=data["late_reasons"])
        if outcome.ok:
            messages.success(request, _("Het geschil is geregistreerd."))
            return redirect("disputes:detail", pk=dispute.pk)
    return render(request, "disputes/register.html", {"form": form})


# --- Detail and its forms -------------------------------------------------------------------------------------


def _steps(dispute: Dispute) -> list[dict]:
    current = services.ORDER.index(dispute.state)
    return [{"value": s.value, "label": s.label, "done": i < current, "current": i == current}
            for i, s in enumerate(services.ORDER)]


#: The stages of an open dispute, in order, each with its form: (key, state from which it is the current form,
#: title, url name, button). The commission's dates first; the advice once the hearing is on record; the board's
#: response once the advice is in; closing once the response was sent.
STAGES = [
    ("dates", Dispute.State.INGEDIEND, _lazy("Datums bij de commissie"), "disputes:dates", _lazy("Datums opslaan")),
    ("advice", Dispute.State.ZITTING, _lazy("Advies van de commissie"), "disputes:advice", _lazy("Advies vastleggen")),
    ("response", Dispute.State.ADVIES_ONTVANGEN, _lazy("Reactie van het bestuur"), "disputes:response",
     _lazy("Reactie vastleggen")),
    ("close", Dispute.State.REACTIE_VERZONDEN, _lazy("Geschil sluiten"), "disputes:close", _lazy("Geschil sluiten")),
]


def _summary(key: str, dispute: Dispute) -> str:
    """One line for a finished stage."""
    fmt = _date_text
    if key == "dates":
        parts = [(_("Ontvangen door de commissie"), dispute.received_on),
                 (_("verweer ingediend"), dispute.defence_submitted_on), (_("zitting"), dispute.hearing_on)]
        return "; ".join(f"{label}: {fmt(day)}" for label, day in parts if day) or _("Geen datums vastgelegd.")
    if key == "advice":
        return f"{dispute.get_advice_display()} ({fmt(dispute.advice_on)})" if dispute.advice else "–"
    if key == "response":
        return dispute.get_response_display() or "–"
    return ""


def _date_text(day) -> str:
    return days.formatted(day) if day else "–"


def _stages(dispute: Dispute, forms: dict, found_hints: list) -> list[dict]:
    """The forms of an open dispute by stage: the current one first and open, later ones folded away, finished
    ones summarised (and still correctable, folded). A form the service refused is always shown open."""
    current = services.ORDER.index(dispute.state)
    stages = []
    for key, from_state, title, url_name, button in STAGES:
        starts = services.ORDER.index(from_state)
        following = [s for s in STAGES if services.ORDER.index(s[1]) > starts]
        ends = services.ORDER.index(following[0][1]) if following else len(services.ORDER)
        status = "done" if current >= ends else "current" if current >= starts else "later"
        form = forms[f"{key}_form"]
        refused = form.is_bound and bool(form.errors)
        stages.append({"key": key, "title": title, "url_name": url_name, "button": button, "form": form,
                       "status": status, "open": status == "current" or refused, "refused": refused,
                       "summary": _summary(key, dispute) if status == "done" else "",
                       "hints": [h for h in found_hints if key in h.forms]})
    order = {"current": 0, "later": 1, "done": 2}
    # The refused form first (the page reopens where the user was), then the current stage, later, finished.
    return sorted(stages, key=lambda s: (not s["refused"], order[s["status"]]))


def _detail(request, dispute: Dispute, status: int = 200, **forms):
    student, plan = dispute.plan.student, dispute.plan
    rights = access.dispute_rights(request.user, dispute)
    can_edit = rights["can_edit"]
    context = {
        "dispute": dispute, "student": student, "plan": plan, "version": dispute.version, **rights,
        "steps": _steps(dispute), "deadlines": rules.deadlines_of(dispute),
        "hints": (found_hints := hints.hints(filed_on=dispute.filed_on, made_known_on=dispute.made_known_on,
                                             left_school_on=student.left_on, plan_withdrawn=plan.state == "ingetrokken")),
        "documents": list(dispute.documents.all()),
        "exports": list(dispute.exports.all()[:5]),
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
            close_form=forms.get("close_form") or CloseForm(),
        )
        context["stages"] = _stages(dispute, context, found_hints)
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
        with ServiceErrors(form, field="upload") as outcome:
            call(dispute, form.cleaned_data)
        if outcome.ok:
            messages.success(request, done)
            return redirect("disputes:detail", pk=dispute.pk)
    # The page is long and the form sits far below: say at the top that nothing was saved, and why to look down.
    messages.error(request, NOT_SAVED)
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
    form = CloseForm(request.POST)
    with ServiceErrors(form) as outcome:
        services.close(actor=request.user, dispute=dispute)
    if not outcome.ok:
        return _detail(request, dispute, status=400, close_form=form)
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
    dispute, doc = access.document_for_user(request.user, pk, doc_pk)
    audit.record(request.user, audit.Action.EXPORT, doc, school=dispute.plan.student.school_id,
                 details={"dispute": dispute.pk, "file": "document"})
    ext = doc.stored_name.rsplit(".", 1)[-1]
    return uploads.response(doc.stored_name, doc.content_type, f"geschil-{dispute.pk}-document-{doc.pk}.{ext}")


@login_required
def letter(request, pk):
    dispute = access.dispute_with_letter_for_user(request.user, pk)
    pdf = response_letter.render_response_letter(dispute)
    audit.record(request.user, audit.Action.EXPORT, dispute, details={"file": "reactiebrief"})
    return uploads.attachment(pdf, "application/pdf", f"reactie-bestuur-geschil-{dispute.pk}.pdf")


# --- Dossier export ------------------------------------------------------------------------------------------------


@login_required
@require_POST
def export(request, pk):
    dispute = access.dispute_for_user(request.user, pk, write=True)
    job = services.request_export(actor=request.user, dispute=dispute)
    return redirect("disputes:export_status", pk=dispute.pk, export_pk=job.pk)


@login_required
def export_status(request, pk, export_pk):
    dispute, job = access.export_for_user(request.user, pk, export_pk)
    running = job.state in (DossierExport.State.WACHT, DossierExport.State.BEZIG)
    return render(request, "disputes/export_status.html", {"dispute": dispute, "export": job, "running": running})


@login_required
def export_download(request, pk, export_pk):
    dispute, job = access.export_for_user(request.user, pk, export_pk, ready=True)
    audit.record(request.user, audit.Action.EXPORT, dispute, details={"dossier": job.pk, "sha256": job.sha256})
    return uploads.response(job.stored_name, "application/pdf", f"dossier-geschil-{dispute.pk}.pdf", sha256=job.sha256)


# --- The school's SOP and the SWV ondersteuningsplan ------------------------------------------------------------------


@login_required
def school_documents(request, school_pk):
    school = access.school_for_user(request.user, school_pk)
    form = SchoolDocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        with ServiceErrors(form, field="upload") as outcome:
            services.add_school_document(actor=request.user, school=school, kind=form.cleaned_data["kind"],
                                         upload=form.cleaned_data["upload"])
        if outcome.ok:
            messages.success(request, _("Het document is geüpload."))
            return redirect("disputes:school_documents", school_pk=school.pk)
    if form.is_bound and form.errors:
        messages.error(request, NOT_SAVED)
    docs = list(SchoolDocument.objects.filter(school=school).select_related("uploaded_by"))
    return render(request, "disputes/school_documents.html", {"school": school, "form": form, "documents": docs},
                  status=400 if form.is_bound and form.errors else 200)


@login_required
def school_document(request, school_pk, doc_pk):
    school, doc = access.school_document_for_user(request.user, school_pk, doc_pk)
    audit.record(request.user, audit.Action.EXPORT, doc, school=school.pk, details={"kind": doc.kind})
    return uploads.response(doc.stored_name, "application/pdf", f"{doc.kind}-{school.brin}-{doc.pk}.pdf")
