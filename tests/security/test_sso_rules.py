"""The rules of single sign-on without a provider (security/sso.py, security/sso_backend.py): which `amr` counts as
multi-factor, which email counts as verified, which ID tokens are refused, that a password login never reaches the
code exchange, and that the beheerder's removal of a link is audited. The whole flow against a real provider:
test_sso_login.py."""

import datetime
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.test import RequestFactory
from django.urls import reverse

from audit.models import AuditEvent
from security import sso
from security.models import SsoIdentity
from security.sso_backend import SsoBackend
from tests.security.test_admin import _form_post_data

ISSUER = "https://login.school.example/tenant/v2.0"
CLIENT_ID = "opp-portaal"


@pytest.mark.parametrize(("amr", "mfa"), [
    (["mfa"], True),
    (["pwd", "otp"], True),
    (["pwd", "hwk"], True),
    (["fpt", "hwk"], True),
    (["pwd"], False),
    (["hwk", "user"], False),  # a security key tapped without a PIN: one factor
    (["pwd", "kba"], False),  # two things one knows are one factor
    ("mfa", False),  # not a list: not what the spec sends
    (None, False),
])
def test_what_counts_as_a_multi_factor_login(amr, mfa):
    assert sso.provider_mfa(amr) is mfa


@pytest.mark.parametrize(("claims", "verified"), [
    ({"email_verified": True}, True),
    ({"email_verified": "true"}, True),
    ({"email_verified": "TRUE "}, True),
    ({"xms_edov": True}, True),  # Microsoft Entra ID's "email domain owner verified"
    ({"email_verified": False}, False),
    ({"email_verified": "yes"}, False),
    ({"email_verified": 1}, False),
    ({}, False),
])
def test_only_an_explicit_true_verifies_an_email(claims, verified):
    assert sso.email_verified(claims) is verified


@pytest.fixture
def provider_keys(settings):
    settings.OIDC_ISSUER, settings.OIDC_CLIENT_ID, settings.OIDC_SIGN_ALGO = ISSUER, CLIENT_ID, "RS256"
    cache.set(sso._cache_key(), {"issuer": ISSUER, "authorization_endpoint": f"{ISSUER}/authorize",
                                 "token_endpoint": f"{ISSUER}/token", "jwks_uri": f"{ISSUER}/keys"})
    ours = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    foreign = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    yield ours, foreign
    sso.forget_discovery()


def _token(key, **overrides):
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": CLIENT_ID, "sub": "oid-1", "iat": now, "exp": now + 300, "nonce": "n"}
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})


def _verify(token, private_key):
    return SsoBackend()._verify_jws(token, private_key.public_key())


def test_a_well_formed_id_token_passes(provider_keys):
    ours, _ = provider_keys
    assert _verify(_token(ours), ours)["sub"] == "oid-1"


@pytest.mark.parametrize("tamper", ["foreign_key", "audience", "issuer", "expired", "no_iat", "future_iat",
                                    "several_audiences"])
def test_a_bad_id_token_is_refused(provider_keys, tamper):
    ours, foreign = provider_keys
    hour_ago = int(time.time()) - 3600
    token = {
        "foreign_key": lambda: _token(foreign),
        "audience": lambda: _token(ours, aud="another-app"),
        "issuer": lambda: _token(ours, iss="https://evil.example"),
        "expired": lambda: _token(ours, iat=hour_ago, exp=hour_ago + 300),
        "no_iat": lambda: _token(ours, iat=None),
        "future_iat": lambda: _token(ours, iat=int(time.time()) + 3600),
        "several_audiences": lambda: _token(ours, aud=[CLIENT_ID, "another-app"]),
    }[tamper]()
    with pytest.raises((jwt.PyJWTError, SuspiciousOperation)):
        _verify(token, ours)


def test_an_id_token_signed_with_the_client_secret_is_refused(provider_keys, settings):
    """Algorithm confusion: an HS256 token made with a secret (or the public key as secret) is never accepted
    where the provider signs with RS256."""
    ours, _ = provider_keys
    now = int(time.time())
    token = jwt.encode({"iss": ISSUER, "aud": CLIENT_ID, "sub": "x", "iat": now, "exp": now + 60},
                       "a-secret-that-is-long-enough-for-hmac-sha256", algorithm="HS256")
    with pytest.raises(SuspiciousOperation):
        _verify(token, ours)


def test_googles_issuer_without_scheme_is_accepted_for_google_only(settings):
    settings.OIDC_ISSUER = "https://accounts.google.com"
    cache.set(sso._cache_key(), {"issuer": "https://accounts.google.com", "authorization_endpoint": "a",
                                 "token_endpoint": "t", "jwks_uri": "k"})
    assert sso.accepted_issuers() == ["https://accounts.google.com", "accounts.google.com"]
    settings.OIDC_ISSUER = ISSUER
    cache.set(sso._cache_key(), {"issuer": ISSUER, "authorization_endpoint": "a", "token_endpoint": "t",
                                 "jwks_uri": "k"})
    assert sso.accepted_issuers() == [ISSUER]
    sso.forget_discovery()


def test_a_password_login_never_reaches_the_code_exchange(db, settings):
    """A code and state in the login page's address must not be exchanged by the SSO backend when the password
    form is posted (a login CSRF with someone else's code): the backend answers only the callback."""
    settings.OIDC_ISSUER, settings.OIDC_CLIENT_ID = "http://127.0.0.1:9", "x"  # would fail loudly if called
    request = RequestFactory().post("/accounts/login/?code=stolen&state=s", secure=True)
    assert SsoBackend().authenticate(request, username="someone", password="pw") is None
    assert SsoBackend().authenticate(request) is None  # no nonce: not the callback
    assert not AuditEvent.objects.filter(action="sso_refused").exists()


def test_the_backend_answers_nothing_when_sso_is_off(db, settings):
    settings.OIDC_ISSUER = ""
    request = RequestFactory().get("/accounts/sso/callback/?code=c&state=s", secure=True)
    assert SsoBackend().authenticate(request, nonce="n", code_verifier="v") is None


def test_the_beheerder_removes_a_link_and_it_is_audited(client, personas):
    linked = personas.begeleider_a
    identity = SsoIdentity.objects.create(user=linked, issuer=ISSUER, subject="oid-1", email="a@school.example",
                                          linked_at=datetime.datetime.now(datetime.UTC))
    client.force_login(personas.beheerder_a)
    url = reverse("admin:accounts_user_change", args=[linked.pk])
    page = client.get(url)
    assert page.status_code == 200 and "oid-1" not in page.content.decode()  # the subject is not shown
    data = _form_post_data(page)
    prefix = next(f.formset.prefix for f in page.context["inline_admin_formsets"] if f.formset.model is SsoIdentity)
    data[f"{prefix}-0-id"] = identity.pk  # the hidden pk input a browser sends back
    data[f"{prefix}-0-DELETE"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    assert not SsoIdentity.objects.filter(pk=identity.pk).exists()
    event = AuditEvent.objects.get(action="sso_unlinked")
    assert event.actor == personas.beheerder_a and event.details == {"issuer": ISSUER}
