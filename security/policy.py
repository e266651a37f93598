"""Session, second-factor and header policy (DOMAIN.md "Retention and privacy").

- `SecondFactorMiddleware`: an account with a confirmed device (a parent who enrolled one, any staff member
  who has one) reaches nothing but the 2FA pages and logout until the session is verified by django-otp,
  whatever OPP_REQUIRE_2FA says; with OPP_REQUIRE_2FA on, staff, bestuurder and beheerder must have one. The admin site is behind the same middleware, so there is no way around it.
- `SessionPolicyMiddleware`: idle timeout (30 min staff, 15 min portal) and an absolute 12-hour limit,
  counted from the login, not from the cookie.
- `NoStoreMiddleware`: `Cache-Control: no-store` on every response but static files: any page may show
  pupil data, and every PDF does.
- `DevelopmentErrorPagesMiddleware`: with DEBUG on (`make run`), the production 404 and 500 pages instead of
  Django's technical ones, with the same headers as every page.
- `SessionDeviceMiddleware`: django-otp's middleware without its query per request (see there); with
  `forget_device`, called whenever a device is deleted or unconfirmed (security.signals), which takes the
  verification from every session that device verified.
- `end_all_sessions`: deletes every session of a user (deactivation, password change).
"""

from __future__ import annotations

import functools
import time
from importlib import import_module
from urllib.parse import urlencode

from csp.constants import HEADER as CSP_HEADER
from csp.utils import build_policy
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.sessions.models import Session
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import get_resolver, get_urlconf, reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware

from accounts import access
from accounts.models import User
from audit import log as audit
from security import sso
from security.models import UserSession

AUTH_AT = "opp_auth_at"
SEEN_AT = "opp_seen_at"
#: The idle clock is written back at most this often, so that not every request writes the session.
SEEN_RESOLUTION_SECONDS = 30


# --- who needs what --------------------------------------------------------------------------------

def has_confirmed_device(user: User) -> bool:
    from django_otp import user_has_device

    return user_has_device(user, confirmed=True)


#: Session key written at login: whether the account then had a confirmed device.
DEVICE_AT_LOGIN = "opp_device_at_login"
#: Set on the request's user by SecondFactorMiddleware when the session says "no device at login": the checks
#: later in the same request (the menu, adoption) then cost no query, as they did before the four-eyes rule.
_NO_DEVICE_AT_LOGIN = "_opp_no_device_at_login"


def second_factor_required(user: User) -> bool:
    """An account that has a confirmed device is always asked for it, whatever OPP_REQUIRE_2FA says: a parent's
    own second factor is never ignored. The setting only decides whether staff *must* have one."""
    if settings.OPP_REQUIRE_2FA and access.is_staff_account(user):
        return True
    if getattr(user, _NO_DEVICE_AT_LOGIN, False):
        return False
    return has_confirmed_device(user)


# --- middleware ---------------------------------------------------------------------------------------

#: The 2FA pages themselves live under this prefix (security/otp_urls.py).
OTP_PREFIX = "/account/tweestaps/"
_EXEMPT_PREFIXES = ("/static/", "/health/", "/i18n/", OTP_PREFIX)


def _exempt(path: str) -> bool:
    return path.startswith(_EXEMPT_PREFIXES) or path in {reverse("logout"), reverse("login")}


class SessionDeviceMiddleware(OTPMiddleware):
    """django-otp's OTPMiddleware (request.user.otp_device, user.is_verified()) without its query on every request.

    django-otp loads the device named in the session on every request, to see that it still exists, is confirmed
    and belongs to the user. Here the session's word is taken: the session is server-side and the key is written
    only by django_otp.login after a correct code (security.otp), for the user logged in (Django's login flushes
    the session when the user changes). The one thing that can change afterwards is the device itself, and every
    deletion or unconfirmation of a device takes the key out of each session it verified (forget_device, from
    security.signals), so that the next request is asked for the second factor again, as django-otp would.
    The device object is loaded only when something reads it."""

    def _verify_user_sync(self, request, user):
        self._init_user_fields(user)
        if user.is_authenticated and (persistent_id := request.session.get(DEVICE_ID_SESSION_KEY)):
            user.otp_device = SimpleLazyObject(functools.partial(self._device_from_persistent_id, persistent_id))
        return user


