"""The parent's journeys of the portal, in headless Chromium against a live server and a real Celery worker:

(a) a parent interrupted at the password form comes back later through the same emailed link and finishes;
(b) a parent reads the plan first, then "Waar stemt u mee in?", and consents with the keyboard only.

Every page shown is checked with axe-core, for CSP violations and server errors (conftest.Tab.check).

Run: CELERY_BROKER_URL=redis://127.0.0.1:6379/0 .venv/bin/pytest tests/browser/test_journey_parent.py
"""

from __future__ import annotations

import re

import pytest

from tests import factories as F

from .conftest import deliver_mail, portal_login
from .test_journeys import PARENT_PASSWORD, PASSWORD, keyboard_to, pupil_with_parent

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]


# --- (a) Interrupted at the password form, back through the same link -------------------------------------------------


def test_parent_interrupted_at_the_password_form_comes_back_through_the_same_link(journey, org, personas):
    from accounts.models import User
    from portal import services as portal_services
    from portal.models import Invitation

    student, parent = pupil_with_parent(org, personas, first_name="Noa", parent_email="noa.ouder@example.nl")
    F.complete_version(F.version_for_consent(student, by=personas.begeleider_a), by=personas.begeleider_a)
    portal_services.invite(actor=personas.begeleider_a, email=parent.email, guardian=parent, child=student,
                           name="Ouder van Noa")
    message = deliver_mail(expect=1)[0]
    link = re.search(r"https?://\S+/portaal/uitnodiging/\S+/", message.body).group(0)

    j = journey("ouder-onderbroken")
    first = j.tab("ouder", phone=True)
    page = first.page
    first.goto(link.removeprefix(j.base_url), "uitnodiging")
    assert page.url.endswith("/portaal/")  # invitation.js took the token out of the address bar
    first.submit(page.get_by_role("button", name="Doorgaan"), "account")
    # The name the school has on record is filled in; the parent corrects the last name.
    assert page.get_by_label("Voornaam").input_value() == "Ouder"
    page.get_by_label("Achternaam").fill("de Groot-Bakker")
    page.get_by_label("Wachtwoord", exact=False).first.fill("qwerty123456")
    page.get_by_label("Wachtwoord nogmaals").fill("qwerty123456")
    first.submit(page.get_by_role("button", name="Account aanmaken"), "te-zwak")
    assert "Dit wachtwoord is te algemeen." in page.locator("main").inner_text()
    assert page.get_by_label("Achternaam").input_value() == "de Groot-Bakker"  # nothing typed is lost
    assert page.get_by_label("Wachtwoord", exact=False).first.input_value() == ""
    # The phone locks; the tab is gone. The invitation is still open.
    first.page.context.close()
    assert Invitation.objects.get().used_at is None

    later = j.tab("ouder-later", phone=True)
    page = later.page
    later.goto(link.removeprefix(j.base_url), "uitnodiging-opnieuw")
    assert "later met dezelfde link" in page.locator("main").inner_text()
    later.submit(page.get_by_role("button", name="Doorgaan"), "account-opnieuw")
    assert later.url_path == "/portaal/uitnodiging/account/"
    page.get_by_label("Achternaam").fill("de Groot")
    page.get_by_label("Wachtwoord", exact=False).first.fill(PARENT_PASSWORD)
    page.get_by_label("Wachtwoord nogmaals").fill(PARENT_PASSWORD)
    later.submit(page.get_by_role("button", name="Account aanmaken"), "mijn-kinderen")
    assert "Welkom in het ouderportaal." in page.locator("main").inner_text()
    assert "Noa de Groot" in page.locator("main").inner_text()

    user = User.objects.get(username="noa.ouder@example.nl")
    assert (user.first_name, user.last_name) == ("Ouder", "de Groot")
    assert Invitation.objects.get().accepted_user == user
    # Now the link is spent: the same link says so.
    again = j.tab("ouder-nogmaals")
    again.goto(link.removeprefix(j.base_url))
    again.submit(again.page.get_by_role("button", name="Doorgaan"), "link-gebruikt")
    assert "al gebruikt" in again.page.locator("main").inner_text()


# --- (b) Read first, then consent with the keyboard only ------------------------------------------------------------


def test_parent_reads_the_plan_first_and_consents_by_keyboard(journey, org, personas):
    from opp import consent_services
    from opp.models import ConsentAnswer

    student, _parent = pupil_with_parent(org, personas, first_name="Jesse", parent_username="ouder_jesse")
    version = F.complete_version(F.version_for_consent(student, by=personas.begeleider_a), by=personas.begeleider_a)
    consent_services.request_send(actor=personas.begeleider_a, version=version)

    j = journey("ouder-leest-eerst")
    tab = j.tab("ouder")
    page = tab.page
    portal_login(tab, "ouder_jesse", PASSWORD)
    tab.submit(page.get_by_role("link", name=re.compile("Jesse de Groot")), "kind")

    # The order on the page: the plan, then the summary of the handelingsdeel, then the consent form.
    order = page.evaluate("""() => {
        const at = el => [...document.querySelectorAll('h2, form')].indexOf(el);
        return [at(document.getElementById('h-version')), at(document.getElementById('h-summary')),
                at(document.querySelector('form[action^="/portaal/instemming/"]'))];
    }""")
    assert order[0] >= 0 and order[0] < order[1] < order[2], order
    summary = page.locator("#waar-stemt-u-mee-in").inner_text()
    assert "Waar stemt u mee in?" in summary and "Dagelijks 15 minuten duolezen" in summary
    assert "Namens" not in page.locator("main").inner_text()

    # Keyboard only: skip link, then on through the plan to the explanation of "handelingsdeel", open it.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('skip-link')")
    page.keyboard.press("Enter")
    keyboard_to(page, "#waar-stemt-u-mee-in details > summary")
    page.keyboard.press("Enter")
    assert page.locator("#waar-stemt-u-mee-in details").evaluate("d => d.open")
    tab.check("uitleg-handelingsdeel")

    keyboard_to(page, "input[name=answer][value=ja]")
    page.keyboard.press("Space")
    assert page.locator("input[name=answer][value=ja]").is_checked()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "explanation"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Tab")
    button = page.get_by_role("button", name="Antwoord versturen")
    assert button.evaluate("b => b === document.activeElement && b.matches(':focus-visible')")
    tab.submit(None, "ingestemd", keyboard="Enter")
    assert "Uw instemming is vastgelegd. Dank u wel." in page.locator("main").inner_text()

    answer = ConsentAnswer.objects.get(request__version=version)
    assert (answer.answer, answer.channel) == ("ja", "portaal")
