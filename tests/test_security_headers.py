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
