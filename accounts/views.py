from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from deadlines import selectors as deadline_selectors
from deadlines.registry import school_year_label
from notifications.models import Preference
from ratelimits import limits

from . import access, activation, approvals, security
from .access import Cap
from .forms import ActivationPasswordForm, LoginForm, NotificationPreferenceForm
from .models import Membership


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@login_required
def home(request):
    """One entry point; the start page depends on who you are (ARCHITECTURE.md)."""
    if access.is_staff_member(request.user) or _waiting_memberships(request.user):
        return redirect("staff_start")
    if request.user.is_superuser:
        return redirect("admin:index")
    return redirect("portal:home")


def _waiting_memberships(user) -> list[Membership]:
    """A new staff member's roles that still wait for approval (issue 16): they give nothing yet."""
    return list(Membership.objects.pending().filter(user=user).select_related("school", "board"))


@login_required
def staff_start(request):
    user = request.user
    if not access.is_staff_member(user):
        waiting = _waiting_memberships(user)
        if waiting:
            return render(request, "accounts/staff_start.html", {"panels": [], "memberships": [], "waiting": waiting})
        return redirect("home")
    caps = access.capabilities(user)
    memberships = access._memberships(user)
    today = timezone.localdate()
    panels = []
    if Cap.PLAN_EDIT in caps:
        rows, total = deadline_selectors.tasks_for(user, today)
        panels.append({"id": "taken", "title": _("Mijn taken"), "wide": True, "rows": rows, "total": total,
                       "can_list_pupils": Cap.PUPIL_VIEW in caps,
                       "empty": _("U heeft op dit moment geen openstaande taken.")})
    if Cap.PLAN_ADOPT in caps:
        from opp.models import PlanVersion

        waiting = PlanVersion.objects.filter(state="ter_vaststelling", plan__state="actief",
                                             plan__student__school__in=access.schools_with(user, Cap.PLAN_ADOPT)).count()
        panels.append({"id": "vaststellen", "title": _("Ter vaststelling"), "waiting": waiting,
                       "empty": _("Er wachten geen OPP's op vaststelling.")})
    if Cap.SCHOOL_OVERVIEW in caps:
        panels.append({"id": "school", "title": _("Schooloverzicht"), "wide": True,
                       "overview": deadline_selectors.school_overview(user, today),
                       "empty": _("Nog geen gegevens voor het overzicht.")})
    if Cap.BOARD_OVERVIEW in caps:
        panels.append({"id": "bestuur", "title": _("Bestuursoverzicht"), "wide": True,
                       "overview": deadline_selectors.board_overview(user, today),
                       "empty": _("Nog geen gegevens voor het overzicht.")})
    if Cap.BOARD_OVERVIEW in caps:
        panels.append({"id": "commissieverslagen", "title": _("Verslagen van de commissie"), "wide": True,
                       "rows": deadline_selectors.commission_reports(user),
                       "empty": _("De commissies van uw scholen hebben nog geen evaluaties vastgelegd.")})
    if Cap.COMMISSION_EDIT in caps:
        rows, total = deadline_selectors.commission_open(user, today)
        panels.append({"id": "commissie", "title": _("Adviezen en evaluaties van de commissie"), "wide": True,
                       "rows": rows, "total": total, "school_year": school_year_label(today),
                       "empty": _("Alle lopende OPP's van het (v)so van uw school zijn dit schooljaar door de "
                                  "commissie geëvalueerd.")})
    if Cap.DISPUTE_VIEW in caps:
        from disputes.views import open_disputes_for

        panels.append({"id": "geschillen", "title": _("Geschillen"), "wide": True, "rows": open_disputes_for(user),
                       "can_edit": Cap.DISPUTE_EDIT in caps, "empty": _("Er lopen geen geschillen.")})
    if Cap.ACCESS_APPROVE in caps:
        panels.append({"id": "goedkeuren", "title": _("Toegang goedkeuren"),
                       "waiting": approvals.pending_for(user).count(),
                       "empty": _("Er wachten geen verzoeken om toegang op uw goedkeuring.")})
    if Cap.ACCOUNTS_MANAGE in caps:
        panels.append({"id": "beheer", "title": _("Beheer"), "empty": None, "admin_link": True})
    return render(request, "accounts/staff_start.html", {"panels": panels, "memberships": memberships, "today": today})


