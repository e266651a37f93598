"""The school overview's charts in a real browser: drawn (three named images with a visible size), the trend's
table alternative opens by keyboard, axe-core finds no serious WCAG 2.1 AA violation and the strict CSP blocks
nothing (no inline style in the SVG)."""

import re

import pytest
import time_machine

from tests.browser.conftest import axe_check
from tests.conftest import PASSWORD
from tests.deadlines.test_tasks_overview import NOON, _mixed_school_a

pytestmark = [pytest.mark.browser, pytest.mark.services]


def test_the_school_overview_charts_are_drawn_named_and_pass_axe(transactional_db, live_server, browser, org,
                                                                  personas):
    with time_machine.travel(NOON, tick=False):
        _mixed_school_a(personas.begeleider_a)
    user = personas.schoolleider_a
    user.set_password(PASSWORD)
    user.save()
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Gebruikersnaam").fill(user.username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_label("Wachtwoord").press("Enter")
    page.wait_for_url(f"{live_server.url}/start/")
    for name in ("Zes-wekentermijn per school", "Vastgestelde OPP's per maand"):
        image = page.get_by_role("img", name=name)
        assert image.is_visible()
        box = image.bounding_box()
        assert box["width"] > 300 and box["height"] > 60  # drawn at its size, not collapsed by a blocked style
    # The school year in its name follows the live server's today: matched by its start.
    assert page.get_by_role("img", name=re.compile(r"^Evaluaties met de ouders in schooljaar \d{4}-\d{4}")).is_visible()
    assert page.locator("svg.chart").count() == 3
    summary = page.get_by_text("De cijfers van deze grafiek als tabel")
    summary.focus()
    page.keyboard.press("Enter")
    assert page.get_by_role("columnheader", name="binnen zes weken").is_visible()
    axe_check(page)
    assert not [m for m in console if "Content Security Policy" in m or "Content-Security-Policy" in m], console
    context.close()
