"""Staff screens for consent requests, paper consent with its scan, and responses to parents' reactions.

Short views: scoped accessor (opp.access) → form → service → redirect.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import Cap
from audit import log as audit
from opp_portal import uploads
from opp_portal.forms import ServiceErrors
from opp_portal.redirects import safe_next

from . import access, consent_services
from .forms import PaperConsentForm, ResponseForm


@login_required
@require_POST
def request_send(request, pk):
    version = access.version_for_user(request.user, pk, cap=Cap.PLAN_EDIT)
    with ServiceErrors(request=request) as outcome:
        try:
            consent_services.request_send(actor=request.user, version=version)
        except IntegrityError:
            raise ValidationError(_("Er loopt al een verzoek om instemming voor deze versie.")) from None
    if outcome.ok:
        messages.success(request, _("Het verzoek om instemming is verstuurd. Ouders zonder portaalaccount kunt u "
                                    "uitnodigen, of u legt hun instemming op papier vast."))
    return redirect("opp:version", pk=version.pk)


@login_required
@require_POST
def request_withdraw(request, pk):
    req = access.consent_request_for_user(request.user, pk, cap=Cap.PLAN_EDIT)
    with ServiceErrors(request=request) as outcome:
        consent_services.request_withdraw(actor=request.user, request=req)
    if outcome.ok:
        messages.success(request, _("Het verzoek om instemming is ingetrokken; de versie is terug in overleg."))
    return redirect("opp:version", pk=req.version_id)


@login_required
@require_POST
def request_remind(request, pk):
    req = access.consent_request_for_user(request.user, pk, cap=Cap.PLAN_EDIT)
    with ServiceErrors(request=request) as outcome:
        names = consent_services.request_remind(actor=request.user, request=req)
    if outcome.ok:
        messages.success(request, _("Herinnering verstuurd aan %(names)s.") % {"names": ", ".join(names)})
    return redirect(_back(request, req))


def _back(request, req) -> str:
    """Back to the page the button was on (the plan, the version or the pupil page), else the version."""
    return safe_next(request, reverse("opp:version", args=[req.version_id]))


@login_required
def paper(request, pk):
    req = access.consent_request_for_user(request.user, pk, cap=Cap.PLAN_EDIT)
    answered = {("guardian" if a.guardian_id else "pupil", a.guardian_id or a.pupil_id) for a in req.answers.all()}
    parties = [p for p in req.parties if (p["kind"], p["id"]) not in answered]
    form = PaperConsentForm(request.POST or None, request.FILES or None, parties=parties)
    if request.method == "POST" and form.is_valid():
        kind, _sep, party_id = form.cleaned_data["party"].partition(":")
        with ServiceErrors(form) as outcome:
            consent_services.answer_on_paper(
                actor=request.user, request=req, party_kind=kind, party_id=int(party_id),
                answer=form.cleaned_data["answer"], explanation=form.cleaned_data["explanation"],
                signed_on=form.cleaned_data["signed_on"], scan_upload=form.cleaned_data["scan"])
        if outcome.ok:
            messages.success(request, _("De instemming op papier is vastgelegd."))
            return redirect("opp:version", pk=req.version_id)
    if request.method == "GET":
        audit.record(request.user, audit.Action.VIEW, req, school=req.version.plan.student.school_id)
    return render(request, "opp/consent_paper.html", {"form": form, "req": req, "version": req.version,
                                                      "student": req.version.plan.student})


@login_required
def scan(request, pk):
    answer = access.consent_scan_for_user(request.user, pk)
    audit.record(request.user, audit.Action.EXPORT, answer, details={"file": "scan"})
    ext = answer.scan.rsplit(".", 1)[-1]
    return uploads.response(answer.scan, answer.scan_content_type, f"instemming-{answer.request_id}-{answer.pk}.{ext}")


@login_required
@require_POST
def reaction_respond(request, pk):
    reaction = access.reaction_for_user(request.user, pk, cap=Cap.PLAN_EDIT)
    form = ResponseForm(request.POST)
    if form.is_valid():
        with ServiceErrors(request=request) as outcome:
            consent_services.reaction_respond(actor=request.user, reaction=reaction, response=form.cleaned_data["response"])
        if outcome.ok:
            messages.success(request, _("De reactie van de school is vastgelegd; de ouders krijgen bericht."))
    else:
        messages.error(request, _("Schrijf de reactie van de school (maximaal 5.000 tekens)."))
    return redirect("opp:plan", pk=reaction.version.plan_id)
