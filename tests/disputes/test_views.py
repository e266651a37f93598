"""Dispute screens (issue 9): who sees what (other boards 404, the schoolleider reads but never writes),
documents served as audited attachments, the dossier page's progress, the portal and the start page."""


import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEvent
from disputes import services
from disputes.models import Dispute, DisputeDocument, DossierExport, SchoolDocument
from tests.factories import StudentFactory

from .world import EXE, NOW, PDF, TODAY, D, adopted_version, make_world

pytestmark = [pytest.mark.clock(NOW), pytest.mark.usefixtures("clock")]  # every test here: today is TODAY


@pytest.fixture(autouse=True)
def _private_media(private):
    """Every test here stores files: each in its own folder (the `private` fixture of tests/conftest.py)."""


@pytest.fixture
def dispute_world(org, personas):
    w = make_world(org, personas)
    w.dispute = services.register(actor=personas.geschillen_a, plan=w.plan, version=w.version, subject="vaststelling",
                                  filed_on=D(2026, 10, 5))
    w.doc = services.add_document(actor=personas.geschillen_a, dispute=w.dispute, title="Verweerschrift INTERN-4711",
                                  upload=SimpleUploadedFile("v.pdf", PDF, content_type="application/pdf"))
    w.export = DossierExport.objects.create(dispute=w.dispute, requested_by=personas.geschillen_a, state="klaar",
                                            progress=100, stored_name=w.doc.stored_name, sha256="ab" * 32)
    return w


def _read_urls(w):
    pk = w.dispute.pk
    return [reverse("disputes:detail", args=[pk]), reverse("disputes:document", args=[pk, w.doc.pk]),
            reverse("disputes:export_status", args=[pk, w.export.pk]),
            reverse("disputes:export_download", args=[pk, w.export.pk])]


def _write_urls(w):
    pk = w.dispute.pk
    return [reverse(f"disputes:{name}", args=[pk]) for name in ("dates", "advice", "response", "close", "upload", "export")]


@pytest.mark.parametrize("who", ["geschillen_b", "bestuurder_b", "begeleider_a", "leerkracht_a", "commissie_a2",
                                 "beheerder_a", "outsider"])
def test_outsiders_get_404_on_every_dispute_url(dispute_world, personas, login, who):
    user = getattr(dispute_world, who, None) or getattr(personas, who)
    client = login(user)
    for url in _read_urls(dispute_world):
        assert client.get(url).status_code == 404, url
    for url in _write_urls(dispute_world):
        assert client.post(url, {"received_on": "2026-10-06"}).status_code == 404, url
    dispute_world.dispute.refresh_from_db()
    assert dispute_world.dispute.received_on is None


def test_the_pupils_schoolleider_reads_but_every_write_is_403(dispute_world, personas, login):
    client = login(personas.schoolleider_a)
    response = client.get(reverse("disputes:detail", args=[dispute_world.dispute.pk]))
    assert response.status_code == 200
    assert b"Datums opslaan" not in response.content and b"Dossier maken" not in response.content
    assert client.get(reverse("disputes:list")).status_code == 200
    for url in _write_urls(dispute_world):
        assert client.post(url, {"received_on": "2026-10-06", "title": "x"}).status_code == 403, url
    assert client.get(reverse("disputes:register")).status_code == 403
    dispute_world.dispute.refresh_from_db()
    assert dispute_world.dispute.received_on is None and dispute_world.dispute.exports.count() == 1


@pytest.mark.parametrize("who", ["begeleider_a", "leerkracht_a", "commissie_a2", "outsider"])
def test_staff_without_dispute_rights_get_403_on_the_list(dispute_world, personas, login, who):
    assert login(getattr(personas, who)).get(reverse("disputes:list")).status_code == 403


def test_anonymous_goes_to_login(dispute_world, client):
    for url in [reverse("disputes:list"), *_read_urls(dispute_world), *_write_urls(dispute_world)]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url


def test_list_shows_the_boards_disputes_open_first_with_next_deadline(dispute_world, personas, login):
    services.record_dates(actor=personas.geschillen_a, dispute=dispute_world.dispute, data={"received_on": D(2026, 10, 6)})
    response = login(personas.geschillen_a).get(reverse("disputes:list"))
    text = response.content.decode()
    assert "Sanne Jansen" in text and "Verweer gevraagd" in text
    assert "Verweer indienen bij de commissie: 20 oktober 2026" in text
    assert "Bram" not in text


