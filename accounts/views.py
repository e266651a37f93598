from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.access import Cap
from accounts.forms import NotificationPreferenceForm
from accounts.models import Membership
from deadlines import selectors as deadline_selectors
from deadlines.registry import school_year_label
from notifications.models import Preference
from security import approvals


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
    memberships = access.memberships(user)
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
