"""Focus rings in a real browser (WCAG 2.4.7 / 1.4.11): on a phone the menu button shows a solid ring when reached
with Tab (Bootstrap's `outline: 0` used to hide it), and so do the commission form's radios (Bootstrap gave them
only a faint shadow). The colours and their contrast are checked in tests/test_focus_rings.py."""

import pytest
import time_machine

from accounts.models import Role
from disputes import services as dispute_services
from tests.browser.conftest import PHONE, axe_check
from tests.browser.test_journeys import keyboard_to
from tests.conftest import PASSWORD
from tests.disputes.world import NOW, D, make_world
from tests.factories import PlanVersionFactory, StudentFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.services]

RING = """e => { const s = getComputedStyle(e);
  return [e === document.activeElement && e.matches(':focus-visible'), s.outlineStyle, s.outlineWidth, s.outlineColor]; }"""


def test_menu_button_and_radios_show_a_ring_by_keyboard(transactional_db, live_server, browser, org, personas):
    by = member(Role.BEGELEIDER, school=org.school_a2, username="begeleider_a2_focus")
    pupil = StudentFactory(school=org.school_a2, first_name="Vera", last_name="Vos", opp_required=True,
                           support_level="extra", onderwijssoort="vso")
    plan = PlanVersionFactory(plan__student=pupil, plan__created_by=by, adopted=True, with_actions=1).plan
    commissie = personas.commissie_a2
    commissie.set_password(PASSWORD)
    commissie.save()

    context = browser.new_context(locale="nl-NL", **PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Gebruikersnaam").fill(commissie.username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_label("Wachtwoord").press("Enter")
    page.wait_for_url(f"{live_server.url}/start/")

    page.goto(f"{live_server.url}/evaluaties/plan/{plan.pk}/commissie/")
    axe_check(page)
    keyboard_to(page, ".navbar-toggler")
    visible, style, width, colour = page.locator(".navbar-toggler").evaluate(RING)
    assert visible and style == "solid" and width == "3px", (style, width)
    assert colour == "rgb(255, 191, 71)"  # #ffbf47 on the dark navbar: 5.4:1

    keyboard_to(page, "input[name=advice]")
    visible, style, width, colour = page.locator("input[name=advice]:focus").evaluate(RING)
    assert visible and style == "solid" and width == "3px", (style, width)
    assert colour == "rgb(31, 78, 121)"  # #1f4e79 on the white page: 8.6:1
    context.close()


def test_the_dispute_page_by_stage_passes_axe(transactional_db, live_server, browser, org, personas):
    """The dispute page with its stages (current form first, later ones in <details>, hints in an <aside>)."""
    with time_machine.travel(NOW, tick=False):  # the world's fixed dates, whatever today is
        w = make_world(org, personas)
        dispute = dispute_services.register(actor=personas.geschillen_a, plan=w.plan, version=w.version,
                                            subject="vaststelling", filed_on=D(2026, 10, 5))
    w.sanne.left_on = D(2026, 10, 3)
    w.sanne.save(update_fields=["left_on"])
    user = personas.geschillen_a
    user.set_password(PASSWORD)
    user.save()
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Gebruikersnaam").fill(user.username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_label("Wachtwoord").press("Enter")
    page.wait_for_url(f"{live_server.url}/start/")
    page.goto(f"{live_server.url}/geschillen/{dispute.pk}/")
    assert page.locator("aside").first.is_visible()
    assert not page.locator("#stap-advice details form").is_visible()  # a later stage is folded away
    page.locator("#stap-advice summary").click()
    assert page.locator("#stap-advice details form").is_visible()
    axe_check(page)
    context.close()
