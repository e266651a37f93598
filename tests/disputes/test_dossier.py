"""The defence dossier (issue 9, part 6) and the response letter (part 4): what ends up in the PDFs."""

import datetime
import hashlib
import io
import re
from pathlib import Path

import pikepdf
import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from kombu.exceptions import OperationalError
from PIL import Image
from pypdf import PdfReader

from disputes import dossier, letter, tasks
from disputes.models import Dispute, DisputeDocument, DossierExport, SchoolDocument
from evaluations.models import Evaluation
from opp import pdf as opp_pdf
from opp.models import PlanVersion
from opp_portal import files, uploads

from ..factories import ConsultationFactory, PlanVersionFactory, StudentFactory, adopted_plan
from ..pdf import archival


def flat(text: str) -> str:
    return re.sub(r"[\s\-\u00ad\u2010]", "", text)


def pdf_text(data: bytes) -> str:
    return flat("\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages))


def page_texts(data: bytes) -> list[str]:
    return [flat(page.extract_text() or "") for page in PdfReader(io.BytesIO(data)).pages]


@pytest.fixture(autouse=True)
def _private_media(private):
    """Every test here stores files: each in its own folder (the `private` fixture of tests/conftest.py)."""


def _store(name: str, data: bytes, content_type: str, folder: str):
    if data.startswith(b"%PDF-1.4 garbage"):
        # A damaged file that an earlier, weaker check let in: written past today's upload check, which refuses it.
        relative = Path(folder) / "2026" / name
        target = Path(django_settings.PRIVATE_MEDIA_ROOT) / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return uploads.StoredFile(str(relative), content_type, len(data))
    return uploads.store(SimpleUploadedFile(name, data, content_type=content_type), folder=folder)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 80), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def case(org, personas):
    """Noor Visser (school A): version 1 replaced by version 2, which is disputed; an evaluation, an SOP (no
    ondersteuningsplan), and three uploads: a PDF, a PNG and a corrupt PDF."""
    by = personas.begeleider_a
    student = StudentFactory(school=org.school_a, first_name="Noor", last_name="Visser")
    v1 = adopted_plan(student, by=by)
    plan = v1.plan
    ConsultationFactory(plan=plan, version=v1, held_on=datetime.date(2026, 9, 1), summary="Eerste gesprek over het plan.")
    PlanVersion.objects.filter(pk=v1.pk).update(state="vervangen", superseded_at=timezone.now())
    v2 = PlanVersionFactory(plan=plan, with_actions=2, uitstroom_profiel="vmbo_kb", adopted=True)
    Evaluation.objects.create(plan=plan, version=v1, created_by=by, school_year="2026-2027",
                              held_on=datetime.date(2026, 9, 15), conclusion="Goede voortgang bij lezen.",
                              decision="voortzetten")
    dispute = Dispute.objects.create(
        plan=plan, version=v2, subject="vaststelling", reference="GPO-2026-0815", made_known_on=datetime.date(2026, 10, 1),
        filed_on=datetime.date(2026, 12, 1), late_reasons="Ziekte in het gezin.",
        received_on=datetime.date(2026, 12, 3), hearing_on=datetime.date(2027, 1, 20), state="verweer_gevraagd",
        created_by=personas.geschillen_a)
    sop_pdf = opp_pdf.html_to_pdf("<h1>Schoolondersteuningsprofiel School A</h1><p>Wij bieden dyslexiebegeleiding.</p>")
    stored = _store("sop.pdf", sop_pdf, "application/pdf", "scholen")
    SchoolDocument.objects.create(school=org.school_a, kind="sop", stored_name=stored.name, size=stored.size,
                                  sha256="0" * 64, uploaded_by=personas.geschillen_a)
    letter_pdf = opp_pdf.html_to_pdf("<p>Brief van de orthopedagoog over Noor.</p>")
    for title, name, data, ctype in [
        ("Verslag orthopedagoog", "verslag.pdf", letter_pdf, "application/pdf"),
        ("Foto schrift", "foto.png", _png(), "image/png"),
        ("Kapotte scan", "kapot.pdf", b"%PDF-1.4 garbage %%EOF", "application/pdf"),
    ]:
        stored = _store(name, data, ctype, "geschillen")
        DisputeDocument.objects.create(dispute=dispute, title=title, stored_name=stored.name, content_type=ctype,
                                       size=stored.size, sha256="0" * 64, uploaded_by=personas.geschillen_a)
    return dispute


def _export(dispute, user, **fields):
    return DossierExport.objects.create(dispute=dispute, requested_by=user, **fields)


