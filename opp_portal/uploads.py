"""One validator and one store for every upload.

Every uploaded file passes `validate(upload, kind=...)` before anything reads it:

* the content decides, never the name or the browser's content type: PDF, JPEG and PNG by their magic bytes,
  a CSV as text in UTF-8 (with or without BOM) or Windows-1252 without NUL or other binary bytes;
* polyglots are refused: a PDF, JPEG or PNG with web-page markup near its start, a "CSV" that is really a PDF,
  ZIP/Excel, image or web page;
* every PDF is parsed (pypdf) and its whole object graph walked, object streams included: JavaScript, actions
  that start by themselves, launch/remote/form-submitting actions, embedded files, XFA and multimedia are
  refused wherever they sit; so is a PDF that cannot be parsed or is encrypted, since
  what cannot be read cannot be checked;
* a size limit per kind (OPP_UPLOAD_MAX_BYTES for documents, OPP_IMPORT_MAX_BYTES for the pupil import) and
  no empty files.

Stored files get a random server-made name in the private storage (opp_portal.files: outside any web root, on disk or
in an object store); the client's file name never reaches a path or a header. Where it is shown at all it goes
through `client_name` (no path, no control or bidi characters) and the template's autoescaping. Downloads are attachments with a server-made
ASCII file name and `X-Content-Type-Options: nosniff`, served only through access-checked views.
"""

from __future__ import annotations

import datetime
import enum
import io
import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.http import FileResponse, Http404, HttpResponse
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from pypdf import PdfReader, apply_configuration
from pypdf.errors import LimitReachedError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NullObject, StreamObject

from opp_portal import files

MB = 1_048_576

SIGNATURES = {
    "pdf": (b"%PDF-", "application/pdf"),
    "png": (b"\x89PNG\r\n\x1a\n", "image/png"),
    "jpg": (b"\xff\xd8\xff", "image/jpeg"),
}
#: How far into a file browsers and readers look for a header: markup there makes a file a polyglot.
HEAD_BYTES = 1024
_MARKUP = re.compile(rb"<\s*(?:!doctype|html|head|body|script|iframe|svg|object|embed|meta|\?php)\b", re.IGNORECASE)
#: The cheap first filter: PDF names that make a reader run or open something, found in the raw bytes (so also
#: in objects no cross-reference table lists). Names may hide letters as #xx escapes (`/J#61vaScript`). Only long
#: names: a short key such as `/JS` or `/XFA` would match random bytes of compressed scans far too often; the
#: parsed walk below finds those, and everything inside compressed object streams.
_PDF_NAME = re.compile(rb"/[A-Za-z0-9#]{1,40}")
_PDF_ACTIVE = {b"/JavaScript": "javascript", b"/Launch": "launch", b"/RichMedia": "media",
               b"/EmbeddedFile": "embedded", b"/EmbeddedFiles": "embedded"}
_PNG_IHDR = b"\x00\x00\x00\rIHDR"

# CSV: a text export has no control characters besides tab and line ends; a few stray ones are tolerated.
MAX_CONTROL_CHARS = 4
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: UTF-8 for the accented letters of Dutch, Turkish and Moroccan names; as Windows-1252 it reads "Ã«", "Ä±".
_UTF8_LETTER = re.compile(rb"[\xc2-\xc5][\x80-\xbf]")
#: Files a school might pick by mistake instead of the CSV export, by their first bytes.
_NOT_CSV = (b"%PDF-", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"\x7fELF", b"Rar!", b"7z\xbc\xaf\x27\x1c")


class Kind(enum.Enum):
    DOCUMENT = "document"  # consent scans, dispute documents: PDF, JPEG or PNG
    PDF = "pdf"  # PDF only
    CSV = "csv"  # the pupil import


#: Which content each kind accepts.
ALLOWED = {Kind.DOCUMENT: frozenset({"pdf", "jpg", "png"}), Kind.PDF: frozenset({"pdf"}), Kind.CSV: frozenset({"csv"})}


@dataclass(frozen=True)
class StoredFile:
    name: str  # its name in the private storage (opp_portal.files)
    content_type: str
    size: int


