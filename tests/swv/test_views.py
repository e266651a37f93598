"""Recording, withdrawing and reading admission decisions through the pages: who may, what is audited, what the
user typed survives a refusal."""

import datetime

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from opp_portal import files
from swv.models import AdmissionDecision
from tests.factories import SCAN_PDF, parent_of

from .conftest import pdf

D = datetime.date
pytestmark = pytest.mark.usefixtures("clock")  # 25 September 2026


def _post(swv_world, **overrides):
    data = {"kind": "tlv", "samenwerkingsverband": swv_world.swv.pk, "decision_number": "TLV-2026-0042",
            "decided_on": "2026-07-01", "onderwijssoort": "vso", "category": "midden", "starts_on": "2026-08-01",
            "ends_on": "2028-07-31", "based_on_version": ""}
    return data | overrides


def _record(client, swv_world, student=None, **overrides):
    return client.post(reverse("swv:record", args=[(student or swv_world.pupil).pk]), _post(swv_world, **overrides))


def test_begeleider_records_a_tlv_with_its_document(login, swv_world):
    client = login(swv_world.begeleider)
    page = client.get(reverse("swv:record", args=[swv_world.pupil.pk]))
    assert page.status_code == 200 and "Besluit vastleggen" in page.content.decode()
    response = client.post(reverse("swv:record", args=[swv_world.pupil.pk]),
                           _post(swv_world) | {"document": pdf()})
    assert response.status_code == 302 and response["Location"] == reverse("swv:pupil", args=[swv_world.pupil.pk])
    decision = AdmissionDecision.objects.get()
    assert (decision.kind, decision.category, decision.ends_on, decision.recorded_by) == (
        "tlv", "midden", D(2028, 7, 31), swv_world.begeleider)
    assert decision.has_document and decision.size == len(SCAN_PDF) and len(decision.sha256) == 64
    assert files.exists(decision.stored_name)
    row = AuditEvent.objects.get(action="create", object_type="swv.admissiondecision")
    assert row.school_id == swv_world.school.pk and row.details["document"] is True

    body = client.get(reverse("swv:pupil", args=[swv_world.pupil.pk])).content.decode()
    assert "TLV-2026-0042" in body and "31 juli 2028" in body and "Ontbreekt" not in body
    # The pupil page's section shows the decision in force and no finding.
    detail = client.get(reverse("students:detail", args=[swv_world.pupil.pk])).content.decode()
    assert "Toelaatbaarheid" in detail and "TLV-2026-0042" in detail
    assert "Geen geldige toelaatbaarheidsverklaring" not in detail

    download = client.get(reverse("swv:document", args=[decision.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == SCAN_PDF
    assert download["Content-Disposition"].startswith("attachment")
    assert AuditEvent.objects.filter(action="export", object_type="swv.admissiondecision",
                                     object_id=str(decision.pk)).count() == 1


def test_the_pupil_page_shows_the_finding_without_a_decision(login, swv_world):
    client = login(swv_world.begeleider)
    detail = client.get(reverse("students:detail", args=[swv_world.pupil.pk])).content.decode()
    assert "Geen geldige toelaatbaarheidsverklaring" in detail
    assert reverse("swv:record", args=[swv_world.pupil.pk]) in detail


def test_a_refused_form_keeps_what_was_typed(login, swv_world):
    client = login(swv_world.begeleider)
    response = _record(client, swv_world, category="")  # vso needs a category
    assert response.status_code == 200
    body = response.content.decode()
    assert "laag, midden of hoog" in body and "TLV-2026-0042" in body and "2028-07-31" in body
    assert "Er is niets opgeslagen" in body
    assert not AdmissionDecision.objects.exists()


def test_a_category_for_sbo_and_a_soort_the_school_does_not_offer_are_refused(login, swv_world):
    client = login(swv_world.sbo_begeleider)
    body = _record(client, swv_world, student=swv_world.sbo_pupil, onderwijssoort="sbo",
                   category="laag").content.decode()
    assert "heeft geen categorie" in body
    body = _record(client, swv_world, student=swv_world.sbo_pupil).content.decode()  # vso on an sbo pupil
    assert "onderwijssoort" in body.lower() and not AdmissionDecision.objects.exists()
    assert _record(client, swv_world, student=swv_world.sbo_pupil, onderwijssoort="sbo",
                   category="").status_code == 302
    assert AdmissionDecision.objects.get().category == ""


def test_an_upload_that_is_no_document_is_refused_and_nothing_stored(login, swv_world, private):
    client = login(swv_world.begeleider)
    fake = pdf("tlv.pdf", b"<html><script>alert(1)</script></html>")
    response = client.post(reverse("swv:record", args=[swv_world.pupil.pk]), _post(swv_world) | {"document": fake})
    assert response.status_code == 200
    assert "Alleen PDF, JPEG en PNG" in response.content.decode()
    assert not AdmissionDecision.objects.exists()
    assert files.names("toelaatbaarheid") == []


def test_a_missing_document_is_shown_and_can_be_added_once(login, swv_world):
    client = login(swv_world.begeleider)
    assert _record(client, swv_world).status_code == 302
    decision = AdmissionDecision.objects.get()
    body = client.get(reverse("swv:pupil", args=[swv_world.pupil.pk])).content.decode()
    assert "Ontbreekt" in body and reverse("swv:upload", args=[decision.pk]) in body
    assert client.get(reverse("swv:document", args=[decision.pk])).status_code == 404
    assert client.post(reverse("swv:upload", args=[decision.pk]), {}).status_code == 200  # no file: an error
    response = client.post(reverse("swv:upload", args=[decision.pk]), {"document": pdf()})
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.has_document
    again = client.post(reverse("swv:upload", args=[decision.pk]), {"document": pdf()})
    assert again.status_code == 200 and "al een document" in again.content.decode()


def test_withdraw_keeps_the_history(login, swv_world):
    client = login(swv_world.begeleider)
    _record(client, swv_world)
    decision = AdmissionDecision.objects.get()
    url = reverse("swv:withdraw", args=[decision.pk])
    assert client.get(url).status_code == 200
    refused = client.post(url, {"reason": " "})
    assert refused.status_code == 200 and "Geef de reden" in refused.content.decode()
    assert client.post(url, {"reason": "Verkeerde einddatum ingevuld."}).status_code == 302
    decision.refresh_from_db()
    assert decision.withdrawn_at and decision.withdrawn_by == swv_world.begeleider
    body = client.get(reverse("swv:pupil", args=[swv_world.pupil.pk])).content.decode()
    assert "ingetrokken" in body and "Verkeerde einddatum ingevuld." in body and "TLV-2026-0042" in body
    assert "Geen geldige toelaatbaarheidsverklaring" in body  # the withdrawn one counts for nothing
    assert AuditEvent.objects.filter(action="transition", object_type="swv.admissiondecision").count() == 1
    assert client.post(url, {"reason": "Nog eens."}).status_code == 200  # already withdrawn: a message, no 500


def test_a_cluster_2_pupil_gets_the_commissie_van_onderzoek(login, swv_world):
    from accounts.models import Role
    from tests.factories import StudentFactory, member

    begeleider = member(Role.BEGELEIDER, school=swv_world.so2_school, username="begeleider_so2")
    pupil = StudentFactory(school=swv_world.so2_school, onderwijssoort="so")
    client = login(begeleider)
    assert "Geen besluit van de commissie van onderzoek" in client.get(
        reverse("swv:pupil", args=[pupil.pk])).content.decode()
    assert "commissie van onderzoek" in _record(client, swv_world, student=pupil, onderwijssoort="so").content.decode()
    assert _record(client, swv_world, student=pupil, kind="cvo", samenwerkingsverband="", decision_number="",
                   onderwijssoort="so", category="").status_code == 302
    assert "Geen besluit van de commissie van onderzoek" not in client.get(
        reverse("swv:pupil", args=[pupil.pk])).content.decode()


# --- Access -----------------------------------------------------------------------------------------------------


@pytest.fixture
def recorded(swv_world):
    from swv import services

    return services.record_decision(
        actor=swv_world.begeleider, student=swv_world.pupil, kind="tlv", samenwerkingsverband=swv_world.swv,
        decision_number="TLV-1", decided_on=D(2026, 7, 1), onderwijssoort="vso", category="laag",
        starts_on=D(2026, 8, 1), ends_on=D(2027, 7, 31), upload=pdf())


def _urls(decision):
    return {"pupil": reverse("swv:pupil", args=[decision.student_id]),
            "record": reverse("swv:record", args=[decision.student_id]),
            "withdraw": reverse("swv:withdraw", args=[decision.pk]),
            "upload": reverse("swv:upload", args=[decision.pk]),
            "document": reverse("swv:document", args=[decision.pk])}


def test_staff_of_another_school_and_a_parent_get_nothing(client, login, recorded, personas, swv_world):
    mother = parent_of(swv_world.pupil, username="moeder_lotte").user
    for user in (personas.begeleider_b, personas.bestuurder_b, personas.begeleider_a, mother, personas.beheerder_a):
        c = login(user)
        for name, url in _urls(recorded).items():
            assert c.get(url).status_code == 404, (user.username, name)
            assert c.post(url, {"reason": "x"}).status_code == (405 if name in ("pupil", "document") else 404), (
                user.username, name)
    recorded.refresh_from_db()
    assert recorded.withdrawn_at is None
    # Each refusal is in the log of the school that was probed.
    assert AuditEvent.objects.filter(action="denied", school=swv_world.school).exists()


def test_the_bestuurder_and_the_commission_only_read(login, recorded, personas, swv_world):
    for user in (personas.bestuurder_a, personas.commissie_a2):
        c = login(user)
        urls = _urls(recorded)
        page = c.get(urls["pupil"])
        assert page.status_code == 200 and "TLV-1" in page.content.decode()
        assert "Besluit vastleggen" not in page.content.decode() and "Intrekken" not in page.content.decode()
        assert c.get(urls["document"]).status_code == 200
        for name in ("record", "withdraw", "upload"):
            assert c.get(urls[name]).status_code == 403, (user.username, name)
            assert c.post(urls[name], {"reason": "x"}).status_code == 403, (user.username, name)
    assert AdmissionDecision.objects.filter(withdrawn_at__isnull=True).count() == 1
    assert AuditEvent.objects.filter(action="view", actor=personas.bestuurder_a, object_type="students.student",
                                     details__page="toelaatbaarheid").exists()


@pytest.mark.parametrize("hostile", ["", "\x00", "x" * 10_000, "<script>alert(1)</script>", "9" * 40, "-1",
                                     "31-02-2026", "0001-01-01", "😀" * 300])
def test_hostile_input_never_gets_a_500(login, swv_world, hostile):
    client = login(swv_world.begeleider)
    data = {name: hostile for name in _post(swv_world)}
    response = client.post(reverse("swv:record", args=[swv_world.pupil.pk]),
                           data | {"document": pdf("x.pdf", hostile.encode() or b"\x00")})
    assert response.status_code == 200 and not AdmissionDecision.objects.exists()
    for field, value in _post(swv_world).items():  # one bad field on a valid form
        response = client.post(reverse("swv:record", args=[swv_world.pupil.pk]), _post(swv_world) | {field: hostile})
        assert response.status_code in (200, 302), field
    decision = AdmissionDecision.objects.first()
    if decision:
        assert client.post(reverse("swv:withdraw", args=[decision.pk]), {"reason": hostile}).status_code in (200, 302)
        assert client.post(reverse("swv:upload", args=[decision.pk]),
                           {"document": pdf("x.pdf", hostile.encode() or b"\x00")}).status_code in (200, 302)
