"""Staff screens for a pupil's admission decisions (TLV, commissie van onderzoek). Short views: scoped accessor →
form → service → redirect.

Every pupil and decision is reached through swv.access (404 outside the reach, naming the pupil's school); writes
ask it for `write=True` (403 for those who only read: the leerkracht, the commission, the bestuurder). Every read is
audited, every file served is audited first.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from audit import log as audit
from opp_portal import uploads
from opp_portal.forms import NOT_SAVED, ServiceErrors

from . import access, selectors, services
from .forms import DecisionForm, DocumentForm, WithdrawForm


#: Shown at the top of a page re-rendered with a form's errors further down, where the eye does not reach.
@login_required
@require_GET
def pupil(request, pk):
    """The pupil's admission: the decision in force, the finding, the history (withdrawn decisions included)."""
    student = access.student_for_user(request.user, pk)
    today = timezone.localdate()
    audit.record(request.user, audit.Action.VIEW, student, details={"page": "toelaatbaarheid"})
    return render(request, "swv/pupil.html", {
        "student": student, "standing": selectors.standing(student, today), "today": today,
        "can_record": access.may_record(request.user, student),
        "can_read_pupil": access.reads_pupil_page(request.user, student)})


@login_required
def record(request, pk):
    student = access.student_for_user(request.user, pk, write=True)
    form = DecisionForm(request.POST or None, request.FILES or None, student=student)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            with ServiceErrors(form, field="document") as outcome:
                services.record_decision(
                    actor=request.user, student=student, kind=data["kind"],
                    samenwerkingsverband=data["samenwerkingsverband"], decision_number=data["decision_number"],
                    decided_on=data["decided_on"], onderwijssoort=data["onderwijssoort"], category=data["category"],
                    starts_on=data["starts_on"], ends_on=data["ends_on"], based_on_version=data["based_on_version"],
                    upload=data["document"])
            if outcome.ok:
                messages.success(request, _("Het besluit is vastgelegd."))
                return redirect("swv:pupil", pk=student.pk)
        messages.error(request, NOT_SAVED)
    else:
        audit.record(request.user, audit.Action.VIEW, student, details={"page": "toelaatbaarheid_vastleggen"})
    return render(request, "swv/record.html", {"student": student, "form": form})


@login_required
def withdraw(request, pk):
    decision = access.decision_for_user(request.user, pk, write=True)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            with ServiceErrors(form) as outcome:
                services.withdraw_decision(actor=request.user, decision=decision, reason=form.cleaned_data["reason"])
            if outcome.ok:
                messages.success(request, _("Het besluit is ingetrokken. Het blijft zichtbaar in de geschiedenis."))
                return redirect("swv:pupil", pk=decision.student_id)
        messages.error(request, NOT_SAVED)
    else:
        audit.record(request.user, audit.Action.VIEW, decision, school=decision.student.school_id)
    return render(request, "swv/withdraw.html", {"decision": decision, "student": decision.student, "form": form})


@login_required
def upload(request, pk):
    decision = access.decision_for_user(request.user, pk, write=True)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            with ServiceErrors(form, field="document") as outcome:
                services.attach_document(actor=request.user, decision=decision, upload=form.cleaned_data["document"])
            if outcome.ok:
                messages.success(request, _("Het document is toegevoegd."))
                return redirect("swv:pupil", pk=decision.student_id)
        messages.error(request, NOT_SAVED)
    else:
        audit.record(request.user, audit.Action.VIEW, decision, school=decision.student.school_id)
    return render(request, "swv/upload.html", {"decision": decision, "student": decision.student, "form": form})


@login_required
@require_GET
def document(request, pk):
    decision = access.decision_with_document_for_user(request.user, pk)
    audit.record(request.user, audit.Action.EXPORT, decision, school=decision.student.school_id,
                 details={"student": decision.student_id, "file": "document"})
    ext = decision.stored_name.rsplit(".", 1)[-1]
    return uploads.response(decision.stored_name, decision.content_type,
                            f"{decision.kind}-besluit-{decision.pk}.{ext}", sha256=decision.sha256)
