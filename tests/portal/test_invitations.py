"""Invitations to the parent portal (issue 6, part 1): a one-time token by email, only its hash stored,
exchanged by POST for a clean address, a password of the parent's own, and clear Dutch pages when it fails.
"""

import datetime
import hashlib
import re
import zoneinfo

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from notifications.models import Notification
from portal.models import Invitation
from students.models import Guardian
from tests.conftest import PASSWORD
from tests.factories import StudentFactory

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
NOW = datetime.datetime(2026, 9, 25, 10, 0, tzinfo=AMS)
STRONG = "Zonnebloem-Akker-4711"
ACCOUNT_URL = "/portaal/uitnodiging/account/"
TOKEN_RE = re.compile(r"/portaal/uitnodiging/([A-Za-z0-9_\-]{20,})/")


pytestmark = pytest.mark.clock(NOW)


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def link_of(student, guardian):
    return student.guardian_links.get(guardian=guardian)


def invite_url(student, guardian):
    return reverse("students:invite_guardian", args=[student.pk, link_of(student, guardian).pk])


def invite(client, student, guardian, email="Pieter@Example.nl"):
    return client.post(invite_url(student, guardian), {"email": email})


def token_from(notification) -> str:
    match = TOKEN_RE.search(notification.body_text)
    assert match, notification.body_text
    return match.group(1)


def latest_token() -> str:
    return token_from(Notification.objects.filter(kind="invitation").latest("pk"))


def exchange(client, token):
    return client.post(reverse("portal:invitation_exchange"), {"token": token})


def set_password(client, password=STRONG, password2=None):
    return client.post(ACCOUNT_URL, {"first_name": "Pieter", "last_name": "Jansen", "password1": password,
                                     "password2": password if password2 is None else password2})


@pytest.fixture
def invited(world, personas):
    """The begeleider invited Sanne's vader (no account yet)."""
    response = invite(as_user(personas.begeleider_a), world.sanne, world.vader)
    assert response.status_code == 302
    world.token = latest_token()
    return world


# --- Sending ------------------------------------------------------------------------------------------------------


def test_an_invitation_stores_only_the_hash_and_expires_after_the_configured_days(world, personas, settings):
    settings.OPP_INVITATION_DAYS = 5
    response = invite(as_user(personas.begeleider_a), world.sanne, world.vader)
    assert response.status_code == 302 and response["Location"] == reverse("students:detail", args=[world.sanne.pk])

    invitation = Invitation.objects.get()
    token = latest_token()
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert (invitation.email, invitation.guardian, invitation.pupil) == ("pieter@example.nl", world.vader, None)
    assert invitation.created_by == personas.begeleider_a
    assert invitation.expires_at == NOW + datetime.timedelta(days=5)
    assert (invitation.used_at, invitation.accepted_user) == (None, None)
    for field in Invitation._meta.concrete_fields:
        assert token not in str(getattr(invitation, field.attname)), field.name
    assert not any(token in str(e.details) for e in AuditEvent.objects.all())


def test_the_email_has_the_link_and_the_childs_first_name_only(invited):
    mail = Notification.objects.get(kind="invitation")
    assert mail.to_email == "pieter@example.nl" and mail.recipient is None
    text = mail.subject_line + "\n" + mail.body_text
    assert f"/portaal/uitnodiging/{invited.token}/" in text
    assert f"/portaal/uitnodiging/{invited.token}/" in mail.body_html
    assert "Sanne" in text
    everything = text + mail.body_html
    assert "Jansen" not in everything
    for item in invited.version_a.actions.all():
        assert item.goal not in everything and item.approach not in everything
    assert "INTERN" not in everything and "extra leestijd" not in everything
    # The link stays valid until the account exists (not "one click"): the email says so, in both parts.
    assert "tot uw account is gemaakt" in mail.body_text and "tot uw account is gemaakt" in mail.body_html
    assert "werkt één keer" not in everything


# --- Landing and exchange ----------------------------------------------------------------------------------------


def test_opening_the_link_does_not_use_it_and_leaks_nothing(invited):
    client = Client()
    response = client.get(reverse("portal:invitation_landing", args=[invited.token]))
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "strict-origin"
    assert "no-store" in response["Cache-Control"]
    assert Invitation.objects.get().used_at is None  # a mail scanner following the link spends nothing
    assert f'name="token" value="{invited.token}"' in response.content.decode()
    # Opening it twice is harmless too.
    assert client.get(reverse("portal:invitation_landing", args=[invited.token])).status_code == 200
    assert Invitation.objects.get().used_at is None


