"""Staff screens of a request to the SWV: the pupil's requests, compose, the request page (what is shared, the
parents' reactions, the next step), attachments, inform the parents, mark klaar, the package downloads, hand-in,
the SWV's decision and withdrawal. Short views: scoped accessor → form → service (swv.requests) → redirect.

A request is reached through the pupils swv.access lets the user read (404 outside, naming the pupil's school);
every write needs swv.access.WRITE_CAP at the pupil's school (403: the leerkracht and the bestuurder only read).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from audit import log as audit
from opp_portal import uploads
from opp_portal.forms import NOT_SAVED, ServiceErrors

from . import access, package
from . import requests as swv_requests
from .models import SwvRequest
from .request_forms import AttachmentForm, ComposeForm, DecideForm, HandInForm, WithdrawForm


def _detail(swv_request: SwvRequest):
    return redirect("swv:request_detail", pk=swv_request.pk)


@login_required
@require_GET
def request_list(request, pk):
    student = access.student_for_user(request.user, pk)
    audit.record(request.user, audit.Action.VIEW, student, details={"page": "swv_aanvragen"})
    return render(request, "swv/request_list.html", {
        "student": student, "requests": student.swv_requests.select_related("samenwerkingsverband"),
        "can_write": access.may_record(request.user, student),
        "can_read_pupil": access.reads_pupil_page(request.user, student)})


@login_required
def request_compose(request, pk):
    student = access.student_for_user(request.user, pk, write=True)
    form = ComposeForm(request.POST or None, student=student)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            with ServiceErrors(form) as outcome:
                made = swv_requests.compose(
                    actor=request.user, student=student, kind=data["kind"],
                    samenwerkingsverband=data["samenwerkingsverband"], version=data["version"],
                    evaluation=data["evaluation"], share_factors=data["share_factors"],
                    share_pupil_view=data["share_pupil_view"], note=data["note"])
            if outcome.ok:
                messages.success(request, _("De aanvraag is opgesteld. Voeg zo nodig bijlagen toe en informeer dan de "
                                            "ouders."))
                return _detail(made)
        messages.error(request, NOT_SAVED)
    else:
        audit.record(request.user, audit.Action.VIEW, student, details={"page": "swv_aanvraag_opstellen"})
    return render(request, "swv/request_compose.html", {"student": student, "form": form})


@login_required
def request_detail(request, pk):
    """The preview: what will be (or was) shared, the parents' reactions, the next step for who may take it."""
    swv_request = access.request_for_user(request.user, pk)
    audit.record(request.user, audit.Action.VIEW, swv_request, school=swv_request.student.school_id)
    can_write = access.may_record(request.user, swv_request.student)
    state = swv_request.state
    return render(request, "swv/request_detail.html", {
        "req": swv_request, "student": swv_request.student, "shared": package.shared_items(swv_request),
        "attachments": list(swv_request.attachments.all()),
        "reactions": list(swv_request.reactions.order_by("created_at", "pk")),
        "parties": swv_requests.parties(swv_request.student),
        "decisions": list(swv_request.admission_decisions.all()),
        "can_write": can_write,
        "can": {action: can_write and swv_requests.allowed(action, state) for action in swv_requests.TRANSITIONS},
        "has_package": state in swv_requests.PACKAGE_STATES and bool(swv_request.package_name),
        "attachment_form": AttachmentForm() if can_write and swv_requests.allowed("attach", state) else None,
        "will_be_pdfa": not package.has_uploaded_pdf(swv_request),
        "can_read_pupil": access.reads_pupil_page(request.user, swv_request.student)})


@login_required
@require_POST
def request_attach(request, pk):
    swv_request = access.request_for_user(request.user, pk, write=True)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        with ServiceErrors(form, field="document") as outcome:
            swv_requests.add_attachment(actor=request.user, request=swv_request, title=form.cleaned_data["title"],
                                        upload=form.cleaned_data["document"])
        if outcome.ok:
            messages.success(request, _("De bijlage is toegevoegd."))
            return _detail(swv_request)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return _detail(swv_request)


