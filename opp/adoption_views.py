"""Submission, the adoption queue and review, adopting or sending back, and verification (issue 7)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from accounts import access
from accounts.access import Cap
from audit import log as audit
from opp_portal import uploads
from ratelimits import limits
from security.policy import second_factor_required
from students import deadlines as term
from students.views import _apply_errors

from . import adoption, compliance, consent_services, selectors
from . import sections as S
from .models import PlanVersion, VersionState


def _awaiting(user):
    return (PlanVersion.objects.filter(state=VersionState.TER_VASTSTELLING, plan__state="actief",
                                       plan__student__school__in=access.schools_with(user, Cap.PLAN_ADOPT))
            .select_related("plan__student__school", "submitted_by"))


@login_required
@require_POST
def submit(request, pk):
    version = access.version_for_user(request.user, pk, cap=Cap.PLAN_EDIT)
    try:
        adoption.submit(actor=request.user, version=version)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Versie %(n)s is ter vaststelling aangeboden aan het bestuur.") % {"n": version.number})
    return redirect("opp:version", pk=version.pk)


@login_required
def queue(request):
    if not access.schools_with(request.user, Cap.PLAN_ADOPT).exists():
        raise PermissionDenied
    today = timezone.localdate()
    rows = []
    for v in sorted(_awaiting(request.user), key=lambda v: (v.plan.student.opp_due_on or today, v.submitted_at)):
        student = v.plan.student
        due = student.opp_due_on
        status = term.status(due_on=due, today=today) if due else None
        rows.append({"version": v, "student": student, "due_on": due, "status": status,
                     "status_label": term.STATUS_LABELS.get(status, "") if status else "",
                     "days_left": term.days_left(due, today) if due else None})
    return render(request, "opp/adoption_queue.html", {"rows": rows, "today": today})


class AdoptForm(forms.Form):
    password = forms.CharField(label=_lazy("Uw wachtwoord, ter bevestiging"),
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    otp_token = forms.CharField(label=_lazy("Code uit uw authenticator-app"), max_length=32,
                                widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The second factor is asked again for this signature-like act (issue 10), when the user has one.
        if user is None or not second_factor_required(user):
            del self.fields["otp_token"]


class SendBackForm(forms.Form):
    reason = forms.CharField(label=_lazy("Reden om terug te sturen"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


def _review_version(user, pk) -> PlanVersion:
    try:
        version = PlanVersion.objects.select_related("plan__student__school__board").get(
            pk=pk, plan__student__school__in=access.schools_with(user, Cap.PLAN_ADOPT))
    except (PlanVersion.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    return version


@login_required
def review(request, pk):
    version = _review_version(request.user, pk)
    adopt_form, back_form = AdoptForm(user=request.user), SendBackForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "vaststellen":
            adopt_form = AdoptForm(request.POST, user=request.user)
            if adopt_form.is_valid():
                try:
                    adoption.adopt(actor=request.user, version=version, password=adopt_form.cleaned_data["password"],
                                   otp_token=adopt_form.cleaned_data.get("otp_token"))
                except ValidationError as exc:
                    if getattr(exc, "error_dict", None) and {"password", "otp_token"} & set(exc.error_dict):
                        _apply_errors(adopt_form, exc)
                    else:
                        messages.error(request, " ".join(exc.messages))
                except IntegrityError:
                    messages.error(request, adoption.MSG_NOT_AWAITING % {"state": _("gewijzigd")})
                else:
                    messages.success(request, _("Versie %(n)s is vastgesteld. De ouders zijn op de hoogte gebracht.")
                                     % {"n": version.number})
                    return redirect("opp:adoption_queue")
        elif action == "terugsturen":
            back_form = SendBackForm(request.POST)
            if back_form.is_valid():
                try:
                    adoption.send_back(actor=request.user, version=version, reason=back_form.cleaned_data["reason"])
                except ValidationError as exc:
                    messages.error(request, " ".join(exc.messages))
                else:
                    messages.success(request, _("De versie is teruggestuurd naar de school."))
                    return redirect("opp:adoption_queue")
        else:
            raise Http404
        version = _review_version(request.user, pk)
    else:
        audit.record(request.user, audit.Action.VIEW, version, details={"page": "review"})
    full = selectors.load_version(version.pk)
    today = timezone.localdate()
    snap = selectors.snapshot(full, today=today)
    return render(request, "opp/adoption_review.html", {
        "version": full, "plan": full.plan, "student": full.plan.student, "findings": compliance.findings(snap),
        "sections": [{"key": k, "meta": S.SECTIONS[k]} for k in snap.applicable],
        "uitstroom_label": S.uitstroom_label(full.uitstroom_profiel or ""),
        "consultations": list(full.plan.consultations.prefetch_related("suggestions")),
        "consent": consent_services.status(full), "adopt_form": adopt_form, "back_form": back_form,
        "mandate": access.adoption_mandate_of(request.user, full.plan.student.school),
        "deadline": full.plan.student.opp_due_on, "awaiting": full.state == VersionState.TER_VASTSTELLING,
    })


class VerifyForm(forms.Form):
    pdf = forms.FileField(label=_lazy("PDF-bestand"), required=False)
    version_hash = forms.CharField(label=_lazy("of: de versiehash (64 tekens) uit de voettekst"), required=False, max_length=200)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("pdf") and not (cleaned.get("version_hash") or "").strip():
            raise ValidationError(_("Kies een PDF-bestand of plak een versiehash."))
        if cleaned.get("pdf"):
            ext, _type = uploads.validate(cleaned["pdf"], max_bytes=20 * 1024 * 1024)
            if ext != "pdf":
                raise ValidationError(_("Alleen een PDF-bestand kan worden gecontroleerd."))
        return cleaned


@login_required
# Each upload is parsed and hashed: limited per client address (OPP_RATELIMIT_VERIFY); showing the form is not.
@limits.per_address("verify", "OPP_RATELIMIT_VERIFY", methods=("POST",))
def verify(request):
    if not access.schools_with(request.user, Cap.PLAN_VIEW).exists():
        raise PermissionDenied
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
    version = access.version_for_user(request.user, pk)
    if not version.archived_pdf:
        raise Http404
    audit.record(request.user, audit.Action.EXPORT, version, details={"format": "pdf", "archived": True})
    initials = version.plan.student.initials.replace(".", "")
    return uploads.response(version.archived_pdf, "application/pdf", f"opp-{initials}-v{version.number}-vastgesteld.pdf")