def max_bytes_for(kind: Kind) -> int:
    """The size limit of a kind: OPP_IMPORT_MAX_BYTES for the pupil import, OPP_UPLOAD_MAX_BYTES for the others."""
    if kind is Kind.CSV:
        return settings.OPP_IMPORT_MAX_BYTES
    return settings.OPP_UPLOAD_MAX_BYTES


def sniff(head: bytes) -> tuple[str, str] | None:
    for ext, (magic, content_type) in SIGNATURES.items():
        if head.startswith(magic):
            return ext, content_type
    return None


def _size(n: int) -> str:
    return f"{n / MB:.1f}".replace(".", ",") + " MB" if n >= MB // 10 else filesizeformat(n)


def _limit(n: int) -> str:
    return f"{n // MB} MB" if n >= MB and n % MB == 0 else filesizeformat(n)


def too_large_message(size: int, max_bytes: int, kind: Kind = Kind.DOCUMENT) -> str:
    if kind == Kind.CSV:
        return _("Het bestand is %(size)s groot; het maximum is %(max)s. Splits het bestand of neem alleen de "
                 "leerlingen op die u wilt toevoegen of bijwerken.") % {"size": filesizeformat(size),
                                                                      "max": filesizeformat(max_bytes)}
    return _("Het bestand is te groot (%(size)s); het maximum is %(max)s.") % {"size": _size(size), "max": _limit(max_bytes)}


def _read_all(upload) -> bytes:
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return data


def validate(upload, *, kind: Kind = Kind.DOCUMENT, max_bytes: int | None = None) -> tuple[str, str]:
    """Refuse what `kind` does not accept. Returns (extension, content type) as the content says.

    Raises ValidationError with one Dutch message; forms put it on the file field.
    """
    max_bytes = max_bytes or max_bytes_for(kind)
    if upload is None or not upload.size:
        raise ValidationError(_("Het bestand is leeg."), code="empty")
    if upload.size > max_bytes:
        raise ValidationError(too_large_message(upload.size, max_bytes, kind), code="too_large")
    data = _read_all(upload)  # bounded by the size limit just checked
    if kind == Kind.CSV:
        decode_text(data, max_bytes=max_bytes)
        return "csv", "text/csv"
    return _check_binary(data, kind)


def _check_binary(data: bytes, kind: Kind) -> tuple[str, str]:
    found = sniff(data[:16])
    allowed = ALLOWED[kind]
    if found is None or found[0] not in allowed:
        if kind == Kind.PDF:
            raise ValidationError(_("Alleen PDF is toegestaan; de inhoud van dit bestand is geen PDF, ongeacht de naam."),
                                  code="type")
        raise ValidationError(_("Alleen PDF, JPEG en PNG zijn toegestaan; de inhoud van dit bestand is geen van drieën, "
                                "ongeacht de naam."), code="type")
    ext = found[0]
    if _MARKUP.search(data[:HEAD_BYTES]):
        # A browser that sniffs would take it for a web page: refuse rather than trust nosniff alone.
        raise ValidationError(_("Dit bestand bevat behalve een %(type)s ook code van een webpagina (HTML of script) "
                                "en wordt daarom geweigerd.") % {"type": ext.upper()}, code="polyglot")
    if ext == "png" and data[8:16] != _PNG_IHDR:
        raise ValidationError(_("Dit PNG-bestand is onvolledig of beschadigd."), code="damaged")
    if ext == "pdf":
        if b"%%EOF" not in data[-2048:]:
            raise ValidationError(_("Dit PDF-bestand is onvolledig of beschadigd."), code="damaged")
        kind = _pdf_active_in_bytes(data) or _pdf_active_in_objects(data)
        if kind:
            raise _pdf_refusal(kind)
    return found


# --- PDF: active content ---------------------------------------------------------------------------------

