"""The OPP as a PDF (issue 7, part 5): what the parents and staff read in it, what it never fetches, who gets it.

The PDFs are opened with pypdf and read as text. Text in narrow table cells may be hyphenated or wrapped,
so comparisons drop whitespace and hyphens on both sides (`flat`).
"""

import datetime
import io
import re
import socket
import zoneinfo
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader
from weasyprint.urls import URLFetchingError, fetch

from accounts.models import Role
from audit.models import AuditEvent
from opp import consent_services as cs
from opp import content as opp_content
from opp import pdf, pdf_views, selectors
from opp.models import ActionItem, FactorItem, PlanVersion, Suggestion, YieldItem
from tests.factories import (
    ActionItemFactory,
    PlanFactory,
    PlanVersionFactory,
    StudentFactory,
    UserFactory,
    member,
)

TZ = zoneinfo.ZoneInfo("Europe/Amsterdam")
NOW = datetime.datetime(2026, 9, 25, 10, 0, tzinfo=TZ)
ADOPTED_AT = datetime.datetime(2026, 11, 28, 14, 30, tzinfo=TZ)
INTERNAL = "INTERN-7731"
HOSTILE = (
    '<img src="file:///etc/passwd">',
    "http://169.254.169.254/",
    '<link rel="attachment" href="file:///etc/passwd">',
)
PNG_1PX = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
APP_CSS = Path(settings.BASE_DIR) / "static" / "css" / "app.css"

def staff_url(pk) -> str:
    return reverse("opp:version_pdf", args=[pk])


def portal_url(pk) -> str:
    return reverse("portal:version_pdf", args=[pk])


