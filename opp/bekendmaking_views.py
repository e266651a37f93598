"""Bekendmaking per party on the staff side: the block on the version page (vaststelling) and on the
plan page (intrekking), recording a letter, e-mail or conversation, and the printable letter per party.

Short views: scoped accessor (opp.access: 404 outside the user's schools, 403 without PLAN_EDIT) → form → service →
redirect.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.access import Cap
from audit import log as audit
from opp_portal import dates, uploads
from opp_portal.forms import ServiceErrors

from . import access, bekendmaking, bekendmaking_pdf
from .forms import BekendmakingForm
from .models import Plan, PlanVersion


def _urls(subject: PlanVersion | Plan) -> dict:
    if isinstance(subject, PlanVersion):
        return {"back": reverse("opp:version", args=[subject.pk]) + "#bekendmaking",
                "record": reverse("opp:bekendmaking_record", args=[subject.pk]), "letter": "opp:bekendmaking_letter"}
    return {"back": reverse("opp:plan", args=[subject.pk]) + "#bekendmaking",
            "record": reverse("opp:withdrawal_notice_record", args=[subject.pk]), "letter": "opp:withdrawal_notice_letter"}


def block(user, subject: PlanVersion | Plan, *, form: BekendmakingForm | None = None) -> dict | None:
    """The "Bekendmaking" block of the version page (an adopted version) or the plan page (a withdrawn plan)."""
    found = bekendmaking.overview(subject)
    if found is None:
        return None
    plan = subject.plan if isinstance(subject, PlanVersion) else subject
    can_record = access.may_edit_plan(user, plan)
    urls = _urls(subject)
    rows = [{"status": s, "letter_url": reverse(urls["letter"], args=[subject.pk, s.key]) if can_record else ""}
            for s in found["parties"]]
    if form is None and can_record and found["pending"]:
        form = BekendmakingForm(parties=found["parties"], initial={"party": found["pending"][0].key},
                                auto_id="id_bekendmaking_%s")
    return {**found, "rows": rows, "can_record": can_record, "form": form if can_record else None,
            "record_url": urls["record"]}


def _record(request, subject: PlanVersion | Plan):
    urls = _urls(subject)
    found = bekendmaking.overview(subject)
    if found is None:
        messages.error(request, _("Er is (nog) geen besluit om bekend te maken."))
        return redirect(urls["back"])
    form = BekendmakingForm(request.POST, parties=found["parties"], auto_id="id_bekendmaking_%s")
    if form.is_valid():
        with ServiceErrors(form) as outcome:
            try:
                row = bekendmaking.bekendmaking_record(
                    actor=request.user, version_or_plan=subject, party=form.cleaned_data["party"],
                    channel=form.cleaned_data["channel"], made_known_on=form.cleaned_data["made_known_on"])
            except IntegrityError:  # a colleague recorded the same party a moment earlier
                raise ValidationError({"party": _("De bekendmaking aan deze ouder is al vastgelegd.")}) from None
        if outcome.ok:
            messages.success(request, _("De bekendmaking aan %(name)s op %(d)s is vastgelegd.") % {
                "name": row.party_name, "d": dates.formatted(row.made_known_on)})
            return redirect(urls["back"])
    plan = subject.plan if isinstance(subject, PlanVersion) else subject
    # Keep what was typed: the form again, filled in, with the messages beside the fields.
    return render(request, "opp/bekendmaking_retry.html", {
        "subject": subject, "plan": plan, "student": plan.student, "form": form, "back_url": urls["back"],
        "withdrawal": found["withdrawal"], "record_url": urls["record"]})


@login_required
@require_POST
def record(request, pk):
    return _record(request, access.version_for_user(request.user, pk, cap=Cap.PLAN_EDIT))


@login_required
@require_POST
def record_withdrawal(request, pk):
    return _record(request, access.plan_for_user(request.user, pk, cap=Cap.PLAN_EDIT))


def _letter(request, subject: PlanVersion | Plan, party: str):
    status = access.bekendmaking_party_for(subject, party)
    content = bekendmaking_pdf.render_letter(subject, status)
    audit.record(request.user, audit.Action.EXPORT, subject, details={
        "format": "pdf", "letter": "bekendmaking", "party": f"{status.party.kind}:{status.party.id}",
        "recorded": status.row is not None})
    return uploads.attachment(content, "application/pdf", bekendmaking_pdf.letter_filename(subject, status))


@login_required
@require_GET
def letter(request, pk, party):
    """The letter is the sender's (PLAN_EDIT): the leerkracht and the board read the plan but do not send it."""
    return _letter(request, access.version_for_user(request.user, pk, cap=Cap.PLAN_EDIT), party)


@login_required
@require_GET
def letter_withdrawal(request, pk, party):
    return _letter(request, access.plan_for_user(request.user, pk, cap=Cap.PLAN_EDIT), party)
