"""The pages of single sign-on: start, callback (mozilla-django-oidc's views with the portal's rules) and the page
after logout that offers to end the provider's session too (RP-initiated logout). Rules: security/sso.py."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import SuspiciousOperation
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from opp_portal.redirects import safe_next
from ratelimits import limits
from security import policy, sso
from security.sso_backend import SsoBackend
from security.views import not_found

#: Start and callback per client address: generous, since a whole school may log in from one address at 8:15.
_per_address = limits.per_address("sso", "OPP_RATELIMIT_SSO")
#: The session key where the library keeps the page to go to after login (see SsoStartView.get).
_NEXT = "oidc_login_next"


def _refused(request, reason: sso.Refusal):
    messages.error(request, sso.message(reason))
    return redirect("login")


class SsoStartView(OIDCAuthenticationRequestView):
    """To the provider: state, nonce and a PKCE challenge, kept in the session (the library's)."""

    get_settings = staticmethod(SsoBackend.get_settings)

    def __init__(self, *args, **kwargs):  # the library reads its endpoint here; ours comes from discovery
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)

    def get(self, request):
        if not sso.enabled():
            return not_found(request)
        try:
            self.OIDC_OP_AUTH_ENDPOINT = sso.endpoint("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except sso.ProviderUnavailable:
            sso.record_refusal(sso.Refusal.PROVIDER)
            return _refused(request, sso.Refusal.PROVIDER)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_CLIENT_ID
        response = super().get(request)
        # One rule for "next" (opp_portal.redirects), not the library's: a local path or the start page.
        request.session[_NEXT] = safe_next(request, reverse("home"))
        return response


class SsoCallbackView(OIDCAuthenticationCallbackView):
    """Back from the provider. Every way this can fail ends on the login page with a Dutch message, audited."""

    get_settings = staticmethod(SsoBackend.get_settings)

    def get(self, request):
        if not sso.enabled():
            return not_found(request)
        if request.GET.get("error"):
            # The provider says no (the person cancelled, or is not allowed): forget the state, log nobody out (the
            # library would end any current session, so that a link from elsewhere could log a user out).
            states = request.session.get("oidc_states") or {}
            if states.pop(request.GET.get("state", ""), None) is not None:
                request.session["oidc_states"] = states
            return self.login_failure()
        try:
            return super().get(request)
        except SuspiciousOperation:
            # The state is not one this session started: tampered, replayed, or from another browser.
            return self.login_failure()

    def login_failure(self):
        request = self.request
        reason = getattr(request, sso.REQUEST_REFUSAL, None)
        if reason is None:  # not yet recorded by the backend: a state, an error or a code the backend never saw
            reason = sso.Refusal.FAILED
            sso.record_refusal(reason)
        return _refused(request, reason)

    def login_success(self):
        request = self.request
        claims = getattr(request, sso.REQUEST_CLAIMS, {})
        # security.signals writes both into the login's audit row.
        request.opp_login_method = "sso"
        request.opp_login_provider_mfa = sso.mfa_trusted(claims)
        response = super().login_success()
        sso.note_login(request, self.user, claims)
        sso.link_after_login(request, self.user, getattr(request, sso.REQUEST_NEW_LINK, None),
                             verified=sso.mfa_trusted(claims) or not policy.second_factor_required(self.user))
        return response


@never_cache
@require_GET
def logged_out(request):
    """After logout of a session that came in by SSO: the portal session has ended; the provider's session
    (which would let the next person at this computer in without a password) can be ended with one click.
    The ID token goes to the provider in a POST, never in an address; it is shown once."""
    hint = request.session.pop(sso.SESSION_LOGOUT_HINT, None)
    endpoint = sso.end_session_endpoint() if (hint and sso.enabled()) else None
    response = render(request, "registration/sso_logged_out.html", {
        "endpoint": endpoint, "id_token_hint": hint, "client_id": settings.OIDC_CLIENT_ID,
        "post_logout_redirect_uri": request.build_absolute_uri(reverse("login")),
    })
    if endpoint:
        # The CSP lets forms post only to the portal; this page's one form posts to the provider (django-csp).
        parts = urlsplit(endpoint)
        response._csp_update = {"form-action": [f"{parts.scheme}://{parts.netloc}"]}
    return response


class LogoutView(auth_views.LogoutView):
    """Django's logout (POST only); after an SSO session, on to the page that offers the provider's logout."""

    def post(self, request, *args, **kwargs):
        hint = (request.session.get("oidc_id_token")
                if request.session.get(sso.SESSION_ISSUER) == settings.OIDC_ISSUER and sso.enabled() else None)
        response = super().post(request, *args, **kwargs)
        if hint:
            request.session[sso.SESSION_LOGOUT_HINT] = hint
            return redirect("sso_logged_out")
        return response


start = _per_address(never_cache(SsoStartView.as_view()))
callback = _per_address(never_cache(SsoCallbackView.as_view()))
