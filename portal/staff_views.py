"""The begeleider invites a guardian or an adult, handelingsbekwame pupil to the portal, and sends a reminder for an
invitation that was not accepted yet."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from opp_portal.forms import ServiceErrors
from ratelimits import limits

from . import access, services
from .forms import InviteForm


def _invite(request, student, *, guardian=None):
    # The name and address the school has on record are filled in (the begeleider checks them, not retypes them).
    initial = {"email": guardian.email, "name": guardian.name} if guardian else {
        "email": "", "name": student.full_name}
    form = InviteForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        with ServiceErrors(form) as outcome:
            services.invite(actor=request.user, email=form.cleaned_data["email"], guardian=guardian,
                            pupil=None if guardian else student, child=student, name=form.cleaned_data["name"])
        if outcome.ok:
            messages.success(request, _("De uitnodiging is verstuurd naar %(email)s. De link is %(days)s dagen geldig.")
                             % {"email": form.cleaned_data["email"], "days": services.settings.OPP_INVITATION_DAYS})
            return redirect("students:detail", pk=student.pk)
    return render(request, "portal/invite_form.html", {"form": form, "student": student, "guardian": guardian})


@login_required
def invite_guardian(request, pk, link_pk):
    student, link = access.guardian_link_to_invite(request.user, pk, link_pk)
    return _invite(request, student, guardian=link.guardian)


@login_required
def invite_pupil(request, pk):
    return _invite(request, access.student_to_invite(request.user, pk))


@login_required
@require_POST
def remind(request, pk, invitation_pk):
    """"Herinnering sturen": the invitation email again, with a fresh link (the old one stops working). Limited per
    invited address like the invitation pages (OPP_RATELIMIT_INVITATION_EMAIL): no mailbox gets flooded."""
    student, invitation = access.invitation_to_remind(request.user, pk, invitation_pk)
    refused = limits.check_email(request, group="invitation_reminder", setting="OPP_RATELIMIT_INVITATION_EMAIL",
                                 email=invitation.email)
    if refused is not None:
        return refused
    with ServiceErrors(request=request) as outcome:
        services.remind(actor=request.user, invitation=invitation, child=student)
    if outcome.ok:
        messages.success(request, _("De herinnering is verstuurd naar %(email)s, met een nieuwe link die %(days)s dagen "
                                    "geldig is. De link in de eerdere e-mail werkt niet meer.")
                         % {"email": invitation.email, "days": services.settings.OPP_INVITATION_DAYS})
    return redirect(f"{reverse('students:detail', args=[student.pk])}#portaal-uitnodigingen")