#: What the refusal names, completing "bevat scripts of acties die iets starten (…)".
_ACTIVE_LABELS = {
    "javascript": _lazy("JavaScript"),
    "open_action": _lazy("een actie die start bij het openen"),
    "additional_action": _lazy("een actie die vanzelf start bij openen, sluiten of invullen"),
    "launch": _lazy("een opdracht die een programma of bestand opent"),
    "remote": _lazy("een verwijzing die een ander bestand opent"),
    "form": _lazy("een formulier dat gegevens verstuurt of inleest"),
    "xfa": _lazy("een XFA-formulier"),
    "media": _lazy("multimedia of 3D-inhoud"),
    "uri": _lazy("een koppeling die geen webpagina of e-mailadres is"),
}
#: Action types (`/S`) that reach beyond the document: scripts, programs, other files, sending or reading data,
#: media. `/URI` is allowed for web and mail addresses (see `_harmless_uri`); `/GoTo`, `/Named` (next page,
#: print) and the like stay inside the reader. Any action that starts by itself is refused below all the same.
_PDF_ACTIONS = {"/JavaScript": "javascript", "/Launch": "launch", "/GoToR": "remote", "/GoToE": "remote",
                "/SubmitForm": "form", "/ImportData": "form", "/RichMediaExecute": "media", "/Rendition": "media",
                "/Movie": "media", "/Sound": "media"}
#: Keys whose mere presence is the finding: script name trees and scripts, embedded files and portfolios, XFA,
#: rich media and slide shows.
_PDF_KEYS = {"/JS": "javascript", "/JavaScript": "javascript", "/EmbeddedFiles": "embedded", "/EF": "embedded",
             "/Collection": "embedded", "/XFA": "xfa", "/RichMediaContent": "media", "/AlternatePresentations": "media"}
#: Annotation subtypes (`/Subtype`) and object types (`/Type`) that carry files or media.
_PDF_SUBTYPES = {"/FileAttachment": "embedded", "/RichMedia": "media", "/Movie": "media", "/Sound": "media",
                 "/Screen": "media", "/3D": "media"}
_PDF_TYPES = {"/EmbeddedFile": "embedded"}
#: Links a reader may follow (after asking): web pages and mail. Not `javascript:`, `file:`, UNC paths (they leak
#: the Windows login hash), `data:` or a relative path that a reader resolves against the file's own folder.
_SAFE_URI = re.compile(r"(?:https?://|mailto:)", re.IGNORECASE)
_URI_BLANKS = re.compile(r"[\x00-\x20\x7f]")

# Limits for the walk, so that a small hostile file cannot keep a web process busy or fill its memory:
# objects in the cross-reference tables, containers visited, and bytes decompressed from object streams (each
# stream and all together; pypdf's own default per stream is 75 MB).
PDF_MAX_OBJECTS = 200_000
PDF_MAX_NODES = 1_000_000
PDF_MAX_STREAM_BYTES = 32 * MB
PDF_MAX_DECODED_BYTES = 64 * MB
_PDF_DECODE_LIMITS = ("zlib_maximum_output_length", "lzw_maximum_output_length", "run_length_maximum_output_length",
                      "brotli_maximum_output_length", "array_based_stream_maximum_output_length")
_CONTAINERS = (DictionaryObject, ArrayObject, IndirectObject)


class _PdfTooComplex(Exception):
    pass


def _pdf_refusal(kind: str) -> ValidationError:
    if kind == "embedded":
        return ValidationError(_("Dit PDF-bestand bevat een ingesloten bestand (bijlage); zulke bestanden worden "
                                 "geweigerd. Lever elke bijlage apart aan als PDF, JPEG of PNG, of druk het document "
                                 "af naar een nieuwe PDF."), code="embedded")
    return ValidationError(_("Dit PDF-bestand bevat scripts of acties die iets starten (%(what)s); zulke bestanden "
                             "worden geweigerd. Druk het af naar een nieuwe PDF of scan het opnieuw.")
                           % {"what": _ACTIVE_LABELS[kind]}, code="active")


def _pdf_active_in_bytes(data: bytes) -> str | None:
    for match in _PDF_NAME.finditer(data):
        name = match.group()
        if b"#" in name:
            name = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), name)
        if name in _PDF_ACTIVE:
            return _PDF_ACTIVE[name]
    return None