def pages_of(data: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def text_of(data: bytes) -> str:
    return "\n".join(pages_of(data))


def flat(text: str) -> str:
    return re.sub(r"[\s\-\u00ad\u2010]", "", text)


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


pytestmark = pytest.mark.clock(NOW)


@pytest.fixture
def filled(world, personas):
    """Sanne Jansen (school A, bao) of `world`: version 1 in overleg, every po section filled, a consultation with
    a suggestion and a staff-only note, consent asked; her moeder said yes in the portal, her vader not yet."""
    version = world.version_a
    PlanVersion.objects.filter(pk=version.pk).update(
        uitstroom_onderbouwing="Sanne leest op AVI M5; rekenen gaat op groepsniveau. Verwacht: vmbo kader.",
        programma_afwijking="Geen afwijking van het programma; wel extra instructie in de verlengde instructiegroep.",
        doelen_nodig=False, onderwijstijd_nodig=False,
        rapporten_weging="Het dyslexieonderzoek van maart bevestigt de leesachterstand; het advies is overgenomen.",
        leerling_mening="Sanne wil graag meer tijd om te lezen.",
        leerling_weging="Haar wens om meer leestijd is overgenomen in doel 1.",
        leerling_uitleg="De ib'er heeft het plan met Sanne doorgelopen.")
    FactorItem.objects.create(version=version, position=1, kind="belemmerend", domain="kind",
                              text="Raakt snel afgeleid bij drukte in de klas.")
    FactorItem.objects.create(version=version, position=2, kind="bevorderend", domain="omgeving",
                              text="Ouders lezen thuis dagelijks met Sanne.")
    YieldItem.objects.create(version=version, position=1, subject="begrijpend_lezen",
                             expectation="Eind groep 8: referentieniveau 1F.")
    ActionItem.objects.filter(version=version, position=1).update(
        goal="Sanne leest AVI E5 vloeiend", approach="Dagelijks 15 minuten duolezen met een klasgenoot",
        who="Leerkracht groep 5", frequency="Dagelijks, 12 weken", evaluation_moment="Na 12 weken",
        evaluation_criterion="AVI-toets op niveau E5 behaald")
    Suggestion.objects.create(consultation=world.consultation, position=1,
                              text="Kan Sanne een leesmaatje krijgen?",
                              response="Ja, een klasgenoot uit groep 6 leest met haar.", outcome="overgenomen")
    world.version_a = selectors.load_version(version.pk)
    world.request = cs.request_send(actor=personas.begeleider_a, version=world.version_a)
    cs.answer_in_portal(user=world.ouder_a, request=world.request, party_kind="guardian", party_id=world.moeder.pk,
                        answer="ja", explanation="", ip=None)
    world.version_a.refresh_from_db()
    return world


@pytest.fixture
def adopted(clock, org, personas):
    """Daan de Vries (school A): version 1 set on 28 november 2026 by Bea Bestuur."""
    bea = member(Role.BESTUURDER, board=org.board_a, username="bea")
    bea.first_name, bea.last_name = "Bea", "Bestuur"
    bea.save()
    student = StudentFactory(school=org.school_a, first_name="Daan", last_name="de Vries", opp_required=True,
                             support_level="extra")
    plan = PlanFactory(student=student, created_by=personas.begeleider_a)
    return PlanVersionFactory(plan=plan, with_actions=2, with_factors=2, with_yields=1,
                              uitstroom_onderbouwing="Daan gaat naar vmbo basis.",
                              adopted=True, adopted__at=ADOPTED_AT, adopted__by=bea)


# --- Content --------------------------------------------------------------------------------------------------


def test_concept_version_pdf_has_every_section_the_handelingsdeel_the_log_and_the_consent(filled):
    version = filled.version_a
    data = pdf.render_version_pdf(version)
    assert data.startswith(b"%PDF")
    pages = pages_of(data)
    text = "\n".join(pages)
    body = flat(text)

    # Title block: who, where, which version, which state.
    for expected in ("Sanne Jansen", "School A", "Basisonderwijs (bao)", "Versie 1 · Instemming gevraagd"):
        assert flat(expected) in body, expected
    # Every applicable section, by title, in order.
    applicable = selectors.snapshot(version, today=NOW.date()).applicable
    assert applicable == ["uitstroom", "factoren", "handelingsdeel", "programma", "doelen", "onderwijstijd",
                          "leerrendement", "rapporten", "hoorrecht"]
    positions = []
    for n, key in enumerate(applicable, start=1):
        title = flat(f"{n}. {pdf.S.SECTIONS[key].title}")
        assert title in body, key
        positions.append(body.index(title))
    assert positions == sorted(positions)
    # ... and their content.
    for expected in ("Vmbo kaderberoepsgerichte leerweg", version.uitstroom_onderbouwing,
                     "Raakt snel afgeleid bij drukte in de klas.", "Ouders lezen thuis dagelijks met Sanne.",
                     version.programma_afwijking, "Niet nodig: de kerndoelen zijn bruikbaar.",
                     "De onderwijstijd wijkt niet af.", "Begrijpend lezen", "Eind groep 8: referentieniveau 1F.",
                     version.rapporten_weging, version.leerling_mening, version.leerling_weging,
                     version.leerling_uitleg):
        assert flat(expected) in body, expected
    # The handelingsdeel as a table: the six column heads and every value of every item.
    for head in ("Doel", "Aanpak", "Wie", "Hoe vaak/hoe lang", "Evaluatiemoment", "Evaluatiecriterium"):
        assert flat(head) in body, head
    for item in version.actions.all():
        for value in (item.goal, item.approach, item.who, item.frequency, item.evaluation_moment,
                      item.evaluation_criterion):
            assert flat(value) in body, value
    # The consultation: date, agreement, who was there, the summary, the suggestion and the school's answer.
    for expected in ("Overleg van 20 september 2026", "Gedeeltelijk", "Besproken: extra leestijd.",
                     "Kan Sanne een leesmaatje krijgen?", "Ja, een klasgenoot uit groep 6 leest met haar.",
                     "Overgenomen"):
        assert flat(expected) in body, expected
    # The consent request and the answers: party, answer, date, channel; the vader has not answered yet.
    for expected in ("Verzoek om instemming van 25 september 2026", "Mirjam Jansen", "Ik stem in",
                     "Portaal", "Pieter Jansen", "Nog geen antwoord"):
        assert flat(expected) in body, expected
    # Not adopted: said so, and the watermark is on every page.
    assert flat("Deze versie is (nog) niet vastgesteld.") in body
    assert len(pages) >= 2
    assert all("CONCEPT" in page for page in pages)
    # Running header and footer on every page: version and state, page x of y, the version hash.
    vhash = opp_content.version_hash(version)
    for n, page in enumerate(pages, start=1):
        assert f"pagina {n} van {len(pages)}" in page
        assert flat("Versie 1 · Instemming gevraagd") in flat(page)
        assert vhash in flat(page)
    # The staff-only note never reaches the PDF.
    assert INTERNAL not in body and flat(INTERNAL) not in body


def test_adopted_version_pdf_names_the_adopter_and_date_and_has_no_watermark(adopted):
    data = pdf.render_version_pdf(adopted)
    pages = pages_of(data)
    body = flat("\n".join(pages))
    assert flat("Vastgesteld door Bea Bestuur op 28 november 2026.") in body
    assert flat("Versie 1 · Vastgesteld") in body
    assert "CONCEPT" not in "\n".join(pages)
    assert adopted.adopted_hash == opp_content.version_hash(adopted)
    assert "pagina 1 van" in pages[0]
    for page in pages:
        assert flat(f"Hash bij vaststelling: {adopted.adopted_hash}") in flat(page)


def test_the_pdf_shows_the_version_as_handed_over_so_adoption_can_archive_it_before_saving(filled, personas):
    """opp.adoption.adopt sets the adoption fields and renders the archived PDF before it saves the row."""
    version = selectors.load_version(filled.version_a.pk)
    version.state = "vastgesteld"
    version.adopted_at = ADOPTED_AT
    version.adopted_by = personas.bestuurder_a
    version.adopted_hash = opp_content.version_hash(version)
    pages = pages_of(pdf.render_version_pdf(version))
    body = flat("\n".join(pages))
    name = personas.bestuurder_a.get_full_name()
    assert flat(f"Vastgesteld door {name} op 28 november 2026.") in body
    assert "CONCEPT" not in "\n".join(pages)
    assert flat(f"Hash bij vaststelling: {version.adopted_hash}") in flat(pages[-1])
    assert PlanVersion.objects.get(pk=version.pk).state == "instemming_gevraagd"  # nothing was written


def test_consultations_about_later_versions_are_not_in_an_earlier_version(filled, personas):
    from opp.models import Consultation

    old = filled.version_a
    PlanVersion.objects.filter(pk=old.pk).update(state="vastgesteld", adopted_at=NOW, adopted_by=personas.bestuurder_a)
    newer = PlanVersionFactory(plan=old.plan, based_on=old, with_actions=1)
    Consultation.objects.create(plan=old.plan, version=newer, held_on=datetime.date(2026, 12, 1), agreement="ja",
                                summary="Later overleg over versie 2.", created_by=personas.begeleider_a)
    Consultation.objects.create(plan=old.plan, held_on=datetime.date(2026, 9, 1), agreement="ja",
                                summary="Algemeen kennismakingsgesprek.", created_by=personas.begeleider_a)
    old = selectors.load_version(old.pk)
    body = flat(text_of(pdf.render_version_pdf(old)))
    assert flat("Algemeen kennismakingsgesprek.") in body
    assert flat("Besproken: extra leestijd.") in body
    assert flat("Later overleg over versie 2.") not in body
    assert flat("Later overleg over versie 2.") in flat(text_of(pdf.render_version_pdf(newer)))


# --- Nothing is fetched -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "FILE:///etc/passwd",
    "file://localhost/etc/passwd",
    f"file://{settings.BASE_DIR}/opp_portal/settings.py",
    f"file://{settings.BASE_DIR}/static/../manage.py",
    "http://169.254.169.254/",
    "http://169.254.169.254/latest/meta-data/",
    "https://example.org/x.css",
    "ftp://example.org/x.css",
    "gopher://example.org/",
    "/static/../manage.py",
    "/static/css/../../manage.py",
    "/static/%2e%2e/manage.py",
    "/etc/passwd",
    "//example.org/static/css/app.css",
    "https://opp.example.nl/accounts/login/",
    "https://evil.example/static/css/app.css",
    "/static/css/does-not-exist.css",
])
def test_safe_fetcher_refuses_everything_but_data_and_static(url):
    fetcher = pdf.SafeFetcher("https://opp.example.nl/")
    with pytest.raises(pdf.FetchRefused):
        fetcher.fetch(url)
    # Through WeasyPrint's own wrapper a refusal is an ordinary fetch error: logged, resource skipped.
    with pytest.raises(URLFetchingError), fetch(fetcher, url):
        pass


