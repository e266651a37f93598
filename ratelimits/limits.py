"""Rate limits on the pages that strangers can reach or that take expensive uploads.

Each limit is a setting in "N/period" notation (settings.py, "Rate limits"). A view is limited per client
address with the `per_address` decorator, and per target email with `check_email` once it knows the email.
Over the limit the visitor gets the Dutch 429 page with the minutes to wait; the request that crosses the limit
is audited as a refusal (once per key and window, so a flood does not flood the log).
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.shortcuts import render

from accounts import access
from accounts.access import Cap
from audit import log as audit

from . import rules, services

# Every limit the project applies: its setting. check_settings() validates them all at start-up.
SETTINGS = ("OPP_RATELIMIT_INVITATION", "OPP_RATELIMIT_INVITATION_EMAIL", "OPP_RATELIMIT_VERIFY", "OPP_RATELIMIT_SSO")


def _configured() -> dict[str, str]:
    """Read at each call, so that a test's override counts; each limit is declared in settings.py."""
    return {"OPP_RATELIMIT_INVITATION": settings.OPP_RATELIMIT_INVITATION,
            "OPP_RATELIMIT_INVITATION_EMAIL": settings.OPP_RATELIMIT_INVITATION_EMAIL,
            "OPP_RATELIMIT_VERIFY": settings.OPP_RATELIMIT_VERIFY,
            "OPP_RATELIMIT_SSO": settings.OPP_RATELIMIT_SSO}


def rate_of(setting: str) -> rules.Rate:
    try:
        return rules.parse(_configured()[setting])
    except (KeyError, ValueError) as exc:
        raise ImproperlyConfigured(f"Setting / environment variable {setting} is invalid: {exc}") from exc


def check_settings() -> None:
    for setting in SETTINGS:
        rate_of(setting)


def _refusal(request, usage: services.Usage, *, group: str, by: str):
    if usage.first_refusal:
        user = getattr(request, "user", None)
        match = getattr(request, "resolver_match", None)
        audit.record(user, audit.Action.DENIED, school=_school_of(user), details={
            "status": 429, "limit": group, "by": by, "path_name": match.view_name if match else "",
            "retry_after": usage.retry_after})
    response = render(request, "429.html", {"minutes": usage.minutes}, status=429)
    response["Retry-After"] = str(usage.retry_after)
    response["Cache-Control"] = "no-store"
    # The invitation pages' paths hold a token: a refusal must not leak it in a Referer either.
    response["Referrer-Policy"] = "strict-origin"
    return response


def _school_of(user) -> int | None:
    """A staff member at exactly one school: that school, so its schoolleider sees the refusal in the log."""
    if user is None or not user.is_authenticated:
        return None
    schools = list(access.schools_with(user, Cap.PLAN_VIEW).values_list("pk", flat=True)[:2])
    return schools[0] if len(schools) == 1 else None


def check(request, *, group: str, setting: str, by: str, value: str):
    """Count this request against `value` (for `by`: "address" or "email"); the 429 response if over, else None."""
    usage = services.hit(scope=f"{group}:{by}", value=value, rate=rate_of(setting))
    return _refusal(request, usage, group=group, by=by) if usage.exceeded else None


def check_address(request, *, group: str, setting: str):
    # The address the trusted proxy reports; a request without a usable one shares one bucket ("unknown").
    return check(request, group=group, setting=setting, by="address", value=audit.client_ip(request) or "unknown")


def check_email(request, *, group: str, setting: str, email: str):
    return check(request, group=group, setting=setting, by="email", value=email)


def per_address(group: str, setting: str, *, methods: tuple[str, ...] | None = None):
    """Limit a view per client address; `methods` limits only those (e.g. the POST of an upload)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if methods is None or request.method in methods:
                refused = check_address(request, group=group, setting=setting)
                if refused is not None:
                    return refused
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