def _list_queries(client):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("disputes:list")).status_code == 200
    return len(ctx)


def test_list_query_count_does_not_grow_with_the_rows(dispute_world, org, personas, login):
    client = login(personas.geschillen_a)
    client.get(reverse("disputes:list"))

    def add(n):
        for i in range(n):
            v = adopted_version(StudentFactory(school=org.school_a), by=personas.begeleider_a)
            services.register(actor=personas.geschillen_a, plan=v.plan, version=v, subject="bijstelling",
                              filed_on=D(2026, 10, 5))

    add(4)
    few = _list_queries(client)
    add(20)
    assert _list_queries(client) == few


def test_register_lists_only_adopted_versions_of_the_board_and_takes_made_known_from_the_system(dispute_world, personas, login):
    client = login(personas.geschillen_a)
    page = client.get(reverse("disputes:register")).content.decode()
    assert "Sanne Jansen" in page and "Bram" not in page
    refused = client.post(reverse("disputes:register"), {"version": dispute_world.version_b.pk, "subject": "vaststelling",
                                                         "filed_on": "10-10-2026"})
    assert refused.status_code == 200 and "Kies een vastgestelde versie uit de lijst." in refused.content.decode()
    response = client.post(reverse("disputes:register"), {"version": dispute_world.version.pk, "subject": "bijstelling",
                                                          "filed_on": "12-10-2026", "reference": "GPO-1"})
    new = Dispute.objects.get(reference="GPO-1")
    assert response.status_code == 302 and response["Location"] == reverse("disputes:detail", args=[new.pk])
    assert new.made_known_on == D(2026, 10, 1) and new.filed_on == D(2026, 10, 12)


def test_detail_shows_hints_progress_and_the_made_known_date(dispute_world, personas, login):
    dispute_world.sanne.left_on = D(2026, 10, 3)
    dispute_world.sanne.save(update_fields=["left_on"])
    text = login(personas.geschillen_a).get(reverse("disputes:detail", args=[dispute_world.dispute.pk])).content.decode()
    assert "1 oktober 2026" in text
    assert "Mogelijk niet-ontvankelijk: geen belang" in text and "108029" in text
    assert text.count("<li") >= 7 and 'aria-current="step"' in text


def test_forms_show_the_services_dutch_errors_and_save_nothing(dispute_world, personas, login):
    client = login(personas.bestuurder_a)
    pk = dispute_world.dispute.pk
    r = client.post(reverse("disputes:dates", args=[pk]), {"received_on": "2026-10-04"})
    assert r.status_code == 400
    assert "De commissie kan het geschil niet vóór de indiening hebben ontvangen." in r.content.decode()
    r = client.post(reverse("disputes:close", args=[pk]))
    assert r.status_code == 400 and "aan de ouders én aan de commissie" in r.content.decode()
    r = client.post(reverse("disputes:upload", args=[pk]),
                    {"title": "Bijlage", "upload": SimpleUploadedFile("bijlage.pdf", EXE, content_type="application/pdf")})
    assert r.status_code == 400 and "Alleen PDF, JPEG en PNG zijn toegestaan" in r.content.decode()
    dispute_world.dispute.refresh_from_db()
    assert dispute_world.dispute.state == "ingediend" and DisputeDocument.objects.count() == 1


def test_the_forms_move_the_dispute_to_closed(dispute_world, personas, login):
    client = login(personas.geschillen_a)
    pk = dispute_world.dispute.pk
    assert client.post(reverse("disputes:dates", args=[pk]), {"received_on": "06-10-2026",
                                                              "defence_submitted_on": "2026-10-08"}).status_code == 302
    assert client.post(reverse("disputes:advice", args=[pk]), {"advice": "gegrond", "advice_on": "2026-10-12",
                                                               "recommendations": "Opnieuw overleggen."}).status_code == 302
    r = client.post(reverse("disputes:response", args=[pk]), {"response": "volgt_niet", "reasons": "",
                                                              "sent_parents_on": "2026-10-13", "sent_commission_on": "2026-10-13"})
    assert r.status_code == 400 and "Geef de redenen" in r.content.decode()
    assert client.post(reverse("disputes:response", args=[pk]), {
        "response": "volgt_niet", "reasons": "De doelen zijn behaald.", "sent_parents_on": "2026-10-13",
        "sent_commission_on": "2026-10-13"}).status_code == 302
    assert client.post(reverse("disputes:close", args=[pk])).status_code == 302
    dispute_world.dispute.refresh_from_db()
    assert dispute_world.dispute.state == "gesloten"


