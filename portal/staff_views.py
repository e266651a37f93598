"""The begeleider invites a guardian or an adult, handelingsbekwame pupil to the portal."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts import access
from accounts.access import Cap
from students.models import GuardianLink
from students.views import _apply_errors

from . import services


class InviteForm(forms.Form):
    email = forms.EmailField(label=_lazy("E-mailadres"), error_messages={"invalid": _lazy("Vul een geldig e-mailadres in.")})


def _invite(request, student, *, guardian=None):
    form = InviteForm(request.POST or None, initial={"email": guardian.email if guardian else ""})
    if request.method == "POST" and form.is_valid():
        try:
            services.invite(actor=request.user, email=form.cleaned_data["email"], guardian=guardian,
                            pupil=None if guardian else student, child=student)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("De uitnodiging is verstuurd naar %(email)s. De link is %(days)s dagen geldig.")
                             % {"email": form.cleaned_data["email"], "days": services.settings.OPP_INVITATION_DAYS})
            return redirect("students:detail", pk=student.pk)
    return render(request, "portal/invite_form.html", {"form": form, "student": student, "guardian": guardian})


@login_required
def invite_guardian(request, pk, link_pk):
    student = access.student_for_user(request.user, pk)
    access.require_cap(request.user, Cap.PLAN_EDIT, student.school)
    try:
        link = student.guardian_links.select_related("guardian").get(pk=link_pk)
    except (GuardianLink.DoesNotExist, ValueError):
        raise Http404 from None
    return _invite(request, student, guardian=link.guardian)


@login_required
def invite_pupil(request, pk):
    student = access.student_for_user(request.user, pk)
    access.require_cap(request.user, Cap.PLAN_EDIT, student.school)
    return _invite(request, student)
