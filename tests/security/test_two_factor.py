"""Second factor (issue 10 item 1): required for staff, bestuurder and beheerder when OPP_REQUIRE_2FA is on,
the admin included; TOTP with QR enrolment and single-use backup codes; adoption re-checks it."""

import datetime
import io
import re

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from security import demo, otp
from tests.auth import login, totp_device
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("require_2fa")]

A = AuditEvent.Action


@pytest.fixture
def require_2fa(settings):
    settings.OPP_REQUIRE_2FA = True


def code_for(device, at_offset=0):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + at_offset
    return f"{totp.token():06d}"


def password_login(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return response


# --- enforcement --------------------------------------------------------------------------------------

@pytest.mark.parametrize("persona", ["begeleider_a", "leerkracht_a", "bestuurder_a", "beheerder_a", "commissie_a2"])
def test_staff_with_a_device_reach_nothing_before_the_code(client, personas, persona):
    user = getattr(personas, persona)
    totp_device(user)
    password_login(client, user)
    for url in (reverse("staff_start"), reverse("students:list"), reverse("admin:index"), reverse("account_security")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("otp_verify")), (url, response["Location"])
    # A POST is refused the same way, without a next that would repeat it.
    response = client.post(reverse("notification_preferences"), {"daily_digest": "on"})
    assert response["Location"] == reverse("otp_verify")


def test_staff_without_a_device_must_enrol_first(client, personas):
    password_login(client, personas.begeleider_a)
    response = client.get(reverse("staff_start"))
    assert response["Location"].startswith(reverse("otp_setup"))


def test_logout_and_language_switch_work_before_the_code(client, personas):
    totp_device(personas.begeleider_a)
    password_login(client, personas.begeleider_a)
    assert client.post(reverse("set_language"), {"language": "en", "next": "/"}).status_code == 302
    assert client.post(reverse("logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_admin_refuses_an_unverified_session_even_without_the_middleware(client, personas, settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != "security.policy.SecondFactorMiddleware"]
    totp_device(personas.beheerder_a)
    login(client, personas.beheerder_a, verified=False)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and "/beheer/login/" in response["Location"]
    login(client, personas.beheerder_a)
    assert client.get(reverse("admin:index")).status_code == 200


def test_switched_off_staff_need_no_device_but_one_they_have_is_asked_for(client, personas, settings):
    """OPP_REQUIRE_2FA only decides whether staff must have a second factor; one they have always counts."""
    settings.OPP_REQUIRE_2FA = False
    password_login(client, personas.leerkracht_a)
    assert client.get(reverse("staff_start")).status_code == 200
    device = totp_device(personas.begeleider_a)
    other = Client()
    password_login(other, personas.begeleider_a)
    assert other.get(reverse("staff_start"))["Location"].startswith(reverse("otp_verify"))
    assert other.post(reverse("otp_verify"), {"token": code_for(device)}).status_code == 302
    assert other.get(reverse("staff_start")).status_code == 200


# --- the code at login ------------------------------------------------------------------------------

def test_a_right_code_opens_the_app_and_goes_to_next(client, personas):
    device = totp_device(personas.begeleider_a)
    password_login(client, personas.begeleider_a)
    before = client.session.session_key
    target = reverse("students:list")
    response = client.post(reverse("otp_verify"), {"token": code_for(device), "next": target})
    assert response.status_code == 302 and response["Location"] == target
    assert client.session.session_key != before, "a new session id once the second factor is passed"
    assert client.get(target).status_code == 200
    assert AuditEvent.objects.filter(action=A.OTP_VERIFIED, actor=personas.begeleider_a).count() == 1


def test_a_wrong_code_is_refused_in_dutch_and_audited(client, personas):
    totp_device(personas.begeleider_a)
    password_login(client, personas.begeleider_a)
    response = client.post(reverse("otp_verify"), {"token": "000000"})
    assert response.status_code == 200
    assert "Deze code klopt niet" in response.content.decode()
    assert client.get(reverse("staff_start")).status_code == 302
    row = AuditEvent.objects.get(action=A.OTP_FAILED)
    assert row.actor == personas.begeleider_a and "000000" not in str(row.details)


def test_a_code_cannot_be_used_twice(client, personas, django_user_model):
    device = totp_device(personas.begeleider_a)
    code = code_for(device)
    password_login(client, personas.begeleider_a)
    assert client.post(reverse("otp_verify"), {"token": code}).status_code == 302
    from django.test import Client

    other = Client()
    password_login(other, personas.begeleider_a)
    response = other.post(reverse("otp_verify"), {"token": code})
    assert response.status_code == 200 and "Deze code klopt niet" in response.content.decode()


@time_machine.travel(datetime.datetime(2026, 11, 28, 9, 0, tzinfo=datetime.UTC), tick=False)
def test_wrong_codes_are_throttled(client, personas):
    device = totp_device(personas.begeleider_a)
    password_login(client, personas.begeleider_a)
    client.post(reverse("otp_verify"), {"token": "111111"})
    # Right after a failure, even the right code waits (django-otp doubles the wait per failure).
    response = client.post(reverse("otp_verify"), {"token": code_for(device)})
    assert response.status_code == 200
    device.refresh_from_db()
    assert device.throttling_failure_count >= 1


def test_a_backup_code_works_once(client, personas):
    user = personas.begeleider_a
    totp_device(user)
    codes = otp.new_backup_codes(user)
    password_login(client, user)
    assert client.post(reverse("otp_verify"), {"token": codes[0].upper()}).status_code == 302
    assert StaticToken.objects.filter(device__user=user).count() == otp.BACKUP_CODE_COUNT - 1
    assert AuditEvent.objects.filter(action=A.OTP_BACKUP_USED, actor=user).exists()
    client.post(reverse("logout"))
    password_login(client, user)
    response = client.post(reverse("otp_verify"), {"token": codes[0]})
    assert response.status_code == 200 and "Deze code klopt niet" in response.content.decode()


def test_next_cannot_point_elsewhere(client, personas):
    device = totp_device(personas.begeleider_a)
    password_login(client, personas.begeleider_a)
    response = client.post(reverse("otp_verify"), {"token": code_for(device), "next": "https://evil.example/"})
    assert response["Location"] == reverse("home")


# --- enrolment ------------------------------------------------------------------------------------

def test_enrolment_shows_a_qr_code_and_the_key_then_backup_codes_once(client, personas):
    user = personas.begeleider_a
    password_login(client, user)
    page = client.get(reverse("otp_setup")).content.decode()
    assert 'src="data:image/svg+xml' in page
    pending = TOTPDevice.objects.get(user=user, confirmed=False)
    assert otp.secret_base32(pending) in page
    wrong = client.post(reverse("otp_setup"), {"token": "123"})
    assert "Deze code klopt niet" in wrong.content.decode()
    response = client.post(reverse("otp_setup"), {"token": code_for(pending)})
    assert response.status_code == 200
    shown = re.findall(r'<li class="col">([a-z2-7]{8})</li>', response.content.decode())
    assert len(shown) == otp.BACKUP_CODE_COUNT
    pending.refresh_from_db()
    assert pending.confirmed
    assert client.get(reverse("staff_start")).status_code == 200, "enrolment verifies this session"
    assert AuditEvent.objects.filter(action=A.OTP_ENROLLED, actor=user).count() == 1
    # Shown once: the security page never shows them again.
    assert shown[0] not in client.get(reverse("account_security")).content.decode()


def test_an_unverified_session_cannot_enrol_a_new_phone(client, personas):
    totp_device(personas.begeleider_a)
    password_login(client, personas.begeleider_a)
    response = client.get(reverse("otp_setup"))
    assert response["Location"].startswith(reverse("otp_verify"))
    assert not TOTPDevice.objects.filter(user=personas.begeleider_a, confirmed=False).exists()


def test_new_backup_codes_replace_the_old(client, personas):
    user = personas.begeleider_a
    old = otp.new_backup_codes(user)
    login(client, user)
    response = client.post(reverse("otp_backup_codes"))
    new = re.findall(r'<li class="col">([a-z2-7]{8})</li>', response.content.decode())
    assert len(new) == otp.BACKUP_CODE_COUNT and not set(old) & set(new)
    assert set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == set(new)


# --- parents ------------------------------------------------------------------------------------------

@pytest.fixture
def parent(db):
    from tests.factories import UserFactory

    return UserFactory(username="ouder_x")


def test_a_parent_is_not_asked_until_they_enrol_and_then_always(client, parent):
    password_login(client, parent)
    assert client.get(reverse("account_security")).status_code == 200
    client.get(reverse("otp_setup"))
    device = TOTPDevice.objects.get(user=parent, confirmed=False)
    client.post(reverse("otp_setup"), {"token": code_for(device)})
    client.post(reverse("logout"))
    password_login(client, parent)
    assert client.get(reverse("account_security"))["Location"].startswith(reverse("otp_verify"))


def test_with_2fa_not_required_a_parent_who_enrolled_is_still_asked(client, parent, settings):
    """Issue 16 item 5: with OPP_REQUIRE_2FA=0 (`make run`) a parent's own second factor was ignored."""
    settings.OPP_REQUIRE_2FA = False
    user = parent
    device = totp_device(user)
    password_login(client, user)
    for url in (reverse("portal:home"), reverse("account_security"), reverse("notification_preferences")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("otp_verify")), url
    page = client.get(reverse("otp_verify")).content.decode()
    assert reverse("portal:home") not in page, "no menu that only leads back to the code page"
    response = client.post(reverse("otp_verify"), {"token": code_for(device), "next": reverse("portal:home")})
    assert response["Location"] == reverse("portal:home")
    assert client.get(reverse("portal:home")).status_code == 200
    assert AuditEvent.objects.filter(action=A.OTP_VERIFIED, actor=user).count() == 1


def test_with_2fa_not_required_a_parent_without_a_device_is_not_asked(client, parent, settings):
    settings.OPP_REQUIRE_2FA = False
    password_login(client, parent)
    assert client.get(reverse("portal:home")).status_code == 200
    assert client.get(reverse("account_security")).status_code == 200
    # Decided at login: later pages ask the database nothing about devices.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("notification_preferences"))
    assert not [q for q in queries.captured_queries if "otp_" in q["sql"]]


def test_a_device_removed_by_a_reset_is_no_longer_asked_for(client, parent, settings):
    settings.OPP_REQUIRE_2FA = False
    totp_device(parent)
    password_login(client, parent)
    otp.remove(parent, by=parent)  # e.g. a reset in another session
    assert client.get(reverse("portal:home")).status_code == 200


def test_a_parent_may_switch_it_off_staff_may_not(client, parent, personas):
    totp_device(parent)
    login(client, parent)
    assert client.post(reverse("otp_remove")).status_code == 302
    assert not TOTPDevice.objects.filter(user=parent).exists()
    assert AuditEvent.objects.filter(action=A.OTP_REMOVED).count() == 1
    login(client, personas.begeleider_a)
    client.post(reverse("otp_remove"))
    assert TOTPDevice.objects.filter(user=personas.begeleider_a).exists()


# --- adoption re-checks the second factor ------------------------------------------------------------

def _awaiting(org, personas):
    from tests.factories import StudentFactory, parent_of, ter_vaststelling, version_for_consent

    student = StudentFactory(school=org.school_a, opp_required=True, support_level="extra")
    parent_of(student)
    return ter_vaststelling(version_for_consent(student, by=personas.begeleider_a), by=personas.begeleider_a)


def test_adoption_asks_for_a_fresh_code(client, org, personas):
    version = _awaiting(org, personas)
    device = totp_device(personas.bestuurder_a)
    login(client, personas.bestuurder_a)
    url = reverse("opp:adoption_review", args=[version.pk])
    assert 'name="otp_token"' in client.get(url).content.decode()
    response = client.post(url, {"action": "vaststellen", "password": PASSWORD, "otp_token": "000000"})
    assert response.status_code == 200 and "klopt niet" in response.content.decode()
    version.refresh_from_db()
    assert version.state == "ter_vaststelling"
    assert AuditEvent.objects.filter(action=A.OTP_FAILED, details__step="reconfirm").count() == 1, \
        "the failure is kept although the adoption rolled back"
    # django-otp makes the next try wait after a wrong code: a minute later the right code is accepted.
    with time_machine.travel(datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=1), tick=False):
        response = client.post(url, {"action": "vaststellen", "password": PASSWORD, "otp_token": code_for(device)})
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.state == "vastgesteld"


# --- demo --------------------------------------------------------------------------------------------

def test_seed_demo_gives_staff_devices_and_prints_their_keys(db):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    text = out.getvalue()
    device = TOTPDevice.objects.get(user__username="bestuurder", confirmed=True)
    assert otp.secret_base32(device) in text
    assert not TOTPDevice.objects.filter(user__username="ouder.jansen").exists()
    code = io.StringIO()
    call_command("demo_totp", "bestuurder", stdout=code)
    assert code.getvalue().strip() == code_for(device)
    # A re-seed keeps the key, so a phone that scanned it keeps working.
    call_command("seed_demo", stdout=io.StringIO())
    device.refresh_from_db()
    assert device.key == demo.demo_totp_key("bestuurder")


def test_demo_totp_refuses_a_real_account(personas):
    from django.core.management.base import CommandError

    totp_device(personas.bestuurder_a)
    with pytest.raises(CommandError):
        call_command("demo_totp", "bestuurder_a", stdout=io.StringIO())


@override_settings(OPP_REQUIRE_2FA=True)
def test_the_whole_demo_flow_with_2fa_on(client, db):
    call_command("seed_demo", stdout=io.StringIO())
    client.post(reverse("login"), {"username": "ib.debron", "password": demo.DEMO_PASSWORD})
    code = io.StringIO()
    call_command("demo_totp", "ib.debron", stdout=code)
    assert client.post(reverse("otp_verify"), {"token": code.getvalue().strip()}).status_code == 302
    assert client.get(reverse("staff_start")).status_code == 200


def test_the_code_page_offers_no_menu_that_only_leads_back(client, personas):
    totp_device(personas.begeleider_a)
    password_login(client, personas.begeleider_a)
    page = client.get(reverse("otp_verify")).content.decode()
    assert reverse("students:list") not in page and reverse("staff_start") not in page
    assert "Uitloggen" in page
