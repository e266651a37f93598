"""Rate limits (issue 16, point 9): the invitation pages and the PDF verification upload, per client address as the
trusted proxy reports it and per invited email, counted in the database; over the limit a Dutch 429 page with the
minutes to wait, audited once as a refusal; after the window it works again."""

import datetime
import re
import threading
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from notifications.models import Notification
from portal.models import Invitation
from ratelimits import limits, rules, services
from ratelimits.models import Counter
from students.models import Guardian
from tests.conftest import PASSWORD
from tests.services import require_postgres

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
NOW = datetime.datetime(2026, 9, 25, 10, 0, tzinfo=AMS)  # on a 15-minute boundary: windows start here
ACCOUNT_URL = "/portaal/uitnodiging/account/"
LANDING = "/portaal/uitnodiging/een-token-dat-niemand-kent-1234567890/"
A, B, PROXY = "203.0.113.7", "198.51.100.9", "172.18.0.2"


pytestmark = pytest.mark.clock(NOW)


def refusals(**details):
    return AuditEvent.objects.filter(action=AuditEvent.Action.DENIED, details__status=429,
                                     **{f"details__{k}": v for k, v in details.items()})


def assert_refused(response, minutes):
    assert response.status_code == 429
    html = response.content.decode()
    assert '<html lang="nl"' in html
    assert f"Te veel pogingen; probeer het over {minutes} minuten opnieuw." in html
    assert response["Retry-After"] == str(minutes * 60)
    assert "no-store" in response["Cache-Control"]


# --- Per client address ------------------------------------------------------------------------------------------


def test_the_next_request_over_the_limit_gets_429_and_another_address_still_gets_through(db, clock, settings):
    settings.OPP_RATELIMIT_INVITATION = "3/15m"
    client = Client()
    for _ in range(3):
        assert client.get(LANDING, REMOTE_ADDR=A).status_code == 200
    assert_refused(client.get(LANDING, REMOTE_ADDR=A), minutes=15)
    assert Client().get(LANDING, REMOTE_ADDR=B).status_code == 200

    # Audited as a refusal, with the address, once per address and window (a flood does not flood the log).
    row = refusals().get()
    assert (row.actor, row.ip_address, row.school) == (None, A, None)
    assert row.details == {"status": 429, "limit": "invitation", "by": "address",
                           "path_name": "portal:invitation_landing", "retry_after": 900}
    client.get(LANDING, REMOTE_ADDR=A)
    assert refusals().count() == 1
    # The token in the path appears nowhere in the log.
    assert not any("een-token" in str(e.details) for e in AuditEvent.objects.all())


def test_behind_the_proxy_the_forwarded_client_address_counts_not_the_proxys(db, clock, settings):
    settings.OPP_RATELIMIT_INVITATION = "2/15m"
    settings.TRUSTED_PROXY_COUNT = 1
    client = Client()
    for _ in range(2):
        assert client.get(LANDING, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=A).status_code == 200
    assert client.get(LANDING, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=A).status_code == 429
    # The same proxy forwarding another client: not limited. A spoofed left-most hop changes nothing.
    assert client.get(LANDING, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=B).status_code == 200
    assert client.get(LANDING, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"10.9.9.9, {A}").status_code == 429
    assert refusals().get().ip_address == A


def test_after_the_window_it_works_again_and_the_page_says_how_long_to_wait(db, clock, settings):
    settings.OPP_RATELIMIT_INVITATION = "2/15m"
    client = Client()
    client.get(LANDING, REMOTE_ADDR=A)
    clock.shift(datetime.timedelta(minutes=10))
    client.get(LANDING, REMOTE_ADDR=A)
    assert_refused(client.get(LANDING, REMOTE_ADDR=A), minutes=5)
    clock.shift(datetime.timedelta(minutes=4, seconds=30))
    refused = client.get(LANDING, REMOTE_ADDR=A)
    assert "probeer het over 1 minuut opnieuw." in refused.content.decode() and refused["Retry-After"] == "30"

    clock.shift(datetime.timedelta(seconds=30))  # the window is over
    assert client.get(LANDING, REMOTE_ADDR=A).status_code == 200
    # The first request of a new window cleared the windows that were over: the table does not grow.
    assert Counter.objects.count() == 1


