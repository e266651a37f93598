"""The OPP as a PDF: one autoescaped template, WeasyPrint, and a fetcher that reaches nothing.

Everything a user typed reaches the PDF only through Django's autoescaping, so it can never become an
element that loads something. The fetcher is the second wall: WeasyPrint asks it for every stylesheet,
image and attachment, and it serves `data:` URLs and the project's own static files — nothing from the
network, no other local file, no redirect. A refusal raises; WeasyPrint logs it and leaves the resource out.
"""

from __future__ import annotations

import base64
import binascii
import io
import mimetypes
import posixpath
from collections.abc import Callable
from pathlib import Path
from typing import Protocol
from urllib import request as urllib_request
from urllib.parse import unquote, unquote_to_bytes, urlsplit

import pydyf
import weasyprint
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.db.models import Prefetch, prefetch_related_objects
from django.template.loader import render_to_string
from django.utils import timezone, translation
from pypdf import PdfReader, PdfWriter
from weasyprint.urls import URLFetcher, URLFetcherResponse

from . import consent_services, content, goal_charts, pdfa, selectors
from . import sections as S
from .models import FROZEN_STATES, ConsentRequest, Consultation, PlanVersion, Suggestion

TEMPLATE = "opp/pdf/version.html"


class FetchRefused(ValueError):
    """WeasyPrint catches this (any Exception but FatalURLFetchingError), logs it and skips the resource."""


