"""Single sign-on for staff with OpenID Connect: the rules, in one place (docs/sso.md).

mozilla-django-oidc does the protocol (security/sso_backend.py, security/sso_views.py): the authorization code
flow with PKCE, state and nonce, the ID token's signature checked against the provider's JWKS. What is the
portal's own is here:

- **Configuration** by environment only (`OIDC_ISSUER`, `OIDC_CLIENT_ID`, `OIDC_CLIENT_SECRET`, `OIDC_LABEL`,
  `OIDC_SCOPES`, `OIDC_TRUST_MFA`); the endpoints come from the provider's discovery document.
- **Who may come in** (`account_for`): nobody is created by logging in. The first login links the provider's
  identity (issuer, subject) to an existing, active staff account with an approved membership (four eyes), found by
  the provider's email, and only when the provider says that email is verified. From then on the account is found
  by (issuer, subject) only. A disabled account, or one whose memberships are all pending, is refused as well.
- **The second factor**: the portal's TOTP is still asked after SSO, unless `OIDC_TRUST_MFA` is on and the ID
  token's `amr` names a multi-factor login (`provider_mfa`, RFC 8176).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import TextChoices
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership, User
from audit import log as audit
from security.models import SsoIdentity

DEFAULT_LABEL = _("Inloggen met uw schoolaccount")
#: How long the provider's discovery document is kept (it names the endpoints; keys are fetched per login).
DISCOVERY_SECONDS = 60 * 60


def enabled() -> bool:
    return bool(settings.OIDC_ISSUER and settings.OIDC_CLIENT_ID)


def label() -> str:
    return settings.OIDC_LABEL or str(DEFAULT_LABEL)


# --- discovery ------------------------------------------------------------------------------------------


class ProviderUnavailable(Exception):
    """The provider's discovery document could not be read, or does not describe the configured issuer."""


#: mozilla-django-oidc's setting names for the endpoints -> the discovery document's keys.
ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}
_REQUIRED = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")


def _cache_key() -> str:
    return "opp:sso:discovery:" + hashlib.sha256(settings.OIDC_ISSUER.encode()).hexdigest()[:16]


def discovery() -> dict:
    """The provider's `/.well-known/openid-configuration`, checked: it must name exactly the configured issuer
    (OpenID Connect Discovery 1.0 §4.3) and the endpoints the code flow needs."""
    document = cache.get(_cache_key())
    if document is not None:
        return document
    url = f"{settings.OIDC_ISSUER}/.well-known/openid-configuration"
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ProviderUnavailable(f"discovery failed: {exc.__class__.__name__}") from exc
    if not isinstance(document, dict) or any(not document.get(key) for key in _REQUIRED):
        raise ProviderUnavailable("discovery document lacks required endpoints")
    if str(document["issuer"]).rstrip("/") != settings.OIDC_ISSUER:
        raise ProviderUnavailable("discovery document names another issuer")
    cache.set(_cache_key(), document, DISCOVERY_SECONDS)
    return document


#: Google documents that its ID tokens may name the issuer without the scheme ("accounts.google.com").
ISSUER_ALIASES = {"https://accounts.google.com": ("accounts.google.com",)}


def accepted_issuers() -> list[str]:
    """The `iss` an ID token may carry: the discovered issuer (which equals OIDC_ISSUER), or a documented alias."""
    issuer = discovery()["issuer"]
    return [issuer, *ISSUER_ALIASES.get(issuer, ())]


def forget_discovery() -> None:
    cache.delete(_cache_key())


def endpoint(setting_name: str) -> str | None:
    return discovery().get(ENDPOINTS[setting_name])


def token_auth_basic() -> bool:
    """client_secret_basic unless the provider only takes the secret in the body (the spec's default is basic)."""
    methods = discovery().get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    return "client_secret_basic" in methods


def end_session_endpoint() -> str | None:
    try:
        return discovery().get("end_session_endpoint")
    except ProviderUnavailable:
        return None


# --- claims ----------------------------------------------------------------------------------------------

#: RFC 8176 authentication method references, by factor. A login counts as multi-factor when the provider says
#: "mfa", or names methods of two different factors (say "pwd" and "otp").
AMR_FACTORS = {
    "knowledge": {"pwd", "pin", "kba"},
    "possession": {"otp", "hwk", "swk", "sms", "tel", "sc"},
    # Not "user": RFC 8176's user-presence test (a key tapped without a PIN) is no factor of its own.
    "inherence": {"fpt", "face", "iris", "retina", "vbm"},
}
AMR_MFA = "mfa"


def provider_mfa(amr) -> bool:
    if not isinstance(amr, (list, tuple)):
        return False
    methods = {str(m) for m in amr}
    if AMR_MFA in methods:
        return True
    return sum(1 for factor in AMR_FACTORS.values() if methods & factor) >= 2


