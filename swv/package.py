"""The package of a request to the SWV: one PDF and one JSON (the schema: swv/package_schema.json, documented in
docs/swv-package.md).

The PDF: a cover (pupil, school, SWV, kind, what is shared, the parents' view, the contents with page numbers), the
OPP version (without the factors or the pupil's view where the school does not share them), the latest evaluation
and the attachments. Our own pages go through opp.pdf.render_document, so its SafeFetcher walls hold; an uploaded
image reaches WeasyPrint only as a `data:` URL made here. Without uploaded PDF attachments the whole file is laid
out as one WeasyPrint document and written as PDF/A-2a (opp.pdf.write_document); with uploaded PDFs the file is
assembled by opp.pdf.bundle: tagged, but not PDF/A, since the uploads are inserted as they are (README "Documents").
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import weasyprint
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from PIL import Image
from pypdf import PdfReader

from evaluations import pdf as evaluation_pdf
from opp import content as opp_content
from opp import pdf as opp_pdf
from opp import selectors as opp_selectors
from opp_portal import dates, files

from .models import SwvRequest, SwvRequestAttachment, SwvRequestReaction

logger = logging.getLogger(__name__)

#: The JSON's schema: its $id and version (swv/package_schema.json; bump the version with every change).
SCHEMA_ID = "https://opp-portal.nl/schemas/swv-package/1.0.json"
SCHEMA_VERSION = "1.0"
#: The OPP sections that are left out when the school does not share them (opp.sections keys).
FACTORS_SECTION = "factoren"
PUPIL_VIEW_SECTION = "hoorrecht"
IMAGE_TYPES = ("image/png", "image/jpeg")
PDF_TYPE = "application/pdf"

Rendered = weasyprint.Document | PdfReader


@dataclass
class Part:
    """One part of the PDF after the cover (opp.pdf.BundlePart): title, first page (1-based), pages."""

    title: str
    render: Callable[[bool], Rendered]
    rendered: Rendered | None = None
    start: int = 0

    @property
    def pages(self) -> int:
        return len(self.rendered.pages)


@dataclass
class Made:
    pdf: bytes
    json: bytes
    sha256: str
    pdfa: bool
    pages: int
    reactions: list[SwvRequestReaction] = field(default_factory=list)


def omitted_sections(request: SwvRequest) -> list[str]:
    out = []
    if not request.share_factors:
        out.append(FACTORS_SECTION)
    if not request.share_pupil_view:
        out.append(PUPIL_VIEW_SECTION)
    return out


def shared_items(request: SwvRequest) -> list[str]:
    """What goes to the SWV, in words: the preview page, the parents' portal page and the cover say the same."""
    items = []
    if request.version_id:
        version = request.version
        items.append(_("Het OPP, versie %(n)s (%(state)s)") % {"n": version.number,
                                                               "state": version.get_state_display().lower()})
        items.append(_("De belemmerende en bevorderende factoren") if request.share_factors
                     else _("Niet: de belemmerende en bevorderende factoren"))
        items.append(_("De mening van de leerling (hoorrecht)") if request.share_pupil_view
                     else _("Niet: de mening van de leerling (hoorrecht)"))
    else:
        items.append(_("Geen OPP"))
    if request.evaluation_id:
        items.append(_("De evaluatie van %(d)s") % {"d": dates.formatted(request.evaluation.held_on)})
    for a in request.attachments.all():
        items.append(_("Bijlage: %(t)s") % {"t": a.title})
    items.append(_("De reactie van de ouders (zienswijze), als zij die geven"))
    return items


# --- Rendering -------------------------------------------------------------------------------------------------------


def _laid_out(html: str, archival: bool) -> weasyprint.Document:
    return opp_pdf.render_document(html, archival=archival)


def _html(template: str, context: dict, archival: bool) -> weasyprint.Document:
    with translation.override("nl"):
        html = render_to_string(template, context)
    return _laid_out(html, archival)


def version_html(version, omit: list[str]) -> str:
    """The OPP's own PDF template (opp.pdf), without the sections the school does not share."""
    with translation.override("nl"):
        context = opp_pdf.context_for(version)
        context["sections"] = [s for s in context["sections"] if s["key"] not in omit]
        return render_to_string(opp_pdf.TEMPLATE, context)


def _notice(title: str, text: str, archival: bool) -> weasyprint.Document:
    return _html("swv/pdf/attachment.html", {"title": title, "text": text}, archival)


