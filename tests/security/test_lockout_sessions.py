"""Lockout (issue 10 item 2) and session policy (item 3)."""

import datetime
import gzip
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from security.models import UserSession
from tests.auth import login
from tests.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
A = AuditEvent.Action
T0 = datetime.datetime(2026, 11, 28, 9, 0, tzinfo=datetime.UTC)


def attempt(client, username, password, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


# --- lockout ----------------------------------------------------------------------------------------

@time_machine.travel(T0, tick=False)
def test_five_failures_lock_user_and_address_for_fifteen_minutes(client, personas):
    user = personas.begeleider_a
    for _i in range(4):
        response = attempt(client, user.username, "fout-wachtwoord")
        assert response.status_code == 200
        assert "De combinatie van gebruikersnaam en wachtwoord is onjuist" in response.content.decode()
    assert attempt(client, user.username, "fout-wachtwoord").status_code == 429, "the fifth failure locks"
    locked = attempt(client, user.username, PASSWORD)
    assert locked.status_code == 429
    assert "Te veel mislukte inlogpogingen" in locked.content.decode()
    assert "_auth_user_id" not in client.session, "the right password does not help while locked"
    assert AuditEvent.objects.filter(action=A.LOCKED_OUT, actor_label=user.username).exists()
    assert AuditEvent.objects.filter(action=A.LOGIN_FAILED, actor_label=user.username).count() >= 5
    with time_machine.travel(T0 + datetime.timedelta(minutes=15, seconds=1), tick=False):
        assert attempt(client, user.username, PASSWORD).status_code == 302


@time_machine.travel(T0, tick=False)
def test_trying_again_while_locked_restarts_the_fifteen_minutes(client, personas):
    user = personas.begeleider_a
    for _i in range(5):
        attempt(client, user.username, "fout")
    with time_machine.travel(T0 + datetime.timedelta(minutes=14), tick=False):
        assert attempt(client, user.username, PASSWORD).status_code == 429
    with time_machine.travel(T0 + datetime.timedelta(minutes=16), tick=False):
        assert attempt(client, user.username, PASSWORD).status_code == 429
    with time_machine.travel(T0 + datetime.timedelta(minutes=16 + 15, seconds=1), tick=False):
        assert attempt(client, user.username, PASSWORD).status_code == 302


@time_machine.travel(T0, tick=False)
def test_the_lock_is_per_user_and_address(client, personas):
    for _i in range(5):
        attempt(client, personas.begeleider_a.username, "fout")
    # Another address may still log in as this user; another user from this address too.
    assert attempt(Client(REMOTE_ADDR="10.0.0.9"), personas.begeleider_a.username, PASSWORD).status_code == 302
    assert attempt(client, personas.leerkracht_a.username, PASSWORD).status_code == 302


@time_machine.travel(T0, tick=False)
def test_the_message_does_not_tell_whether_the_account_exists(client, personas):
    pages = {}
    for name in (personas.begeleider_a.username, "bestaat-niet"):
        fresh = Client()
        for _i in range(4):
            first = attempt(fresh, name, "fout")
        pages[name] = (first.status_code, attempt(fresh, name, "fout").status_code)
        text = attempt(fresh, name, "fout").content.decode()
        assert "Te veel mislukte inlogpogingen" in text and name not in text
    assert pages[personas.begeleider_a.username] == pages["bestaat-niet"] == (200, 429)


@time_machine.travel(T0, tick=False)
def test_behind_the_proxy_the_forwarded_client_address_counts(personas, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "172.18.0.2"}
    for _i in range(5):
        attempt(Client(**proxy), personas.begeleider_a.username, "fout", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert attempt(Client(**proxy), personas.begeleider_a.username, PASSWORD,
                   HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    # Another client behind the same proxy is not locked out by the first one's mistakes.
    assert attempt(Client(**proxy), personas.begeleider_a.username, PASSWORD,
                   HTTP_X_FORWARDED_FOR="198.51.100.4").status_code == 302
    assert AuditEvent.objects.filter(action=A.LOCKED_OUT, ip_address="203.0.113.7").exists()


@time_machine.travel(T0, tick=False)
def test_portal_users_are_locked_out_the_same_way(client):
    parent = UserFactory(username="ouder.lock")
    for _i in range(5):
        attempt(client, parent.username, "fout")
    assert attempt(client, parent.username, PASSWORD).status_code == 429


def test_password_rules_at_least_twelve_and_not_common():
    with pytest.raises(ValidationError) as short:
        validate_password("Kort-1234ab")
    assert any("12" in m for m in short.value.messages)
    import django.contrib.auth.password_validation as pv

    common_file = Path(pv.__file__).with_name("common-passwords.txt.gz")
    common = next(line for line in gzip.open(common_file, "rt").read().splitlines() if len(line) >= 12)
    with pytest.raises(ValidationError):
        validate_password(common)
    validate_password("lange-zin-met-woorden-2026")


# --- sessions --------------------------------------------------------------------------------------

def test_login_issues_a_new_session_id(client, personas):
    session = client.session
    session["voorkeur"] = "x"
    session.save()
    before = session.session_key
    attempt(client, personas.begeleider_a.username, PASSWORD)
    assert client.session.session_key != before
    assert not Session.objects.filter(session_key=before).exists()
    assert UserSession.objects.filter(user=personas.begeleider_a, session_key=client.session.session_key).exists()


@pytest.mark.parametrize(("who", "limit"), [("staff", 30), ("portal", 15)])
def test_idle_timeout(client, personas, who, limit):
    user = personas.begeleider_a if who == "staff" else UserFactory(username="ouder.idle")
    page = reverse("staff_start") if who == "staff" else reverse("account_security")
    with time_machine.travel(T0, tick=False):
        login(client, user)
        assert client.get(page).status_code == 200
    with time_machine.travel(T0 + datetime.timedelta(minutes=limit - 1), tick=False):
        assert client.get(page).status_code == 200, "activity keeps the session alive"
    with time_machine.travel(T0 + datetime.timedelta(minutes=2 * limit - 1), tick=False):
        assert client.get(page).status_code == 200
    with time_machine.travel(T0 + datetime.timedelta(minutes=3 * limit + 1), tick=False):
        response = client.get(page)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
        assert "_auth_user_id" not in client.session
        follow = client.get(response["Location"])
        assert "automatisch uitgelogd" in follow.content.decode()
    assert AuditEvent.objects.filter(action=A.SESSION_EXPIRED, actor=user, details__reason="idle").exists()


def test_absolute_limit_of_twelve_hours(client, personas):
    with time_machine.travel(T0, tick=False):
        login(client, personas.begeleider_a)
    for minutes in range(20, 12 * 60, 20):
        with time_machine.travel(T0 + datetime.timedelta(minutes=minutes), tick=False):
            assert client.get(reverse("staff_start")).status_code == 200
    with time_machine.travel(T0 + datetime.timedelta(hours=12, minutes=1), tick=False):
        assert client.get(reverse("staff_start")).status_code == 302
    assert AuditEvent.objects.filter(action=A.SESSION_EXPIRED, details__reason="absolute").exists()


def _two_sessions(user):
    first, second = Client(), Client()
    attempt(first, user.username, PASSWORD)
    attempt(second, user.username, PASSWORD)
    assert first.get(reverse("account_security")).status_code == 200
    return first, second


def test_deactivating_an_account_ends_all_its_sessions(db):
    user = UserFactory(username="ouder.deact")
    first, second = _two_sessions(user)
    user.is_active = False
    user.save()
    assert not UserSession.objects.filter(user=user).exists()
    for c in (first, second):
        assert not Session.objects.filter(session_key=c.session.session_key).exists() or \
            "_auth_user_id" not in c.session
        assert c.get(reverse("account_security")).status_code == 302
    assert AuditEvent.objects.filter(action=A.SESSIONS_ENDED, details__reason="deactivated").exists()


def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(db):
    user = UserFactory(username="ouder.pw")
    first, second = _two_sessions(user)
    other_key = second.session.session_key
    new = "nieuw-wachtwoord-lang-2026"
    response = first.post(reverse("password_change"),
                          {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=other_key).exists(), "the other session row is deleted"
    assert first.get(reverse("account_security")).status_code == 200, "this session goes on with a new id"
    assert second.get(reverse("account_security")).status_code == 302, "the other one has ended"
    assert AuditEvent.objects.filter(action=A.PASSWORD_CHANGED, actor=user).count() == 1


def test_a_weak_new_password_is_refused_in_dutch_and_keeps_the_old(db):
    user = UserFactory(username="ouder.pw2")
    client = Client()
    attempt(client, user.username, PASSWORD)
    response = client.post(reverse("password_change"),
                           {"old_password": PASSWORD, "new_password1": "kort", "new_password2": "kort"})
    assert response.status_code == 200
    assert "12 tekens" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_the_beheerder_resets_a_lost_phone_but_not_their_own(client, personas):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.auth import totp_device

    totp_device(personas.begeleider_a)
    login(client, personas.beheerder_a)
    own = TOTPDevice.objects.get(user=personas.beheerder_a)
    url = reverse("admin:accounts_user_changelist")
    client.post(url, {"action": "reset_second_factor",
                      "_selected_action": [personas.begeleider_a.pk, personas.beheerder_a.pk]})
    # Four eyes (issue 16): asked, not done — the phone goes when the school's schoolleider approves.
    assert TOTPDevice.objects.filter(user=personas.begeleider_a).exists()
    assert TOTPDevice.objects.filter(pk=own.pk).exists()
    from security import approvals
    from security.models import ApprovalRequest

    [asked] = ApprovalRequest.objects.filter(kind="otp_reset")
    assert (asked.user, asked.requested_by, asked.state) == (personas.begeleider_a, personas.beheerder_a, "pending")
    approvals.approve(approval=asked, approver=personas.schoolleider_a)
    assert not TOTPDevice.objects.filter(user=personas.begeleider_a).exists()
    assert TOTPDevice.objects.filter(pk=own.pk).exists()
    assert AuditEvent.objects.filter(action=A.OTP_REMOVED, actor=personas.schoolleider_a,
                                     object_id=str(personas.begeleider_a.pk)).exists()


@time_machine.travel(T0, tick=False)
def test_a_hostile_username_is_stored_cut_short_and_still_locks(client):
    """Axes keeps the typed name in a 255-character column: a longer one was a 500 on PostgreSQL."""
    from axes.models import AccessAttempt

    typed = "x" * 5000
    for _i in range(4):
        assert attempt(client, typed, "fout").status_code == 200
    assert attempt(client, typed, "fout").status_code == 429
    stored = AccessAttempt.objects.get()
    assert len(stored.username) == 150 and stored.failures_since_start == 5
