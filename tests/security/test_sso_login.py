"""Single sign-on against a real OpenID Connect provider on loopback (node-oidc-provider, tests/sso.py).

Known staff in (linked at the first login, matched on the link after), unknown people refused with no account made,
a tampered state, an expired or reused code refused, the second factor asked unless the provider's MFA is trusted,
logout with the provider's logout offered. docs/sso.md describes the rules; security/sso.py holds them.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.models import Role, User
from audit.models import AuditEvent
from security import sso as rules
from security.models import SsoIdentity
from tests.auth import totp_device
from tests.factories import SchoolFactory, UserFactory, member
from tests.security.test_two_factor import code_for
from tests.sso import callback_path, query

pytestmark = pytest.mark.services

START = reverse("sso_start")


@pytest.fixture
def school(db):
    return SchoolFactory()


@pytest.fixture
def juf(school):
    user = member(Role.BEGELEIDER, school=school, username="juf_sso")
    user.email = "m.jansen@school.example"
    user.save()
    return user


def _start(client, next_url=None):
    response = client.get(START + (f"?next={next_url}" if next_url else ""), secure=True)
    assert response.status_code == 302
    return response["Location"]


def _log_in(client, provider, sub, *, amr="pwd", next_url=None):
    location = provider.sign_in(_start(client, next_url), sub, amr=amr)
    return client.get(callback_path(location), secure=True)


def _refusal_message(client, response):
    assert response.status_code == 302 and response["Location"] == reverse("login")
    page = client.get(response["Location"], secure=True)
    return [str(m) for m in page.context["messages"]]


def test_login_page_shows_the_button_only_when_configured(client, db, settings):
    settings.OIDC_ISSUER = ""
    html = client.get(reverse("login"), secure=True).content.decode()
    assert "Inloggen met uw schoolaccount" not in html
    assert client.get(START, secure=True).status_code == 404
    settings.OIDC_ISSUER, settings.OIDC_CLIENT_ID, settings.OIDC_LABEL = "https://login.example", "x", "Inloggen met Entree"
    html = client.get(reverse("login") + "?next=/leerlingen/", secure=True).content.decode()
    assert ">Inloggen met Entree</a>" in html and 'href="/accounts/sso/start/?next=%2Fleerlingen%2F"' in html
    assert 'name="password"' in html  # the password stays, for parents and as fallback


def test_the_request_to_the_provider_carries_state_nonce_and_pkce(client, sso, db):
    params = {k: v[0] for k, v in parse_qs(urlsplit(_start(client)).query).items()}
    assert params["response_type"] == "code" and params["client_id"] == "opp-portaal-test"
    assert params["redirect_uri"] == "https://testserver/accounts/sso/callback/"
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43
    assert len(params["state"]) >= 32 and len(params["nonce"]) >= 32
    assert set(params["scope"].split()) >= {"openid", "email"}


def test_known_staff_member_comes_in_and_is_linked_after_the_code(client, sso, juf):
    device = totp_device(juf)
    sso.set_accounts({"entra-oid-1": {"email": "M.Jansen@school.example", "email_verified": True}})
    anonymous_key = client.session.session_key
    response = _log_in(client, sso, "entra-oid-1", next_url="/leerlingen/")
    assert response.status_code == 302 and response["Location"] == "/leerlingen/"
    assert client.session["_auth_user_id"] == str(juf.pk)
    assert client.session.session_key != anonymous_key  # a new session id at login
    login = AuditEvent.objects.get(action="login", actor=juf)
    assert login.details == {"method": "sso"}
    # The portal's own second factor is still asked (OIDC_TRUST_MFA off) ...
    page = client.get("/leerlingen/", secure=True)
    assert page.status_code == 302 and page["Location"].startswith(reverse("otp_verify"))
    assert DEVICE_ID_SESSION_KEY not in client.session
    # ... and only after it is the account linked: a provider account alone never links.
    assert not SsoIdentity.objects.exists()
    client.post(reverse("otp_verify"), {"token": code_for(device)}, secure=True)
    assert DEVICE_ID_SESSION_KEY in client.session
    identity = SsoIdentity.objects.get()
    assert (identity.user, identity.issuer, identity.subject) == (juf, sso.issuer, "entra-oid-1")
    assert AuditEvent.objects.filter(action="sso_linked", actor=juf).count() == 1


def test_after_the_link_only_issuer_and_subject_count(client, sso, juf):
    sso.set_accounts({"entra-oid-1": {"email": "m.jansen@school.example", "email_verified": True}})
    _log_in(client, sso, "entra-oid-1")
    client.logout()
    # The provider now says another (even unverified) email: the link still finds the same account.
    sso.set_accounts({"entra-oid-1": {"email": "marieke@elders.example", "email_verified": False},
                      "entra-oid-2": {"email": "m.jansen@school.example", "email_verified": True}})
    response = _log_in(client, sso, "entra-oid-1")
    assert client.session["_auth_user_id"] == str(juf.pk), response
    client.logout()
    # A second identity with the linked account's email does not take over the account.
    response = _log_in(client, sso, "entra-oid-2")
    assert "_auth_user_id" not in client.session
    assert _refusal_message(client, response) == [str(rules.NOT_KNOWN_MESSAGE)]
    assert AuditEvent.objects.filter(action="sso_refused", details__reason="linked_elsewhere").count() == 1
    assert SsoIdentity.objects.count() == 1


def test_unknown_person_is_refused_and_no_account_is_made(client, sso, juf):
    sso.set_accounts({"stranger": {"email": "stagiair@school.example", "email_verified": True}})
    users_before = User.objects.count()
    response = _log_in(client, sso, "stranger")
    assert "_auth_user_id" not in client.session
    assert _refusal_message(client, response) == [str(rules.NOT_KNOWN_MESSAGE)]
    assert User.objects.count() == users_before and not SsoIdentity.objects.exists()
    refusal = AuditEvent.objects.get(action="sso_refused")
    assert refusal.details == {"reason": "unknown", "issuer": sso.issuer}
    assert "stagiair" not in refusal.actor_label  # pseudonymised, as a failed password login


def test_an_unverified_email_never_links(client, sso, juf):
    sso.set_accounts({"entra-oid-1": {"email": "m.jansen@school.example", "email_verified": False}})
    response = _log_in(client, sso, "entra-oid-1")
    assert "_auth_user_id" not in client.session and not SsoIdentity.objects.exists()
    assert _refusal_message(client, response) == [str(rules.MESSAGES[rules.Refusal.EMAIL_NOT_VERIFIED])]


def test_a_first_login_that_stops_at_the_code_links_nothing(client, sso, juf):
    totp_device(juf)
    sso.set_accounts({"attacker": {"email": "m.jansen@school.example", "email_verified": True}})
    _log_in(client, sso, "attacker")
    client.post(reverse("logout"), secure=True)
    assert not SsoIdentity.objects.exists()
    # The real owner, through the same provider later, is not shut out by a link the first one left.
    sso.set_accounts({"entra-oid-1": {"email": "m.jansen@school.example", "email_verified": True}})
    _log_in(client, sso, "entra-oid-1")
    assert client.session["_auth_user_id"] == str(juf.pk)


def test_a_parent_or_disabled_account_with_the_same_email_does_not_block(client, sso, juf):
    twin = UserFactory(email="M.JANSEN@school.example")  # a parent account (no membership) with the same address
    assert twin.pk != juf.pk
    sso.set_accounts({"entra-oid-1": {"email": "m.jansen@school.example", "email_verified": True}})
    _log_in(client, sso, "entra-oid-1")
    assert client.session["_auth_user_id"] == str(juf.pk)


def test_refusals_do_not_lock_the_address_out(client, sso, juf, settings):
    """Five refused SSO logins from one school address must not lock SSO (or the password form) for the next
    person: django-axes counts password guesses only; SSO refusals have their own audit rows and rate limit."""
    settings.AXES_ENABLED = True
    sso.set_accounts({"stranger": {"email": "stagiair@school.example", "email_verified": True},
                      "entra-oid-1": {"email": "m.jansen@school.example", "email_verified": True}})
    for _attempt in range(settings.AXES_FAILURE_LIMIT + 2):
        _log_in(client, sso, "stranger")
    assert AuditEvent.objects.filter(action="sso_refused").count() == settings.AXES_FAILURE_LIMIT + 2
    assert not AuditEvent.objects.filter(action__in=["login_failed", "locked_out"]).exists()
    response = _log_in(client, sso, "entra-oid-1")
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(juf.pk)


def test_an_error_from_the_provider_logs_nobody_out(client, sso, juf):
    sso.set_accounts({"entra-oid-1": {"email": "m.jansen@school.example", "email_verified": True}})
    _log_in(client, sso, "entra-oid-1")
    # A link from anywhere to the callback with ?error= (the library would log the user out).
    response = client.get(reverse("sso_callback") + "?error=access_denied&state=x", secure=True)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(juf.pk)


@pytest.mark.parametrize("case", ["disabled", "pending", "parent"])
def test_disabled_pending_and_parent_accounts_cannot_come_in(client, sso, school, case):
    if case == "pending":
        user = member(Role.BEGELEIDER, school=school, username="nieuw", approved=False)
    else:
        user = member(Role.BEGELEIDER, school=school, username="weg") if case == "disabled" else UserFactory()
    user.email = "iemand@school.example"
    user.is_active = case != "disabled"
    user.save()
    sso.set_accounts({"oid": {"email": "iemand@school.example", "email_verified": True}})
    response = _log_in(client, sso, "oid")
    assert "_auth_user_id" not in client.session and not SsoIdentity.objects.exists()
    # A parent account is no staff account: to single sign-on it does not exist.
    expected = {"disabled": rules.Refusal.INACTIVE, "pending": rules.Refusal.PENDING, "parent": rules.Refusal.UNKNOWN}
    assert AuditEvent.objects.get(action="sso_refused").details["reason"] == expected[case]
    assert _refusal_message(client, response) == [rules.message(expected[case])]


def test_a_linked_account_that_is_disabled_later_is_refused(client, sso, juf):
    sso.set_accounts({"entra-oid-1": {"email": "m.jansen@school.example", "email_verified": True}})
    _log_in(client, sso, "entra-oid-1")
    client.logout()
    juf.is_active = False
    juf.save()
    _log_in(client, sso, "entra-oid-1")
    assert "_auth_user_id" not in client.session


def test_a_tampered_state_is_refused(client, sso, juf):
    sso.set_accounts({"entra-oid-1": {"email": "m.jansen@school.example", "email_verified": True}})
    location = sso.sign_in(_start(client), "entra-oid-1")
    code = query(location)["code"]
    response = client.get(reverse("sso_callback") + f"?code={code}&state=not-the-state&iss={sso.issuer}", secure=True)
    assert "_auth_user_id" not in client.session
    assert _refusal_message(client, response) == [str(rules.MESSAGES[rules.Refusal.FAILED])]
    assert AuditEvent.objects.filter(action="sso_refused", details__reason="failed").exists()
    # A callback in a browser that never started a login (a forged link) is refused the same way.
    other = client.__class__()
    response = other.get(callback_path(location), secure=True)
    assert response.status_code == 302 and "_auth_user_id" not in other.session


def test_an_expired_code_is_refused(client, sso, juf):
    sso.set_accounts({"entra-oid-1": {"email": "m.jansen@school.example", "email_verified": True}})
    location = sso.sign_in(_start(client), "entra-oid-1")
    sso.set_clock(10 * 60)  # the provider's codes live 60 seconds
    response = client.get(callback_path(location), secure=True)
    assert "_auth_user_id" not in client.session
    assert _refusal_message(client, response) == [str(rules.MESSAGES[rules.Refusal.FAILED])]
    assert not SsoIdentity.objects.exists()


def test_a_used_code_cannot_be_used_again(client, sso, juf):
    sso.set_accounts({"entra-oid-1": {"email": "m.jansen@school.example", "email_verified": True}})
    location = sso.sign_in(_start(client), "entra-oid-1")
    assert client.get(callback_path(location), secure=True).status_code == 302
    assert client.session["_auth_user_id"] == str(juf.pk)
    thief = client.__class__()
    thief.get(START, secure=True)  # even with a login of its own under way, the stolen state is not its
    thief.get(callback_path(location), secure=True)
    assert "_auth_user_id" not in thief.session


def test_a_mix_up_with_another_issuer_is_refused(client, sso, juf):
    sso.set_accounts({"entra-oid-1": {"email": "m.jansen@school.example", "email_verified": True}})
    location = sso.sign_in(_start(client), "entra-oid-1")
    params = query(location)
    response = client.get(reverse("sso_callback") + f"?code={params['code']}&state={params['state']}"
                          "&iss=https://evil.example", secure=True)
    assert "_auth_user_id" not in client.session and response.status_code == 302


@pytest.mark.parametrize(("trust", "amr", "asked"), [
    (True, "pwd,mfa", False),
    (True, "pwd,otp", False),
    (True, "pwd", True),
    (False, "pwd,mfa", True),
])
def test_second_factor_after_sso(client, sso, juf, settings, trust, amr, asked):
    settings.OIDC_TRUST_MFA = trust
    totp_device(juf)
    sso.set_accounts({"entra-oid-1": {"email": "m.jansen@school.example", "email_verified": True}})
    _log_in(client, sso, "entra-oid-1", amr=amr)
    page = client.get(reverse("students:list"), secure=True)
    if asked:
        assert page.status_code == 302 and page["Location"].startswith(reverse("otp_verify"))
    else:
        assert page.status_code == 200
    # Switching the trust off ends what it gave: the next request asks for the code.
    settings.OIDC_TRUST_MFA = False
    page = client.get(reverse("students:list"), secure=True)
    assert page.status_code == 302 and page["Location"].startswith(reverse("otp_verify"))


def test_logout_ends_the_session_and_offers_the_providers_logout(client, sso, juf, settings):
    settings.OIDC_TRUST_MFA = True
    sso.set_accounts({"entra-oid-1": {"email": "m.jansen@school.example", "email_verified": True}})
    _log_in(client, sso, "entra-oid-1", amr="mfa")
    response = client.post(reverse("logout"), secure=True)
    assert response.status_code == 302 and response["Location"] == reverse("sso_logged_out")
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"], secure=True)
    html = page.content.decode()
    assert f'action="{sso.issuer}/session/end"' in html and 'name="id_token_hint"' in html
    assert sso.issuer in page["Content-Security-Policy"]  # the one form may post to the provider
    # The provider accepts the hint and sends the browser back to the login page.
    form = {name: value for name, value in
            (("id_token_hint", page.context["id_token_hint"]), ("client_id", page.context["client_id"]),
             ("post_logout_redirect_uri", page.context["post_logout_redirect_uri"]))}
    assert form["post_logout_redirect_uri"] == "https://testserver/accounts/login/"
    # Shown once: the hint is gone from the session.
    assert "id_token_hint" not in client.get(response["Location"], secure=True).content.decode()


def test_provider_down_is_a_message_not_an_error(client, db, settings):
    settings.OIDC_ISSUER, settings.OIDC_CLIENT_ID = "http://127.0.0.1:9", "x"  # nothing listens on port 9
    rules.forget_discovery()
    response = client.get(START, secure=True)
    assert _refusal_message(client, response) == [str(rules.MESSAGES[rules.Refusal.PROVIDER])]
    rules.forget_discovery()