def test_safe_fetcher_serves_data_urls_and_the_projects_static_files():
    fetcher = pdf.SafeFetcher("https://opp.example.nl/")
    response = fetcher.fetch("data:text/plain;base64,SGFsbG8gT1BQ")
    assert response.read() == b"Hallo OPP" and response.content_type == "text/plain"
    for url in ("/static/css/app.css", "https://opp.example.nl/static/css/app.css", APP_CSS.as_uri()):
        response = fetcher(url)
        assert response.read() == APP_CSS.read_bytes(), url
        assert response.content_type == "text/css"
        response.close()


@pytest.fixture
def no_network(monkeypatch):
    """Every attempt to open a connection is recorded and fails."""
    attempts = []

    def refuse_connect(self, address, *args, **kwargs):
        attempts.append(address)
        raise OSError("network disabled in this test")

    def refuse_create_connection(address, *args, **kwargs):
        attempts.append(address)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse_connect)
    monkeypatch.setattr(socket, "create_connection", refuse_create_connection)
    return attempts


@pytest.fixture
def fetch_spy(monkeypatch):
    asked = []

    class SpyFetcher(pdf.SafeFetcher):
        def fetch(self, url, headers=None):
            asked.append(url)
            return super().fetch(url, headers)

    monkeypatch.setattr(pdf, "SafeFetcher", SpyFetcher)
    return asked