class SafeFetcher(URLFetcher):
    """Serves `data:` URLs and files the staticfiles finders know, and refuses everything else.

    A static file may be named by a bare path (`/static/css/app.css`), by that path on the render's own
    base URL (how WeasyPrint resolves a relative reference), or by a `file://` URL that points at a file
    inside one of the static folders. The network is never touched: this class does not call the
    urllib machinery it inherits.
    """

    def __init__(self, base_url: str | None = None, **kwargs):
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("allowed_protocols", ("data", "file", "http", "https"))
        super().__init__(**kwargs)
        self._origin = _origin(base_url) if base_url else None

    def fetch(self, url, headers=None):
        if not isinstance(url, str):
            raise FetchRefused("Not a URL")
        if url[:5].lower() == "data:":
            return self._data(url)
        path = self._static_path(url)
        if path is None:
            raise FetchRefused(f"Refused (only data: and the project's static files): {url[:200]}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type})

    def open(self, url, data=None, timeout=None):  # the inherited opener would follow anything
        return self.fetch(url.full_url if isinstance(url, urllib_request.Request) else url)

    @staticmethod
    def _data(url: str) -> URLFetcherResponse:
        """RFC 2397: data:[<mediatype>][;base64],<data> — decoded here, nothing is opened."""
        header, comma, payload = url[5:].partition(",")
        if not comma:
            raise FetchRefused("Malformed data: URL")
        is_base64 = header.lower().endswith(";base64")
        mediatype = header[:-7] if is_base64 else header
        raw = unquote_to_bytes(payload)
        try:
            body = base64.b64decode(raw, validate=False) if is_base64 else raw
        except binascii.Error as exc:
            raise FetchRefused("Malformed base64 in data: URL") from exc
        return URLFetcherResponse(url, body=body, headers={"Content-Type": mediatype or "text/plain;charset=US-ASCII"})

    def _static_path(self, url: str) -> Path | None:
        try:
            parts = urlsplit(url)
        except ValueError:
            return None
        scheme = parts.scheme.lower()
        if scheme == "file":
            if parts.netloc not in ("", "localhost"):
                return None
            return _inside_static_roots(Path(urllib_request.url2pathname(parts.path)))
        if scheme in ("http", "https"):
            if self._origin is None or _origin(url) != self._origin:
                return None
        elif scheme or parts.netloc:
            return None
        return _finder_path(parts.path)


def _origin(url: str) -> tuple[str, str] | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return (parts.scheme.lower(), parts.netloc.lower())


def _static_prefix() -> str:
    return "/" + settings.STATIC_URL.strip("/") + "/"


def _finder_path(url_path: str) -> Path | None:
    """/static/css/app.css → the file a staticfiles finder has for css/app.css (or None)."""
    path = unquote(url_path)
    prefix = _static_prefix()
    if not path.startswith(prefix) or "\\" in path or "\x00" in path:
        return None
    relative = path[len(prefix):]
    if not relative or posixpath.normpath(relative) != relative or relative.startswith(("/", "..")):
        return None
    try:
        found = finders.find(relative)
    except SuspiciousFileOperation:
        return None
    if not found or isinstance(found, list):
        return None
    return _inside_static_roots(Path(found))


def _static_roots() -> list[Path]:
    roots = []
    for finder in finders.get_finders():
        for storage in getattr(finder, "storages", {}).values():
            location = getattr(storage, "location", None)
            if location:
                roots.append(Path(location).resolve())
    return roots


def _inside_static_roots(path: Path) -> Path | None:
    """The resolved file when it lies inside a static folder (symlinks and `..` resolved first)."""
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not resolved.is_file():
        return None
    if any(resolved.is_relative_to(root) for root in _static_roots()):
        return resolved
    return None


# --- Content -----------------------------------------------------------------------------------------


def _consultations(version: PlanVersion) -> list[Consultation]:
    """The consultation log that led to this version: meetings about it, about earlier versions, or
    about the plan in general — not those about later versions. internal_note is never read into the PDF."""
    return list(
        Consultation.objects.filter(plan_id=version.plan_id)
        .exclude(version__number__gt=version.number)
        .select_related("version")
        .defer("internal_note")
        .prefetch_related(Prefetch("suggestions", queryset=Suggestion.objects.order_by("position", "pk")))
        .order_by("held_on", "pk")
    )


def _consent_requests(version: PlanVersion) -> tuple[list[dict], ConsentRequest | None]:
    """Each request with its answers and the parties that have not answered (yet)."""
    requests = (version.consent_requests.select_related("version", "requested_by").prefetch_related("answers")
                .order_by("requested_at", "pk"))
    result = []
    for req in requests:
        answers = list(req.answers.all())
        answered = {("guardian", a.guardian_id) if a.guardian_id else ("pupil", a.pupil_id) for a in answers}
        pending = [p.get("name", "") for p in req.parties if (p.get("kind"), p.get("id")) not in answered]
        result.append({"request": req, "answers": answers, "pending": pending})
    covering = consent_services.covering_request(version)
    carried = covering if covering is not None and covering.version_id != version.pk else None
    return result, carried


def context_for(version: PlanVersion, *, today=None) -> dict:
    # The instance as the caller holds it, not a fresh read: the adoption service renders the archived
    # PDF after setting state/adopted_at/adopted_by and before saving, inside its transaction.
    prefetch_related_objects([version], "factors", "actions", "yields")
    student = version.plan.student
    today = today or timezone.localdate()
    snap = selectors.snapshot(version, today=today)
    requests, carried = _consent_requests(version)
    adopted = version.state in FROZEN_STATES
    return {
        "version": version,
        "plan": version.plan,
        "student": student,
        "school": student.school,
        "sections": [{"key": key, "meta": S.SECTIONS[key]} for key in snap.applicable],
        "consultations": _consultations(version),
        "consent_requests": requests,
        "carried_consent": carried,
        "adopted": adopted,
        "concept": not adopted,
        "version_hash": content.version_hash(version),
        "printed_on": today,
        # Under the handelingsdeel: each measured goal's chart, measured up to today (or the version's end).
        "goal_views": goal_charts.for_version(version, today=today),
        "goals_until": goal_charts.version_until(version, today),
    }


def render_html(version: PlanVersion) -> str:
    """The PDF's HTML for `version` as given (unsaved changes included), always in Dutch (an exported OPP is a Dutch document whatever the UI language)."""
    with translation.override("nl"):
        return render_to_string(TEMPLATE, context_for(version))


def default_base_url() -> str:
    return settings.OPP_SITE_URL.rstrip("/") + "/"


def render_document(html: str, *, base_url: str | None = None, archival: bool = True) -> weasyprint.Document:
    """Laid out and tagged, not yet written. `archival=False` for pages that will share a file with pages
    that are not ours (the dispute dossier): tagged, but not claiming PDF/A."""
    base_url = base_url or default_base_url()
    options = {"pdf_variant": pdfa.VARIANT} if archival else {"pdf_tags": True}
    return weasyprint.HTML(string=html, base_url=base_url, url_fetcher=SafeFetcher(base_url)).render(**options)


class _Serialized(pydyf.Object):
    """An indirect object of the PDF as its finished bytes: what pydyf would write for `source`, made once."""

    def __init__(self, source: pydyf.Object):
        super().__init__()
        self.number, self.generation, self.free = source.number, source.generation, source.free
        self._compressible = source.compressible
        self._data = source.data

    @property
    def data(self) -> bytes:
        return self._data

    @property
    def compressible(self) -> bool:
        return self._compressible


def _serialize_once(pdf: pydyf.PDF) -> None:
    """Each object's bytes made once, when WeasyPrint has finished the PDF and just before pydyf writes it.

    pydyf serializes every object twice: once to write it, once more for the MD5 of the file identifier that
    PDF/A requires (pydyf.PDF.write) — every content stream, font and structure element built and Flate-compressed
    (at level 9) a second time: ~30 ms of the ~0.7 s of CPU a ten-page OPP takes (bench/pdf.py). Nothing changes
    an object between the two, so the file is identical, byte for byte (tests/pdf/test_serialize_once.py)."""
    pdf.objects[:] = [obj if obj.free == "f" else _Serialized(obj) for obj in pdf.objects]


def write_document(document: weasyprint.Document, *, archival: bool = True,
                   finisher: Callable[[weasyprint.Document, pydyf.PDF], None] | None = None) -> bytes:
    """Tagged PDF/A-2a (opp.pdfa): the title, author and portal properties come from the template's <head>.
    `finisher(document, pdf)` may change WeasyPrint's PDF objects before they are written."""
    pdfa.prepare(document.metadata, now=timezone.localtime())

    def finish(document: weasyprint.Document, pdf: pydyf.PDF) -> None:
        if finisher is not None:
            finisher(document, pdf)
        _serialize_once(pdf)

    if archival:
        return document.write_pdf(pdf_variant=pdfa.VARIANT, finisher=finish)
    return document.write_pdf(pdf_tags=True, finisher=finish)


class BundlePart(Protocol):
    """A part of a bundle: its title (a bookmark), the page it starts on (1-based, after the cover), and either
    pages we laid out (a WeasyPrint document) or an uploaded PDF as it is (a pypdf reader)."""

    title: str
    start: int
    rendered: weasyprint.Document | PdfReader


def _without_outline(_document, pdf) -> None:
    """WeasyPrint's finisher: drop its flat outline; bundle() writes one bookmark per part with its headings nested."""
    pdf.catalog.pop("Outlines", None)


def _add_bookmarks(writer: PdfWriter, tree, offset: int, parent) -> None:
    for label, (page_number, _x, _y), children, _state in tree:
        item = writer.add_outline_item(title=label, page_number=offset + page_number, parent=parent)
        _add_bookmarks(writer, children, offset, item)


def bundle(cover: weasyprint.Document, parts: list[BundlePart], *, title: str) -> PdfWriter:
    """A cover and parts as one file: our pages as ONE tagged document (one structure tree a screen reader follows
    through every page we made), then each uploaded PDF inserted where its part begins, as it is. Not PDF/A: the
    uploads are not ours to rewrite (the dispute dossier, R-GPO-3; README "Documents")."""
    ours = [*cover.pages, *(page for part in parts if isinstance(part.rendered, weasyprint.Document)
                           for page in part.rendered.pages)]
    combined = cover.copy(ours)
    combined.metadata.title = title
    tagged = write_document(combined, archival=False, finisher=_without_outline)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(tagged)))
    for part in parts:
        if not isinstance(part.rendered, weasyprint.Document):
            for i, page in enumerate(part.rendered.pages):
                writer.insert_page(page, part.start - 1 + i)
    for part in parts:
        item = writer.add_outline_item(title=part.title, page_number=part.start - 1)
        if isinstance(part.rendered, weasyprint.Document):
            _add_bookmarks(writer, part.rendered.make_bookmark_tree(), part.start - 1, item)
    writer.add_metadata({"/Title": title})
    return writer


def html_to_pdf(html: str, *, base_url: str | None = None) -> bytes:
    return write_document(render_document(html, base_url=base_url))


def render_version_pdf(version: PlanVersion, *, base_url: str | None = None) -> bytes:
    return html_to_pdf(render_html(version), base_url=base_url)
