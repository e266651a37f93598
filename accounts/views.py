from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts import panels as start_panels
from accounts.forms import NotificationPreferenceForm
from accounts.models import Membership
from notifications.models import Preference


@login_required
def home(request):
    """One entry point; the start page depends on who you are (ARCHITECTURE.md)."""
    if access.is_staff_member(request.user) or _waiting_memberships(request.user):
        return redirect("staff_start")
    if request.user.is_superuser:
        return redirect("admin:index")
    return redirect("portal:home")


def _waiting_memberships(user) -> list[Membership]:
    """A new staff member's roles that still wait for approval: they give nothing yet."""
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
    # Every panel comes from the app that owns it (accounts.panels, filled in each AppConfig.ready()).
    panels = start_panels.panels_for(user, caps, today)
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