def test_the_429_page_is_translated(db, clock, settings):
    settings.OPP_RATELIMIT_INVITATION = "1/1h"
    client = Client()
    client.get(LANDING, REMOTE_ADDR=A)
    html = client.get(LANDING, REMOTE_ADDR=A, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Too many attempts; please try again in 60 minutes." in html


@pytest.fixture
def invited(world, personas):
    """An invitation for Sanne's vader, whose email already has an account (so the account form checks a password)."""
    from portal import services

    User.objects.create_user(username="pieter@example.nl", email="pieter@example.nl", password=PASSWORD)
    services.invite(actor=personas.begeleider_a, email="pieter@example.nl", guardian=world.vader, child=world.sanne)
    world.token = re.search(r"/portaal/uitnodiging/([A-Za-z0-9_\-]{20,})/",
                            Notification.objects.get(kind="invitation").body_text).group(1)
    return world


def test_the_exchange_counts_too_and_a_refused_exchange_spends_nothing(invited, settings):
    settings.OPP_RATELIMIT_INVITATION = "2/15m"
    client = Client()
    client.get(reverse("portal:invitation_landing", args=[invited.token]), REMOTE_ADDR=A)
    client.get(LANDING, REMOTE_ADDR=A)
    response = client.post(reverse("portal:invitation_exchange"), {"token": invited.token}, REMOTE_ADDR=A)
    assert response.status_code == 429
    assert Invitation.objects.get().used_at is None
    assert client.post(reverse("portal:invitation_exchange"), {"token": invited.token}, REMOTE_ADDR=B).status_code == 302


# --- Per invited email --------------------------------------------------------------------------------------------


def test_password_guesses_for_one_invited_email_are_limited_from_any_address(invited, clock, settings):
    settings.OPP_RATELIMIT_INVITATION_EMAIL = "3/15m"
    client = Client()
    assert client.post(reverse("portal:invitation_exchange"), {"token": invited.token}, REMOTE_ADDR=A).status_code == 302
    for n in range(3):
        wrong = client.post(ACCOUNT_URL, {"password1": f"geraden-{n}"}, REMOTE_ADDR=f"192.0.2.{n + 1}")
        assert wrong.status_code == 200
        assert "Dit wachtwoord hoort niet bij uw bestaande account." in wrong.content.decode()
    # A fourth address changes nothing: the email is the key. Even the right password waits for the window.
    assert_refused(client.post(ACCOUNT_URL, {"password1": PASSWORD}, REMOTE_ADDR="192.0.2.99"), minutes=15)
    assert Guardian.objects.get(pk=invited.vader.pk).user is None
    # Showing the form is no guess: not counted, not refused.
    assert client.get(ACCOUNT_URL, REMOTE_ADDR=A).status_code == 200

    row = refusals(by="email").get()
    assert row.details["limit"] == "invitation" and "pieter" not in str(row.details) and row.actor_label == ""

    clock.shift(datetime.timedelta(minutes=15))
    linked = client.post(ACCOUNT_URL, {"password1": PASSWORD}, REMOTE_ADDR=A)
    assert linked.status_code == 302 and linked["Location"] == reverse("portal:home")
    assert Guardian.objects.get(pk=invited.vader.pk).user.username == "pieter@example.nl"


# --- The verification upload --------------------------------------------------------------------------------------


def test_verification_uploads_are_limited_per_address_and_the_form_itself_is_not(db, clock, personas, settings):
    settings.OPP_RATELIMIT_VERIFY = "2/15m"
    client = Client()
    client.force_login(personas.begeleider_a)
    url = reverse("opp:verify")
    for _ in range(2):
        assert client.post(url, {"version_hash": "0" * 64}, REMOTE_ADDR=A).status_code == 200
    assert client.get(url, REMOTE_ADDR=A).status_code == 200
    assert_refused(client.post(url, {"version_hash": "0" * 64}, REMOTE_ADDR=A), minutes=15)
    assert client.post(url, {"version_hash": "0" * 64}, REMOTE_ADDR=B).status_code == 200

    row = refusals().get()
    assert (row.actor, row.school, row.ip_address) == (personas.begeleider_a, personas.begeleider_a.memberships.get().school, A)
    assert row.details["limit"] == "verify" and row.details["path_name"] == "opp:verify"


def test_anonymous_visitors_of_the_verify_page_go_to_the_login_page_uncounted(db, clock, settings):
    settings.OPP_RATELIMIT_VERIFY = "1/15m"
    for _ in range(3):
        assert Client().post(reverse("opp:verify"), {"version_hash": "x"}, REMOTE_ADDR=A).status_code == 302
    assert not Counter.objects.exists()


# --- Several processes ------------------------------------------------------------------------------------------


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_never_lose_a_count():
    """Web processes share the counter row: 8 connections hitting at once count every request, once."""
    require_postgres()
    rate = rules.Rate(count=1000, seconds=3600)
    start = threading.Barrier(8)

    def worker():
        try:
            start.wait()
            for _ in range(10):
                services.hit(scope="test:address", value=A, rate=rate)
        finally:
            connection.close()

    with time_machine.travel(NOW, tick=False):
        threads = [threading.Thread(target=worker) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert services.hit(scope="test:address", value=A, rate=rate).count == 81
    assert Counter.objects.count() == 1


# --- Settings and rules -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, count, seconds", [
    ("10/15m", 10, 900), ("5/h", 5, 3600), ("100/1d", 100, 86400), (" 3 / 30s ", 3, 30),
])
def test_rates_are_read_as_count_per_period(text, count, seconds):
    assert rules.parse(text) == rules.Rate(count, seconds)


@pytest.mark.parametrize("text", ["", "10", "10/15", "10/15x", "0/1m", "10/0m", "tien/15m", "-1/1m"])
def test_a_malformed_limit_stops_start_up_naming_the_variable(settings, text):
    settings.OPP_RATELIMIT_VERIFY = text
    with pytest.raises(ImproperlyConfigured, match="OPP_RATELIMIT_VERIFY"):
        limits.check_settings()


def test_the_minutes_to_wait_are_rounded_up_and_at_least_one():
    assert rules.minutes_until(0, 900) == 15
    assert rules.minutes_until(1, 900) == 15
    assert rules.minutes_until(899.5, 900) == 1
    assert rules.window_start(1799.9, 900) == 900
