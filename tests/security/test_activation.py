"""Nobody sets another person's password (issue 16, point 1): the admin's password form is gone, and a new staff
account sets its own password through a one-time, expiring activation link (as the parent invitations), then
its second factor.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import zoneinfo

import pytest
from django.test import Client
from django.urls import reverse

from accounts import access
from accounts.models import User
from audit.models import AuditEvent
from notifications.models import Notification
from security import activation
from security.models import StaffActivation
from tests.auth import login

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
T0 = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=AMS)
STRONG = "Stevig-Wachtwoord-Voor-2026"
EXCHANGE = reverse("activation_exchange")
PASSWORD_PAGE = reverse("activation_password")


pytestmark = pytest.mark.clock(T0)


@pytest.fixture
def beheerder(personas):
    return login(Client(), personas.beheerder_a)


@pytest.fixture
def created(clock, beheerder):
    """A new colleague made by the beheerder in /beheer/: the admin asks no password."""
    response = beheerder.post(reverse("admin:accounts_user_add"), {
        "username": "nieuwe.ib", "first_name": "Iris", "last_name": "Nieuw", "email": "iris@school.example"})
    assert response.status_code == 302
    return User.objects.get(username="nieuwe.ib")


def token_of(user) -> str:
    mail = Notification.objects.filter(kind="invitation", recipient=user).latest("pk")
    return re.search(r"/account/activeren/([^/\s]+)/", mail.body_text).group(1)


def exchange(client, token):
    return client.post(EXCHANGE, {"token": token})


# --- The admin sets no passwords --------------------------------------------------------------------------------


def test_the_add_form_asks_no_password_and_the_account_has_none(beheerder, created, personas, org):
    form = beheerder.get(reverse("admin:accounts_user_add")).context["adminform"].form
    assert not {"password", "password1", "password2", "usable_password"} & set(form.fields)
    assert form.fields["email"].required
    assert not created.has_usable_password()
    assert (created.created_by, created.managed_by) == (personas.beheerder_a, org.board_a)
    assert not created.memberships.exists()


@pytest.mark.parametrize("who", ["beheerder_a", "superuser"])
def test_the_password_form_of_another_account_is_gone(personas, superuser, who):
    user = superuser if who == "superuser" else personas.beheerder_a
    client = login(Client(), user)
    target = personas.begeleider_a
    url = reverse("admin:auth_user_password_change", args=[target.pk])
    assert client.get(url).status_code == 403
    response = client.post(url, {"password1": STRONG, "password2": STRONG, "usable_password": "true"})
    assert response.status_code == 403
    target.refresh_from_db()
    assert not target.check_password(STRONG)
    # Nor a link to it, nor the hash, on the account's page.
    page = client.get(reverse("admin:accounts_user_change", args=[target.pk]))
    html = page.content.decode()
    assert "password" not in page.context["adminform"].form.fields
    assert "../password/" not in html and url not in html and "pbkdf2" not in html.lower()


def test_an_account_outside_reach_is_404_on_the_password_url(personas):
    client = login(Client(), personas.beheerder_a)
    assert client.get(reverse("admin:auth_user_password_change", args=[personas.begeleider_b.pk])).status_code == 404


def test_an_approved_account_that_is_not_activated_keeps_its_address(beheerder, created, org):
    """Otherwise the beheerder could send the approved account's link to themselves."""
    from tests.factories import approved_membership

    url = reverse("admin:accounts_user_change", args=[created.pk])
    assert "email" in beheerder.get(url).context["adminform"].form.fields
    approved_membership(created, "leerkracht", school=org.school_a)
    assert "email" not in beheerder.get(url).context["adminform"].form.fields


# --- The link ---------------------------------------------------------------------------------------------------


def test_only_the_hash_is_stored_and_the_mail_holds_the_link(created):
    token = token_of(created)
    [stored] = StaffActivation.objects.filter(user=created)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in stored.token_hash
    assert stored.expires_at == T0 + datetime.timedelta(days=7)
    mail = Notification.objects.get(kind="invitation", recipient=created)
    assert mail.to_email == "iris@school.example" and "tweestapsverificatie" in mail.body_text
    assert AuditEvent.objects.filter(object_type="security.staffactivation", object_id=str(stored.pk)).exists()