def test_dossier_has_cover_toc_versions_evaluations_findings_school_documents_and_uploads(case, personas, private):
    export = _export(case, personas.geschillen_a)
    tasks.build_dossier.apply(args=[export.pk])
    export.refresh_from_db()

    assert export.state == "klaar", export.error
    assert export.progress == 100
    assert export.finished_at is not None
    path = Path(private) / export.stored_name
    assert export.stored_name.startswith(f"dossiers/{timezone.localdate():%Y}/")
    assert path.stat().st_mode & 0o777 == 0o600
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == export.sha256
    pages = page_texts(data)
    assert export.pages == len(pages)

    # The cover runs until the first part, whose start page it names on its first page.
    first_part = int(re.search(r"OPPversie1(\d+)", pages[0]).group(1))
    assert first_part > 1
    cover = "".join(pages[:first_part - 1])
    for text in ["NoorVisser", "SchoolA", "StichtingA", "Versie2", "GPO20260815", "VaststellingvanhetOPP",
                 "1oktober2026", "1december2026", "3december2026", "20januari2027", "Verweergevraagd",
                 "Telaat:deoudersmoetenredenenopgeven", "Ziekteinhetgezin"]:
        assert flat(text) in cover, text
    # Table of contents: every part with the page it starts on.
    toc = {
        "OPPversie1": "NoorVisserOPP·Versie1·Vervangen", "OPPversie2(betwisteversie)": "NoorVisserOPP·Versie2·Vastgesteld",
        "Evaluatievan15september2026": "Evaluatievanhetontwikkelingsperspectief",
        "Toetsingvandebetwisteversie(versie2)": "Toetsingvandebetwisteversie",
        "Schoolondersteuningsprofiel(SOP)": "SchoolondersteuningsprofielSchoolA",
        "Ondersteuningsplanvanhetsamenwerkingsverband": "Nietaanwezig:uploadhetondersteuningsplanbijdeschool",
        "Bijlage:Verslagorthopedagoog": "BriefvandeorthopedagoogoverNoor",
        "Bijlage:Fotoschrift": "Bijlage:Fotoschrift",
        "Bijlage:Kapottescan": "Document‘Kapottescan’konnietwordeningevoegd",
    }
    for entry, first_page_text in toc.items():
        match = re.search(re.escape(entry) + r"(\d+)", cover)
        assert match, entry
        start = int(match.group(1))
        assert first_page_text in pages[start - 1], (entry, start)
    # Versions oldest first; the earlier version carries its consultation.
    v1_start = int(re.search(r"OPPversie1(\d+)", cover).group(1))
    v2_start = int(re.search(r"OPPversie2\(betwisteversie\)(\d+)", cover).group(1))
    assert v1_start < v2_start
    assert "Eerstegesprekoverhetplan." in "".join(pages[v1_start - 1:v2_start - 1])
    # The PNG is really placed on its page, as an image.
    png_page = int(re.search(r"Bijlage:Fotoschrift(\d+)", cover).group(1))
    assert PdfReader(io.BytesIO(data)).pages[png_page - 1].images
    # Bookmarks for every part.
    # One bookmark per part (their own headings nested under it).
    bookmarks = [flat(o.title) for o in PdfReader(io.BytesIO(data)).outline if not isinstance(o, list)]
    assert bookmarks == list(toc)


def test_missing_sop_says_so(case, personas):
    SchoolDocument.objects.all().delete()
    export = _export(case, personas.geschillen_a)
    tasks.build_dossier.apply(args=[export.pk])
    export.refresh_from_db()
    assert export.state == "klaar"
    text = pdf_text((Path(uploads.settings.PRIVATE_MEDIA_ROOT) / export.stored_name).read_bytes())
    assert "Nietaanwezig:uploadhetSOPbijdeschool" in text


def test_second_claim_does_nothing(case, personas):
    export = _export(case, personas.geschillen_a, state="bezig")
    assert tasks.build_dossier.apply(args=[export.pk]).get() is False
    export.refresh_from_db()
    assert export.state == "bezig" and export.stored_name == "" and export.progress == 0


