"""The one login page: Dutch, no hint which half was wrong, every demo account reaches its start page."""

import io
import re

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Board, Membership, Role, School, User
from audit.models import AuditEvent
from security import demo
from tests.conftest import PASSWORD

LOGIN_URL = reverse("login")
DUTCH_ERROR = "De combinatie van gebruikersnaam en wachtwoord is onjuist. Let op: beide zijn hoofdlettergevoelig."


def _title(html: str) -> str:
    match = re.search(r"<title>(.*?)</title>", html, re.S)
    assert match, "page has no <title>"
    return match.group(1).strip()


def test_login_page_is_dutch(client, db):
    response = client.get(LOGIN_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="nl">' in html
    assert _title(html).startswith("Inloggen")
    assert ">Inloggen</button>" in html
    assert 'name="username"' in html and 'name="password"' in html
    assert "Gebruikersnaam" in html and "Wachtwoord" in html  # field labels, translated by Django


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("begeleider_a", "wrong-password-123"),  # existing user, wrong password
        ("niemand_bekend", PASSWORD),  # unknown user
        ("Begeleider_A", PASSWORD),  # wrong case
    ],
)
def test_wrong_credentials_give_one_dutch_message_and_keep_the_username(client, personas, username, password):
    response = client.post(LOGIN_URL, {"username": username, "password": password})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.non_field_errors() == [DUTCH_ERROR]
    assert not form.errors.get("username") and not form.errors.get("password")
    html = response.content.decode()
    assert DUTCH_ERROR in html
    assert f'value="{username}"' in html
    assert password not in html  # the password is never echoed back
    assert "_auth_user_id" not in client.session


def test_inactive_account_gets_the_same_message(client, personas):
    user = personas.begeleider_a
    user.is_active = False
    user.save()
    response = client.post(LOGIN_URL, {"username": "begeleider_a", "password": PASSWORD})
    assert response.context["form"].non_field_errors() == [DUTCH_ERROR]
    assert "_auth_user_id" not in client.session


def test_anonymous_home_goes_to_login(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next=/"


def test_login_honours_next_but_not_an_outside_host(client, personas):
    response = client.post(LOGIN_URL + "?next=/portaal/", {"username": "outsider", "password": PASSWORD, "next": "/portaal/"})
    assert response["Location"] == "/portaal/"
    client.post(reverse("logout"))
    response = client.post(LOGIN_URL, {"username": "outsider", "password": PASSWORD, "next": "https://evil.example/"})
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


# --- Demo data ----------------------------------------------------------------------------------


@pytest.fixture
def seeded(db):
    call_command("seed_demo", stdout=io.StringIO())


def test_seed_demo_creates_the_organisations_of_the_issue(seeded):
    assert set(Board.objects.values_list("name", flat=True)) == {"Stichting Primair en Speciaal", "Stichting Noord"}
    schools = {s.name: s for s in School.objects.select_related("board")}
    assert set(schools) == {"OBS De Bron", "SBO Het Kompas", "VSO De Horizon", "CBS Het Anker"}
    assert schools["VSO De Horizon"].onderwijssoorten == ["vso"] and schools["VSO De Horizon"].cluster == 4
    assert schools["CBS Het Anker"].board.name == "Stichting Noord"
    directeur = Membership.objects.get(user__username="directeur.debron")
    assert (directeur.role, directeur.school.name, directeur.adoption_mandate) == (Role.SCHOOLLEIDER, "OBS De Bron", True)
    parents = ["ouder.jansen", "ouder.elbaz", "ouder.devries", "leerling.horizon"]
    assert not Membership.objects.filter(user__username__in=parents).exists()


@pytest.mark.parametrize("account", demo.ACCOUNTS, ids=lambda a: a.username)
def test_every_demo_account_logs_in_and_reaches_its_start_page(seeded, account):
    client = Client()
    response = client.post(
        LOGIN_URL, {"username": account.username, "password": demo.DEMO_PASSWORD}, follow=True
    )
    if TOTPDevice.objects.filter(user__username=account.username, confirmed=True).exists():
        # seed_demo gives the demo staff a device; one an account has is asked for even with OPP_REQUIRE_2FA off
        # (the suite's default), as in `make run` (issue 16 item 5).
        assert response.redirect_chain[-1][0].startswith(reverse("otp_verify"))
        code = io.StringIO()
        call_command("demo_totp", account.username, stdout=code)
        response = client.post(reverse("otp_verify"), {"token": code.getvalue().strip(), "next": "/"}, follow=True)
    assert response.status_code == 200
    final_url = response.redirect_chain[-1][0] if response.redirect_chain else None
    html = response.content.decode()
    if account.role:
        assert final_url == reverse("staff_start")
        assert str(Role(account.role).label) in html
        assert f"Welkom, {account.first_name} {account.last_name}" in html
    else:
        assert final_url == reverse("portal:home")
        # The adult pupil reads their own OPP; a parent their child's (issue 18.6).
        assert ("Mijn OPP" if account.username == "leerling.horizon" else "Mijn kinderen") in html
    assert 'lang="nl"' in html
    assert AuditEvent.objects.filter(actor__username=account.username, action=AuditEvent.Action.LOGIN).count() == 1


def _counts():
    skip = {AuditEvent}  # later demo hooks go through services, which audit every run
    return {m._meta.label: m.objects.count() for m in apps.get_models() if m not in skip}


def test_seed_demo_is_idempotent(seeded):
    first = _counts()
    assert first["accounts.User"] == len(demo.ACCOUNTS)
    assert first["accounts.Membership"] == sum(1 for a in demo.ACCOUNTS if a.role)
    call_command("seed_demo", stdout=io.StringIO())
    assert _counts() == first
    # A second run also leaves the accounts usable.
    assert _form_login("ib.debron", demo.DEMO_PASSWORD)


def test_seed_demo_restores_a_changed_demo_password(seeded):
    user = User.objects.get(username="bestuurder")
    user.set_password("iets-anders-2026")
    user.save()
    call_command("seed_demo", stdout=io.StringIO())
    assert _form_login("bestuurder", demo.DEMO_PASSWORD)


# --- Language -----------------------------------------------------------------------------------


def test_language_switch_to_english(client, db):
    response = client.post(reverse("set_language"), {"language": "en", "next": LOGIN_URL}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == LOGIN_URL
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert _title(html).startswith("Log in"), _title(html)
    # ... and back to Dutch.
    response = client.post(reverse("set_language"), {"language": "nl", "next": LOGIN_URL}, follow=True)
    assert _title(response.content.decode()).startswith("Inloggen")


def _form_login(username, password) -> bool:
    """Through the login page, as a person would (the lockout backend needs the request)."""
    response = Client().post(reverse("login"), {"username": username, "password": password})
    return response.status_code == 302