#: Microsoft Entra ID sends no `email_verified`; its optional claim `xms_edov` ("email domain owner verified")
#: says the same of the address's domain, and the tenant must switch it on (docs/sso.md).
VERIFIED_EMAIL_CLAIMS = ("email_verified", "xms_edov")


def email_verified(claims: dict) -> bool:
    """Only an explicit true counts (some providers send the string "true")."""
    for name in VERIFIED_EMAIL_CLAIMS:
        value = claims.get(name)
        if value is True or (isinstance(value, str) and value.strip().lower() == "true"):
            return True
    return False


# --- who may come in -----------------------------------------------------------------------------------


class Refusal(TextChoices):
    NO_SUBJECT = "no_subject", _("de provider gaf geen kenmerk (sub)")
    EMAIL_NOT_VERIFIED = "email_not_verified", _("de provider meldt het e-mailadres niet als bevestigd")
    UNKNOWN = "unknown", _("geen account met dit e-mailadres")
    AMBIGUOUS = "ambiguous", _("meer dan één account met dit e-mailadres")
    NOT_STAFF = "not_staff", _("geen medewerkersaccount")
    INACTIVE = "inactive", _("account uitgeschakeld")
    PENDING = "pending", _("geen goedgekeurde rol")
    LINKED_ELSEWHERE = "linked_elsewhere", _("account al gekoppeld aan een ander schoolaccount")
    FAILED = "failed", _("inlogpoging ongeldig of verlopen")
    PROVIDER = "provider", _("provider niet bereikbaar of gaf een fout")


class SsoRefused(Exception):
    def __init__(self, reason: Refusal):
        super().__init__(reason)
        self.reason = reason


#: What the person is told. One message for "who you are is not known here" (unknown, not staff, ambiguous,
#: linked elsewhere), so that the page does not confirm which addresses have accounts; a specific one where the
#: person can act on it themselves.
MESSAGES = {
    Refusal.EMAIL_NOT_VERIFIED: _(
        "U bent ingelogd bij uw schoolaccount, maar dat meldt uw e-mailadres niet als bevestigd. Zonder bevestigd "
        "e-mailadres kan het portaal u niet herkennen. Log in met uw wachtwoord, of vraag de ICT-beheerder van uw "
        "school de instelling te controleren (zie “Inloggen met uw schoolaccount” in de handleiding)."),
    Refusal.INACTIVE: _(
        "Uw account in het OPP-portaal is uitgeschakeld. Neem contact op met de beheerder van het portaal."),
    Refusal.PENDING: _(
        "Uw rol in het OPP-portaal is nog niet goedgekeurd. U kunt inloggen zodra uw schoolleider of bestuurder "
        "de rol heeft goedgekeurd."),
    Refusal.FAILED: _(
        "Het inloggen met uw schoolaccount is verlopen of niet gelukt. Probeer het opnieuw."),
    Refusal.PROVIDER: _(
        "Inloggen met uw schoolaccount lukt nu niet: de inlogdienst van uw school is niet bereikbaar of gaf een "
        "fout. Probeer het later opnieuw, of log in met uw wachtwoord."),
}
NOT_KNOWN_MESSAGE = _(
    "Met dit schoolaccount kunt u niet inloggen in het OPP-portaal: er is geen medewerkersaccount dat erbij hoort. "
    "Het portaal maakt zelf geen accounts aan; vraag de beheerder van het portaal om een account met het "
    "e-mailadres van uw schoolaccount.")


def message(reason: Refusal) -> str:
    return str(MESSAGES.get(reason, NOT_KNOWN_MESSAGE))


def _refusal_for(user: User) -> Refusal | None:
    """Whether this account may come in by SSO at all: active, and staff with at least one approved membership."""
    if not user.is_active:
        return Refusal.INACTIVE
    memberships = Membership.objects.filter(user=user)
    if not memberships.exists():
        return Refusal.NOT_STAFF
    if not memberships.approved().exists():
        return Refusal.PENDING
    return None


@dataclass(frozen=True)
class Outcome:
    user: User
    #: At the first login: the link to make (issuer, subject, email), once the session has passed the second factor
    #: (`link_after_login`); a link is never made by someone who only controls a provider account.
    new_link: dict | None = None