def test_the_exchange_redirects_to_a_clean_address(invited):
    response = exchange(Client(), invited.token)
    assert response.status_code == 302
    assert response["Location"] == ACCOUNT_URL
    assert invited.token not in response["Location"]
    # Not spent yet: only making the account spends it (see test_invitation_resume.py).
    assert Invitation.objects.get().used_at is None


def assert_no_account(w):
    assert not User.objects.filter(username="pieter@example.nl").exists()
    assert Guardian.objects.get(pk=w.vader.pk).user is None


def test_a_common_password_gets_djangos_dutch_message_and_creates_nothing(invited):
    client = Client()
    exchange(client, invited.token)
    response = set_password(client, "qwerty123456")  # 12 characters, but on Django's list of common passwords
    assert response.status_code == 200
    assert "Dit wachtwoord is te algemeen." in response.content.decode()
    mismatch = set_password(client, STRONG, STRONG + "x")
    assert "De twee wachtwoorden zijn niet gelijk" in mismatch.content.decode()
    assert_no_account(invited)


def test_a_short_password_is_refused(invited):
    client = Client()
    exchange(client, invited.token)
    response = set_password(client, "Kort-12")
    assert response.status_code == 200 and "is-invalid" in response.content.decode()
    assert_no_account(invited)


def test_a_short_password_gets_djangos_dutch_message(invited):
    client = Client()
    exchange(client, invited.token)
    html = set_password(client, "Kort-12").content.decode()
    assert "Dit wachtwoord is te kort" in html
    assert "too short" not in html


def test_setting_a_password_creates_the_account_links_the_guardian_and_logs_in(invited):
    client = Client()
    exchange(client, invited.token)
    page = client.get(ACCOUNT_URL)
    assert page.status_code == 200 and "pieter@example.nl" in page.content.decode()
    assert page["Referrer-Policy"] == "strict-origin"

    response = set_password(client)
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    user = User.objects.get(username="pieter@example.nl")
    assert user.check_password(STRONG) and (user.first_name, user.email) == ("Pieter", "pieter@example.nl")
    assert Guardian.objects.get(pk=invited.vader.pk).user == user
    assert Invitation.objects.get().accepted_user == user
    home = client.get(reverse("portal:home"))
    assert "Sanne Jansen" in home.content.decode() and "Bram" not in home.content.decode()

    # From now on the parent logs in on the one login page and lands on the portal.
    fresh = Client()
    login = fresh.post(reverse("login"), {"username": "pieter@example.nl", "password": STRONG}, follow=True)
    assert login.redirect_chain[-1][0] == "/portaal/"
    assert "Sanne Jansen" in login.content.decode()


def test_the_account_page_without_an_exchange_is_refused(invited):
    response = Client().get(ACCOUNT_URL)
    assert response.status_code == 410
    assert not User.objects.filter(username="pieter@example.nl").exists()


# --- Bad tokens ------------------------------------------------------------------------------------------------------


def problem_page(response) -> str:
    assert response.status_code == 410
    assert response["Referrer-Policy"] == "strict-origin"
    return response.content.decode()


def test_a_used_token_cannot_be_used_again(invited):
    client = Client()
    exchange(client, invited.token)
    set_password(client)
    html = problem_page(exchange(Client(), invited.token))
    assert "al gebruikt" in html
    assert User.objects.filter(username="pieter@example.nl").count() == 1


def test_a_token_exchanged_but_not_finished_still_works(invited):
    exchange(Client(), invited.token)  # e.g. a preview on another device pressed the button
    assert exchange(Client(), invited.token)["Location"] == ACCOUNT_URL


def test_an_expired_token_says_so(invited, clock):
    clock.move_to(NOW + datetime.timedelta(days=7, minutes=1))
    html = problem_page(exchange(Client(), invited.token))
    assert "verlopen" in html and "nieuwe uitnodiging" in html
    assert Invitation.objects.get().used_at is None


def test_a_token_just_before_expiry_still_works(invited, clock):
    clock.move_to(NOW + datetime.timedelta(days=7, minutes=-1))
    assert exchange(Client(), invited.token)["Location"] == ACCOUNT_URL


def test_a_revoked_token_says_so_and_the_newer_one_works(invited, personas):
    invite(as_user(personas.begeleider_a), invited.sanne, invited.vader)
    newer = latest_token()
    assert newer != invited.token
    assert "ingetrokken" in problem_page(exchange(Client(), invited.token))
    assert exchange(Client(), newer)["Location"] == ACCOUNT_URL
    assert Invitation.objects.filter(revoked_at__isnull=False).count() == 1


