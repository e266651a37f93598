"""Submission, the adoption queue and review, adopting or sending back, and verification.

Short views: scoped accessor (opp.access) → form → service → redirect.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import Cap
from audit import log as audit
from opp_portal import uploads
from opp_portal.forms import ServiceErrors, apply_errors, message_of
from ratelimits import limits
from students import deadlines as term

from . import access, adoption, compliance, consent_services, selectors
from . import sections as S
from .forms import AdoptForm, SendBackForm, VerifyForm
from .models import PlanVersion, VersionState

ADOPT, SEND_BACK = "vaststellen", "terugsturen"


@login_required
@require_POST
def submit(request, pk):
    version = access.version_for_user(request.user, pk, cap=Cap.PLAN_EDIT)
    with ServiceErrors(request=request) as outcome:
        adoption.submit(actor=request.user, version=version)
    if outcome.ok:
        messages.success(request, _("Versie %(n)s is ter vaststelling aangeboden aan het bestuur.") % {"n": version.number})
    return redirect("opp:version", pk=version.pk)


@login_required
def queue(request):
    versions = access.adoption_queue_for(request.user)
    today = timezone.localdate()
    rows = []
    for v in sorted(versions, key=lambda v: (v.plan.student.opp_due_on or today, v.submitted_at)):
        student = v.plan.student
        due = student.opp_due_on
        status = term.status(due_on=due, today=today) if due else None
        rows.append({"version": v, "student": student, "due_on": due, "status": status,
                     "status_label": term.STATUS_LABELS.get(status, "") if status else "",
                     "days_left": term.days_left(due, today) if due else None})
    return render(request, "opp/adoption_queue.html", {"rows": rows, "today": today})


def _adopt(request, version: PlanVersion, form: AdoptForm) -> bool:
    """Adopt; a wrong password or second-factor code goes on the form, any other refusal on the page."""
    try:
        adoption.adopt(actor=request.user, version=version, password=form.cleaned_data["password"],
                       otp_token=form.cleaned_data.get("otp_token"))
    except ValidationError as exc:
        if {"password", "otp_token"} & set(getattr(exc, "error_dict", {})):
            apply_errors(form, exc)
        else:
            messages.error(request, message_of(exc))
        return False
    except IntegrityError:
        messages.error(request, adoption.MSG_NOT_AWAITING % {"state": _("gewijzigd")})
        return False
    return True


@login_required
def review(request, pk):
    version = access.version_for_review(request.user, pk)
    adopt_form, back_form = AdoptForm(user=request.user), SendBackForm()
    if request.method == "POST":
        action = access.choice_or_404(request.POST.get("action"), (ADOPT, SEND_BACK),
                                      school_id=version.plan.student.school_id)
        if action == ADOPT:
            adopt_form = AdoptForm(request.POST, user=request.user)
            if adopt_form.is_valid() and _adopt(request, version, adopt_form):
                messages.success(request, _("Versie %(n)s is vastgesteld. De ouders zijn op de hoogte gebracht.")
                                 % {"n": version.number})
                return redirect("opp:adoption_queue")
        else:
            back_form = SendBackForm(request.POST)
            if back_form.is_valid():
                with ServiceErrors(request=request) as outcome:
                    adoption.send_back(actor=request.user, version=version, reason=back_form.cleaned_data["reason"])
                if outcome.ok:
                    messages.success(request, _("De versie is teruggestuurd naar de school."))
                    return redirect("opp:adoption_queue")
        version = access.version_for_review(request.user, pk)
    else:
        audit.record(request.user, audit.Action.VIEW, version, details={"page": "review"})
    full = selectors.load_version(version.pk)
    snap = selectors.snapshot(full, today=timezone.localdate())
    return render(request, "opp/adoption_review.html", {
        "version": full, "plan": full.plan, "student": full.plan.student, "findings": compliance.findings(snap),
        "sections": [{"key": k, "meta": S.SECTIONS[k]} for k in snap.applicable],
        "consultations": list(full.plan.consultations.prefetch_related("suggestions")),
        "consent": consent_services.status(full), "adopt_form": adopt_form, "back_form": back_form,
        "mandate": access.adoption_mandate(request.user, full.plan.student.school),
        "deadline": full.plan.student.opp_due_on, "awaiting": full.state == VersionState.TER_VASTSTELLING,
    })


@login_required
# Each upload is parsed and hashed: limited per client address (OPP_RATELIMIT_VERIFY); showing the form is not.
@limits.per_address("verify", "OPP_RATELIMIT_VERIFY", methods=("POST",))
def verify(request):
    access.require_plan_reader(request.user)
    form = VerifyForm(request.POST or None, request.FILES or None)
    result, checked = None, False
    if request.method == "POST" and form.is_valid():
        checked = True
        pdf = form.cleaned_data.get("pdf")
        result = adoption.verify(user=request.user, pdf_bytes=pdf.read() if pdf else None,
                                 version_hash=form.cleaned_data.get("version_hash"))
        audit.record(request.user, audit.Action.VIEW, result, details={"page": "verify", "match": bool(result)})
    return render(request, "opp/verify.html", {"form": form, "result": result, "checked": checked})


@login_required
def archived_pdf(request, pk):
    version = access.archived_version_for_user(request.user, pk)
    audit.record(request.user, audit.Action.EXPORT, version, details={"format": "pdf", "archived": True})
    initials = version.plan.student.initials.replace(".", "")
    return uploads.response(version.archived_pdf, "application/pdf", f"opp-{initials}-v{version.number}-vastgesteld.pdf",
                            sha256=version.archived_pdf_hash)