def forget_device(device) -> int:
    """Every session of the device's user that `device` verified loses that verification (its next request asks for
    the second factor again). Returns how many sessions it touched. Sessions are found through the user's session
    index (security.models.UserSession): a handful per user."""
    persistent_id = device.persistent_id
    store = import_module(settings.SESSION_ENGINE).SessionStore
    touched = 0
    for key in UserSession.objects.filter(user_id=device.user_id).values_list("session_key", flat=True):
        session = store(session_key=key)
        if session.get(DEVICE_ID_SESSION_KEY) == persistent_id:
            del session[DEVICE_ID_SESSION_KEY]
            session.save()
            touched += 1
    return touched


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified() and sso.provider_mfa_accepted(request, user):
            # The provider's multi-factor login counts as the second factor (OIDC_TRUST_MFA): verified everywhere.
            user.otp_device = sso.PROVIDER_MFA
        if user.is_authenticated and not user.is_verified():
            _note_device_at_login(request, user)
            # Asked later by the menu (accounts.context_processors), which stands below this app.
            request.second_factor_pending = lambda: second_factor_required(user)
            if not _exempt(request.path) and second_factor_required(user):
                target = "otp_verify" if has_confirmed_device(user) else "otp_setup"
                query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
                return redirect(reverse(target) + (f"?{query}" if query else ""))
        return self.get_response(request)


def _note_device_at_login(request, user: User) -> None:
    """Whether the account had a device when this session logged in (start_session writes it). Without one, the
    session is not asked: a device enrolled later verifies the session it is enrolled in, and is asked for at the
    next login. With one, it is looked up again (a beheerder may have reset it since)."""
    had = request.session.get(DEVICE_AT_LOGIN)
    if had is None:  # a session from before the key existed
        had = request.session[DEVICE_AT_LOGIN] = has_confirmed_device(user)
    if not had:
        setattr(user, _NO_DEVICE_AT_LOGIN, True)


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
            idle_limit = (settings.OPP_SESSION_IDLE_STAFF_SECONDS if access.is_staff_account(user)
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
    the proxy, or by `runserver --nostatic` through opp_portal/urls.py) are the one exception; the 404 page
    for a missing one is a page like any other."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not (request.path.startswith("/static/") and response.status_code in (200, 304)):
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True, private=True)
        return response


class DevelopmentErrorPagesMiddleware:
    """With DEBUG on (`make run`) Django answers a 404 or 500 with its technical page (the URL patterns, settings
    and a traceback), and django-csp leaves every 404 and 500 without a policy so that those pages' inline styles
    work. Unless OPP_TECHNICAL_ERROR_PAGES is on, a developer sees what production shows instead: the project's
    handler404/handler500 pages, with the CSP and, through the other middleware, every other header of a page.
    The traceback still reaches the console (django.request logs it before this sees the response).

    It sits inside the header middleware (they process its page) and outside the view: errors raised by a
    middleware further out keep Django's own handling."""

    def __init__(self, get_response):
        self.get_response = get_response

    def process_exception(self, request, exception):
        # Kept for handler500, which this middleware calls after the fact (outside Django's except block): a lost
        # database is a 503, not a 500 (security.views.server_error).
        request.opp_error = exception

    def __call__(self, request):
        response = self.get_response(request)
        if (response.status_code not in (404, 500) or not settings.DEBUG
                or settings.OPP_TECHNICAL_ERROR_PAGES):
            return response
        resolver = get_resolver(get_urlconf())
        if response.status_code == 404:
            response = resolver.resolve_error_handler(404)(request, Http404())
        else:
            response = resolver.resolve_error_handler(500)(request)
        if CSP_HEADER not in response:
            response[CSP_HEADER] = build_policy()
        return response


# --- session bookkeeping --------------------------------------------------------------------------

def start_session(request, user: User) -> None:
    """Called at login (after Django gave the session a new id): stamp the clocks and index the key."""
    now = time.time()
    request.session[AUTH_AT] = now
    request.session[SEEN_AT] = now
    request.session[DEVICE_AT_LOGIN] = has_confirmed_device(user)
    index_session(request, user)


def index_session(request, user: User) -> None:
    """Put the request's session in the user's session index (security.models.UserSession), which end_all_sessions and
    forget_device go by: at login, and after every new session id (cycle_key) of a logged-in user."""
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


def axes_exempt(request, credentials=None) -> bool:
    """Single sign-on's callback (the only authenticate() call with a nonce) is not a password guess: django-axes
    neither counts nor locks it. Refused SSO logins are audited and rate-limited on their own (security.sso); counted
    here, five of them would lock SSO for a whole school behind one address."""
    return "nonce" in (credentials or {})


def lockout_response(request, response=None, credentials=None, *args, **kwargs):
    """Same words whether or not the account exists; says how long to wait, nothing else."""
    username = (credentials or {}).get("username", "") if isinstance(credentials, dict) else ""
    audit.record(None, audit.Action.LOCKED_OUT, actor_label=audit.typed_username_label(str(username)))
    return render(request, "registration/locked_out.html",
                  {"minutes": int(settings.AXES_COOLOFF_TIME * 60)}, status=429)
