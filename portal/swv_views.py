"""The parents' side of a request to the samenwerkingsverband (swv.requests): every request about their child that
the school has told them about (all states, also ingediend and toegekend), what is shared, and their reaction while
the request is "bij_ouders". The parties (the guardians with gezag, or the adult pupil, R-TIME-4) react; a guardian
without gezag reads. Reached only from the user's own children (portal.access.portal_students): 404 for any other.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from audit import log as audit
from opp_portal.forms import ServiceErrors
from swv import package
from swv import requests as swv_requests

from . import access
from .forms import SwvReactionForm


@login_required
@require_GET
def swv_requests_list(request, pk):
    student = access.student_for_portal(request.user, pk)
    rows = access.swv_requests_of_child(student).select_related("samenwerkingsverband")
    audit.record(request.user, audit.Action.VIEW, student, details={"page": "portaal_swv_aanvragen"})
    return render(request, "portal/swv_requests.html", {"student": student, "requests": rows})


@login_required
def swv_request(request, pk):
    swv_request = access.swv_request_for_portal(request.user, pk)
    student = swv_request.student
    may_react = (swv_requests.allowed("react", swv_request.state)
                 and bool(swv_requests.parties_of_user(request.user, swv_request)))
    form = SwvReactionForm(request.POST or None) if may_react else None
    if request.method == "POST" and form is not None:
        if form.is_valid():
            with ServiceErrors(form) as outcome:
                swv_requests.react(user=request.user, request=swv_request, text=form.cleaned_data["text"])
            if outcome.ok:
                messages.success(request, _("Uw reactie is opgeslagen. Zij gaat met de aanvraag mee naar het "
                                            "samenwerkingsverband."))
                return redirect("portal:swv_request", pk=swv_request.pk)
    elif request.method == "POST":
        messages.error(request, _("Op deze aanvraag kunt u (nu) niet reageren."))
        return redirect("portal:swv_request", pk=swv_request.pk)
    else:
        audit.record(request.user, audit.Action.VIEW, swv_request, school=student.school_id)
    return render(request, "portal/swv_request.html", {
        "req": swv_request, "student": student, "shared": package.shared_items(swv_request),
        "reactions": list(swv_request.reactions.order_by("created_at", "pk")), "form": form})