@login_required
@require_POST
def request_inform(request, pk):
    swv_request = access.request_for_user(request.user, pk, write=True)
    with ServiceErrors(request=request) as outcome:
        swv_requests.inform_parents(actor=request.user, request=swv_request)
    if outcome.ok:
        messages.success(request, _("De ouders zijn geïnformeerd. Zij kunnen in het portaal zien wat er wordt gedeeld "
                                    "en reageren."))
    return _detail(swv_request)


@login_required
@require_POST
def request_ready(request, pk):
    swv_request = access.request_for_user(request.user, pk, write=True)
    with ServiceErrors(request=request) as outcome:
        swv_requests.mark_ready(actor=request.user, request=swv_request)
    if outcome.ok:
        messages.success(request, _("Het pakket is gemaakt. Download het en dien het in via het kanaal van het "
                                    "samenwerkingsverband."))
    return _detail(swv_request)


def _package(request, pk, what: str):
    swv_request = access.request_for_user(request.user, pk)
    with ServiceErrors(request=request) as outcome:
        data = swv_requests.export_package(actor=request.user, request=swv_request, what=what)
    if not outcome.ok:
        return _detail(swv_request)
    name = f"aanvraag-swv-{swv_request.pk}-{swv_request.kind}"
    if what == "pdf":
        return uploads.attachment(data, "application/pdf", f"{name}.pdf")
    return uploads.attachment(data, "application/json", f"{name}.json")


@login_required
@require_GET
def request_pdf(request, pk):
    return _package(request, pk, "pdf")


@login_required
@require_GET
def request_json(request, pk):
    return _package(request, pk, "json")


@login_required
def request_hand_in(request, pk):
    swv_request = access.request_for_user(request.user, pk, write=True)
    form = HandInForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            with ServiceErrors(form) as outcome:
                swv_requests.hand_in(actor=request.user, request=swv_request, handed_in_on=data["handed_in_on"],
                                     channel=data["channel"], channel_detail=data["channel_detail"])
            if outcome.ok:
                messages.success(request, _("Vastgelegd: de aanvraag is ingediend bij het samenwerkingsverband."))
                return _detail(swv_request)
        messages.error(request, NOT_SAVED)
    else:
        audit.record(request.user, audit.Action.VIEW, swv_request, school=swv_request.student.school_id)
    return render(request, "swv/request_hand_in.html", {"req": swv_request, "student": swv_request.student,
                                                         "form": form})


@login_required
def request_decide(request, pk):
    swv_request = access.request_for_user(request.user, pk, write=True)
    form = DecideForm(request.POST or None, request.FILES or None, request=swv_request)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            with ServiceErrors(form, field="document" if form.makes_decision else None) as outcome:
                swv_requests.decide(actor=request.user, request=swv_request, outcome=data["outcome"],
                                    decided_on=data["decided_on"], note=data["note"],
                                    decision=form.decision() if form.makes_decision else None,
                                    upload=data.get("document"))
            if outcome.ok:
                messages.success(request, _("Het besluit van het samenwerkingsverband is vastgelegd."))
                return _detail(swv_request)
        messages.error(request, NOT_SAVED)
    else:
        audit.record(request.user, audit.Action.VIEW, swv_request, school=swv_request.student.school_id)
    return render(request, "swv/request_decide.html", {"req": swv_request, "student": swv_request.student,
                                                        "form": form})


@login_required
def request_withdraw(request, pk):
    swv_request = access.request_for_user(request.user, pk, write=True)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            with ServiceErrors(form) as outcome:
                swv_requests.withdraw(actor=request.user, request=swv_request, reason=form.cleaned_data["reason"])
            if outcome.ok:
                messages.success(request, _("De aanvraag is ingetrokken."))
                return _detail(swv_request)
        messages.error(request, NOT_SAVED)
    else:
        audit.record(request.user, audit.Action.VIEW, swv_request, school=swv_request.student.school_id)
    return render(request, "swv/request_withdraw.html", {"req": swv_request, "student": swv_request.student,
                                                          "form": form})
