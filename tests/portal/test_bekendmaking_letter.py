"""A told party downloads their own bekendmaking letter from the portal (portal:bekendmaking_letter, R-GPO-2), in the
language they read the portal in — Arabic right to left — and nobody else gets it."""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from audit.models import AuditEvent
from opp import adoption
from tests.conftest import PASSWORD
from tests.factories import fresh, ter_vaststelling

ARABIC = re.compile(r"[\u0600-\u06FF]")


@pytest.fixture
def adopted(world, personas):
    """Sanne's version 1 adopted: the mother (portal account, gezag) is told in the portal at once."""
    version = ter_vaststelling(world.version_a, by=personas.begeleider_a)
    adoption.adopt(actor=personas.bestuurder_a, version=version, password=PASSWORD)
    world.version_a = fresh(version)
    return world


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text_of(response) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(b"".join(response.streaming_content)
                                                                            if response.streaming else response.content)).pages)


def url(version) -> str:
    return reverse("portal:bekendmaking_letter", args=[version.pk])


def test_the_told_mother_gets_her_letter_in_dutch_and_it_is_audited(adopted):
    response = as_user(adopted.ouder_a).get(url(adopted.version_a))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = text_of(response)
    assert "Bekendmaking van het OPP" in text and "Mirjam Jansen" in text and not ARABIC.search(text)
    event = AuditEvent.objects.filter(actor=adopted.ouder_a, action="export").latest("pk")
    assert event.details["letter"] == "bekendmaking" and event.details["language"] == "nl"


def test_in_arabic_when_she_reads_the_portal_in_arabic(adopted):
    client = as_user(adopted.ouder_a)
    client.post(reverse("set_language"), {"language": "ar", "next": "/"})
    response = client.get(url(adopted.version_a))
    assert response.status_code == 200
    assert ARABIC.search(text_of(response))
    assert AuditEvent.objects.filter(actor=adopted.ouder_a, action="export").latest("pk").details["language"] == "ar"


def test_a_parent_without_gezag_is_no_party_and_another_family_does_not_see_the_version(adopted):
    assert as_user(adopted.stief_a).get(url(adopted.version_a)).status_code == 403
    assert as_user(adopted.ouder_b).get(url(adopted.version_a)).status_code == 404


def test_not_before_the_party_was_told(world):
    """Version 1 in overleg: nothing was made known (403 for the mother; the version is hers to read)."""
    assert as_user(world.ouder_a).get(url(world.version_a)).status_code in (403, 404)


def test_the_child_page_links_to_the_letter_once_she_was_told(adopted):
    page = as_user(adopted.ouder_a).get(reverse("portal:child", args=[adopted.sanne.pk])).content.decode()
    assert url(adopted.version_a) in page
