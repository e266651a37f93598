"""Journey: the OPP editor as one working surface (static/js/editor.js) in headless Chromium.

The begeleider types in two sections and saves one: both texts are kept. A section saves itself when she pauses;
rows of the handelingsdeel are added, moved and removed without a page save, and the order stays after a reload.
A section someone else saved in between is not overwritten: the status says so and her text stays on the screen.
Every page is checked with axe-core and for CSP violations (conftest.Tab.check).

Run: CELERY_BROKER_URL=redis://… .venv/bin/pytest tests/browser/test_journey_editor.py
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from opp import services
from opp.models import PlanVersion
from tests import factories as F
from tests.auth import totp_device

from .conftest import staff_login

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"  # tests/conftest.PASSWORD, set by UserFactory
SAVED_WAIT_MS = 10_000  # the 2-second pause plus the request


def test_editor_keeps_both_sections_autosaves_and_moves_rows(journey, org, personas):
    begeleider = personas.begeleider_a
    totp_device(begeleider)
    pupil = F.StudentFactory(school=org.school_a, first_name="Sem", last_name="Smit", opp_required=True,
                             support_level="extra")
    version = services.plan_start(actor=begeleider, student=pupil).versions.get()
    url = f"/opp/versie/{version.pk}/"

    j = journey("7-editor")
    tab = j.tab("begeleider")
    page = tab.page
    main = page.locator("main")
    staff_login(tab, begeleider, PASSWORD)
    tab.goto(url, "editor")

    # Type in two sections, then save only the second with its own button: both texts are kept (bug: the first
    # one was thrown away).
    programma = page.locator("#sectie-programma textarea[name=programma-programma_afwijking]")
    programma.fill("Geen afwijking; wel verlengde instructie.")
    page.locator("#sectie-hoorrecht textarea[name=hoorrecht-leerling_mening]").fill("Wil graag meer tijd om te lezen.")
    tab.submit(page.locator("#sectie-hoorrecht").get_by_role("button", name="Opslaan"), "twee-onderdelen")
    assert "is opgeslagen" in main.inner_text()
    assert tab.url_path.endswith(f"{url}#sectie-hoorrecht"), tab.url_path  # the page stays where she was
    page.reload()
    tab.check()
    assert programma.input_value() == "Geen afwijking; wel verlengde instructie."
    assert page.locator("textarea[name=hoorrecht-leerling_mening]").input_value() == "Wil graag meer tijd om te lezen."

    # Autosave: a pause in typing saves the section and says when.
    page.locator("textarea[name=rapporten-rapporten_weging]").fill("Het dyslexieonderzoek is meegewogen.")
    expect(page.locator("#status-rapporten")).to_contain_text("Opgeslagen om", timeout=SAVED_WAIT_MS)

    # Rows of the handelingsdeel: fill the new row, add a second, move it up — saved without a page save.
    section = page.locator("#sectie-handelingsdeel")

    def fill_row(row, goal):
        row.get_by_label("Doel").fill(goal)
        row.get_by_label("Aanpak/interventie").fill("Dagelijks 15 minuten duolezen.")
        row.get_by_label("Wie").fill("Leerkracht groep 4")
        row.get_by_label("Hoe vaak/hoe lang").fill("Dagelijks, 12 weken")
        row.get_by_label("Evaluatiemoment").fill("Na 12 weken")
        row.get_by_label("Evaluatiecriterium").fill("AVI-toets op niveau.")

    fill_row(section.locator("fieldset.item").nth(0), "Leest eind groep 4 op AVI E4.")
    section.get_by_role("button", name="Onderdeel toevoegen").click()
    fill_row(section.locator("fieldset.item").nth(1), "Leest met plezier voor aan de klas.")
    section.locator("fieldset.item").nth(1).get_by_role("button", name="Omhoog").click()
    expect(page.locator("#status-handelingsdeel")).to_contain_text("Opgeslagen om", timeout=SAVED_WAIT_MS)
    tab.check("rijen-verplaatst")
    assert list(PlanVersion.objects.get(pk=version.pk).actions.values_list("goal", flat=True)) == [
        "Leest met plezier voor aan de klas.", "Leest eind groep 4 op AVI E4."]

    page.reload()
    tab.check()
    goals = page.locator("#sectie-handelingsdeel textarea[name$=-goal]")
    assert [goals.nth(i).input_value() for i in range(2)] == [
        "Leest met plezier voor aan de klas.", "Leest eind groep 4 op AVI E4."]
    assert page.locator("textarea[name=rapporten-rapporten_weging]").input_value() == "Het dyslexieonderzoek is meegewogen."

    # Remove the second row: saved too.
    section.locator("fieldset.item").nth(1).get_by_role("button", name="Verwijderen").click()
    expect(page.locator("#status-handelingsdeel")).to_contain_text("Opgeslagen om", timeout=SAVED_WAIT_MS)
    assert list(PlanVersion.objects.get(pk=version.pk).actions.values_list("goal", flat=True)) == [
        "Leest met plezier voor aan de klas."]

    # Someone else saves the hoorrecht in between: her autosave is refused, her text stays, nothing is overwritten.
    stored = PlanVersion.objects.get(pk=version.pk)
    services.version_save_section(actor=personas.schoolleider_a, version=stored, section="hoorrecht",
                                  revision=stored.section_revisions["hoorrecht"],
                                  data={"leerling_mening": "Tekst van de schoolleider."})
    mine = page.locator("textarea[name=hoorrecht-leerling_mening]")
    mine.fill("Sem wil meer tijd en een rustige plek.")
    expect(page.locator("#status-hoorrecht")).to_contain_text("iemand anders heeft dit onderdeel intussen opgeslagen",
                                                              timeout=SAVED_WAIT_MS)
    tab.check("conflict")
    assert mine.input_value() == "Sem wil meer tijd en een rustige plek."
    assert PlanVersion.objects.get(pk=version.pk).leerling_mening == "Tekst van de schoolleider."
    # Her button shows both texts; saving again is her deliberate choice.
    tab.submit(page.locator("#sectie-hoorrecht").get_by_role("button", name="Opslaan"), "conflict-naast-elkaar")
    assert "Nu opgeslagen door een ander:" in main.inner_text() and "Tekst van de schoolleider." in main.inner_text()
    assert mine.input_value() == "Sem wil meer tijd en een rustige plek."
    tab.submit(page.locator("#sectie-hoorrecht").get_by_role("button", name="Opslaan"))
    assert "is opgeslagen" in main.inner_text()
    assert PlanVersion.objects.get(pk=version.pk).leerling_mening == "Sem wil meer tijd en een rustige plek."