def test_the_spy_sees_what_weasyprint_would_fetch(fetch_spy, no_network, caplog):
    """Control: raw (unescaped) markup does reach the fetcher — which refuses it — so the spy can see fetches.
    A data: image and the project's stylesheet load; the rest is refused and logged by WeasyPrint."""
    raw = ('<html><head><link rel="stylesheet" href="/static/css/app.css"></head><body>'
           '<img src="http://169.254.169.254/"><img src="file:///etc/passwd">'
           f'<img src="data:image/png;base64,{PNG_1PX}" alt="Eén pixel"><link rel="attachment" href="file:///etc/passwd"></body></html>')
    data = pdf.html_to_pdf(raw)
    assert data.startswith(b"%PDF")
    assert "http://169.254.169.254/" in fetch_spy and "file:///etc/passwd" in fetch_spy
    assert any(url.endswith("/static/css/app.css") for url in fetch_spy)
    assert no_network == []
    assert "169.254.169.254" in caplog.text and "data:image/png" not in caplog.text
    assert not PdfReader(io.BytesIO(data)).attachments  # the refused attachment is not embedded


def test_hostile_text_renders_as_text_and_fetches_nothing(filled, fetch_spy, no_network, caplog):
    version = filled.version_a
    PlanVersion.objects.filter(pk=version.pk).update(uitstroom_onderbouwing="\n".join(HOSTILE))
    ActionItemFactory(version=version, position=9, goal=HOSTILE[0], approach=HOSTILE[1], who="Leerkracht",
                      frequency="Dagelijks", evaluation_moment="Na 6 weken", evaluation_criterion=HOSTILE[2])
    version = selectors.load_version(version.pk)

    html = pdf.render_html(version)
    # Only ever as escaped text: no element, no attribute carries them.
    assert HOSTILE[0] not in html and HOSTILE[2] not in html
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(file:|http://169)""", html)

    data = pdf.render_version_pdf(version)
    assert not PdfReader(io.BytesIO(data)).attachments
    body = flat(text_of(data))
    for hostile in HOSTILE:
        assert body.count(flat(hostile)) >= 2, hostile  # once in the uitstroom section, once in the table
    assert not [url for url in fetch_spy if "169.254" in url or "passwd" in url or url.startswith("http")]
    assert no_network == []
    assert "passwd" not in caplog.text and "169.254" not in caplog.text


def test_rendering_is_repeatable_byte_for_byte(adopted):
    """The archived PDF's file hash means something only if the same version renders to the same file."""
    assert pdf.render_version_pdf(adopted) == pdf.render_version_pdf(adopted)


# --- The views --------------------------------------------------------------------------------------------------


def assert_pdf_download(response, version):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"] == f'attachment; filename="opp-SJ-v{version.number}.pdf"'
    assert "Sanne" not in response["Content-Disposition"] and "Jansen" not in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"].split(", ")
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("persona", ["begeleider_a", "leerkracht_a", "schoolleider_a", "bestuurder_a"])
def test_staff_who_may_read_the_plan_download_it_and_the_export_is_audited(filled, personas, persona):
    user = getattr(personas, persona)
    response = as_user(user).get(staff_url(filled.version_a.pk))
    assert_pdf_download(response, filled.version_a)
    assert flat("Sanne Jansen") in flat(text_of(response.content))
    assert AuditEvent.objects.filter(actor=user, action="export", object_type="opp.planversion",
                                     object_id=str(filled.version_a.pk), details={"format": "pdf"},
                                     school_id=filled.version_a.plan.student.school_id).count() == 1


@pytest.mark.parametrize("persona", ["begeleider_b", "bestuurder_b", "commissie_a2", "beheerder_a", "geschillen_a",
                                     "outsider"])
def test_staff_outside_reach_get_404_and_nothing_is_audited(filled, personas, persona):
    response = as_user(getattr(personas, persona)).get(staff_url(filled.version_a.pk))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="export").exists()


