"""The authentication backend of single sign-on: mozilla-django-oidc's, with the portal's rules (security.sso).

What this adds to the library:
- endpoints from the provider's discovery document, read when needed (never at start-up: a portal without
  OIDC_ISSUER works as before, and the backend answers nothing);
- the ID token checked in full: signature (JWKS), issuer, audience, expiry, issued-at and nonce (the library
  checks only signature, expiry and nonce); the `iss` of the authorization response (RFC 9207) when sent;
- only from the callback: a password login never reaches the code exchange;
- nobody created, accounts matched and linked by `sso.account_for`; every refusal audited and explained;
- a provider that fails (an expired or used code, a network error) is a refusal, not a 500.
"""

from __future__ import annotations

import logging

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from security import sso

logger = logging.getLogger(__name__)

#: Seconds of clock difference allowed between the provider and the portal.
LEEWAY_SECONDS = 60


class SsoBackend(OIDCAuthenticationBackend):
    def __init__(self, *args, **kwargs):
        # The library reads every endpoint here; they come from discovery, when a login needs them.
        self.UserModel = get_user_model()

    @staticmethod
    def get_settings(attr, *args):
        if attr in sso.ENDPOINTS:
            return sso.endpoint(attr)
        if attr == "OIDC_TOKEN_USE_BASIC_AUTH":
            return sso.token_auth_basic()
        if attr == "OIDC_TIMEOUT":
            return settings.OIDC_TIMEOUT
        return import_from_settings(attr, *args)

    # The library reads these as attributes set in its __init__.
    @property
    def OIDC_OP_TOKEN_ENDPOINT(self):  # noqa: N802 -- the library's name
        return sso.endpoint("OIDC_OP_TOKEN_ENDPOINT")

    @property
    def OIDC_OP_USER_ENDPOINT(self):  # noqa: N802
        return sso.endpoint("OIDC_OP_USER_ENDPOINT")

    @property
    def OIDC_OP_JWKS_ENDPOINT(self):  # noqa: N802
        return sso.endpoint("OIDC_OP_JWKS_ENDPOINT")

    OIDC_RP_IDP_SIGN_KEY = None

    @property
    def OIDC_RP_CLIENT_ID(self):  # noqa: N802
        return settings.OIDC_CLIENT_ID

    @property
    def OIDC_RP_CLIENT_SECRET(self):  # noqa: N802
        return settings.OIDC_CLIENT_SECRET

    @property
    def OIDC_RP_SIGN_ALGO(self):  # noqa: N802
        return settings.OIDC_SIGN_ALGO

    # --- the flow ---------------------------------------------------------------------------------------

    def authenticate(self, request, **kwargs):
        # Only the callback view calls authenticate() with a nonce; a password login (which passes a username and
        # a password) must never exchange a code that happens to stand in its query string.
        if (request is None or not sso.enabled() or "nonce" not in kwargs
                or "username" in kwargs or "password" in kwargs):
            return None
        returned_iss = request.GET.get("iss")
        if returned_iss is not None and returned_iss.rstrip("/") != settings.OIDC_ISSUER:
            return self._refuse(request, sso.Refusal.FAILED)
        try:
            return super().authenticate(request, **kwargs)
        except sso.SsoRefused as exc:
            return self._refuse(request, exc.reason, getattr(exc, "claims", None))
        except sso.ProviderUnavailable:
            return self._refuse(request, sso.Refusal.PROVIDER)
        except requests.HTTPError as exc:
            # The token endpoint said no: an expired, used or unknown code, or a PKCE verifier that does not fit.
            status = exc.response.status_code if exc.response is not None else None
            return self._refuse(request, sso.Refusal.FAILED if status in (400, 401) else sso.Refusal.PROVIDER)
        except requests.RequestException:
            return self._refuse(request, sso.Refusal.PROVIDER)
        except (SuspiciousOperation, jwt.PyJWTError, ValueError, KeyError, TypeError) as exc:
            logger.warning("SSO: ID token or claims refused: %s", exc.__class__.__name__)
            return self._refuse(request, sso.Refusal.FAILED)

    def _refuse(self, request, reason, claims=None):
        setattr(request, sso.REQUEST_REFUSAL, reason)
        sso.record_refusal(reason, claims)
        return None

    def _verify_jws(self, payload, key):
        """The signature with the provider's key and algorithm, and the registered claims of an ID token
        (OpenID Connect Core §3.1.3.7): issuer, audience (our client id), expiry and issued-at required."""
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation("unexpected ID token algorithm")
        claims = jwt.decode(
            payload, key, algorithms=[self.OIDC_RP_SIGN_ALGO], audience=settings.OIDC_CLIENT_ID,
            issuer=sso.accepted_issuers(), leeway=LEEWAY_SECONDS,
            options={"require": ["iss", "aud", "exp", "iat", "sub"]},
        )
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != settings.OIDC_CLIENT_ID:
            raise SuspiciousOperation("ID token for several audiences without our azp")
        return claims

    def get_userinfo(self, access_token, id_token, payload):
        """The ID token's claims, completed by the userinfo endpoint where the provider has one. The subject must
        be the ID token's (Core §5.3.2); the ID token's own claims win."""
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT and access_token:
            info = super().get_userinfo(access_token, id_token, payload)
            if not isinstance(info, dict) or info.get("sub") != payload.get("sub"):
                raise SuspiciousOperation("userinfo for another subject")
            claims = {**info, **{k: v for k, v in payload.items() if v is not None}}
            if payload.get("email"):
                # The address and whether it is verified from one source: the ID token's.
                for name in sso.VERIFIED_EMAIL_CLAIMS:
                    claims.pop(name, None)
                    if name in payload:
                        claims[name] = payload[name]
        return claims

    def verify_claims(self, claims):
        return bool(claims.get("sub"))

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        if not self.verify_claims(claims):
            raise sso.SsoRefused(sso.Refusal.NO_SUBJECT)
        try:
            outcome = sso.account_for(settings.OIDC_ISSUER, claims)
        except sso.SsoRefused as exc:
            exc.claims = claims
            raise
        setattr(self.request, sso.REQUEST_CLAIMS, payload)
        setattr(self.request, sso.REQUEST_NEW_LINK, outcome.new_link)
        return outcome.user

    def get_user(self, user_id):
        """As ModelBackend: a disabled account's session ends at its next request."""
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None

    def filter_users_by_claims(self, claims):  # pragma: no cover -- replaced by sso.account_for
        return self.UserModel.objects.none()

    def create_user(self, claims):  # pragma: no cover -- nobody is created by logging in
        raise sso.SsoRefused(sso.Refusal.UNKNOWN)