def test_failure_marks_export_failed(case, personas, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("WeasyPrint viel om")

    monkeypatch.setattr(dossier, "_findings", boom)
    export = _export(case, personas.geschillen_a)
    tasks.build_dossier.apply(args=[export.pk])  # does not raise
    export.refresh_from_db()
    assert export.state == "mislukt"
    assert export.error == "RuntimeError: WeasyPrint viel om"
    assert export.stored_name == ""
    assert export.finished_at is not None
    assert not (Path(uploads.settings.PRIVATE_MEDIA_ROOT) / "dossiers").exists()


def test_dead_broker_leaves_export_waiting_and_the_sweep_builds_it(case, personas, settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False

    def dead_broker(*args, **kwargs):
        raise OperationalError("Error 111 connecting to localhost:1. Connection refused.")

    monkeypatch.setattr(tasks.build_dossier, "apply_async", dead_broker)
    export = _export(case, personas.geschillen_a)
    tasks.enqueue_export(export.pk)  # does not raise
    export.refresh_from_db()
    assert export.state == "wacht"

    # Not yet: the on-commit enqueue gets a head start.
    assert tasks.pending_exports.apply().get() == 0
    DossierExport.objects.filter(pk=export.pk).update(requested_at=timezone.now() - datetime.timedelta(minutes=1))
    assert tasks.pending_exports.apply().get() == 1
    export.refresh_from_db()
    assert export.state == "klaar" and export.progress == 100


def test_sweep_requeues_a_stuck_build(case, personas):
    export = _export(case, personas.geschillen_a, state="bezig", progress=40)
    DossierExport.objects.filter(pk=export.pk).update(requested_at=timezone.now() - datetime.timedelta(minutes=20))
    assert tasks.pending_exports.apply().get() == 1
    export.refresh_from_db()
    assert export.state == "klaar"


def test_eager_enqueue_builds_in_process(case, personas, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    export = _export(case, personas.geschillen_a)
    tasks.enqueue_export(export.pk)
    export.refresh_from_db()
    assert export.state == "klaar"


def test_pending_exports_is_registered_with_beat(db):
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="disputes.pending_exports")
    assert task.enabled and task.interval.every == 60 and task.interval.period == "seconds"


# --- The response letter (part 4) ------------------------------------------------------------------------


def test_response_letter(case):
    Dispute.objects.filter(pk=case.pk).update(
        state="reactie_verzonden", advice="gegrond", advice_on=datetime.date(2027, 2, 10),
        advice_recommendations="Neem extra leestijd op in het handelingsdeel.", response="volgt_niet",
        response_reasons="De extra leestijd past niet in het rooster & is al elders geregeld <b>.",
        response_sent_parents_on=datetime.date(2027, 2, 20), response_sent_commission_on=datetime.date(2027, 2, 20))
    case.refresh_from_db()
    text = pdf_text(letter.render_response_letter(case))
    for expected in [
        "StichtingA", "Aandeouders/verzorgersvanNoorVisser", "20februari2027",
        "Reactie op het advies van de Geschillencommissie passend onderwijs",
        "GPO20260815", "1december2026", "Op10februari2027heeftdecommissieadviesuitgebracht",
        "uwverzoekgegrondis", "Neem extra leestijd op in het handelingsdeel.",
        "Hetbestuurvolgthetadviesniet", "Hetbestuurheeftdaarvoordevolgenderedenen",
        "Deextraleestijdpastnietinhetrooster&isaleldersgeregeld<b>.",
        "EenafschriftvandezebriefzendenwijaandeGeschillencommissiepassendonderwijs",
    ]:
        assert flat(expected) in text, expected


def test_letter_refuses_without_reasons_when_not_followed(case):
    from django.core.exceptions import ValidationError

    case.advice, case.advice_on, case.response, case.response_reasons = "gegrond", datetime.date(2027, 2, 10), "deels", ""
    with pytest.raises(ValidationError):
        letter.render_response_letter(case)


def test_request_export_builds_after_commit(case, personas, django_capture_on_commit_callbacks):
    from disputes import services

    with django_capture_on_commit_callbacks(execute=True):
        export = services.request_export(actor=personas.geschillen_a, dispute=case)
    export.refresh_from_db()
    assert export.state == "klaar" and export.pages > 0


def test_our_pages_are_tagged_the_uploads_go_in_as_they_are_and_no_pdfa_is_claimed(case, personas, private):
    """One structure tree over every page we laid out (cover, versions, evaluation, findings, notices, the image);
    the uploaded PDFs' pages unchanged between them; and since the uploads are not ours, no PDF/A identification."""
    export = _export(case, personas.geschillen_a)
    tasks.build_dossier.apply(args=[export.pk])
    export.refresh_from_db()
    data = (Path(private) / export.stored_name).read_bytes()
    cover = page_texts(data)[0]
    upload_pages = {int(re.search(re.escape(entry) + r"(\d+)", cover).group(1)) - 1
                    for entry in ("Schoolondersteuningsprofiel(SOP)", "Bijlage:Verslagorthopedagoog")}
    facts = archival.read(data)
    assert facts["pdfa"] == ""
    assert facts["lang"] == "nl-NL" and facts["display_title"] and facts["marked"]
    assert {"/Document", "/H1", "/H2", "/Table", "/TH", "/Figure"} <= facts["kinds"]
    with pikepdf.open(io.BytesIO(data)) as pdf:
        tree_pages = set()
        for _key, elements in pikepdf.NumberTree(pdf.Root.StructTreeRoot.ParentTree).items():
            for element in elements:
                if isinstance(element, pikepdf.Dictionary) and "/Pg" in element:
                    tree_pages.add(element.Pg.objgen)
        pages = list(pdf.pages)
        ours = [i for i in range(len(pages)) if i not in upload_pages]
        assert all(pages[i].obj.objgen in tree_pages for i in ours)
        assert not any(pages[i].obj.objgen in tree_pages for i in upload_pages)
        # The upload's page is the page that was uploaded: same content stream, byte for byte.
        uploaded = {name: pikepdf.open(io.BytesIO(files.read(name))) for name in
                    DisputeDocument.objects.filter(title="Verslag orthopedagoog").values_list("stored_name", flat=True)}
        (original,) = uploaded.values()
        verslag_page = max(upload_pages)
        assert pages[verslag_page].obj.Contents.read_bytes() == original.pages[0].obj.Contents.read_bytes()