def test_a_parent_cannot_use_the_staff_url(filled):
    assert as_user(filled.ouder_a).get(staff_url(filled.version_a.pk)).status_code == 404


def test_anonymous_goes_to_login(filled):
    for url in (staff_url(filled.version_a.pk), portal_url(filled.version_a.pk)):
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_post_is_not_allowed(filled, personas):
    assert as_user(personas.begeleider_a).post(staff_url(filled.version_a.pk)).status_code == 405


def test_the_pupils_parent_downloads_it_from_the_portal(filled):
    response = as_user(filled.ouder_a).get(portal_url(filled.version_a.pk))
    assert_pdf_download(response, filled.version_a)
    body = flat(text_of(response.content))
    assert flat("Besproken: extra leestijd.") in body and INTERNAL not in body
    assert AuditEvent.objects.filter(actor=filled.ouder_a, action="export", object_id=str(filled.version_a.pk),
                                     details={"format": "pdf"}).count() == 1


def test_another_parent_and_a_parent_without_gezag_link_get_404(filled):
    assert as_user(filled.ouder_b).get(portal_url(filled.version_a.pk)).status_code == 404
    assert as_user(UserFactory(username="vreemde")).get(portal_url(filled.version_a.pk)).status_code == 404
    assert not AuditEvent.objects.filter(action="export").exists()


def test_a_concept_is_not_in_the_portal(filled):
    assert as_user(filled.ouder_b).get(portal_url(filled.version_b.pk)).status_code == 200
    PlanVersion.objects.filter(pk=filled.version_b.pk).update(state="concept")
    assert as_user(filled.ouder_b).get(portal_url(filled.version_b.pk)).status_code == 404


def test_staff_cannot_use_the_portal_url(filled, personas):
    assert as_user(personas.begeleider_a).get(portal_url(filled.version_a.pk)).status_code == 404


def test_filename_has_initials_only():
    student = StudentFactory.build(first_name="Özlem", last_name="van der Çelik")
    version = PlanVersion(number=3, plan=PlanFactory.build(student=student))
    assert pdf_views.pdf_filename(version) == "opp-OC-v3.pdf"
