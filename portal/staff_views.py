"""The begeleider invites a guardian or an adult, handelingsbekwame pupil to the portal."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from opp_portal.forms import ServiceErrors

from . import access, services
from .forms import InviteForm


def _invite(request, student, *, guardian=None):
    form = InviteForm(request.POST or None, initial={"email": guardian.email if guardian else ""})
    if request.method == "POST" and form.is_valid():
        with ServiceErrors(form) as outcome:
            services.invite(actor=request.user, email=form.cleaned_data["email"], guardian=guardian,
                            pupil=None if guardian else student, child=student)
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