def _attachment(a: SwvRequestAttachment) -> Callable[[bool], Rendered]:
    def render(archival: bool) -> Rendered:
        try:
            data = files.read(a.stored_name)
        except files.StorageUnavailable:
            raise
        except Exception:  # noqa: BLE001 — a missing file becomes a notice page
            logger.warning("SWV package: attachment %s missing", a.pk, exc_info=True)
            return _notice(a.title, _("Dit bestand kon niet worden ingevoegd."), archival)
        try:
            if a.content_type in IMAGE_TYPES:
                with Image.open(io.BytesIO(data)) as img:
                    img.verify()
                uri = f"data:{a.content_type};base64,{base64.b64encode(data).decode('ascii')}"
                return _html("swv/pdf/attachment.html", {"title": a.title, "data_uri": uri}, archival)
            reader = PdfReader(io.BytesIO(data))
            if not reader.pages:
                raise ValueError("PDF zonder pagina's")
            for page in reader.pages:
                _box = page.mediabox
                page.get_contents()
            return reader
        except Exception:  # noqa: BLE001 — an unreadable upload (pypdf raises many kinds) becomes a notice page
            logger.warning("SWV package: could not insert attachment %s", a.pk, exc_info=True)
            return _notice(a.title, _("Het bestand is beschadigd of geen leesbare PDF. Het origineel staat bij de "
                                      "aanvraag in het portaal."), archival)
    return render


def parts_for(request: SwvRequest) -> list[Part]:
    parts: list[Part] = []
    if request.version_id:
        omit = omitted_sections(request)
        parts.append(Part(_("OPP versie %(n)s") % {"n": request.version.number},
                          lambda archival: _laid_out(version_html(opp_selectors.load_version(request.version_id), omit),
                                                     archival)))
    if request.evaluation_id:
        parts.append(Part(_("Evaluatie van %(d)s") % {"d": dates.formatted(request.evaluation.held_on)},
                          lambda archival: _laid_out(evaluation_pdf.render_html(
                              evaluation_pdf.load(request.evaluation_id), for_staff=False,
                              with_pupil_view=request.share_pupil_view), archival)))
    for a in request.attachments.all():
        parts.append(Part(_("Bijlage: %(t)s") % {"t": a.title}, _attachment(a)))
    return parts


def has_uploaded_pdf(request: SwvRequest) -> bool:
    return any(a.content_type == PDF_TYPE for a in request.attachments.all())


def title_of(request: SwvRequest) -> str:
    return _("Aanvraag %(kind)s – %(pupil)s") % {"kind": request.get_kind_display().lower(),
                                                "pupil": request.student.full_name}


def cover_context(request: SwvRequest, parts: list[Part], reactions: list[SwvRequestReaction], *,
                  pdfa: bool) -> dict:
    student = request.student
    return {"request": request, "student": student, "school": student.school, "board": student.school.board,
            "swv": request.samenwerkingsverband, "version": request.version, "evaluation": request.evaluation,
            "shared": shared_items(request), "reactions": reactions, "parts": parts, "pdfa": pdfa,
            "title": title_of(request), "printed_on": timezone.localdate()}


def _cover(request: SwvRequest, parts: list[Part], reactions, archival: bool) -> weasyprint.Document:
    """The cover numbers the parts after itself; re-rendered if its own length differs from the guess."""
    cover_pages = 1
    cover = None
    for _attempt in range(4):
        page = cover_pages + 1
        for part in parts:
            part.start = page
            page += part.pages
        cover = _html("swv/pdf/cover.html", cover_context(request, parts, reactions, pdfa=archival), archival)
        if len(cover.pages) == cover_pages:
            return cover
        cover_pages = len(cover.pages)
    return cover


def render_pdf(request: SwvRequest, reactions: list[SwvRequestReaction]) -> tuple[bytes, bool, int]:
    """(the PDF, whether it is PDF/A-2a, its page count)."""
    archival = not has_uploaded_pdf(request)
    title = title_of(request)
    with translation.override("nl"):
        parts = parts_for(request)
        for part in parts:
            part.rendered = part.render(archival)
        cover = _cover(request, parts, reactions, archival)
    if archival and all(isinstance(p.rendered, weasyprint.Document) for p in parts):
        combined = cover.copy([*cover.pages, *(page for p in parts for page in p.rendered.pages)])
        combined.metadata.title = title
        data = opp_pdf.write_document(combined)
        return data, True, len(combined.pages)
    writer = opp_pdf.bundle(cover, parts, title=title)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue(), False, len(writer.pages)