def test_opening_the_link_exchanges_nothing_and_the_exchange_leads_to_a_clean_address(created):
    client = Client()
    token = token_of(created)
    page = client.get(reverse("activation_landing", args=[token]))
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "strict-origin" and "no-store" in page["Cache-Control"]
    assert StaffActivation.objects.get(user=created).used_at is None
    response = exchange(client, token)
    assert response.status_code == 302 and response["Location"] == PASSWORD_PAGE
    assert token not in response["Location"]
    form_page = client.get(PASSWORD_PAGE)
    assert form_page.status_code == 200 and token not in form_page.content.decode()
    assert "nieuwe.ib" in form_page.content.decode()


def test_the_link_works_once(created):
    token = token_of(created)
    exchange(Client(), token)
    again = exchange(Client(), token)
    assert again.status_code == 410 and "al gebruikt" in again.content.decode()


def test_the_link_expires(created, clock):
    token = token_of(created)
    clock.shift(datetime.timedelta(days=7, seconds=1))
    response = exchange(Client(), token)
    assert response.status_code == 410 and "verlopen" in response.content.decode()


def test_an_unknown_token_and_a_page_without_an_exchange_are_refused(db):
    assert exchange(Client(), "geraden").status_code == 410
    assert Client().get(PASSWORD_PAGE).status_code == 410


def test_a_new_link_revokes_the_old_one(created, personas):
    old = token_of(created)
    activation.send_activation(actor=personas.beheerder_a, user=created)
    response = exchange(Client(), old)
    assert response.status_code == 410 and "ingetrokken" in response.content.decode()
    assert exchange(Client(), token_of(created)).status_code == 302


def test_a_deactivated_account_cannot_be_activated(created):
    token = token_of(created)
    User.objects.filter(pk=created.pk).update(is_active=False)
    assert exchange(Client(), token).status_code == 410


# --- Setting the password, then the second factor ----------------------------------------------------------------


def test_a_weak_password_is_refused_by_the_validators(created):
    client = Client()
    exchange(client, token_of(created))
    for first, second in (("kort", "kort"), ("nieuwe.ib.nieuw", "nieuwe.ib.nieuw"), ("password1234", "password1234"),
                          (STRONG, STRONG + "x"), ("x" * 5000, "x" * 5000)):
        response = client.post(PASSWORD_PAGE, {"new_password1": first, "new_password2": second})
        assert response.status_code == 200 and response.context["form"].errors, first[:20]
    created.refresh_from_db()
    assert not created.has_usable_password()


def test_the_account_sets_its_own_password_then_its_second_factor(created, settings):
    settings.OPP_REQUIRE_2FA = True
    client = Client()
    exchange(client, token_of(created))
    response = client.post(PASSWORD_PAGE, {"new_password1": STRONG, "new_password2": STRONG})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("otp_setup"))
    enrol = client.get(response["Location"])
    assert enrol.status_code == 200, enrol.get("Location")  # the enrolment page, logged in
    assert "Tweestapsverificatie" in enrol.content.decode() or "tweestapsverificatie" in enrol.content.decode()
    created.refresh_from_db()
    assert created.check_password(STRONG)
    stored = StaffActivation.objects.get(user=created)
    assert stored.completed_at is not None
    assert AuditEvent.objects.filter(actor=created, action="password_changed").count() == 1
    # Spent: the password page and the link are gone.
    assert client.get(PASSWORD_PAGE).status_code == 410
    assert exchange(Client(), token_of(created)).status_code == 410
    # The account logs in with its own password and still has no role (that waits for approval).
    assert Client().post(reverse("login"), {"username": "nieuwe.ib", "password": STRONG}).status_code == 302
    assert access.capabilities(User.objects.get(pk=created.pk)) == set()


def test_a_second_link_after_activation_is_refused(created, personas):
    from django.core.exceptions import ValidationError

    client = Client()
    exchange(client, token_of(created))
    client.post(PASSWORD_PAGE, {"new_password1": STRONG, "new_password2": STRONG})
    with pytest.raises(ValidationError):
        activation.send_activation(actor=personas.beheerder_a, user=User.objects.get(pk=created.pk))
