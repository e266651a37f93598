from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from deadlines import selectors as deadline_selectors
from deadlines.registry import school_year_label
from notifications.models import Preference

from . import access
from .access import Cap
from .forms import LoginForm, NotificationPreferenceForm


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
    return redirect("portal:home")


@login_required
def staff_start(request):
    user = request.user
    if not access.is_staff_member(user):
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