def _pdf_active_in_objects(data: bytes) -> str | None:
    """The kind of active content in the parsed PDF, or None. Raises ValidationError for a PDF that cannot be
    checked: one pypdf cannot parse (a reader that repairs harder might still open it), an encrypted one, or one
    beyond the limits."""
    unreadable = ValidationError(_("Dit PDF-bestand is beschadigd of niet te lezen, en kan daarom niet op scripts "
                                   "worden gecontroleerd. Druk het af naar een nieuwe PDF of scan het opnieuw."),
                                 code="unreadable")
    encrypted = ValidationError(_("Dit PDF-bestand is beveiligd (versleuteld of met een wachtwoord) en kan daarom niet "
                                  "worden gecontroleerd. Sla het op of druk het af zonder beveiliging en upload het "
                                  "opnieuw."), code="encrypted")
    if b"startxref" not in data[-2048:]:
        # Readers open a file without a cross-reference table by finding its objects; pypdf does that only when it
        # has a table to distrust. Point it nowhere, so that it looks at every object as a reader would.
        data += b"\nstartxref\n0\n%%EOF\n"
    try:
        with apply_configuration(**dict.fromkeys(_PDF_DECODE_LIMITS, PDF_MAX_STREAM_BYTES)):
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise encrypted
            _decode_object_streams(reader)
            kind = _walk_pdf(reader)
            if kind is None and len(reader.pages) == 0:
                raise unreadable
            return kind
    except ValidationError:
        raise
    except (_PdfTooComplex, LimitReachedError, MemoryError):
        raise ValidationError(_("Dit PDF-bestand is te ingewikkeld opgebouwd om op scripts te controleren. Druk het "
                                "af naar een nieuwe PDF of scan het opnieuw."), code="too_complex") from None
    except Exception:  # noqa: BLE001 -- hostile input makes pypdf raise anything; unparsed means unchecked
        raise (encrypted if b"/Encrypt" in data else unreadable) from None


def _decode_object_streams(reader: PdfReader) -> None:
    """Decompress every object stream up front, counting the bytes (pypdf keeps them decoded in memory)."""
    objects = sum(len(table) for table in reader.xref.values()) + len(reader.xref_objStm)
    if objects > PDF_MAX_OBJECTS:
        raise _PdfTooComplex
    decoded = 0
    for number in sorted({stream for stream, _index in reader.xref_objStm.values()}):
        stream = reader.get_object(number)
        if isinstance(stream, StreamObject):
            decoded += len(stream.get_data())
            if decoded > PDF_MAX_DECODED_BYTES:
                raise _PdfTooComplex


def _walk_pdf(reader: PdfReader) -> str | None:
    """Every object the file holds: those reachable from the trailer and every one in the cross-reference tables
    (an orphan is one edit away from being reachable), each indirect object once, without recursion."""
    stack: list = [IndirectObject(number, generation, reader)
                   for generation, table in reader.xref.items() for number in table]
    stack.extend(IndirectObject(number, 0, reader) for number in reader.xref_objStm)
    stack.append(reader.trailer)
    seen: set[tuple[int, int]] = set()
    nodes = 0
    while stack:
        nodes += 1
        if nodes > PDF_MAX_NODES:
            raise _PdfTooComplex
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):  # streams too: their dictionary, never their (content) data
            kind = _pdf_dict_kind(obj)
            if kind:
                return kind
            stack.extend(value for value in dict.values(obj) if isinstance(value, _CONTAINERS))
        elif isinstance(obj, ArrayObject):
            stack.extend(value for value in obj if isinstance(value, _CONTAINERS))
    return None


def _resolved(value):
    return value.get_object() if isinstance(value, IndirectObject) else value