# --- The JSON --------------------------------------------------------------------------------------------------------


def _day(value) -> str | None:
    return value.isoformat() if value else None


def _moment(value) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _version_data(request: SwvRequest) -> dict | None:
    if not request.version_id:
        return None
    version = opp_selectors.load_version(request.version_id)
    data = {
        "number": version.number,
        "state": version.state,
        "adopted_on": _day(version.adopted_at.date()) if version.adopted_at else None,
        "version_hash": opp_content.version_hash(version),
        "adopted_hash": version.adopted_hash or None,
        "uitstroom_profiel": version.uitstroom_profiel or None,
        "actions": [{"position": a.position, "goal": a.goal, "approach": a.approach, "who": a.who,
                     "frequency": a.frequency, "evaluation_moment": a.evaluation_moment,
                     "evaluation_criterion": a.evaluation_criterion}
                    for a in version.actions.order_by("position", "pk")],
        "factors": None,
        "pupil_view": None,
    }
    if request.share_factors:
        data["factors"] = [{"position": f.position, "kind": f.kind, "domain": f.domain, "text": f.text}
                           for f in version.factors.order_by("position", "pk")]
    if request.share_pupil_view:
        data["pupil_view"] = {"view": version.leerling_mening or "", "weighing": version.leerling_weging or "",
                              "explanation": version.leerling_uitleg or ""}
    return data


def package_data(request: SwvRequest, reactions: list[SwvRequestReaction], *, pdf_sha256: str, pdfa: bool,
                 pages: int) -> dict:
    student = request.student
    school = student.school
    swv = request.samenwerkingsverband
    extends = request.extends
    evaluation = request.evaluation
    return {
        "$schema": SCHEMA_ID,
        "schema_version": SCHEMA_VERSION,
        "generated_at": _moment(timezone.now()),
        "request": {"id": request.pk, "kind": request.kind, "created_on": _day(timezone.localtime(request.created_at).date()),
                    "parents_informed_at": _moment(request.parents_informed_at), "note": request.note},
        "pupil": {"first_name": student.first_name, "last_name": student.last_name,
                  "date_of_birth": _day(student.date_of_birth), "onderwijssoort": student.onderwijssoort},
        "school": {"name": school.name, "brin": school.brin, "board": school.board.name},
        "samenwerkingsverband": {"code": swv.code, "name": swv.name},
        "extends": None if extends is None else {
            "decision_number": extends.decision_number, "decided_on": _day(extends.decided_on),
            "onderwijssoort": extends.onderwijssoort, "category": extends.category or None,
            "starts_on": _day(extends.starts_on), "ends_on": _day(extends.ends_on)},
        "shared": {"opp": request.version_id is not None, "factors": request.share_factors,
                   "pupil_view": request.share_pupil_view, "evaluation": evaluation is not None},
        "opp_version": _version_data(request),
        "evaluation": None if evaluation is None else {
            "held_on": _day(evaluation.held_on), "decision": evaluation.decision, "conclusion": evaluation.conclusion},
        "parents_view": [{"author": r.author_name, "text": r.text, "created_at": _moment(r.created_at)}
                         for r in reactions],
        "attachments": [{"title": a.title, "content_type": a.content_type, "size": a.size, "sha256": a.sha256}
                        for a in request.attachments.all()],
        "pdf": {"sha256": pdf_sha256, "pages": pages, "pdfa": pdfa},
    }


def build(request: SwvRequest) -> Made:
    """Render the PDF and the JSON of the request as it stands (the parents' reactions read once, for both)."""
    request = (SwvRequest.objects.select_related("student__school__board", "samenwerkingsverband", "version",
                                                 "evaluation", "extends").get(pk=request.pk))
    reactions = list(request.reactions.order_by("created_at", "pk"))
    pdf, pdfa, pages = render_pdf(request, reactions)
    digest = hashlib.sha256(pdf).hexdigest()
    data = package_data(request, reactions, pdf_sha256=digest, pdfa=pdfa, pages=pages)
    raw = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    return Made(pdf=pdf, json=raw, sha256=digest, pdfa=pdfa, pages=pages, reactions=reactions)
