"""The defence bundle as one PDF (R-GPO-3), built by a worker (disputes.tasks).

Every part is rendered (or read) first so its page count is known; the cover with the table of contents
is rendered last and put in front. Our own pages go through opp.pdf.render_document, so the SafeFetcher walls
hold for them too: an uploaded image reaches WeasyPrint only as a `data:` URL made here. Uploaded PDFs are
merged as they are; one that pypdf cannot read becomes a page saying so instead of sinking the dossier.

Tagged, not PDF/A: all our own pages (cover, OPP versions, evaluations, findings, notices, images) are laid out
as one WeasyPrint document, so the file has one structure tree that a screen reader follows through every page
we made. The uploaded PDFs are then inserted between them as they are: they are the parties' evidence, and
rewriting them into PDF/A (ghostscript -dPDFA) would change what was handed in, drop their own structure and
signatures, and drop our structure tree too. So the dossier claims no PDF/A conformance; the archived OPP
versions inside it exist as PDF/A on their own (opp.pdfa).
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass

import weasyprint
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from PIL import Image
from pypdf import PdfReader

from evaluations import pdf as evaluation_pdf
from opp import pdf as opp_pdf
from opp import selectors as opp_selectors
from opp.models import Plan
from opp_portal import dates, files

from . import hints as hints_mod
from .models import Dispute, DisputeDocument, DossierExport, SchoolDocument

logger = logging.getLogger(__name__)

FOLDER = "dossiers"
IMAGE_TYPES = ("image/png", "image/jpeg")


#: A part is either pages we lay out (a WeasyPrint document) or an uploaded PDF as it is (a PdfReader).
Rendered = weasyprint.Document | PdfReader


@dataclass
class Part:
    title: str
    step: str
    render: Callable[[], Rendered]
    rendered: Rendered | None = None
    start: int = 0

    @property
    def pages(self) -> int:
        return len(self.rendered.pages)

    @property
    def ours(self) -> bool:
        return isinstance(self.rendered, weasyprint.Document)


def _read(data: bytes) -> PdfReader:
    """A PdfReader whose every page has been parsed, so a broken file fails here and not in the merge."""
    reader = PdfReader(io.BytesIO(data))
    if len(reader.pages) == 0:
        raise ValueError("PDF zonder pagina's")
    for page in reader.pages:
        _ = page.mediabox
        page.get_contents()
    return reader


def _laid_out(html: str) -> weasyprint.Document:
    return opp_pdf.render_document(html, archival=False)


def _html(template: str, context: dict) -> weasyprint.Document:
    with translation.override("nl"):
        html = render_to_string(template, context)
    return _laid_out(html)


def _not_inserted(title: str, header: dict) -> weasyprint.Document:
    return _html("disputes/pdf/missing.html", {**header, "heading": _("Document ‘%(t)s’ kon niet worden ingevoegd") % {"t": title},
                                                 "text": _("Het bestand is beschadigd of geen leesbare PDF. Het origineel "
                                                           "staat bij het geschil in het portaal.")})


def _stored_pdf(title: str, stored_name: str, header: dict) -> Rendered:
    try:
        return _read(files.read(stored_name))
    except files.StorageUnavailable:
        raise  # the store is down: the job fails and can be retried, rather than a dossier with holes
    except Exception:  # noqa: BLE001 — any unreadable upload (pypdf raises many kinds) becomes a notice page
        logger.warning("Dossier: could not insert %r", stored_name, exc_info=True)
        return _not_inserted(title, header)


def _image(title: str, stored_name: str, content_type: str, header: dict) -> weasyprint.Document:
    try:
        data = files.read(stored_name)
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
    except files.StorageUnavailable:
        raise
    except Exception:  # noqa: BLE001 — a broken image becomes a notice page, like a broken PDF
        logger.warning("Dossier: could not insert image %r", stored_name, exc_info=True)
        return _not_inserted(title, header)
    uri = f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"
    return _html("disputes/pdf/image.html", {**header, "title": title, "data_uri": uri})


def _document(doc: DisputeDocument, header: dict) -> Callable[[], Rendered]:
    if doc.content_type in IMAGE_TYPES:
        return lambda: _image(doc.title, doc.stored_name, doc.content_type, header)
    return lambda: _stored_pdf(doc.title, doc.stored_name, header)


def _school_document(school, kind: str, title: str, header: dict) -> Callable[[], Rendered]:
    def render() -> Rendered:
        doc = SchoolDocument.objects.filter(school=school, kind=kind).order_by("-uploaded_at", "-pk").first()
        if doc is None:
            what = _("het SOP") if kind == SchoolDocument.Kind.SOP else _("het ondersteuningsplan")
            return _html("disputes/pdf/missing.html", {
                **header, "heading": title, "text": _("Niet aanwezig: upload %(what)s bij de school.") % {"what": what}})
        return _stored_pdf(title, doc.stored_name, header)
    return render


def _findings(version) -> weasyprint.Document:
    findings = opp_selectors.findings_for(version, today=timezone.localdate())
    return _html("disputes/pdf/findings.html", {"version": version, "findings": findings,
                                                "student": version.plan.student, "printed_on": timezone.localdate()})


def parts_for(dispute: Dispute) -> list[Part]:
    version = dispute.version
    plan = dispute.plan
    school = plan.student.school
    # The running header of the pages we make for a part (image, notice): the pupil and the case.
    header = {"student": plan.student, "dispute": dispute, "version": version}
    parts: list[Part] = []
    versions = list(plan.versions.filter(number__lte=version.number).order_by("number").values_list("pk", "number"))
    for i, (pk, number) in enumerate(versions, 1):
        title = (_("OPP versie %(n)s (betwiste versie)") if number == version.number else _("OPP versie %(n)s")) % {
            "n": number}
        parts.append(Part(title, _("Versie %(i)s van %(n)s") % {"i": i, "n": len(versions)},
                          lambda pk=pk: _laid_out(opp_pdf.render_html(opp_selectors.load_version(pk)))))
    evaluations = list(plan.evaluations.order_by("held_on", "pk").values_list("pk", "held_on"))
    for i, (pk, held_on) in enumerate(evaluations, 1):
        parts.append(Part(_("Evaluatie van %(d)s") % {"d": dates.formatted(held_on)},
                          _("Evaluatie %(i)s van %(n)s") % {"i": i, "n": len(evaluations)},
                          lambda pk=pk: _laid_out(evaluation_pdf.render_html(evaluation_pdf.load(pk), for_staff=True))))
    parts.append(Part(_("Toetsing van de betwiste versie (versie %(n)s)") % {"n": version.number},
                      _("Toetsing"), lambda: _findings(opp_selectors.load_version(version.pk))))
    sop = str(SchoolDocument.Kind.SOP.label)
    osp = str(SchoolDocument.Kind.ONDERSTEUNINGSPLAN.label)
    parts.append(Part(sop, _("SOP"), _school_document(school, SchoolDocument.Kind.SOP, sop, header)))
    parts.append(Part(osp, _("Ondersteuningsplan"), _school_document(school, SchoolDocument.Kind.ONDERSTEUNINGSPLAN, osp,
                                                                                        header)))
    docs: list[DisputeDocument] = list(dispute.documents.order_by("uploaded_at", "pk"))
    for i, doc in enumerate(docs, 1):
        parts.append(Part(_("Bijlage: %(t)s") % {"t": doc.title},
                          _("Document %(i)s van %(n)s") % {"i": i, "n": len(docs)}, _document(doc, header)))
    return parts


def cover_context(dispute: Dispute, parts: list[Part]) -> dict:
    plan = dispute.plan
    student = plan.student
    found = hints_mod.hints(filed_on=dispute.filed_on, made_known_on=dispute.made_known_on,
                            left_school_on=student.left_on, plan_withdrawn=plan.state == Plan.State.INGETROKKEN)
    return {"dispute": dispute, "plan": plan, "version": dispute.version, "student": student,
            "school": student.school, "board": student.school.board, "hints": found, "parts": parts,
            "printed_on": timezone.localdate()}


def _cover(dispute: Dispute, parts: list[Part]) -> weasyprint.Document:
    """The cover numbers the parts after itself; re-rendered if its own length differs from the guess."""
    cover_pages = 1
    for _attempt in range(4):
        page = cover_pages + 1
        for part in parts:
            part.start = page
            page += part.pages
        cover = _html("disputes/pdf/cover.html", cover_context(dispute, parts))
        if len(cover.pages) == cover_pages:
            return cover
        cover_pages = len(cover.pages)
    return cover


def _progress(export: DossierExport, progress: int, step: str) -> None:
    export.progress, export.step = progress, step[:200]
    export.save(update_fields=["progress", "step"])


def _store(data: bytes) -> str:
    return files.save(files.new_name(FOLDER, "pdf"), data)


def _assemble(export: DossierExport) -> None:
    dispute = (Dispute.objects.select_related("plan__student__school__board", "version")
               .get(pk=export.dispute_id))
    with translation.override("nl"):
        parts = parts_for(dispute)
        total = len(parts) + 2  # the parts, the cover, merging and storing
        for i, part in enumerate(parts):
            _progress(export, i * 100 // total, part.step)
            part.rendered = part.render()
        _progress(export, len(parts) * 100 // total, _("Voorblad en inhoudsopgave"))
        cover = _cover(dispute, parts)
        _progress(export, (len(parts) + 1) * 100 // total, _("Samenvoegen"))
    writer = opp_pdf.bundle(cover, parts, title=f"Dossier geschil {dispute.reference or dispute.pk} – {dispute.plan.student.full_name}")
    buffer = io.BytesIO()
    writer.write(buffer)
    data = buffer.getvalue()
    name = _store(data)
    finished = DossierExport.objects.filter(pk=export.pk, state=DossierExport.State.BEZIG).update(
        state=DossierExport.State.KLAAR, progress=100, step=_("Klaar"), stored_name=name,
        sha256=hashlib.sha256(data).hexdigest(), pages=len(writer.pages), error="", finished_at=timezone.now())
    if finished != 1:  # a re-queued duplicate finished first; keep one file
        files.delete(name)
    export.refresh_from_db()


def build(export: DossierExport) -> None:
    """Build the dossier of a claimed ("bezig") export. Never raises: a failure is recorded on the row."""
    try:
        _assemble(export)
    except Exception as exc:
        logger.exception("Dossier export %s failed", export.pk)
        DossierExport.objects.filter(pk=export.pk).exclude(state=DossierExport.State.KLAAR).update(
            state=DossierExport.State.MISLUKT, error=f"{type(exc).__name__}: {exc}"[:500], finished_at=timezone.now())
        export.refresh_from_db()
