"""The goals' charts in a real browser (R-CONTENT-4): on the plan page each measured goal's chart and the pupil's
progress are drawn (named images with a visible size), the table alternative opens by keyboard, axe-core finds no
serious WCAG 2.1 AA violation and the strict CSP blocks nothing (no inline style in the SVG)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateformat import format as date_format

from opp.models import Plan, PlanVersion
from tests.browser.conftest import axe_check
from tests.conftest import PASSWORD
from tests.factories import StudentFactory
from tests.opp.test_goal_charts import _item as item
from tests.opp.test_goal_charts import adopt, measure

pytestmark = [pytest.mark.browser, pytest.mark.services]
DAY = datetime.timedelta(days=1)


def test_the_plan_pages_goal_charts_are_drawn_named_and_reachable(transactional_db, live_server, browser, org,
                                                                   personas):
    # The live server reads today's measurements: the story is dated relative to today (none in the future).
    by, today = personas.begeleider_a, timezone.localdate()
    student = StudentFactory(school=org.school_a, first_name="Sanne", last_name="Jansen", opp_required=True,
                             support_level="extra")
    plan = Plan.objects.create(student=student, created_by=by)
    version = PlanVersion.objects.create(plan=plan, number=1, created_by=by)
    baseline_on = today - 120 * DAY
    reading = item(version, 1, "Sanne leest vloeiend op AVI M5", instrument="avi", baseline="M4",
                   baseline_on=baseline_on, target="M5", target_on=today + 200 * DAY, direction="hoger")
    adopt(version, today - 100 * DAY, personas.bestuurder_a)
    measure(reading, today - 60 * DAY, "M4", by)
    measure(reading, today - 5 * DAY, "E4", by)
    by.set_password(PASSWORD)
    by.save()
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Gebruikersnaam").fill(by.username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_label("Wachtwoord").press("Enter")
    page.wait_for_url(f"{live_server.url}/start/")
    page.goto(live_server.url + reverse("opp:plan", args=[plan.pk]))
    for name in ("Metingen bij het doel: Sanne leest vloeiend op AVI M5", "Voortgang van Sanne per doel"):
        image = page.get_by_role("img", name=name)
        assert image.is_visible()
        box = image.bounding_box()
        assert box["width"] > 300 and box["height"] > 60  # drawn at its size, not collapsed by a blocked style
    sentence = page.locator(".goal-sentence").first
    assert sentence.is_visible() and "op AVI M4" in sentence.inner_text() and "op AVI E4" in sentence.inner_text()
    summary = page.locator("summary", has_text="De waarden als tabel").first
    summary.focus()
    page.keyboard.press("Enter")
    with translation.override("nl"):
        first_row = date_format(baseline_on, "j F Y")  # the table's first row: the baseline
    assert page.get_by_role("rowheader", name=first_row, exact=True).first.is_visible()
    axe_check(page)
    assert not [m for m in console if "Content Security Policy" in m or "Content-Security-Policy" in m], console
    context.close()
