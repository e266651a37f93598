"""Every URL pattern sends an anonymous visitor to a login page, except a short, explicit allow-list.

A new view that forgets @login_required (or the admin's permission wrapper) fails here.
"""

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import resolve, reverse

from .urlwalk import ROUTES

#: url name -> the status an anonymous GET gets instead of a login redirect, and why.
PUBLIC = {
    "login": 200,  # the login page itself
    "admin:login": 200,  # the admin site's own login page
    "health": 200,  # liveness for the proxy and CI; no pupil data
    "set_language": 302,  # /i18n/setlang/: a GET only redirects back
    "logout": 405,  # POST only; a GET does nothing
    "portal:invitation_landing": 200,  # the emailed link: a page that POSTs the token; exchanges nothing itself
    "portal:invitation_exchange": 405,  # POST only: the token exchange
    "portal:invitation_account": 410,  # without an exchanged invitation in the session: "link not valid"
    # A staff account's activation link (issue 16), as the parent invitations.
    "activation_landing": 200,
    "activation_exchange": 405,
    "activation_password": 410,
    # Single sign-on: 404 unless OIDC_ISSUER is set (it is not here); the page after logout is public.
    "sso_start": 404,
    "sso_callback": 404,
    "sso_logged_out": 200,
}
#: Minimum number of patterns the sweep must visit: a walker that silently finds nothing fails.
MIN_PATTERNS = 40
APP_LOGIN = "/accounts/login/"
LOGIN_PATHS = {APP_LOGIN, "/beheer/login/"}


def test_sweep_finds_the_patterns():
    assert len(ROUTES) >= MIN_PATTERNS, [r.path for r in ROUTES]
    names = {r.name for r in ROUTES}
    # Spot checks across the includes: app, health, i18n, admin (and the admin's per-model patterns).
    for expected in ("home", "staff_start", "portal:home", "health", "set_language", "admin:index",
                     "admin:accounts_school_change", "admin:audit_auditevent_changelist", "swv:pupil", "swv:record"):
        assert expected in names, expected
    # The requests to the SWV (swv/request_urls.py, included twice deep) and the parents' pages of them.
    for expected in ("swv:request_list", "swv:request_compose", "swv:request_detail", "swv:request_attach",
                     "swv:request_inform", "swv:request_ready", "swv:request_pdf", "swv:request_json",
                     "swv:request_hand_in", "swv:request_decide", "swv:request_withdraw", "portal:swv_requests",
                     "portal:swv_request"):
        assert expected in names, expected
    # Every allow-listed name exists, so the allow-list cannot go stale.
    assert set(PUBLIC) <= names, set(PUBLIC) - names


def test_sample_paths_resolve_to_their_own_pattern():
    for route in ROUTES:
        match = resolve(route.path)
        assert match.func == route.callback, f"{route.path} resolves to {match.view_name}, not {route.name}"


def _is_login(location: str) -> bool:
    return urlsplit(location).path in LOGIN_PATHS


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.name or '-'} {r.path}")
def test_anonymous_get_goes_to_login(client, db, route):
    if route.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
        pytest.skip("static files")
    response = client.get(route.path)
    if route.name in PUBLIC:
        assert response.status_code == PUBLIC[route.name], f"{route.path}: {response.status_code}"
        return
    assert response.status_code == 302, f"{route.path} answered {response.status_code} to an anonymous visitor"
    location = response["Location"]
    if route.namespace == "admin:":
        # The admin sends to its own login page, sometimes via its index (its logout does).
        hops = 0
        while not _is_login(location) and hops < 2:
            response = client.get(location)
            assert response.status_code == 302, f"{route.path} -> {location} answered {response.status_code}"
            location, hops = response["Location"], hops + 1
        assert _is_login(location), f"{route.path} redirects to {location}, not to a login page"
    else:
        assert urlsplit(location).path == APP_LOGIN, f"{route.path} redirects to {location}"
        assert f"next={route.path}" in location or route.path == reverse("home")
