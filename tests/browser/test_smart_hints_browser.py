"""Journey: SMART hints while typing a goal (opp.smart through static/js/smart_hints.js), in headless Chromium.

The begeleider types a vague goal in the handelingsdeel: the hint names the vague verb, in a polite live region
under the goal; she adds a level and a term, and the hints go. Nothing blocks her: the hints are advice. The page
is checked with axe-core and for CSP violations (the script is a file, its rules come as JSON from opp/smart.py).

Run: CELERY_BROKER_URL=redis://… .venv/bin/pytest tests/browser/test_smart_hints_browser.py
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from opp import services
from tests import factories as F
from tests.auth import totp_device

from .conftest import staff_login

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"  # tests/conftest.PASSWORD, set by UserFactory
HINT_WAIT_MS = 5_000  # the script waits 0.7 s after the last key


def test_a_vague_goal_gets_a_hint_that_goes_when_it_is_made_smart(journey, org, personas):
    begeleider = personas.begeleider_a
    totp_device(begeleider)
    pupil = F.StudentFactory(school=org.school_a, first_name="Sanne", last_name="Smit", opp_required=True,
                             support_level="extra")
    version = services.plan_start(actor=begeleider, student=pupil).versions.get()

    j = journey("smart-hints")
    tab = j.tab("begeleider")
    page = tab.page
    staff_login(tab, begeleider, PASSWORD)
    tab.goto(f"/opp/versie/{version.pk}/", "editor")

    row = page.locator("#sectie-handelingsdeel fieldset.item").nth(0)
    hints = row.locator("[data-smart-hints]")
    expect(hints).to_have_attribute("aria-live", "polite")
    goal = row.locator("textarea[name$=-goal]")
    goal.fill("Sanne gaat haar technisch lezen verbeteren.")
    expect(hints.locator('[data-hint="vague"]')).to_contain_text("‘verbeteren’", timeout=HINT_WAIT_MS)
    expect(hints.locator('[data-hint="no_term"]')).to_be_visible()
    # The goal's field names its hints for a screen reader.
    assert hints.get_attribute("id") in (goal.get_attribute("aria-describedby") or "").split()
    tab.check("vaag-doel")

    goal.fill("Sanne leest voor de kerstvakantie op AVI E4.")
    expect(hints.locator("li")).to_have_count(0, timeout=HINT_WAIT_MS)
    # A hint never blocks: she can still type on and save.
    assert goal.input_value() == "Sanne leest voor de kerstvakantie op AVI E4."
    tab.check("smart-doel")
