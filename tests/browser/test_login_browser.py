"""A real browser logs in as a demo begeleider and lands on the start page."""

import io
import os

import pytest
from django.conf import settings
from django.core.management import call_command

from accounts import demo
from tests.services import require_chromium

SCREENSHOTS = settings.BASE_DIR / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

pytestmark = [pytest.mark.browser, pytest.mark.services]


@pytest.fixture(autouse=True)
def _allow_orm_beside_playwright(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; Django would then refuse ORM calls
    # (the test's own teardown flush included). Scoped to this module's tests, not the whole run.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    executable = require_chromium()
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


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
