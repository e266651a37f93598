"""Headers on every page of the URL sweep (issue 10 item 4): CSP without inline script, frame and sniffing
protection, referrer policy, no-store; HSTS over HTTPS. And no template that would need an inline exception."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.auth import login
from tests.test_url_sweep import ROUTES

pytestmark = pytest.mark.django_db

STATIC = "/" + settings.STATIC_URL.lstrip("/")
PAGES = [r for r in ROUTES if not r.path.startswith(STATIC)]


def assert_headers(response, path):
    csp = response.get("Content-Security-Policy", "")
    directives = dict((d.strip().split(" ", 1) + [""])[:2] for d in csp.split(";") if d.strip())
    assert directives.get("default-src") == "'self'", (path, csp)
    assert directives.get("script-src") == "'self'", (path, csp)
    assert directives.get("style-src") == "'self'", (path, csp)
    assert directives.get("frame-ancestors") == "'none'", (path, csp)
    assert directives.get("object-src") == "'none'", (path, csp)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, (path, csp)
    assert response.get("X-Frame-Options") == "DENY", path
    assert response.get("X-Content-Type-Options") == "nosniff", path
    # same-origin everywhere; the invitation pages send no path at all (a token was in their URL), only the
    # origin, which their own POST forms need for the CSRF check.
    assert response.get("Referrer-Policy") in ("same-origin", "strict-origin"), path
    assert "no-store" in response.get("Cache-Control", ""), (path, response.get("Cache-Control"))


@pytest.mark.parametrize("route", PAGES, ids=lambda r: f"{r.name or '-'} {r.path}")
def test_headers_anonymous(client, route):
    assert_headers(client.get(route.path), route.path)


@pytest.mark.parametrize("route", PAGES, ids=lambda r: f"{r.name or '-'} {r.path}")
def test_headers_logged_in(client, personas, route):
    login(client, personas.schoolleider_a)
    assert_headers(client.get(route.path), route.path)


def test_pages_with_pupil_data_and_pdfs_are_never_stored(client, org, personas):
    from tests.factories import StudentFactory, version_for_consent

    student = StudentFactory(school=org.school_a, opp_required=True, support_level="extra")
    version = version_for_consent(student, by=personas.begeleider_a)
    login(client, personas.begeleider_a)
    for url in (reverse("students:detail", args=[student.pk]), reverse("opp:version_pdf", args=[version.pk])):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_headers(response, url)
        assert "private" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]
    assert response["Content-Type"] == "application/pdf"


def test_hsts_over_https(client):
    response = client.get(reverse("login"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


TEMPLATES = Path(settings.BASE_DIR) / "templates"
#: Emails and PDFs are not served to a browser under the CSP: inline styles are how mail clients and
#: WeasyPrint get their looks.
NOT_UNDER_CSP = ("notifications/email/", "/pdf/")


def _browser_templates():
    for path in sorted(TEMPLATES.rglob("*.html")):
        rel = path.relative_to(TEMPLATES).as_posix()
        if not any(part in "/" + rel for part in NOT_UNDER_CSP):
            yield rel, path.read_text(encoding="utf-8")


def test_no_template_needs_an_inline_exception():
    found = []
    for rel, text in _browser_templates():
        for match in re.finditer(r"<script\b[^>]*>", text):
            tag = match.group(0)
            if "src=" not in tag and 'type="application/json"' not in tag:
                found.append(f"{rel}: inline script {tag}")
        if re.search(r"\sstyle\s*=", text) or "<style" in text:
            found.append(f"{rel}: inline style")
        if re.search(r"\son[a-z]+\s*=", text):
            found.append(f"{rel}: inline event handler")
    assert not found, found


def test_the_csrf_failure_page_is_dutch_and_needs_no_inline_style(personas):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    text = response.content.decode()
    assert "Dit formulier kon niet worden verwerkt" in text
    assert "<style" not in text and "style=" not in text


# --- Error pages and static files, also in the development server (issue 16 item 5) ------------------------------

NOT_FOUND_TEXT = "Deze pagina bestaat niet, of u heeft er geen toegang toe."
ERROR_TEXT = "Er is een fout opgetreden. Uw gegevens zijn niet gewijzigd als het opslaan niet is bevestigd."
#: What Django's technical pages show and a visitor must never see.
TECHNICAL = ("URLconf", "DEBUG = True", "Traceback", "technical_500", "Request Method", "settings file")


@pytest.fixture
def make_run(settings):
    """As `make run`: DEBUG on; the technical error pages are not asked for (OPP_TECHNICAL_ERROR_PAGES off)."""
    settings.DEBUG = True
    settings.OPP_TECHNICAL_ERROR_PAGES = False
    return settings


def assert_plain_page(response, status, text):
    assert response.status_code == status
    html = response.content.decode()
    assert text in html and 'lang="nl"' in html
    for leak in TECHNICAL:
        assert leak not in html, leak
    return html


@pytest.mark.parametrize("path", ["/bestaat-niet/", "/opp/bestaat-niet/", "/portaal/x/y/z/"])
def test_an_unknown_url_in_the_development_server_gets_the_dutch_404_with_every_header(client, make_run, path):
    response = client.get(path)
    assert_plain_page(response, 404, NOT_FOUND_TEXT)
    assert_headers(response, path)


def test_a_404_a_view_raises_in_the_development_server_is_the_same_page(client, make_run, personas):
    login(client, personas.begeleider_a)
    path = reverse("students:detail", args=[987654])
    response = client.get(path)
    html = assert_plain_page(response, 404, NOT_FOUND_TEXT)
    assert "Uitloggen" in html, "the 404 page keeps the menu of the logged-in user"
    assert_headers(response, path)


def test_the_technical_404_only_when_asked_for(client, make_run):
    make_run.OPP_TECHNICAL_ERROR_PAGES = True
    assert "URLconf" in client.get("/bestaat-niet/").content.decode()


@pytest.mark.urls("tests.error_urls")
@pytest.mark.parametrize("debug", [True, False], ids=["make-run", "production"])
def test_a_500_is_the_dutch_page_with_every_header_and_no_trace_of_the_error(settings, personas, debug):
    from django.test import Client

    from tests.error_urls import SECRET_DETAIL

    settings.DEBUG = debug
    settings.OPP_TECHNICAL_ERROR_PAGES = False
    client = Client(raise_request_exception=False)
    login(client, personas.begeleider_a)
    response = client.get("/test-fout/")
    html = assert_plain_page(response, 500, ERROR_TEXT)
    assert SECRET_DETAIL not in html and "RuntimeError" not in html and "begeleider_a" not in html
    assert "Uitloggen" not in html, "rendered without the request: no menu, no user"
    assert_headers(response, "/test-fout/")


@pytest.mark.urls("tests.error_urls")
@pytest.mark.parametrize("debug", [True, False], ids=["make-run", "production"])
def test_a_lost_database_is_a_dutch_503_even_niet_beschikbaar_not_a_500(settings, personas, debug):
    """Issue 16.8: while PostgreSQL is down the pages answer 503 "even niet beschikbaar" with Retry-After — not a
    500 or a traceback — and the page needs nothing from the database."""
    from django.test import Client

    from tests.error_urls import SECRET_DETAIL

    settings.DEBUG = debug
    settings.OPP_TECHNICAL_ERROR_PAGES = False
    client = Client(raise_request_exception=False)
    login(client, personas.begeleider_a)
    response = client.get("/test-database-weg/")
    html = assert_plain_page(response, 503, "even niet beschikbaar")
    assert response["Retry-After"] == "30"
    assert SECRET_DETAIL not in html and "OperationalError" not in html and "Connection refused" not in html
    assert_headers(response, "/test-database-weg/")


def test_the_500_page_needs_no_request_context_and_survives_a_broken_template(rf, settings):
    from security.views import server_error

    request = rf.get("/")  # no session, no user, no middleware
    assert_plain_page(server_error(request), 500, ERROR_TEXT)
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [], "APP_DIRS": False}]  # 500.html cannot be found
    assert_plain_page(server_error(request), 500, "Er is een fout opgetreden.")


def test_static_files_in_the_development_server_carry_the_headers(client, make_run):
    path = STATIC + "css/app.css"
    response = client.get(path)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    missing = client.get(STATIC + "css/bestaat-niet.css")
    assert_plain_page(missing, 404, NOT_FOUND_TEXT)
    assert_headers(missing, STATIC + "css/bestaat-niet.css")


def test_static_files_are_not_served_by_the_app_in_production(client):
    assert client.get(STATIC + "css/app.css").status_code == 404
