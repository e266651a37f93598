"""Staff screens for consent requests, paper consent with its scan, and responses to parents' reactions."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from accounts import access
from accounts.access import Cap
from audit import log as audit
from opp_portal import uploads
from students.forms import DATE_ERROR, DATE_FORMATS, DateInput, plausible_date
from students.views import _apply_errors

from . import consent_services
from .models import ConsentAnswer, ConsentRequest, Reaction


def _request_for_user(user, pk, *, cap=None) -> ConsentRequest:
    try:
        req = ConsentRequest.objects.select_related("version__plan__student__school").get(pk=pk)
    except (ConsentRequest.DoesNotExist, ValueError):
        raise Http404 from None
    access.version_for_user(user, req.version_id, cap=cap)  # 404 outside reach, 403 without the right
    return req


@login_required
@require_POST
def request_send(request, pk):
    version = access.version_for_user(request.user, pk, cap=Cap.PLAN_EDIT)
    try:
        consent_services.request_send(actor=request.user, version=version)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except IntegrityError:
        messages.error(request, _("Er loopt al een verzoek om instemming voor deze versie."))
    else:
        messages.success(request, _("Het verzoek om instemming is verstuurd. Ouders zonder portaalaccount kunt u "
                                    "uitnodigen, of u legt hun instemming op papier vast."))
    return redirect("opp:version", pk=version.pk)


@login_required
@require_POST
def request_withdraw(request, pk):
    req = _request_for_user(request.user, pk, cap=Cap.PLAN_EDIT)
    try:
        consent_services.request_withdraw(actor=request.user, request=req)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Het verzoek om instemming is ingetrokken; de versie is terug in overleg."))
    return redirect("opp:version", pk=req.version_id)


class PaperConsentForm(forms.Form):
    party = forms.ChoiceField(label=_lazy("Wie heeft getekend"))
    answer = forms.ChoiceField(label=_lazy("Antwoord"), choices=ConsentAnswer.Answer.choices, widget=forms.RadioSelect)
    signed_on = forms.DateField(label=_lazy("Datum van ondertekening"), widget=DateInput(), input_formats=DATE_FORMATS,
                                error_messages={"invalid": DATE_ERROR}, validators=[plausible_date])
    explanation = forms.CharField(label=_lazy("Toelichting van de ouder (niet verplicht)"), required=False, max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    scan = forms.FileField(label=_lazy("Scan van het ondertekende formulier (PDF, JPEG of PNG)"))

    def __init__(self, *args, parties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].choices = [(f"{p['kind']}:{p['id']}", p["name"]) for p in parties]

    def clean_scan(self):
        upload = self.cleaned_data["scan"]
        uploads.validate(upload)
        return upload


@login_required
def paper(request, pk):
    req = _request_for_user(request.user, pk, cap=Cap.PLAN_EDIT)
    answered = {("guardian" if a.guardian_id else "pupil", a.guardian_id or a.pupil_id) for a in req.answers.all()}
    parties = [p for p in req.parties if (p["kind"], p["id"]) not in answered]
    form = PaperConsentForm(request.POST or None, request.FILES or None, parties=parties)
    if request.method == "POST" and form.is_valid():
        kind, _sep, party_id = form.cleaned_data["party"].partition(":")
        try:
            consent_services.answer_on_paper(
                actor=request.user, request=req, party_kind=kind, party_id=int(party_id),
                answer=form.cleaned_data["answer"], explanation=form.cleaned_data["explanation"],
                signed_on=form.cleaned_data["signed_on"], scan_upload=form.cleaned_data["scan"])
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("De instemming op papier is vastgelegd."))
            return redirect("opp:version", pk=req.version_id)
    if request.method == "GET":
        audit.record(request.user, audit.Action.VIEW, req, school=req.version.plan.student.school_id)
    return render(request, "opp/consent_paper.html", {"form": form, "req": req, "version": req.version,
                                                      "student": req.version.plan.student})


@login_required
def scan(request, pk):
    try:
        answer = ConsentAnswer.objects.select_related("request__version").get(pk=pk)
    except (ConsentAnswer.DoesNotExist, ValueError):
        raise Http404 from None
    access.version_for_user(request.user, answer.request.version_id, cap=Cap.PLAN_EDIT)
    if not answer.scan:
        raise Http404
    audit.record(request.user, audit.Action.EXPORT, answer, details={"file": "scan"})
    ext = answer.scan.rsplit(".", 1)[-1]
    return uploads.response(answer.scan, answer.scan_content_type, f"instemming-{answer.request_id}-{answer.pk}.{ext}")


class ResponseForm(forms.Form):
    response = forms.CharField(label=_lazy("Reactie van de school"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))


@login_required
@require_POST
def reaction_respond(request, pk):
    try:
        reaction = Reaction.objects.select_related("version__plan").get(pk=pk)
    except (Reaction.DoesNotExist, ValueError):
        raise Http404 from None
    plan = access.plan_for_user(request.user, reaction.version.plan_id, cap=Cap.PLAN_EDIT)
    form = ResponseForm(request.POST)
    if form.is_valid():
        try:
            consent_services.reaction_respond(actor=request.user, reaction=reaction, response=form.cleaned_data["response"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("De reactie van de school is vastgelegd; de ouders krijgen bericht."))
    else:
        messages.error(request, _("Schrijf de reactie van de school (maximaal 5.000 tekens)."))
    return redirect("opp:plan", pk=plan.pk)
