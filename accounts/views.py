from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from . import access
from .access import Cap
from .forms import LoginForm


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@login_required
def home(request):
    """One entry point; the start page depends on who you are (ARCHITECTURE.md)."""
    if access.is_staff_member(request.user):
        return redirect("staff_start")
    if request.user.is_superuser:
        return redirect("admin:index")
    return redirect("portal_start")


@login_required
def staff_start(request):
    user = request.user
    if not access.is_staff_member(user):
        return redirect("home")
    caps = access.capabilities(user)
    memberships = access._memberships(user)
    panels = []
    if caps & {Cap.PUPIL_EDIT, Cap.PLAN_EDIT, Cap.PUPIL_VIEW}:
        panels.append({"id": "taken", "title": _("Mijn taken"), "empty": _("U heeft op dit moment geen openstaande taken.")})
    if Cap.PLAN_ADOPT in caps:
        panels.append({"id": "vaststellen", "title": _("Ter vaststelling"), "empty": _("Er wachten geen OPP's op vaststelling.")})
    if Cap.SCHOOL_OVERVIEW in caps:
        panels.append({"id": "school", "title": _("Schooloverzicht"), "empty": _("Nog geen gegevens voor het overzicht.")})
    if Cap.BOARD_OVERVIEW in caps:
        panels.append({"id": "bestuur", "title": _("Bestuursoverzicht"), "empty": _("Nog geen gegevens voor het overzicht.")})
    if Cap.COMMISSION_EDIT in caps:
        panels.append({"id": "commissie", "title": _("Adviezen en evaluaties van de commissie"), "empty": _("Er wachten geen adviezen.")})
    if Cap.DISPUTE_VIEW in caps:
        panels.append({"id": "geschillen", "title": _("Geschillen"), "empty": _("Er lopen geen geschillen.")})
    if Cap.ACCOUNTS_MANAGE in caps:
        panels.append({"id": "beheer", "title": _("Beheer"), "empty": None, "admin_link": True})
    return render(request, "accounts/staff_start.html", {"panels": panels, "memberships": memberships})


@login_required
def portal_start(request):
    """Start page for parents and adult pupils; their children appear once the pupil links exist."""
    return render(request, "accounts/portal_start.html", {})