def _pdf_dict_kind(obj: DictionaryObject) -> str | None:
    for key in obj:
        if key in _PDF_KEYS:
            return _PDF_KEYS[key]
    kind = _pdf_action_kind(obj)
    if kind:
        return kind
    subtype, type_ = _resolved(dict.get(obj, "/Subtype")), _resolved(dict.get(obj, "/Type"))
    if isinstance(subtype, str) and subtype in _PDF_SUBTYPES:
        return _PDF_SUBTYPES[subtype]
    if isinstance(type_, str) and type_ in _PDF_TYPES:
        return _PDF_TYPES[type_]
    # Actions that start by themselves. A destination (an array or a name) is only where the reader opens, and
    # a /GoTo action only moves to a page: both harmless. Anything else is named by its own kind if it has one.
    opening = _resolved(dict.get(obj, "/OpenAction"))
    if isinstance(opening, DictionaryObject) and _resolved(dict.get(opening, "/S")) != "/GoTo":
        return _pdf_action_kind(opening) or "open_action"
    triggers = _resolved(dict.get(obj, "/AA"))
    if isinstance(triggers, DictionaryObject):
        for action in map(_resolved, dict.values(triggers)):
            if isinstance(action, DictionaryObject):
                return _pdf_action_kind(action) or "additional_action"
            if action is not None and not isinstance(action, NullObject):
                return "additional_action"
    return None


def _pdf_action_kind(obj: DictionaryObject) -> str | None:
    action = _resolved(dict.get(obj, "/S"))
    if not isinstance(action, str):
        return None
    if action in _PDF_ACTIONS:
        return _PDF_ACTIONS[action]
    if action == "/URI" and not _harmless_uri(_resolved(dict.get(obj, "/URI"))):
        return "uri"
    return None


def _harmless_uri(value) -> bool:
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str):
        return False
    # Readers drop blanks and control characters inside a scheme ("java\tscript:"): so do we before looking.
    return bool(_SAFE_URI.match(_URI_BLANKS.sub("", value)))


def decode_text(raw: bytes, *, max_bytes: int | None = None) -> tuple[str, str]:
    """The text of an uploaded CSV and its encoding: UTF-8 (with or without BOM) or else Windows-1252.

    Raises ValidationError (one Dutch message) for anything that is not such a text file.
    """
    max_bytes = max_bytes or max_bytes_for(Kind.CSV)
    if len(raw) > max_bytes:
        raise ValidationError(too_large_message(len(raw), max_bytes, Kind.CSV), code="too_large")
    if not raw.strip(b" \t\r\n\xef\xbb\xbf"):
        raise ValidationError(_("Het bestand is leeg."), code="empty")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValidationError(_("Het bestand is opgeslagen als UTF-16 (‘Unicode-tekst’). Sla het op als ‘CSV UTF-8’ of "
                                "‘CSV (gescheiden door lijstscheidingsteken)’."), code="type")
    if raw.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise ValidationError(_("Dit is een Excel-bestand, geen CSV-bestand. Kies in Excel ‘Opslaan als’ en dan "
                                "‘CSV UTF-8’ of ‘CSV (gescheiden door lijstscheidingsteken)’."), code="type")
    head = raw[:HEAD_BYTES]
    if b"%PDF-" in head:
        # Readers find a PDF header anywhere in the first kilobyte: a "CSV" with one is a PDF.
        raise ValidationError(_("Dit is een PDF-bestand, geen CSV-bestand. Upload de CSV-export uit uw "
                                "leerlingadministratie."), code="type")
    if raw.lstrip(b" \t\r\n\xef\xbb\xbf").startswith(_NOT_CSV) or b"\x00" in raw or _count_control(raw) > MAX_CONTROL_CHARS:
        raise ValidationError(_("Dit is geen tekstbestand (het bevat binaire gegevens). Upload een CSV-bestand."),
                              code="type")
    if _MARKUP.match(raw.lstrip(b" \t\r\n\xef\xbb\xbf")):
        # Markup inside a cell is harmless (the text is only ever shown escaped); a file that *is* a page is not a CSV.
        raise ValidationError(_("Dit is een webpagina (HTML), geen CSV-bestand. Upload de CSV-export uit uw "
                                "leerlingadministratie."), code="type")
    try:
        return raw.decode("utf-8-sig"), ("utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8")
    except UnicodeDecodeError as exc:
        if raw.startswith(b"\xef\xbb\xbf") or _UTF8_LETTER.search(raw):
            # Read as Windows-1252 this would import "NoÃ«lle" without a word: refuse instead.
            raise ValidationError(_("Het bestand is deels UTF-8 en deels een andere tekenset (voor het eerst op regel "
                                    "%(line)s). Sla het in één tekenset op, bij voorkeur ‘CSV UTF-8’.")
                                  % {"line": raw.count(b"\n", 0, exc.start) + 1}, code="encoding") from None
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        raise ValidationError(_("De tekens in het bestand zijn niet te lezen: sla het op als UTF-8 of Windows-1252 "
                                "(in Excel: ‘CSV UTF-8’)."), code="encoding") from None