def account_for(issuer: str, claims: dict) -> Outcome:
    """The portal account the provider's identity belongs to, or SsoRefused."""
    subject = str(claims.get("sub") or "")
    if not subject or len(subject) > 255:
        raise SsoRefused(Refusal.NO_SUBJECT)
    identity = SsoIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
    if identity is not None:
        refusal = _refusal_for(identity.user)
        if refusal:
            raise SsoRefused(refusal)
        SsoIdentity.objects.filter(pk=identity.pk).update(last_login_at=timezone.now())
        return Outcome(identity.user)
    if not email_verified(claims):
        raise SsoRefused(Refusal.EMAIL_NOT_VERIFIED)
    email = str(claims.get("email") or "").strip()
    if not email:
        raise SsoRefused(Refusal.EMAIL_NOT_VERIFIED)
    # Staff accounts only: a parent's or a disabled account with the same address neither matches nor blocks.
    candidates = list(User.objects.filter(email__iexact=email, is_active=True, memberships__isnull=False)
                      .distinct()[:2])
    if not candidates:
        inactive = User.objects.filter(email__iexact=email, is_active=False, memberships__isnull=False).exists()
        raise SsoRefused(Refusal.INACTIVE if inactive else Refusal.UNKNOWN)
    if len(candidates) > 1:
        raise SsoRefused(Refusal.AMBIGUOUS)
    user = candidates[0]
    refusal = _refusal_for(user)
    if refusal:
        raise SsoRefused(refusal)
    if SsoIdentity.objects.filter(user=user, issuer=issuer).exists():
        # Linked to another identity at this provider: that one only.
        raise SsoRefused(Refusal.LINKED_ELSEWHERE)
    return Outcome(user, new_link={"issuer": issuer, "subject": subject, "email": email[:254]})


def link(user: User, new_link: dict) -> bool:
    """Make the link; False when another login made one first (the unique keys decide)."""
    try:
        with transaction.atomic():
            SsoIdentity.objects.create(user=user, issuer=new_link["issuer"], subject=new_link["subject"],
                                       email=new_link["email"], last_login_at=timezone.now())
    except IntegrityError:
        return False
    audit.record(user, audit.Action.SSO_LINKED, details={"issuer": new_link["issuer"]})
    return True


def record_refusal(reason: Refusal, claims: dict | None = None) -> None:
    """Audited without the address: the email (or subject) as a keyed hash, as a failed password login."""
    claims = claims or {}
    typed = str(claims.get("email") or claims.get("sub") or "")
    audit.record(None, audit.Action.SSO_REFUSED, details={"reason": str(reason), "issuer": settings.OIDC_ISSUER},
                 actor_label=audit.typed_username_label(typed) if typed else "")


def unlink(identity: SsoIdentity, *, by: User | None) -> None:
    audit.record(by, audit.Action.SSO_UNLINKED, identity.user, details={"issuer": identity.issuer})
    identity.delete()


# --- the session ---------------------------------------------------------------------------------------

#: Session keys: the issuer the session logged in through, and (with OIDC_TRUST_MFA) the account whose provider
#: login was multi-factor. Written after login (which gave the session a new id), gone with the session.
SESSION_ISSUER = "opp_sso_issuer"
SESSION_MFA = "opp_sso_mfa"
#: For the page after logout: the ID token, as the hint RP-initiated logout asks for; read once.
SESSION_LOGOUT_HINT = "opp_sso_logout_hint"
#: The first login's link, waiting for the session's second factor (security.otp calls complete_pending_link).
SESSION_PENDING_LINK = "opp_sso_pending_link"
#: Where the backend leaves what the callback needs after authenticate(): the refusal, or the ID token's claims.
REQUEST_REFUSAL = "opp_sso_refusal"
REQUEST_CLAIMS = "opp_sso_claims"
REQUEST_NEW_LINK = "opp_sso_new_link"


def mfa_trusted(id_claims: dict) -> bool:
    return bool(settings.OIDC_TRUST_MFA and provider_mfa(id_claims.get("amr")))


def note_login(request, user: User, id_claims: dict) -> None:
    request.session[SESSION_ISSUER] = settings.OIDC_ISSUER
    if mfa_trusted(id_claims):
        request.session[SESSION_MFA] = user.pk


def link_after_login(request, user: User, new_link: dict | None, *, verified: bool) -> None:
    """At once when the session counts as verified (the provider's trusted MFA, or no second factor asked), else
    when the second factor is passed."""
    if not new_link:
        return
    if verified:
        link(user, new_link)
    else:
        request.session[SESSION_PENDING_LINK] = {**new_link, "user": user.pk}


def complete_pending_link(request) -> None:
    pending = request.session.pop(SESSION_PENDING_LINK, None)
    if pending and pending.get("user") == request.user.pk:
        link(request.user, pending)


def provider_mfa_accepted(request, user: User) -> bool:
    """The session's login was multi-factor at the provider, and that is (still) trusted: counts as verified."""
    return bool(settings.OIDC_TRUST_MFA and request.session.get(SESSION_MFA) == user.pk
                and request.session.get(SESSION_ISSUER) == settings.OIDC_ISSUER)


class ProviderMfa:
    """Stands in for django-otp's device on a session verified by the provider's MFA (user.is_verified())."""

    persistent_id = "sso"
    name = "sso"

    def __str__(self):
        return "sso"


PROVIDER_MFA = ProviderMfa()