def test_document_download_is_an_audited_attachment(dispute_world, personas, login):
    response = login(personas.schoolleider_a).get(reverse("disputes:document", args=[dispute_world.dispute.pk, dispute_world.doc.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == PDF
    event = AuditEvent.objects.get(object_type="disputes.disputedocument", object_id=str(dispute_world.doc.pk),
                                   action=AuditEvent.Action.EXPORT)
    assert event.actor == personas.schoolleider_a and event.school_id == dispute_world.sanne.school_id


def test_export_page_shows_progress_and_follows_it_while_running(dispute_world, personas, login):
    waiting = DossierExport.objects.create(dispute=dispute_world.dispute, requested_by=personas.geschillen_a, state="bezig",
                                           progress=40, step="Evaluaties")
    text = login(personas.geschillen_a).get(reverse("disputes:export_status", args=[dispute_world.dispute.pk, waiting.pk])).content.decode()
    assert '<progress id="export-progress" max="100" value="40">' in text and "Evaluaties" in text
    # It follows the progress by script (static/js/export-progress.js), not by a meta refresh (WCAG 2.2.1).
    assert 'data-running="1"' in text and "js/export-progress.js" in text and "http-equiv" not in text
    assert reverse("disputes:export_download", args=[dispute_world.dispute.pk, waiting.pk]) not in text
    assert login(personas.geschillen_a).get(
        reverse("disputes:export_download", args=[dispute_world.dispute.pk, waiting.pk])).status_code == 404


def test_export_after_the_eager_build_offers_an_audited_download(dispute_world, personas, login, settings,
                                                                  django_capture_on_commit_callbacks):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    client = login(personas.geschillen_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("disputes:export", args=[dispute_world.dispute.pk]))
    job = dispute_world.dispute.exports.order_by("-pk").first()
    assert response.status_code == 302
    assert response["Location"] == reverse("disputes:export_status", args=[dispute_world.dispute.pk, job.pk])
    job.refresh_from_db()
    assert job.state == "klaar", job.error
    text = client.get(response["Location"]).content.decode()
    assert 'value="100"' in text and "data-running" not in text and "export-progress.js" not in text
    download = reverse("disputes:export_download", args=[dispute_world.dispute.pk, job.pk])
    assert download in text
    got = client.get(download)
    assert got["Content-Disposition"].startswith("attachment;")
    assert b"".join(got.streaming_content).startswith(b"%PDF-")
    assert AuditEvent.objects.filter(action="export", object_type="disputes.dispute", object_id=str(dispute_world.dispute.pk),
                                     details__dossier=job.pk).exists()


def test_school_documents_page(dispute_world, org, personas, login, private):
    url = reverse("disputes:school_documents", args=[org.school_a.pk])
    client = login(personas.schoolleider_a)
    assert client.get(url).status_code == 200
    refused = client.post(url, {"kind": "sop", "upload": SimpleUploadedFile("sop.pdf", EXE)})
    assert refused.status_code == 400 and "Alleen PDF, JPEG en PNG" in refused.content.decode()
    assert client.post(url, {"kind": "sop", "upload": SimpleUploadedFile("sop.pdf", PDF)}).status_code == 302
    doc = SchoolDocument.objects.get(school=org.school_a)
    got = login(personas.geschillen_a).get(reverse("disputes:school_document", args=[org.school_a.pk, doc.pk]))
    assert got.status_code == 200 and got["Content-Disposition"].startswith("attachment;")
    assert AuditEvent.objects.filter(object_type="disputes.schooldocument", object_id=str(doc.pk), action="export").exists()
    for who in ("bestuurder_b", "begeleider_a", "outsider"):
        c = login(getattr(personas, who))
        assert c.get(url).status_code == 404, who
        assert c.get(reverse("disputes:school_document", args=[org.school_a.pk, doc.pk])).status_code == 404, who
    assert login(dispute_world.geschillen_b).get(url).status_code == 404


def test_portal_shows_the_dispute_state_and_dates_but_no_internal_data(dispute_world, personas, login):
    actor = personas.geschillen_a
    d = services.record_dates(actor=actor, dispute=dispute_world.dispute, data={"received_on": D(2026, 10, 6), "hearing_on": D(2026, 10, 12)})
    services.record_advice(actor=actor, dispute=d, advice="gegrond", advice_on=D(2026, 10, 13),
                           recommendations="INTERN-AANBEVELING")
    client = login(dispute_world.ouder)
    response = client.get(reverse("portal:child", args=[dispute_world.sanne.pk]))
    text = response.content.decode()
    assert response.status_code == 200
    assert "De commissie heeft advies gegeven." in text
    assert "ingediend op 5 oktober 2026" in text and "Zitting: 12 oktober 2026" in text
    assert "Advies van de commissie: 13 oktober 2026" in text
    assert "INTERN-4711" not in text and "INTERN-AANBEVELING" not in text
    assert "/geschillen/" not in text
    assert client.get(reverse("portal:child", args=[dispute_world.bram.pk])).status_code == 404
    assert client.get(reverse("disputes:detail", args=[dispute_world.dispute.pk])).status_code in (403, 404)
    assert client.get(reverse("disputes:document", args=[dispute_world.dispute.pk, dispute_world.doc.pk])).status_code in (302, 403, 404)


def _start_queries(client):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("staff_start"))
    return response, len(ctx)


def test_start_page_panel_lists_open_disputes_with_a_fixed_number_of_queries(dispute_world, org, personas, login):
    services.record_dates(actor=personas.geschillen_a, dispute=dispute_world.dispute, data={"received_on": D(2026, 10, 6)})
    client = login(personas.geschillen_a)
    response, few = _start_queries(client)
    text = response.content.decode()
    assert 'id="panel-geschillen"' in text and "Sanne Jansen" in text
    assert reverse("disputes:detail", args=[dispute_world.dispute.pk]) in text and "20 oktober 2026" in text
    for _i in range(6):
        v = adopted_version(StudentFactory(school=org.school_a), by=personas.begeleider_a)
        services.register(actor=personas.geschillen_a, plan=v.plan, version=v, subject="bijstelling", filed_on=TODAY)
    assert _start_queries(client)[1] == few
    text = login(personas.bestuurder_b).get(reverse("staff_start")).content.decode()
    assert "Sanne Jansen" not in text and "Er lopen geen geschillen." in text


def test_letter_download_is_an_audited_attachment(dispute_world, personas, login):
    actor = personas.geschillen_a
    d = services.record_dates(actor=actor, dispute=dispute_world.dispute, data={"received_on": D(2026, 10, 6)})
    d = services.record_advice(actor=actor, dispute=d, advice="gegrond", advice_on=D(2026, 10, 12), recommendations="")
    services.record_response(actor=actor, dispute=d, response="volgt_niet", reasons="De doelen zijn behaald.",
                             sent_parents_on=D(2026, 10, 13), sent_commission_on=D(2026, 10, 13))
    got = login(personas.bestuurder_a).get(reverse("disputes:letter", args=[d.pk]))
    assert got.status_code == 200 and got["Content-Disposition"].startswith("attachment;")
    assert got.content.startswith(b"%PDF-")
    assert AuditEvent.objects.filter(action="export", object_type="disputes.dispute", object_id=str(d.pk),
                                     details__file="reactiebrief").exists()


def test_a_refused_document_says_so_at_the_top_of_the_page(dispute_world, org, personas, login, private):
    """Issue 18.7: a refused upload re-rendered the long page at its top with no alert; the error sat far below."""
    client = login(personas.bestuurder_a)
    html = client.post(reverse("disputes:upload", args=[dispute_world.dispute.pk]),
                       {"title": "Bijlage", "upload": SimpleUploadedFile("b.pdf", EXE, content_type="application/pdf")}
                       ).content.decode()
    top = html.index("Er is niets opgeslagen. Bekijk de melding bij het formulier hieronder.")
    assert 'class="alert alert-danger"' in html[:top + 200] and top < html.index("Alleen PDF, JPEG en PNG")
    school = login(personas.schoolleider_a).post(reverse("disputes:school_documents", args=[org.school_a.pk]),
                                                 {"kind": "sop", "upload": SimpleUploadedFile("sop.pdf", EXE)})
    page = school.content.decode()
    assert page.index("Er is niets opgeslagen.") < page.index("Alleen PDF, JPEG en PNG")


# --- The page by stage: the current form first, later ones folded, finished ones summarised ---------------


def _sections(html: str) -> list[str]:
    return re.findall(r'<section class="card mb-3[^"]*" aria-labelledby="h-(dates|advice|response|close)"', html)


def test_the_current_stage_comes_first_and_later_stages_are_folded(dispute_world, personas, login):
    client = login(personas.geschillen_a)
    url = reverse("disputes:detail", args=[dispute_world.dispute.pk])
    html = client.get(url).content.decode()
    assert _sections(html) == ["dates", "advice", "response", "close"]
    # The form to fill in now comes right after the progress and the deadlines, before the case's details.
    assert html.index('aria-labelledby="h-state"') < html.index('aria-labelledby="h-dates"') < html.index(
        'aria-labelledby="h-case"')
    dates = html[html.index('aria-labelledby="h-dates"'):html.index('aria-labelledby="h-advice"')]
    advice = html[html.index('aria-labelledby="h-advice"'):html.index('aria-labelledby="h-response"')]
    assert "nu aan de beurt" in dates and "<details>" not in dates
    assert "<details>" in advice and "later" in advice

    assert client.post(reverse("disputes:dates", args=[dispute_world.dispute.pk]), {
        "received_on": "2026-10-06", "defence_submitted_on": "2026-10-08", "hearing_on": "2026-10-09"}).status_code == 302
    html = client.get(url).content.decode()
    assert _sections(html) == ["advice", "response", "close", "dates"]  # finished stages last, summarised
    dates = html[html.index('aria-labelledby="h-dates"'):]
    assert "afgerond" in dates and "Ontvangen door de commissie: 6 oktober 2026" in dates and "<details>" in dates


def test_the_hints_sit_beside_the_forms_they_belong_to(dispute_world, personas, login):
    dispute_world.sanne.left_on = D(2026, 10, 3)
    dispute_world.sanne.save(update_fields=["left_on"])
    html = login(personas.geschillen_a).get(reverse("disputes:detail", args=[dispute_world.dispute.pk])).content.decode()
    dates = html[html.index('aria-labelledby="h-dates"'):html.index('aria-labelledby="h-advice"')]
    advice = html[html.index('aria-labelledby="h-advice"'):html.index('aria-labelledby="h-response"')]
    response = html[html.index('aria-labelledby="h-response"'):html.index('aria-labelledby="h-close"')]
    for section in (dates, advice):
        assert "<aside" in section and "Mogelijk niet-ontvankelijk: geen belang" in section and "108029" in section
    assert "Mogelijk niet-ontvankelijk" not in response
    # The hint is no longer only a separate block at the top: it is beside the form that deals with it.
    assert html.index("Mogelijk niet-ontvankelijk") > html.index('aria-labelledby="h-dates"')


def test_a_refused_later_form_is_shown_open_first_and_says_so_at_the_top(dispute_world, personas, login):
    client = login(personas.geschillen_a)
    r = client.post(reverse("disputes:response", args=[dispute_world.dispute.pk]), {
        "response": "volgt_niet", "reasons": "", "sent_parents_on": "2026-10-13", "sent_commission_on": "2026-10-13"})
    html = r.content.decode()
    assert r.status_code == 400
    assert html.index("Er is niets opgeslagen.") < html.index('aria-labelledby="h-response"')
    assert _sections(html)[0] == "response"
    response = html[html.index('aria-labelledby="h-response"'):html.index('aria-labelledby="h-dates"')]
    assert "<details>" not in response and "volgt_niet" in response


def test_a_reader_without_forms_still_sees_the_hints(dispute_world, personas, login):
    dispute_world.sanne.left_on = D(2026, 10, 3)
    dispute_world.sanne.save(update_fields=["left_on"])
    html = login(personas.schoolleider_a).get(reverse("disputes:detail", args=[dispute_world.dispute.pk])).content.decode()
    assert _sections(html) == [] and "Mogelijk niet-ontvankelijk: geen belang" in html
