"""Session, second-factor and header policy (issue 10; DOMAIN.md "Retention and privacy").

- `SecondFactorMiddleware`: with OPP_REQUIRE_2FA on, a logged-in staff member, bestuurder or beheerder
  (and any parent who enrolled a device) reaches nothing but the 2FA pages and logout until the session
  is verified by django-otp. The admin site is behind the same middleware, so there is no way around it.
- `SessionPolicyMiddleware`: idle timeout (30 min staff, 15 min portal) and an absolute 12-hour limit,
  counted from the login, not from the cookie.
- `NoStoreMiddleware`: `Cache-Control: no-store` on every response but static files: any page may show
  pupil data, and every PDF does.
- `end_all_sessions`: deletes every session of a user (deactivation, password change).
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.sessions.models import Session
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _

from . import access, audit
from .models import User, UserSession

AUTH_AT = "opp_auth_at"
SEEN_AT = "opp_seen_at"
#: The idle clock is written back at most this often, so that not every request writes the session.
SEEN_RESOLUTION_SECONDS = 30


# --- who needs what --------------------------------------------------------------------------------

def is_staff_account(user: User) -> bool:
    """Staff in the sense of the policy: any role at a school or board, or an admin-site account."""
    return bool(user.is_staff or user.is_superuser or access.is_staff_member(user))


def has_confirmed_device(user: User) -> bool:
    from django_otp import user_has_device

    return user_has_device(user, confirmed=True)


def second_factor_required(user: User) -> bool:
    """Staff must (when OPP_REQUIRE_2FA is on); a parent who enrolled a device must too."""
    if not getattr(settings, "OPP_REQUIRE_2FA", True):
        return False
    return is_staff_account(user) or has_confirmed_device(user)


# --- middleware ---------------------------------------------------------------------------------------

#: The 2FA pages themselves live under this prefix (accounts/urls.py).
OTP_PREFIX = "/account/tweestaps/"
_EXEMPT_PREFIXES = ("/static/", "/health/", "/i18n/", OTP_PREFIX)


def _exempt(path: str) -> bool:
    return path.startswith(_EXEMPT_PREFIXES) or path in {reverse("logout"), reverse("login")}


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (user.is_authenticated and not user.is_verified() and not _exempt(request.path)
                and second_factor_required(user)):
            target = "otp_verify" if has_confirmed_device(user) else "otp_setup"
            query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
            return redirect(reverse(target) + (f"?{query}" if query else ""))
        return self.get_response(request)


class SessionPolicyMiddleware:
    """Idle and absolute limits, checked on every request of a logged-in user."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            now = time.time()
            session = request.session
            auth_at = session.get(AUTH_AT)
            seen_at = session.get(SEEN_AT, auth_at)
            idle_limit = (settings.OPP_SESSION_IDLE_STAFF_SECONDS if is_staff_account(user)
                          else settings.OPP_SESSION_IDLE_PORTAL_SECONDS)
            expired = (auth_at is None or now - auth_at > settings.OPP_SESSION_ABSOLUTE_SECONDS
                       or seen_at is None or now - seen_at > idle_limit)
            if expired:
                audit.record(user, audit.Action.SESSION_EXPIRED,
                             details={"reason": "absolute" if auth_at and now - auth_at > settings.OPP_SESSION_ABSOLUTE_SECONDS
                                      else "idle"})
                logout(request)
                messages.info(request, _("U bent automatisch uitgelogd omdat u een tijd niet actief was. "
                                         "Log opnieuw in."))
                if request.method == "GET":
                    return redirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")
                return redirect("login")
            if now - seen_at >= SEEN_RESOLUTION_SECONDS:
                session[SEEN_AT] = now
        return self.get_response(request)


class NoStoreMiddleware:
    """Nothing the app renders may stay in a browser or proxy cache (ASVS 8.2.1). Static files (served by
    the proxy or WhiteNoise-free runserver) are the one exception."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/static/"):
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True, private=True)
        return response


# --- session bookkeeping --------------------------------------------------------------------------

def start_session(request, user: User) -> None:
    """Called at login (after Django gave the session a new id): stamp the clocks and index the key."""
    now = time.time()
    request.session[AUTH_AT] = now
    request.session[SEEN_AT] = now
    if request.session.session_key is None:
        request.session.save()
    UserSession.objects.get_or_create(session_key=request.session.session_key, defaults={"user": user})


def end_all_sessions(user: User, *, keep: str | None = None, reason: str) -> int:
    """Delete every session of `user` (but `keep`); returns how many ended. Audited."""
    keys = list(UserSession.objects.filter(user=user).exclude(session_key=keep or "").values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(session_key__in=keys).delete()
    if keys:
        audit.record(None, audit.Action.SESSIONS_ENDED, user, details={"count": len(keys), "reason": reason},
                     actor_label=audit.label_for(user))
    return len(keys)


# --- lockout (django-axes) ------------------------------------------------------------------------------

def axes_username(request, credentials=None) -> str | None:
    """The username django-axes records and locks on: what was typed, cut to what a username can be.

    Axes stores it in a 255-character column straight from the POST; a longer (hostile) value was a
    DataError on PostgreSQL, i.e. a 500 on the login page (found by tests/test_fuzz_forms.py)."""
    if credentials:
        value = credentials.get("username")
    else:
        value = getattr(request, "POST", {}).get("username")
    if value is None:
        return None
    return str(value).replace("\x00", "")[:150]


def lockout_response(request, response=None, credentials=None, *args, **kwargs):
    """Same words whether or not the account exists; says how long to wait, nothing else."""
    username = (credentials or {}).get("username", "") if isinstance(credentials, dict) else ""
    audit.record(None, audit.Action.LOCKED_OUT, actor_label=audit.typed_username_label(str(username)))
    return render(request, "registration/locked_out.html",
                  {"minutes": int(settings.AXES_COOLOFF_TIME * 60)}, status=429)