def _count_control(raw: bytes) -> int:
    count = 0
    for _match in _CONTROL.finditer(raw):
        count += 1
        if count > MAX_CONTROL_CHARS:
            break
    return count


# --- Names -------------------------------------------------------------------------------------------


def client_name(upload, *, max_length: int = 255) -> str:
    """The client's file name fit to show (escaped by the template): its last path part, without control,
    format (bidi overrides, zero-width) or separator characters. Never use it in a path or a header."""
    raw = str(getattr(upload, "name", "") or "")
    raw = re.split(r"[/\\]", raw)[-1]
    text = "".join(ch for ch in unicodedata.normalize("NFC", raw)
                   if unicodedata.category(ch)[0] not in ("C", "Z") or ch == " ")
    return text.strip()[:max_length]


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str, *, default: str = "bestand") -> str:
    """A download name that is safe in a Content-Disposition header and on any disk: ASCII letters, digits,
    dot, dash and underscore; no leading dot; at most 100 characters with the extension kept."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = _UNSAFE.sub("-", ascii_name).strip(".-_")
    ascii_name = re.sub(r"\.{2,}", ".", ascii_name)
    if not ascii_name:
        return default
    if len(ascii_name) > 100:
        stem, dot, ext = ascii_name.rpartition(".")
        ascii_name = (stem[: 99 - len(ext)] + dot + ext) if dot and len(ext) <= 8 else ascii_name[:100]
    return ascii_name


# --- Storing and serving ----------------------------------------------------------------------------


def store(upload, *, folder: str, kind: Kind = Kind.DOCUMENT, max_bytes: int | None = None) -> StoredFile:
    """Validate, then keep the upload in the private storage (opp_portal.files)."""
    ext, content_type = validate(upload, kind=kind, max_bytes=max_bytes)
    # The name is ours: random, with the extension the content proved. The client's name plays no part.
    upload.seek(0)
    name = files.save(files.new_name(folder, ext), File(upload))
    return StoredFile(name, content_type, upload.size)


def discard(name: str) -> None:
    """Remove a stored file whose record was not written after all (or whose term has passed: retention)."""
    files.delete(name)


#: A spreadsheet reads a cell starting with one of these as a formula (CSV/formula injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value) -> str:
    """One cell of every CSV download, as text a spreadsheet never runs: a typed name starting with "=" gets a
    leading apostrophe; a date is ISO 8601; None is empty."""
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def attachment(content, content_type: str, download_name: str):
    """A download as every download of pupil data goes out: an attachment under a plain ASCII name, never
    cached, never sniffed. `content` is bytes/str (an HttpResponse the caller may still write to) or an open
    binary file (streamed)."""
    if hasattr(content, "read"):
        resp = FileResponse(content, content_type=content_type, as_attachment=True,
                            filename=safe_filename(download_name))
    else:
        resp = HttpResponse(content, content_type=content_type)
        resp["Content-Disposition"] = f'attachment; filename="{safe_filename(download_name)}"'
    resp["Cache-Control"] = "no-store"
    resp["X-Content-Type-Options"] = "nosniff"
    return resp


def response(name: str, content_type: str, download_name: str, *, sha256: str = ""):
    """Serve a stored file as an attachment; the caller has already checked access and audited. With `sha256` (the
    archived OPP, a dossier) the bytes are checked first: a damaged file is files.Damaged, never served."""
    if sha256:
        return attachment(io.BytesIO(files.read_verified(name, sha256)), content_type, download_name)
    try:
        opened = files.open_file(name)
    except FileNotFoundError:
        raise Http404 from None
    return attachment(opened, content_type, download_name)