@pytest.mark.parametrize("token", ["onbekend-token-zonder-betekenis-1234567890", ""])
def test_an_unknown_token_is_not_valid(invited, token):
    assert "niet (meer) geldig" in problem_page(exchange(Client(), token))


def test_revoking_between_exchange_and_password_stops_the_account(invited, personas):
    client = Client()
    exchange(client, invited.token)
    invite(as_user(personas.begeleider_a), invited.sanne, invited.vader)  # the school sends a new one meanwhile
    response = set_password(client)
    assert "ingetrokken" in problem_page(response)
    assert_no_account(invited)


# --- Who may invite whom -------------------------------------------------------------------------------------------


def test_a_leerkracht_cannot_invite(world, personas):
    client = as_user(personas.leerkracht_a)
    assert client.get(invite_url(world.sanne, world.vader)).status_code == 403
    assert invite(client, world.sanne, world.vader).status_code == 403
    assert not Invitation.objects.exists() and not Notification.objects.filter(kind="invitation").exists()


def test_another_schools_begeleider_gets_404(world, personas):
    client = as_user(personas.begeleider_b)
    assert client.get(invite_url(world.sanne, world.vader)).status_code == 404
    assert invite(client, world.sanne, world.vader).status_code == 404
    assert not Invitation.objects.exists()


def test_a_guardian_link_of_another_pupil_is_404(world, personas):
    url = reverse("students:invite_guardian", args=[world.sanne.pk, link_of(world.bram, world.vader_b).pk])
    assert as_user(personas.begeleider_a).post(url, {"email": "bert@example.nl"}).status_code == 404
    assert not Invitation.objects.exists()


def test_a_guardian_who_already_has_an_account_is_not_invited_again(world, personas):
    response = invite(as_user(personas.begeleider_a), world.sanne, world.moeder, email="ouder_a@example.nl")
    assert response.status_code == 200
    assert "Deze ouder/verzorger heeft al een portaalaccount." in response.content.decode()
    assert not Invitation.objects.exists()


def test_only_an_adult_handelingsbekwame_pupil_can_be_invited(world, personas):
    client = as_user(personas.begeleider_a)
    response = client.post(reverse("students:invite_pupil", args=[world.sanne.pk]), {"email": "sanne@example.nl"})
    assert response.status_code == 200
    assert "Alleen een meerderjarige, handelingsbekwame leerling kan zelf worden uitgenodigd." in response.content.decode()
    assert not Invitation.objects.exists()


def test_an_adult_handelingsbekwame_pupil_is_invited_in_her_own_name(world, org):
    noor = StudentFactory(school=org.school_a2, first_name="Noor", last_name="Visser", handelingsbekwaam=True,
                          date_of_birth=datetime.date(2007, 1, 5), consent_party="leerling")
    response = as_user(world.begeleider_a2).post(reverse("students:invite_pupil", args=[noor.pk]), {"email": "noor@example.nl"})
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.pupil, invitation.guardian) == (noor, None)
    assert "uw ontwikkelingsperspectief" in Notification.objects.get(kind="invitation").body_text

    client = Client()
    exchange(client, latest_token())
    set_password(client)
    noor.refresh_from_db()
    assert noor.portal_user.username == "noor@example.nl"
    assert "Noor Visser" in client.get(reverse("portal:home")).content.decode()


# --- An existing account with the same address -----------------------------------------------------------------------


@pytest.fixture
def existing(invited):
    invited.existing = User.objects.create_user("pieter@example.nl", email="pieter@example.nl", password=PASSWORD)
    return invited


def test_an_existing_account_must_give_its_own_password_to_link(existing):
    client = Client()
    exchange(client, existing.token)
    page = client.get(ACCOUNT_URL).content.decode()
    assert "Er is al een account met het e-mailadres pieter@example.nl" in page

    wrong = client.post(ACCOUNT_URL, {"password1": STRONG})  # a new password is no proof of owning the account
    assert wrong.status_code == 200
    assert "Dit wachtwoord hoort niet bij uw bestaande account." in wrong.content.decode()
    assert Guardian.objects.get(pk=existing.vader.pk).user is None
    assert User.objects.get(pk=existing.existing.pk).check_password(PASSWORD)

    right = client.post(ACCOUNT_URL, {"password1": PASSWORD})
    assert right.status_code == 302 and right["Location"] == reverse("portal:home")
    assert Guardian.objects.get(pk=existing.vader.pk).user == existing.existing
    assert User.objects.filter(username__iexact="pieter@example.nl").count() == 1
