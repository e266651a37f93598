"""The second factor without a device query per request (security.policy.SessionDeviceMiddleware): the session's
word is taken, and every removal or unconfirmation of a device takes that word back from the sessions it verified
(security.policy.forget_device, from security.signals), so that their next request asks for the code again."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from security import otp, policy
from security.models import UserSession
from tests.auth import login, totp_device
from tests.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("require_2fa")]


@pytest.fixture
def require_2fa(settings):
    settings.OPP_REQUIRE_2FA = True


@pytest.fixture
def parent(db):
    return UserFactory(username="ouder_x")


def _otp_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, [q["sql"] for q in queries.captured_queries if "otp_" in q["sql"]]


def test_a_verified_staff_request_reads_no_device(client, personas):
    login(client, personas.begeleider_a)
    response, device_queries = _otp_queries(client, reverse("students:list"))
    assert response.status_code == 200
    assert device_queries == []


def test_the_device_is_still_there_for_whoever_reads_it(rf, personas):
    user = personas.begeleider_a
    device = totp_device(user)
    request = rf.get("/")
    request.user = user
    request.session = {DEVICE_ID_SESSION_KEY: device.persistent_id}
    policy.SessionDeviceMiddleware(lambda r: r)(request)
    assert request.user.is_verified()
    assert request.user.otp_device.pk == device.pk


def test_a_device_reset_asks_every_session_it_verified_again(personas):
    user = personas.begeleider_a
    laptop, phone = Client(), Client()
    login(laptop, user)
    login(phone, user)
    assert laptop.get(reverse("students:list")).status_code == 200
    otp.remove(user, by=personas.beheerder_a)
    for client in (laptop, phone):
        response = client.get(reverse("students:list"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("otp_setup")), response["Location"]


def test_a_new_app_replacing_the_old_one_asks_the_other_sessions_for_its_code(personas):
    user = personas.begeleider_a
    old = totp_device(user)
    laptop = Client()
    login(laptop, user)
    new = type(old).objects.create(user=user, name="Nieuwe telefoon", confirmed=False)
    old.delete()  # what security.otp.confirm_enrolment does once the new app's first code is right
    new.confirmed = True
    new.save()
    response = laptop.get(reverse("students:list"))
    assert response["Location"].startswith(reverse("otp_verify")), response["Location"]


def test_an_unconfirmed_device_verifies_nothing_any_more(client, personas):
    user = personas.begeleider_a
    device = totp_device(user)
    login(client, user)
    device.confirmed = False
    device.save()
    response = client.get(reverse("students:list"))
    assert response.status_code == 302
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_a_session_verified_by_a_backup_code_loses_it_with_that_device(client, personas):
    user = personas.begeleider_a
    totp_device(user)
    backup = StaticDevice.objects.create(user=user, name="backup", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = backup.persistent_id
    session.save()
    assert client.get(reverse("students:list")).status_code == 200
    backup.delete()
    assert client.get(reverse("students:list")).status_code == 302


def test_other_users_sessions_are_left_alone(personas):
    other = Client()
    login(other, personas.begeleider_b)
    totp_device(personas.begeleider_a).delete()
    assert other.get(reverse("students:list")).status_code == 200


def test_a_parent_switching_it_off_keeps_this_session_unverified(client, parent, settings):
    settings.OPP_REQUIRE_2FA = False
    totp_device(parent)
    login(client, parent)
    assert client.post(reverse("otp_remove")).status_code == 302
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert client.get(reverse("portal:home")).status_code == 200


def test_a_session_verified_by_enrolment_is_reached_by_a_later_reset(client, personas):
    """Enrolment gives the session a new id (cycle_key): that id is indexed too, so a reset still reaches it."""
    user = personas.begeleider_a
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    client.get(reverse("otp_setup"))
    pending = TOTPDevice.objects.get(user=user, confirmed=False)
    totp = TOTP(pending.bin_key, pending.step, pending.t0, pending.digits, pending.drift)
    assert client.post(reverse("otp_setup"), {"token": f"{totp.token():06d}"}).status_code == 200
    assert UserSession.objects.filter(user=user, session_key=client.session.session_key).exists()
    assert client.get(reverse("students:list")).status_code == 200
    otp.remove(user, by=personas.beheerder_a)
    response = client.get(reverse("students:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("otp_setup")), response["Location"]