@login_required
def notification_preferences(request):
    """Every logged-in user chooses: one email per reminder, or one daily digest. No pupil data here."""
    preference, _created = Preference.objects.get_or_create(user=request.user)
    # Not `request.POST or None`: an unticked checkbox posts nothing, and that must still save "off".
    form = NotificationPreferenceForm(request.POST if request.method == "POST" else None, instance=preference)
    if form.is_bound and form.is_valid():
        form.save()
        if form.cleaned_data["daily_digest"]:
            messages.success(request, _("Opgeslagen: u krijgt voortaan één dagelijks overzicht."))
        else:
            messages.success(request, _("Opgeslagen: u krijgt voortaan een e-mail per herinnering."))
        return redirect("notification_preferences")
    return render(request, "accounts/notification_preferences.html", {"form": form})


# --- Four eyes on access (issue 16) --------------------------------------------------------------------------


@login_required
def approval_list(request):
    """What the beheerder asked and this schoolleider or bestuurder decides on; no pupil data."""
    if not approvals.may_approve(request.user):
        raise PermissionDenied
    rows = list(approvals.pending_for(request.user))
    return render(request, "accounts/approvals.html", {"rows": rows})


@login_required
@require_POST
def approval_decide(request, pk):
    approval = approvals.approval_for_approver(request.user, pk)
    decision = request.POST.get("decision")
    if decision not in ("approve", "refuse"):
        messages.error(request, _("Kies goedkeuren of weigeren."))
        return redirect("approvals")
    try:
        if decision == "approve":
            approvals.approve(approval=approval, approver=request.user)
        else:
            approvals.refuse(approval=approval, approver=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Goedgekeurd.") if decision == "approve" else _("Geweigerd."))
    return redirect("approvals")


# --- Activation of a staff account (issue 16) -------------------------------------------------------------------


def _private(response):
    # As the parent invitations (portal/views.py): the page that held the token is never sent on in a Referer.
    response["Referrer-Policy"] = "strict-origin"
    response["Cache-Control"] = "no-store"
    return response


#: The activation pages take a one-time token: limited per client address like the parent invitations (issue 16.9).
_per_address = limits.per_address("invitation", "OPP_RATELIMIT_INVITATION")


def _activation_problem(request, problem):
    return _private(render(request, "accounts/activation_problem.html", {"problem": problem}, status=410))


@never_cache
@_per_address
def activation_landing(request, token):
    """The e-mailed link. A GET exchanges nothing (mail scanners follow links): the page POSTs the token."""
    return _private(render(request, "accounts/activation_landing.html", {"token": token}))


@never_cache
@require_POST
@_per_address
def activation_exchange(request):
    try:
        exchanged = activation.exchange(request.POST.get("token", ""))
    except activation.ActivationProblem as exc:
        return _activation_problem(request, exc.problem)
    request.session[activation.SESSION_KEY] = exchanged.pk
    return redirect("activation_password")


@never_cache
@_per_address
def activation_password(request):
    """The clean address after the exchange: the account sets its own password, then its second factor."""
    current = activation.exchanged(request.session.get(activation.SESSION_KEY))
    if current is None:
        return _activation_problem(request, "used")
    form = ActivationPasswordForm(current.user, request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            user = activation.complete(activation=current, password=form.cleaned_data["new_password1"])
        except ValidationError as exc:
            form.add_error("new_password1", exc)
        except activation.ActivationProblem as exc:
            return _activation_problem(request, exc.problem)
        else:
            request.session.pop(activation.SESSION_KEY, None)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            if security.has_confirmed_device(user):
                messages.success(request, _("Uw wachtwoord is ingesteld. Bevestig nu met de code uit uw app."))
                return redirect("home")
            messages.success(request, _("Uw wachtwoord is ingesteld. Stel nu tweestapsverificatie in."))
            return redirect(f"{reverse('otp_setup')}?next={reverse('home')}")
    return _private(render(request, "accounts/activation_password.html", {"form": form, "user_shown": current.user}))
