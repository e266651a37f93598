"""A real browser logs in as a demo begeleider and lands on the start page."""

import io
import os

import pytest
from django.conf import settings
from django.core.management import call_command

from security import demo

SCREENSHOTS = settings.BASE_DIR / "artifacts" / "screenshots"
pytestmark = [pytest.mark.browser, pytest.mark.services]

# The browser fixture and the ORM-beside-Playwright switch come from tests/browser/conftest.py.


def test_begeleider_logs_in_and_sees_the_start_page(transactional_db, live_server, browser):
    call_command("seed_demo", stdout=io.StringIO())
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(15_000)

    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "nl"
    page.get_by_label("Gebruikersnaam").fill("ib.debron")
    page.get_by_label("Wachtwoord").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()

    page.wait_for_url(f"{live_server.url}/start/")
    assert page.get_by_role("heading", name="Welkom, Ingrid Bakker").is_visible()
    assert page.get_by_role("heading", name="Mijn taken").is_visible()
    assert "Intern begeleider" in page.inner_text("main")
    assert page.get_by_role("button", name="Uitloggen").is_visible()

    os.makedirs(SCREENSHOTS, exist_ok=True)
    shot = SCREENSHOTS / "login-ib-debron-start.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 1000
    context.close()


def test_wrong_password_shows_the_dutch_message(transactional_db, live_server, browser):
    call_command("seed_demo", stdout=io.StringIO())
    page = browser.new_page(locale="nl-NL")
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Gebruikersnaam").fill("ib.debron")
    page.get_by_label("Wachtwoord").fill("niet-het-wachtwoord")
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_load_state()
    assert "De combinatie van gebruikersnaam en wachtwoord is onjuist" in page.inner_text("main")
    assert page.get_by_label("Gebruikersnaam").input_value() == "ib.debron"
    assert page.url.startswith(f"{live_server.url}/accounts/login/")
