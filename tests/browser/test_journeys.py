"""End-to-end journeys in headless Chromium against a live server and a real Celery worker (issue 11).

Each journey is one test. The first does every step through the UI; the later ones start from state built
with tests/factories.py and the services, so that each stays independent. Every page shown is checked
with axe-core (no serious or critical WCAG 2.1 A/AA violations), for CSP violations and for server errors
(conftest.Tab.check); key pages are saved to artifacts/screenshots/<journey>/.

Run: DATABASE_URL=postgres://… CELERY_BROKER_URL=redis://… .venv/bin/pytest tests/browser/test_journeys.py
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import formats, timezone, translation

from accounts.models import Role
from tests import factories as F
from tests.auth import totp_device

from .conftest import deliver_mail, flush_outbox, portal_login, staff_login, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"  # tests/conftest.PASSWORD, set by UserFactory
PARENT_PASSWORD = "Zonnebloem-Akker-2026"


def nl_date(day: datetime.date) -> str:
    with translation.override("nl"):
        return formats.date_format(day, "j F Y")


def with_2fa(*users):
    """A confirmed TOTP device for each staff user (the journeys run with OPP_REQUIRE_2FA on)."""
    for user in users:
        totp_device(user)


def fill_section(page, key: str, values: dict[str, str], *, select: tuple[str, ...] = ()) -> None:
    """Fill one section of the OPP editor through its labels. In an item section the last form is the new,
    empty item, so `.last` fills that one."""
    section = page.locator(f"#sectie-{key}")
    items = section.locator("fieldset.item")
    # The rows of an item section, not the goal bank's picker below them (its fields are named like the rows').
    scope = items.last if items.count() else section
    for label, value in values.items():
        field = scope.get_by_label(label, exact=False).last
        if label in select:
            field.select_option(value)
        else:
            field.fill(value)


# --- 1. The begeleider: enrol, deadline, the whole OPP, two consultations, consent request ----------------------------


def test_begeleider_enrols_writes_the_opp_and_asks_consent(journey, org, personas):
    begeleider = personas.begeleider_a
    with_2fa(begeleider)
    j = journey("1-begeleider")
    tab = j.tab("begeleider")
    page = tab.page
    today = timezone.localdate()
    enrolled = today - datetime.timedelta(days=10)

    staff_login(tab, begeleider, PASSWORD, lands_on="/start/", shots=True)
    j.screenshot(page, "start")

    # Enrol a pupil with extra support in the regular primary school: an OPP is required.
    tab.submit(page.get_by_role("link", name="Leerlingen", exact=True), "leerlingen")
    tab.submit(page.get_by_role("link", name="Leerling inschrijven"))
    page.get_by_label("Voornaam").fill("Noor")
    page.get_by_label("Achternaam").fill("Visser")
    page.get_by_label("Geboortedatum").fill("2017-03-14")
    page.get_by_label("Leerlingnummer").fill("770011")
    page.get_by_label("Onderwijssoort").select_option("bao")
    page.get_by_label("Groep/klas").fill("4b")
    page.get_by_label("Datum inschrijving").fill(enrolled.isoformat())
    page.get_by_label("Ondersteuningsniveau").select_option("extra")
    page.get_by_label("Omschrijving extra ondersteuning").fill("Verlengde instructie lezen, twee keer per week.")
    page.get_by_label("Bekostiging extra ondersteuning").select_option("school")
    j.screenshot(page, "inschrijven-formulier")
    tab.submit(page.get_by_role("button", name="Opslaan"), "leerling")

    main = page.locator("main")
    assert "Leerling Noor Visser is ingeschreven." in main.inner_text()
    decision = page.locator("section[aria-labelledby=h-decision]")
    assert "OPP verplicht" in decision.inner_text()
    due = enrolled + datetime.timedelta(days=42)  # R-TIME-1: six weeks from the enrolment
    deadline = page.locator("section[aria-labelledby=h-deadline]")
    assert deadline.locator("dt:has-text('Uiterlijk vastgesteld op') + dd").inner_text() == nl_date(due)
    assert "nog 32 dagen" in deadline.inner_text()

    # A parent with gezag, invited to the portal (the worker sends the email).
    tab.submit(page.locator("section[aria-labelledby=h-guardians]").get_by_role("link", name="Toevoegen"))
    page.get_by_label("Naam").fill("Fatima Visser")
    page.get_by_label("E-mailadres").fill("fatima.visser@example.nl")
    page.get_by_label("Relatie tot de leerling").select_option("ouder")
    assert page.get_by_label("Heeft ouderlijk gezag over deze leerling").is_checked()
    tab.submit(page.get_by_role("button", name="Opslaan"))
    tab.submit(page.get_by_role("link", name="Uitnodigen voor het portaal Fatima Visser"), "uitnodigen")
    assert page.get_by_label("E-mailadres").input_value() == "fatima.visser@example.nl"
    tab.submit(page.get_by_role("button", name="Uitnodiging versturen"))
    assert "De uitnodiging is verstuurd naar fatima.visser@example.nl" in main.inner_text()
    invitation = deliver_mail(expect=1)[0]
    assert invitation.to == ["fatima.visser@example.nl"]
    assert f"{j.base_url}/portaal/uitnodiging/" in invitation.body

    # Start the OPP and write every section that applies to a bao pupil.
    tab.submit(page.get_by_role("button", name="OPP starten"), "editor-leeg")
    assert "Het OPP is gestart" in main.inner_text()

    def save(key: str, shot: str | None = None):
        tab.submit(page.locator(f"#sectie-{key}").get_by_role("button", name="Opslaan"), shot)
        assert "is opgeslagen" in main.inner_text(), main.inner_text()[:500]

    fill_section(page, "uitstroom", {"Uitstroomprofiel": "vmbo_kb",
                                     "Onderbouwing": "Leest op AVI M5 en rekent op groepsniveau."},
                 select=("Uitstroomprofiel",))
    save("uitstroom")
    fill_section(page, "factoren", {"Soort": "belemmerend", "Gebied": "kind",
                                    "Factor": "Raakt snel afgeleid bij drukte in de klas."}, select=("Soort", "Gebied"))
    save("factoren")
    fill_section(page, "factoren", {"Soort": "bevorderend", "Gebied": "omgeving",
                                    "Factor": "Thuis wordt dagelijks samen gelezen."}, select=("Soort", "Gebied"))
    save("factoren")
    fill_section(page, "handelingsdeel", {
        "Doel": "Leest eind groep 4 op AVI E4.", "Aanpak/interventie": "Dagelijks 15 minuten duolezen.",
        "Wie": "Leerkracht groep 4", "Hoe vaak/hoe lang": "Dagelijks, 12 weken",
        "Evaluatiemoment": "Na 12 weken", "Evaluatiecriterium": "AVI-toets op niveau E4."})
    save("handelingsdeel")
    fill_section(page, "programma", {"Afwijking van het onderwijsprogramma": "Geen afwijking; wel verlengde instructie."})
    save("programma")
    fill_section(page, "doelen", {"Zijn vervangende onderwijsdoelen nodig?": "false"},
                 select=("Zijn vervangende onderwijsdoelen nodig?",))
    save("doelen")
    fill_section(page, "onderwijstijd", {"Wijkt de onderwijstijd af?": "false"}, select=("Wijkt de onderwijstijd af?",))
    save("onderwijstijd")
    fill_section(page, "leerrendement", {"Vakgebied": "begrijpend_lezen", "Verwachting": "Eind groep 8: 1F."},
                 select=("Vakgebied",))
    save("leerrendement")
    fill_section(page, "rapporten", {"Hoe zijn externe rapporten meegewogen?": "Het dyslexieonderzoek is overgenomen."})
    save("rapporten")
    fill_section(page, "hoorrecht", {
        "Wat vindt de leerling?": "Wil graag meer tijd om te lezen.",
        "Hoe is de mening van de leerling meegewogen?": "Overgenomen in doel 1.",
        "Hoe is het besluit aan de leerling uitgelegd?": "Met de intern begeleider doorgelopen."})
    save("hoorrecht", "editor-compleet")
    index = page.get_by_role("navigation", name="Onderdelen").inner_text()
    assert "onvolledig" not in index, index

    tab.submit(page.get_by_role("button", name="In overleg brengen met de ouders"))
    assert "nu in overleg met de ouders" in main.inner_text()

    # Two consultations: the first partly agreed with a suggestion, the second agreed.
    tab.submit(page.get_by_role("link", name="OPP", exact=True))
    for number, (held, agreement, summary) in enumerate([
        (today - datetime.timedelta(days=3), "deels", "Besproken: extra leestijd."),
        (today - datetime.timedelta(days=1), "ja", "Overeenstemming over het plan."),
    ], 1):
        tab.submit(page.get_by_role("link", name="Overleg vastleggen"), "overleg-formulier" if number == 1 else None)
        page.get_by_label("Datum", exact=False).first.fill(held.isoformat())
        page.get_by_label("Aanwezig namens de school").fill("Intern begeleider")
        page.get_by_label("Overeenstemming").select_option(agreement)
        page.get_by_label("Verslag").fill(summary)
        if number == 1:
            suggestion = page.get_by_role("group", name="Suggestie 1")
            suggestion.get_by_label("Suggestie van de ouders").fill("Voorlezen thuis meenemen in het plan.")
            suggestion.get_by_label("Reactie van de school").fill("Opgenomen bij de bevorderende factoren.")
            suggestion.get_by_label("Uitkomst").select_option("overgenomen")
        tab.submit(page.get_by_role("button", name="Opslaan"), f"overleg-{number}")
        assert "Het overleg is vastgelegd." in main.inner_text()
    consultations = page.locator("section[aria-labelledby=h-overleg]").inner_text()
    assert "Gedeeltelijk" in consultations and "Ja, overeenstemming bereikt" in consultations

    # Ask consent for the handelingsdeel.
    tab.submit(page.get_by_role("link", name="Versie 1"))
    tab.submit(page.get_by_role("button", name="Om instemming vragen"), "instemming-gevraagd")
    assert "Het verzoek om instemming is verstuurd." in main.inner_text()
    consent = page.locator("#instemming").inner_text()
    assert "Om instemming gevraagd op" in consent and "Fatima Visser" in consent
    from notifications.models import Notification

    # The parent has no portal account yet: the invitation is the way in, no consent email is queued.
    assert not Notification.objects.filter(kind="consent_request").exists()


# --- shared state for the later journeys ---------------------------------------------------------------------------------


def pupil_with_parent(org, personas, *, first_name: str, parent_username: str | None = None,
                      parent_email: str = "ouder@example.nl"):
    """A bao pupil of school A who needs an OPP, with one parent with gezag (a portal account when named)."""
    due = timezone.localdate() + datetime.timedelta(days=20)
    student = F.StudentFactory(school=org.school_a, first_name=first_name, last_name="de Groot", opp_required=True,
                               support_level="extra", opp_due_on=due)
    parent = F.parent_of(student, name=f"Ouder van {first_name}", username=parent_username,
                         email=None if parent_username else parent_email)
    return student, parent


def adopted_version(student, personas):
    """Version 1 complete, consented in the portal, submitted and adopted by bestuurder A (with its 2FA code)."""
    from opp import adoption

    with_2fa(personas.bestuurder_a)
    version = F.version_for_consent(student, by=personas.begeleider_a)
    F.ter_vaststelling(version, by=personas.begeleider_a)
    adoption.adopt(actor=personas.bestuurder_a, version=version, password=PASSWORD,
                   otp_token=totp_code(personas.bestuurder_a))
    version.refresh_from_db()
    assert version.state == "vastgesteld" and version.made_known_on == timezone.localdate()
    flush_outbox()
    return version


def keyboard_to(page, selector: str, *, limit: int = 80) -> None:
    """Press Tab until the element matching `selector` has the focus (keyboard only, no clicks)."""
    for _press in range(limit):
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} cannot be reached with Tab within {limit} presses")


# --- 2. The parent: invitation, the OPP on a phone, a reaction, consent by keyboard only ---------------------------------


def test_parent_accepts_reads_on_a_phone_reacts_and_consents_by_keyboard(journey, org, personas):
    from opp import consent_services
    from opp.models import ConsentAnswer
    from portal import services as portal_services

    student, parent = pupil_with_parent(org, personas, first_name="Mila", parent_email="mila.ouder@example.nl")
    version = F.complete_version(F.version_for_consent(student, by=personas.begeleider_a), by=personas.begeleider_a)
    consent_services.request_send(actor=personas.begeleider_a, version=version)
    portal_services.invite(actor=personas.begeleider_a, email=parent.email, guardian=parent, child=student)

    # The worker sends the invitation; the link in it points at the live server.
    message = deliver_mail(expect=1)[0]
    assert message.to == ["mila.ouder@example.nl"]
    link = re.search(r"https?://\S+/portaal/uitnodiging/\S+/", message.body).group(0)

    j = journey("2-ouder")
    tab = j.tab("ouder", phone=True)
    page = tab.page
    tab.goto(link.removeprefix(j.base_url), "uitnodiging")
    assert page.url.endswith("/portaal/")  # invitation.js took the token out of the address bar
    tab.submit(page.get_by_role("button", name="Doorgaan"), "account")
    page.get_by_label("Voornaam").fill("Sara")
    page.get_by_label("Achternaam").fill("de Groot")
    page.get_by_label("Wachtwoord", exact=False).first.fill(PARENT_PASSWORD)
    page.get_by_label("Wachtwoord nogmaals").fill(PARENT_PASSWORD)
    tab.submit(page.get_by_role("button", name="Account aanmaken"), "mijn-kinderen")
    assert "Welkom in het ouderportaal." in page.locator("main").inner_text()

    tab.submit(page.get_by_role("link", name=re.compile("Mila de Groot")))
    main = page.locator("main")
    assert page.get_by_role("heading", name="Instemming met het handelingsdeel").is_visible()
    assert page.get_by_role("heading", name=re.compile("Het OPP, versie 1")).is_visible()
    handelingsdeel = page.locator("section[aria-labelledby=p-handelingsdeel]")
    assert "Dagelijks 15 minuten duolezen" in handelingsdeel.inner_text()
    # Readable on a phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    j.screenshot(page, "opp-op-telefoon")

    page.get_by_label("Uw reactie of suggestie").fill("Kan het duolezen ook thuis met een app?")
    tab.submit(page.get_by_role("button", name="Reactie versturen"))
    assert "Uw reactie is naar de school gestuurd." in main.inner_text()
    assert "Kan het duolezen ook thuis met een app?" in main.inner_text()

    # Consent with the keyboard only: skip link, Tab to the answer, Space, type, Tab, Enter.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('skip-link')")
    page.keyboard.press("Enter")
    keyboard_to(page, "input[name=answer][value=ja]")
    page.keyboard.press("Space")
    assert page.locator("input[name=answer][value=ja]").is_checked()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "explanation"
    page.keyboard.type("Akkoord, graag evaluatie na 12 weken.")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "password"
    page.keyboard.type(PARENT_PASSWORD)
    page.keyboard.press("Tab")
    button = page.get_by_role("button", name="Antwoord versturen")
    assert button.evaluate("b => b === document.activeElement && b.matches(':focus-visible')")
    outline = button.evaluate("b => getComputedStyle(b).outlineStyle + ' ' + getComputedStyle(b).outlineWidth")
    assert outline.startswith("solid") and not outline.endswith(" 0px"), outline
    j.screenshot(page, "focus-op-instemmen", full_page=False)
    tab.submit(None, "ingestemd", keyboard="Enter")
    assert "Uw instemming is vastgelegd. Dank u wel." in main.inner_text()

    answer = ConsentAnswer.objects.get(request__version=version)
    assert (answer.answer, answer.channel, answer.explanation) == ("ja", "portaal", "Akkoord, graag evaluatie na 12 weken.")
    version.refresh_from_db()
    assert consent_services.status(version)["covers"]


# --- 3. The bestuurder adopts with 2FA; the parent sees the GPO notice and downloads the PDF -----------------------------


def test_bestuurder_adopts_and_the_parent_sees_the_gpo_notice(journey, org, personas):
    from opp.rules import gpo_last_day

    bestuurder = personas.bestuurder_a
    with_2fa(bestuurder)
    student, parent = pupil_with_parent(org, personas, first_name="Daan", parent_username="ouder_daan")
    version = F.ter_vaststelling(F.version_for_consent(student, by=personas.begeleider_a), by=personas.begeleider_a)
    flush_outbox()

    j = journey("3-vaststelling")
    tab = j.tab("bestuurder")
    page = tab.page
    staff_login(tab, bestuurder, PASSWORD, lands_on="/start/")
    j.screenshot(page, "start")
    assert "1 versie wacht op vaststelling." in page.locator("main").inner_text()
    tab.submit(page.get_by_role("link", name="Naar de vaststellingen"), "wachtrij")
    tab.submit(page.get_by_role("link", name=re.compile("Daan de Groot")), "beoordelen")
    page.get_by_label("Uw wachtwoord, ter bevestiging").fill(PASSWORD)
    page.get_by_label("Code uit uw authenticator-app").fill(totp_code(bestuurder))
    tab.submit(page.get_by_role("button", name="Vaststellen", exact=True), "vastgesteld")
    assert "Versie 1 is vastgesteld. De ouders zijn op de hoogte gebracht." in page.locator("main").inner_text()
    version.refresh_from_db()
    assert version.state == "vastgesteld" and version.adopted_by == bestuurder and version.archived_pdf

    today = timezone.localdate()
    last_day = nl_date(gpo_last_day(today))
    notice = deliver_mail(expect=1)[0]
    assert notice.to == [parent.user.email] and last_day in notice.body

    ptab = j.tab("ouder", phone=True)
    ppage = ptab.page
    portal_login(ptab, "ouder_daan", PASSWORD)
    j.screenshot(ppage, "mijn-kinderen")
    ptab.submit(ppage.get_by_role("link", name=re.compile("Daan de Groot")))
    gpo = ppage.locator("section[aria-labelledby=h-gpo]")
    text = gpo.inner_text()
    assert "Het OPP is vastgesteld" in text and f"tot en met {last_day}" in text, text
    assert f"op {nl_date(today)} aan u bekendgemaakt" in text
    j.screenshot(ppage, "gpo-bekendmaking")
    pdf = ptab.download(ppage.locator("section[aria-labelledby=h-version]").get_by_role("link", name="Download als PDF"))
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000


# --- 4. An evaluation leads to a revision that is consented and adopted ----------------------------------------------------


def test_evaluation_leads_to_a_revision_that_is_consented_and_adopted(journey, org, personas):
    from opp.models import PlanVersion

    begeleider, bestuurder = personas.begeleider_a, personas.bestuurder_a
    with_2fa(begeleider, bestuurder)
    student, parent = pupil_with_parent(org, personas, first_name="Liam", parent_username="ouder_liam")
    v1 = adopted_version(student, personas)
    today = timezone.localdate()

    j = journey("4-bijstelling")
    tab = j.tab("begeleider")
    page = tab.page
    main = page.locator("main")
    staff_login(tab, begeleider, PASSWORD)
    tab.goto(f"/opp/{v1.plan_id}/", "opp")
    tab.submit(page.get_by_role("link", name="Evaluatie vastleggen"))
    page.get_by_label("Datum van de evaluatie").fill(today.isoformat())
    page.get_by_label("Ouders/verzorgers waren aanwezig").check()
    for item in page.locator("select[name$=-progress]").all():
        item.select_option("deels")
    page.get_by_label("Mening van de leerling (hoorrecht)").fill("Wil graag verder met lezen in het groepje.")
    page.get_by_label("Conclusie").fill("Het lezen gaat vooruit; het doel wordt aangescherpt.")
    page.get_by_label("Bijstellen (nieuwe versie)").check()
    j.screenshot(page, "evaluatie-formulier")
    tab.submit(page.get_by_role("button", name="Evaluatie vastleggen"), "bijstelling-gestart")
    assert "de bijstelling is gestart als versie 2" in main.inner_text()
    v2 = PlanVersion.objects.get(plan=v1.plan, number=2)

    # Change the handelingsdeel: consent is needed again.
    first_goal = page.locator("#sectie-handelingsdeel textarea[name=handelingsdeel-0-goal]")
    first_goal.fill("Leest eind groep 5 op AVI M5, met begrip.")
    tab.submit(page.locator("#sectie-handelingsdeel").get_by_role("button", name="Opslaan"))
    assert "is opgeslagen" in main.inner_text()
    # The revision asks Liam's view anew (R-CONTENT-10): it was not carried over from version 1.
    hoorrecht = page.locator("#sectie-hoorrecht")
    hoorrecht.locator("textarea[name=hoorrecht-leerling_mening]").fill("Liam wil met begrip leren lezen.")
    hoorrecht.locator("textarea[name=hoorrecht-leerling_weging]").fill("Het doel gaat nu over begrip.")
    hoorrecht.locator("textarea[name=hoorrecht-leerling_uitleg]").fill("Uitgelegd in een gesprek met Liam.")
    tab.submit(hoorrecht.get_by_role("button", name="Opslaan"))
    assert "is opgeslagen" in main.inner_text()
    if page.get_by_role("button", name="In overleg brengen met de ouders").count():
        tab.submit(page.get_by_role("button", name="In overleg brengen met de ouders"))
    tab.submit(page.get_by_role("link", name="OPP", exact=True))
    tab.submit(page.get_by_role("link", name="Overleg vastleggen"))
    page.get_by_label("Besproken versie").select_option(str(v2.pk))
    page.get_by_label("Datum", exact=False).first.fill(today.isoformat())
    page.get_by_label("Overeenstemming").select_option("ja")
    page.get_by_label("Verslag").fill("Bijstelling besproken; overeenstemming.")
    tab.submit(page.get_by_role("button", name="Opslaan"))
    tab.goto(f"/opp/versie/{v2.pk}/")
    tab.submit(page.get_by_role("button", name="Om instemming vragen"), "instemming-gevraagd")
    deliver_mail(expect=1)  # the parent with an account is asked by email

    # The parent consents in the portal (desktop this time).
    ptab = j.tab("ouder")
    ppage = ptab.page
    portal_login(ptab, "ouder_liam", PASSWORD)
    ptab.submit(ppage.get_by_role("link", name=re.compile("Liam de Groot")))
    ppage.get_by_label("Ik stem in").check()
    ppage.get_by_label("Uw wachtwoord, ter bevestiging").fill(PASSWORD)
    ptab.submit(ppage.get_by_role("button", name="Antwoord versturen"), "ouder-stemt-in")
    assert "Uw instemming is vastgelegd." in ppage.locator("main").inner_text()

    # The begeleider offers version 2 for adoption; the bestuurder adopts it with 2FA.
    tab.goto(f"/opp/versie/{v2.pk}/")
    tab.submit(page.get_by_role("button", name="Ter vaststelling aanbieden"))
    assert "Versie 2 is ter vaststelling aangeboden" in main.inner_text()

    btab = j.tab("bestuurder")
    bpage = btab.page
    staff_login(btab, bestuurder, PASSWORD)
    btab.goto(f"/opp/vaststellen/{v2.pk}/", "beoordelen-v2")
    bpage.get_by_label("Uw wachtwoord, ter bevestiging").fill(PASSWORD)
    bpage.get_by_label("Code uit uw authenticator-app").fill(totp_code(bestuurder))
    btab.submit(bpage.get_by_role("button", name="Vaststellen", exact=True), "v2-vastgesteld")
    assert "Versie 2 is vastgesteld." in bpage.locator("main").inner_text()
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.state, v2.state) == ("vervangen", "vastgesteld")

    tab.goto(f"/opp/{v1.plan_id}/", "opp-na-bijstelling")
    versions = page.locator("section[aria-labelledby=h-versions]").inner_text()
    assert "Vervangen" in versions and "Vastgesteld" in versions


# --- 5. A dispute: registered, the dossier built by the worker with its progress, downloaded ------------------------------


def test_dispute_is_registered_and_the_dossier_is_built_and_downloaded(journey, org, personas):
    from disputes.models import Dispute

    geschillen = personas.geschillen_a
    with_2fa(geschillen)
    student, _parent = pupil_with_parent(org, personas, first_name="Sem", parent_username="ouder_sem")
    version = adopted_version(student, personas)
    today = timezone.localdate()

    j = journey("5-geschil")
    tab = j.tab("geschillen")
    page = tab.page
    main = page.locator("main")
    staff_login(tab, geschillen, PASSWORD)
    tab.submit(page.get_by_role("link", name="Geschillen", exact=True), "geschillen")
    tab.submit(page.get_by_role("link", name="Nieuw geschil registreren"))
    page.get_by_label("Betwiste versie van het OPP").select_option(str(version.pk))
    page.get_by_label("Onderwerp").select_option("vaststelling")
    page.get_by_label("Ingediend op").fill(today.isoformat())
    page.get_by_label("Zaaknummer van de commissie").fill("GPO-2026-0042")
    j.screenshot(page, "registreren")
    tab.submit(page.get_by_role("button", name="Registreren"), "geschil")
    assert "Het geschil is geregistreerd." in main.inner_text()
    dispute = Dispute.objects.get(plan=version.plan)

    tab.submit(page.get_by_role("button", name="Dossier maken (PDF)"))
    progress = page.locator("progress#export-progress")
    assert progress.is_visible() and page.get_by_label("Voortgang").count() == 1
    j.screenshot(page, "dossier-voortgang")
    # The worker builds it; the page follows the progress by itself.
    download = page.get_by_role("link", name="Dossier downloaden (PDF)")
    download.wait_for(timeout=60_000)
    assert progress.get_attribute("value") == "100"
    tab.check("dossier-klaar")
    export = dispute.exports.get()
    assert export.state == "klaar" and export.pages >= 2
    pdf = tab.download(download)
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000


# --- 6. Someone of another school tries the pupil's addresses: "niet gevonden" ---------------------------------------------


def test_users_of_another_school_get_niet_gevonden(journey, org, personas):
    from disputes import services as dispute_services
    from evaluations import services as evaluation_services

    # A begeleider of another school of the same board: the boundary inside one board is the subtle one.
    outsider = F.member(Role.BEGELEIDER, school=org.school_a2, username="begeleider_a2")
    with_2fa(outsider)
    student, _parent = pupil_with_parent(org, personas, first_name="Eva", parent_username="ouder_eva")
    version = adopted_version(student, personas)
    today = timezone.localdate()
    evaluation = evaluation_services.evaluation_record(
        actor=personas.begeleider_a, plan=version.plan, data=F.evaluation_data(today),
        progress=F.progress_for(version))
    dispute = dispute_services.register(actor=personas.geschillen_a, plan=version.plan, version=version,
                                        subject="vaststelling", subject_other="", filed_on=today, reference="",
                                        late_reasons="")
    consent = version.consent_requests.get()
    # A parent at school B, with a child of their own there.
    other_child = F.StudentFactory(school=org.school_b, first_name="Bo", last_name="Smit")
    F.parent_of(other_child, name="Ouder Smit", username="ouder_smit")

    staff_urls = [
        f"/leerlingen/{student.pk}/", f"/leerlingen/{student.pk}/wijzigen/", f"/opp/{version.plan_id}/",
        f"/opp/versie/{version.pk}/", f"/opp/versie/{version.pk}/pdf/", f"/opp/versie/{version.pk}/archief.pdf",
        f"/opp/instemming/{consent.pk}/papier/", f"/evaluaties/{evaluation.pk}/", f"/evaluaties/evaluatie/{evaluation.pk}/pdf/",
        f"/geschillen/{dispute.pk}/", f"/opp/vaststellen/{version.pk}/",
    ]
    portal_urls = [f"/portaal/leerling/{student.pk}/", f"/portaal/versie/{version.pk}/",
                   f"/portaal/versie/{version.pk}/pdf/"]

    j = journey("6-andere-school")
    tab = j.tab("begeleider-a2")
    page = tab.page
    staff_login(tab, outsider, PASSWORD)
    for number, url in enumerate(staff_urls):
        tab.goto(url, "niet-gevonden" if number == 0 else None, expect_status=404)
        assert page.get_by_role("heading", name="Niet gevonden").is_visible(), url
        assert "Eva" not in page.locator("main").inner_text(), url

    ptab = j.tab("ouder-b", phone=True)
    portal_login(ptab, "ouder_smit", PASSWORD)
    for number, url in enumerate(portal_urls):
        ptab.goto(url, "portaal-niet-gevonden" if number == 0 else None, expect_status=404)
        assert ptab.page.get_by_role("heading", name="Niet gevonden").is_visible(), url
