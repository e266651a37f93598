"""The staff side of consent (issue 6, parts 4 and 5): asking, withdrawing, paper consent and its scan,
and what the version editor says. Scoping on every URL; the scan only through an access-checked, audited view.
"""

import datetime
import zoneinfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent
from opp import consent_services as cs
from opp.models import ConsentAnswer, ConsentRequest, PlanVersion
from tests.conftest import PASSWORD
from tests.pdfs import MINIMAL_PDF

NOW = datetime.datetime(2026, 9, 25, 10, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Amsterdam"))
PDF = MINIMAL_PDF  # a real PDF: the upload check parses every PDF (issue 16)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


pytestmark = pytest.mark.clock(NOW)


@pytest.fixture
def asked(world, personas, private):
    world.req = cs.request_send(actor=personas.begeleider_a, version=world.version_a)
    world.private = private
    return world


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def html_of(response) -> str:
    return response.content.decode()


def paper_post(client, w, guardian, *, scan=None, answer="ja", signed_on="25-09-2026"):
    scan = scan or SimpleUploadedFile("IMG_4411 handtekening Jansen.pdf", PDF, content_type="application/pdf")
    return client.post(reverse("opp:consent_paper", args=[w.req.pk]),
                       {"party": f"guardian:{guardian.pk}", "answer": answer, "signed_on": signed_on,
                        "explanation": "", "scan": scan})


def files_in(root):
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- Asking and withdrawing ------------------------------------------------------------------------------------


def test_the_begeleider_asks_from_the_version_editor(world, personas):
    client = as_user(personas.begeleider_a)
    editor = html_of(client.get(reverse("opp:version", args=[world.version_a.pk])))
    assert "Nog niet om instemming gevraagd" in editor and reverse("opp:consent_request", args=[world.version_a.pk]) in editor

    response = client.post(reverse("opp:consent_request", args=[world.version_a.pk]), follow=True)
    html = html_of(response)
    assert "Het verzoek om instemming is verstuurd" in html
    assert "Om instemming gevraagd op" in html
    assert "Mirjam Jansen" in html and "Pieter Jansen" in html and "Karel de Boer" not in html.split("h-consent")[1][:4000]
    assert ConsentRequest.objects.get().state == "open"

    again = html_of(client.post(reverse("opp:consent_request", args=[world.version_a.pk]), follow=True))
    assert "alleen voor een versie die in overleg is" in again
    assert ConsentRequest.objects.count() == 1


@pytest.mark.parametrize(("who", "status"), [("leerkracht_a", 403), ("bestuurder_a", 403), ("begeleider_b", 404),
                                             ("outsider", 404)])
def test_only_the_schools_editors_can_ask(world, personas, who, status):
    response = as_user(getattr(personas, who)).post(reverse("opp:consent_request", args=[world.version_a.pk]))
    assert response.status_code == status
    assert not ConsentRequest.objects.exists()


@pytest.mark.parametrize("who", ["ouder_a", "leerling_c"])
def test_portal_users_cannot_reach_the_staff_consent_urls(asked, who):
    client = as_user(getattr(asked, who))
    assert client.post(reverse("opp:consent_request", args=[asked.version_b.pk])).status_code == 404
    assert client.post(reverse("opp:consent_withdraw", args=[asked.req.pk])).status_code == 404
    assert client.get(reverse("opp:consent_paper", args=[asked.req.pk])).status_code == 404
    assert paper_post(client, asked, asked.moeder).status_code == 404
    assert ConsentRequest.objects.get().state == "open" and not ConsentAnswer.objects.exists()


def test_withdrawing_puts_the_version_back_in_overleg(asked, personas):
    client = as_user(personas.begeleider_a)
    response = client.post(reverse("opp:consent_withdraw", args=[asked.req.pk]), follow=True)
    assert "Het verzoek om instemming is ingetrokken" in html_of(response)
    assert ConsentRequest.objects.get().state == "ingetrokken"
    assert PlanVersion.objects.get(pk=asked.version_a.pk).state == "in_overleg"
    # The parent's portal no longer offers a form for it.
    assert 'name="password"' not in html_of(as_user(asked.ouder_a).get(reverse("portal:child", args=[asked.sanne.pk])))


def test_the_editor_shows_each_answer_and_warns_when_the_text_changed(asked, personas):
    cs.answer_in_portal(user=asked.ouder_a, request=asked.req, party_kind="guardian", party_id=asked.moeder.pk,
                        answer="nee", explanation="<i>Te weinig uren</i>", ip="192.0.2.1")
    client = as_user(personas.begeleider_a)
    html = html_of(client.get(reverse("opp:version", args=[asked.version_a.pk])))
    assert "Geen instemming: de versie is terug in overleg" in html
    assert "Ik stem niet in" in html and "&lt;i&gt;Te weinig uren&lt;/i&gt;" in html and "<i>Te weinig" not in html

    # Asked again; then the text is changed behind the request's back: the editor says it no longer covers.
    req2 = cs.request_send(actor=personas.begeleider_a, version=PlanVersion.objects.get(pk=asked.version_a.pk))
    PlanVersion.objects.filter(pk=asked.version_a.pk).update(state="in_overleg")
    item = asked.version_a.actions.first()
    item.goal = "Gewijzigd doel"
    item.save()
    PlanVersion.objects.filter(pk=asked.version_a.pk).update(state="instemming_gevraagd")
    html = html_of(client.get(reverse("opp:version", args=[asked.version_a.pk])))
    assert "dekken deze versie niet meer" in html
    assert cs.status(PlanVersion.objects.get(pk=asked.version_a.pk))["latest"] == req2


def test_the_parents_portal_says_when_the_request_no_longer_covers_the_text(asked):
    PlanVersion.objects.filter(pk=asked.version_a.pk).update(state="in_overleg")
    item = asked.version_a.actions.first()
    item.goal = "Gewijzigd doel"
    item.save()
    PlanVersion.objects.filter(pk=asked.version_a.pk).update(state="instemming_gevraagd")
    html = html_of(as_user(asked.ouder_a).get(reverse("portal:child", args=[asked.sanne.pk])))
    assert "het verzoek dekt de huidige tekst niet meer" in html
    assert 'name="password"' not in html
    response = as_user(asked.ouder_a).post(reverse("portal:answer", args=[asked.req.pk]), {
        "party": f"guardian:{asked.moeder.pk}", "answer": "ja", "password": PASSWORD}, follow=True)
    assert "dekt de huidige tekst niet meer" in html_of(response)
    assert not ConsentAnswer.objects.exists()


# --- Paper consent and the scan -----------------------------------------------------------------------------------


def test_paper_consent_through_the_form_and_the_scan_behind_an_audited_door(asked, personas, settings):
    client = as_user(personas.begeleider_a)
    form = html_of(client.get(reverse("opp:consent_paper", args=[asked.req.pk])))
    assert "Pieter Jansen" in form and "Karel de Boer" not in form

    response = paper_post(client, asked, asked.vader)
    assert response.status_code == 302 and response["Location"] == reverse("opp:version", args=[asked.version_a.pk])
    row = ConsentAnswer.objects.get()
    assert (row.channel, row.recorded_by, row.signed_on) == ("papier", personas.begeleider_a, NOW.date())
    [stored] = files_in(asked.private)
    assert "Jansen" not in stored.name and "IMG_4411" not in stored.name
    assert not str(stored).startswith(str(settings.STATIC_ROOT or "/nonexistent"))

    # Once answered, the vader is no longer offered on the form.
    assert "Pieter Jansen" not in html_of(client.get(reverse("opp:consent_paper", args=[asked.req.pk])))

    scan_url = reverse("opp:consent_scan", args=[row.pk])
    assert scan_url in html_of(client.get(reverse("opp:version", args=[asked.version_a.pk])))
    download = client.get(scan_url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff" and "no-store" in download["Cache-Control"]
    assert f'filename="instemming-{asked.req.pk}-{row.pk}.pdf"' in download["Content-Disposition"]
    assert AuditEvent.objects.filter(actor=personas.begeleider_a, action="export", object_type="opp.consentanswer",
                                     object_id=str(row.pk)).count() == 1


@pytest.mark.parametrize(("who", "status"), [("leerkracht_a", 403), ("begeleider_b", 404), ("outsider", 404),
                                             ("ouder_a", 404), ("stief_a", 404)])
def test_the_scan_is_closed_to_everyone_else(asked, personas, who, status):
    paper_post(as_user(personas.begeleider_a), asked, asked.vader)
    row = ConsentAnswer.objects.get()
    user = getattr(personas, who, None) or getattr(asked, who)
    assert as_user(user).get(reverse("opp:consent_scan", args=[row.pk])).status_code == status
    assert not AuditEvent.objects.filter(action="export").exists()


def test_the_scan_needs_a_login(asked, personas):
    paper_post(as_user(personas.begeleider_a), asked, asked.vader)
    response = Client().get(reverse("opp:consent_scan", args=[ConsentAnswer.objects.get().pk]))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(("name", "content", "message"), [
    ("handtekening.pdf", b"MZ\x90\x00" + b"\x00" * 64, "Alleen PDF, JPEG en PNG zijn toegestaan"),
    ("handtekening.png", b"<html><body onload=alert(1)></body></html>", "Alleen PDF, JPEG en PNG zijn toegestaan"),
    ("handtekening.pdf", b"%PDF-1.4\nafgebroken", "onvolledig of beschadigd"),
    ("leeg.pdf", b"", "leeg"),
])
def test_a_bad_scan_is_refused_on_the_form(asked, personas, name, content, message):
    response = paper_post(as_user(personas.begeleider_a), asked, asked.vader,
                          scan=SimpleUploadedFile(name, content, content_type="application/pdf"))
    assert response.status_code == 200
    assert message in html_of(response) and "Niet opgeslagen" in html_of(response)
    assert not ConsentAnswer.objects.exists() and files_in(asked.private) == []


def test_a_too_large_scan_is_refused_on_the_form(asked, personas, settings):
    settings.OPP_UPLOAD_MAX_BYTES = 2 * 1024 * 1024
    big = SimpleUploadedFile("scan.png", PNG + b"\x00" * (3 * 1024 * 1024), content_type="image/png")
    response = paper_post(as_user(personas.begeleider_a), asked, asked.vader, scan=big)
    assert "Het bestand is te groot (3,0 MB); het maximum is 2 MB." in html_of(response)
    assert not ConsentAnswer.objects.exists() and files_in(asked.private) == []


@pytest.mark.parametrize(("signed_on", "message"), [("26-09-2026", "in de toekomst"), ("24-09-2026", "vóór het verzoek")])
def test_an_impossible_signing_date_is_refused_on_the_form(asked, personas, signed_on, message):
    response = paper_post(as_user(personas.begeleider_a), asked, asked.vader, signed_on=signed_on)
    assert response.status_code == 200 and message in html_of(response)
    assert not ConsentAnswer.objects.exists() and files_in(asked.private) == []
