"""CSV import of pupils: read the school's export, dry-run it, apply it all or nothing.

Three layers, so each can be tested on its own:

* `decode` and `parse` are pure: bytes → text → one cleaned value per cell, or a Dutch message with line
  number and column. No database. `parse_any` tells EDEXML (students/edexml.py) from CSV by the content; an
  EDEXML file becomes the same rows, so everything after parsing is shared.
* `plan_import` compares the parsed rows with the school's pupils (one query for the whole school) and
  runs the same rules as the pupil form (`services.validate_student`, the model's field checks): per row
  *nieuw*, *bijgewerkt* (which columns), *ongewijzigd* or *fout*.
* `batch_create` / `batch_apply` / `batch_discard` are the services: they store the uploaded text between
  the dry run and applying it, and apply it in one transaction through `student_create`/`student_update`,
  which audit every change and recompute eligibility.

The column layout is documented for schools in docs/import-leerlingen.md; keep the two in step.
"""

from __future__ import annotations

import csv
import datetime
import enum
import hashlib
import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Onderwijssoort, School, User
from audit import log as audit
from opp_portal import dates, uploads

from . import destinations, edexml, services
from .models import Funding, ImportBatch, Student, SupportLevel

#: More rows than any school has pupils; guards memory and the length of one transaction.
MAX_ROWS = 20_000
#: A pending batch older than this is not applied: the school's data may have changed since the dry run.
MAX_AGE = datetime.timedelta(hours=24)
#: The preview page lists at most this many rows and error messages (the counts are always complete).
PREVIEW_LIMIT = 1000


class Kind(enum.Enum):
    TEXT = "text"
    DATE = "date"
    SOORT = "soort"
    SUPPORT = "support"
    FUNDING = "funding"
    BOOL = "bool"
    DESTINATION = "destination"  # a key of students.destinations or a sentence (mapped, the sentence kept as note)


@dataclass(frozen=True)
class Column:
    name: str  # as documented and as shown in messages
    field: str  # Student field, one of services.STUDENT_FIELDS
    kind: Kind
    required: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("leerlingnummer", "pupil_number", Kind.TEXT, required=True),
    Column("voornaam", "first_name", Kind.TEXT, required=True),
    Column("achternaam", "last_name", Kind.TEXT, required=True),
    Column("geboortedatum", "date_of_birth", Kind.DATE, required=True),
    Column("onderwijssoort", "onderwijssoort", Kind.SOORT, required=True),
    Column("groep", "group_name", Kind.TEXT),
    Column("inschrijfdatum", "enrolled_on", Kind.DATE, required=True),
    Column("plaatsingsdatum", "placed_on", Kind.DATE),
    Column("datum_ondersteuningsbehoefte", "support_need_on", Kind.DATE),
    Column("ondersteuning", "support_level", Kind.SUPPORT),
    Column("omschrijving_extra_ondersteuning", "extra_support_description", Kind.TEXT),
    Column("bekostiging", "extra_support_funding", Kind.FUNDING),
    Column("lwoo", "lwoo", Kind.BOOL),
    Column("dyslexie", "dyslexie", Kind.BOOL),
    Column("dyscalculie", "dyscalculie", Kind.BOOL),
    Column("hoogbegaafd", "hoogbegaafd", Kind.BOOL),
    Column("handelingsbekwaam", "handelingsbekwaam", Kind.BOOL),
    Column("uitschrijfdatum", "left_on", Kind.DATE),
    Column("bestemming", "destination", Kind.DESTINATION),
    Column("toelichting_bestemming", "destination_note", Kind.TEXT),
)
assert sorted(c.field for c in COLUMNS) == sorted(services.STUDENT_FIELDS), "every pupil field has a column"

COLUMN_BY_FIELD = {c.field: c for c in COLUMNS}


def header_key(name: str) -> str:
    """Header names match regardless of case, spaces, underscores, hyphens and a stray BOM or quotes."""
    return re.sub(r"[\s_\-.\"'\ufeff]+", "", name).lower()


COLUMN_BY_KEY = {header_key(c.name): c for c in COLUMNS}

_TRUE = frozenset({"ja", "1", "waar", "x"})
_FALSE = frozenset({"nee", "0", "onwaar", ""})
_SUPPORT = {"": SupportLevel.BASIS, "basis": SupportLevel.BASIS, "basisondersteuning": SupportLevel.BASIS,
            "extra": SupportLevel.EXTRA, "extra ondersteuning": SupportLevel.EXTRA, "extraondersteuning": SupportLevel.EXTRA}
_FUNDING = {"": "", "school": Funding.SCHOOL, "swv": Funding.SWV, "samenwerkingsverband": Funding.SWV}
_DMY = re.compile(r"^(\d{1,2})([-/])(\d{1,2})\2(\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_TWO_DIGIT_YEAR = re.compile(r"^\d{1,2}[-/]\d{1,2}[-/]\d{2}$")


# --- Results ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong, where it is: line in the file (the header is line 1) and column name."""

    line: int
    column: str
    message: str
    record: str = ""  # EDEXML: which pupil ("leerling 00002"), the file's key for them

    def __str__(self) -> str:
        where = _("regel %(line)s") % {"line": self.line}
        if self.record:
            where = f"{self.record} ({where})"
        if self.column:
            where += ", " + _("kolom %(column)s") % {"column": self.column}
        return f"{where}: {self.message}"


class FileRejected(Exception):
    """The file as a whole cannot be read (size, encoding, header): nothing per row to show."""

    def __init__(self, *messages: str):
        super().__init__(" ".join(messages))
        self.messages = list(messages)


class ImportRefused(Exception):
    """Applying a batch was refused; nothing was written."""

    def __init__(self, message: str, *, plan: Plan | None = None):
        super().__init__(message)
        self.message = message
        self.plan = plan


class RowAction(enum.StrEnum):
    CREATE = "nieuw"
    UPDATE = "bijgewerkt"
    UNCHANGED = "ongewijzigd"
    ERROR = "fout"


@dataclass
class ParsedRow:
    line: int
    values: dict[str, object]  # field → cleaned value, for the cells that could be read
    problems: list[Problem] = field(default_factory=list)
    record: str = ""  # EDEXML: "leerling <key>"

    @property
    def pupil_number(self) -> str:
        return str(self.values.get("pupil_number") or "")


@dataclass
class ParsedFile:
    delimiter: str
    present: tuple[str, ...]  # the fields whose column is in the file, in file order
    rows: list[ParsedRow]
    notes: list[str] = field(default_factory=list)  # EDEXML: what the dry run tells besides rows (dropped fields, …)
    content: str = ""  # what a batch keeps until it is applied, when not the uploaded text (EDEXML: minimised)


@dataclass
class PlannedRow:
    line: int
    pupil_number: str
    name: str
    action: RowAction
    #: For CREATE every STUDENT_FIELDS key; for UPDATE only the changed fields.
    data: dict[str, object] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    existing: Student | None = None

    @property
    def changed_columns(self) -> list[str]:
        return [COLUMN_BY_FIELD[f].name for f in self.data] if self.action == RowAction.UPDATE else []


@dataclass
class Plan:
    delimiter: str
    present: tuple[str, ...]
    rows: list[PlannedRow]
    notes: list[str] = field(default_factory=list)
    content: str = ""

    @property
    def problems(self) -> list[Problem]:
        return [p for row in self.rows for p in row.problems]

    @property
    def ok(self) -> bool:
        return not any(row.problems for row in self.rows)

    @property
    def counts(self) -> dict[str, int]:
        counts = {"rows": len(self.rows), "created": 0, "updated": 0, "unchanged": 0, "errors": 0}
        key = {RowAction.CREATE: "created", RowAction.UPDATE: "updated", RowAction.UNCHANGED: "unchanged",
               RowAction.ERROR: "errors"}
        for row in self.rows:
            counts[key[row.action]] += 1
        return counts

    @property
    def changes(self) -> list[PlannedRow]:
        return [r for r in self.rows if r.action in (RowAction.CREATE, RowAction.UPDATE)]

    def summary(self) -> str:
        c = self.counts
        text = _("%(rows)s regels: %(created)s nieuw, %(updated)s bijgewerkt, %(unchanged)s ongewijzigd") % c
        if c["errors"]:
            text += ", " + ngettext("%(n)s regel met fouten", "%(n)s regels met fouten", c["errors"]) % {"n": c["errors"]}
        return text + "."


# --- Reading the file (pure) ----------------------------------------------------------------------


def max_bytes() -> int:
    return uploads.max_bytes_for(uploads.Kind.CSV)


def too_large_message(size: int) -> str:
    return uploads.too_large_message(size, max_bytes(), uploads.Kind.CSV)


def decode(raw: bytes) -> tuple[str, str]:
    """The text of an uploaded file and its encoding: UTF-8 (with or without BOM) or else Windows-1252.

    The checks are the upload validator's (opp_portal/uploads.py), shared with the web form."""
    try:
        return uploads.decode_text(raw, max_bytes=max_bytes())
    except ValidationError as exc:
        raise FileRejected(*exc.messages) from None


def _split_sep_hint(text: str) -> tuple[str | None, str, int]:
    """Excel may write a first line `sep=;`: honour it and skip it (its line still counts)."""
    first, nl, rest = text.partition("\n")
    hint = first.strip().lower()
    if hint.startswith("sep=") and len(hint) == 5:
        return hint[4], rest, 1
    return None, text, 0


def detect_delimiter(text: str) -> str:
    header = next((line for line in text.splitlines() if line.strip()), "")
    semicolons, commas = header.count(";"), header.count(",")
    if not semicolons and not commas:
        if "\t" in header:
            raise FileRejected(_("De kolommen zijn gescheiden door tabs. Gebruik een puntkomma (;) of een komma (,)."))
        raise FileRejected(_("In de kopregel staat geen puntkomma (;) of komma (,) tussen de kolomnamen. Is dit een "
                             "CSV-bestand met de kolommen uit de beschrijving?"))
    return ";" if semicolons >= commas else ","


def _short(value: str) -> str:
    return value if len(value) <= 40 else value[:37] + "…"


def parse_date(value: str) -> datetime.date:
    """dd-mm-jjjj, d-m-jjjj, dd/mm/jjjj or jjjj-mm-dd; raises ValueError with a Dutch message."""
    m = _DMY.match(value)
    if m:
        day, month, year = int(m[1]), int(m[3]), int(m[4])
    elif m := _YMD.match(value):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    elif _TWO_DIGIT_YEAR.match(value):
        raise ValueError(_("‘%(value)s’: schrijf het jaartal met vier cijfers, bijvoorbeeld 01-08-2019.") % {"value": _short(value)})
    else:
        raise ValueError(_("‘%(value)s’ is geen geldige datum. Gebruik dd-mm-jjjj, bijvoorbeeld 01-08-2019.") % {"value": _short(value)})
    try:
        day_ = datetime.date(year, month, day)
    except ValueError:
        raise ValueError(_("‘%(value)s’ bestaat niet als datum.") % {"value": _short(value)}) from None
    if year < 1900 or year > 2100:  # the pupil form's range (students.forms.plausible_date); beyond it deadlines overflow
        raise ValueError(_("‘%(value)s’: het jaartal %(year)s kan niet kloppen.") % {"value": _short(value), "year": year})
    return day_


def _clean_cell(column: Column, raw: str):
    value = raw.strip()
    if column.required and not value:
        raise ValueError(_("Deze kolom is verplicht, maar de cel is leeg."))
    match column.kind:
        case Kind.TEXT:
            return value
        case Kind.DATE:
            return parse_date(value) if value else None
        case Kind.SOORT:
            soort = value.lower()
            if soort not in Onderwijssoort.values:
                raise ValueError(_("Onbekende onderwijssoort ‘%(value)s’: kies uit bao, sbo, so, vso, vo of pro.")
                                 % {"value": _short(value)})
            return soort
        case Kind.SUPPORT:
            try:
                return _SUPPORT[value.lower()]
            except KeyError:
                raise ValueError(_("‘%(value)s’: vul basis of extra in (leeg betekent basis).") % {"value": _short(value)}) from None
        case Kind.FUNDING:
            try:
                return _FUNDING[value.lower()]
            except KeyError:
                raise ValueError(_("‘%(value)s’: vul school of swv in, of laat de cel leeg.") % {"value": _short(value)}) from None
        case Kind.DESTINATION:
            return destinations.from_text(value)[0]
        case Kind.BOOL:
            word = value.lower()
            if word in _TRUE:
                return True
            if word in _FALSE:
                return False
            raise ValueError(_("‘%(value)s’: vul ja of nee in (ook goed: 1/0, waar/onwaar, x of leeg).") % {"value": _short(value)})
    raise AssertionError(column.kind)  # pragma: no cover


def _read_header(header: list[str]) -> list[Column | None]:
    columns: list[Column | None] = []
    problems: list[str] = []
    seen: set[str] = set()
    for raw in header:
        name = raw.strip().strip("\ufeff")
        if not name:
            columns.append(None)
            continue
        column = COLUMN_BY_KEY.get(header_key(name))
        if column is None:
            message = _("Onbekende kolom ‘%(name)s’ in de kopregel. Het portaal neemt alleen de beschreven kolommen over (geen gegevens "
                        "‘voor de zekerheid’); verwijder deze kolom.") % {"name": _short(name)}
            if header_key(name) in {"bsn", "burgerservicenummer", "sofinummer", "pgn", "persoonsgebondennummer"}:
                message += " " + _("Het burgerservicenummer wordt bewust niet opgeslagen.")
            problems.append(message)
        elif column.field in seen:
            problems.append(_("De kolom ‘%(name)s’ staat twee keer in de kopregel.") % {"name": column.name})
        else:
            seen.add(column.field)
        columns.append(column)
    missing = [c.name for c in COLUMNS if c.required and c.field not in seen]
    if missing:
        problems.insert(0, ngettext(
            "De verplichte kolom %(names)s ontbreekt in de kopregel.",
            "De verplichte kolommen %(names)s ontbreken in de kopregel.", len(missing)
        ) % {"names": ", ".join(missing)})
    if problems:
        raise FileRejected(*problems)
    return columns


def parse(text: str, *, delimiter: str | None = None) -> ParsedFile:
    """Every data row with its cleaned values and cell problems. Raises FileRejected for the file as a whole."""
    hint, body, offset = _split_sep_hint(text)
    delimiter = delimiter or hint or detect_delimiter(body)
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter, quotechar='"', strict=True)
    columns: list[Column | None] | None = None
    rows: list[ParsedRow] = []
    previous_end = 0
    try:
        for record in reader:
            start, previous_end = previous_end + 1 + offset, reader.line_num
            if not any(cell.strip() for cell in record):
                continue  # blank lines, and Excel's rows of only separators
            if columns is None:
                columns = _read_header(record)
                continue
            if len(rows) >= MAX_ROWS:
                raise FileRejected(_("Het bestand heeft meer dan %(max)s leerlingen. Splits het in kleinere bestanden.")
                                   % {"max": f"{MAX_ROWS:,}".replace(",", ".")})
            rows.append(_parse_row(start, record, columns))
    except csv.Error as exc:
        raise FileRejected(_("Regel %(line)s is geen geldige CSV (bijvoorbeeld een aanhalingsteken dat niet wordt "
                             "afgesloten, of een waarde die veel te lang is): %(detail)s.")
                           % {"line": previous_end + 1 + offset, "detail": exc}) from None
    if columns is None:
        raise FileRejected(_("Het bestand is leeg."))
    if not rows:
        raise FileRejected(_("Het bestand heeft alleen een kopregel en geen leerlingen."))
    present = tuple(c.field for c in columns if c is not None)
    if "destination" in present and "destination_note" not in present:
        present += ("destination_note",)  # filled from a sentence in "bestemming" (_parse_row)
    return ParsedFile(delimiter=delimiter, present=present, rows=rows)


def parse_any(text: str, *, school: School, delimiter: str | None = None) -> ParsedFile:
    """The format is told by the content: EDEXML (students/edexml.py) or CSV; both give the same rows."""
    if not edexml.looks_like(text):
        return parse(text, delimiter=delimiter)
    try:
        export = edexml.read(text, brin=school.brin, soorten=list(school.onderwijssoorten), max_rows=MAX_ROWS)
    except edexml.Refused as exc:
        raise FileRejected(*exc.messages) from None
    rows = []
    for record in export.records:
        # The same cell rules as a CSV row; a cell the record could not fill has its own message already.
        row = _parse_row(record.line, list(record.cells.values()), [COLUMN_BY_KEY[n] for n in record.cells])
        row.record = record.label
        row.problems = [Problem(record.line, element, message, record.label) for element, message in record.problems] + [
            Problem(p.line, p.column, p.message, record.label) for p in row.problems]
        rows.append(row)
    present = tuple(c.field for c in COLUMNS if c.name in {n for r in export.records for n in r.cells})
    for row in rows:  # every present field has a value in each readable row, as in a CSV (plan_import relies on it)
        if row.values:
            for f in present:
                row.values.setdefault(f, None if COLUMN_BY_FIELD[f].kind == Kind.DATE else "")
    return ParsedFile(delimiter="", present=present, rows=rows, notes=export.notes, content=export.minimised)


def _parse_row(line: int, record: list[str], columns: list[Column | None]) -> ParsedRow:
    row = ParsedRow(line=line, values={})
    if len(record) > len(columns) and any(cell.strip() for cell in record[len(columns):]):
        row.problems.append(Problem(line, "", _(
            "Deze regel heeft %(cells)s waarden, de kopregel %(columns)s kolommen. Staat er een scheidingsteken in "
            "een waarde zonder aanhalingstekens eromheen?") % {"cells": len(record), "columns": len(columns)}))
        return row
    for index, column in enumerate(columns):
        raw = record[index] if index < len(record) else ""
        if column is None:
            if raw.strip():
                row.problems.append(Problem(line, "", _("Kolom %(n)s heeft geen naam in de kopregel, maar wel een waarde.")
                                            % {"n": index + 1}))
            continue
        try:
            row.values[column.field] = _clean_cell(column, raw)
        except ValueError as exc:
            row.problems.append(Problem(line, column.name, str(exc)))
    if "destination" in row.values and not row.values.get("destination_note"):
        # A sentence in "bestemming" is kept as the note when the file has no note of its own for the pupil.
        index = [c.field if c else None for c in columns].index("destination")
        row.values["destination_note"] = destinations.from_text(record[index] if index < len(record) else "")[1][:200]
    return row


# --- Comparing with the register (one query) ------------------------------------------------------

_NOT_IMPORTED = [f.name for f in Student._meta.concrete_fields if f.name not in services.STUDENT_FIELDS]


def plan_import(*, school: School, text: str, delimiter: str | None = None, today: datetime.date | None = None) -> Plan:
    """The dry run: what applying `text` to `school` would do, row by row, with every problem found."""
    today = today or timezone.localdate()
    parsed = parse_any(text, school=school, delimiter=delimiter)
    existing = {s.pupil_number: s for s in Student.objects.filter(school=school)}
    first_line: dict[str, int] = {}
    planned: list[PlannedRow] = []
    for row in parsed.rows:
        problems = list(row.problems)
        number = row.pupil_number
        if number and number in first_line:
            problems.append(Problem(row.line, "leerlingnummer", _(
                "Leerlingnummer %(number)s staat ook op regel %(line)s; elk leerlingnummer mag maar één keer in het "
                "bestand staan.") % {"number": _short(number), "line": first_line[number]}, row.record))
        elif number:
            first_line[number] = row.line
        current = existing.get(number) if number else None
        if row.problems and not row.values:
            planned.append(PlannedRow(row.line, number, "", RowAction.ERROR, problems=problems))
            continue
        candidate = _candidate(school, current, row, parsed.present)
        problems += _validate(candidate, row, today=today)
        name = f"{candidate.first_name} {candidate.last_name}".strip()
        if problems:
            planned.append(PlannedRow(row.line, number, name, RowAction.ERROR, problems=problems, existing=current))
        elif current is None:
            data = {f: getattr(candidate, f) for f in services.STUDENT_FIELDS}
            planned.append(PlannedRow(row.line, number, name, RowAction.CREATE, data=data))
        else:
            data = {f: row.values[f] for f in parsed.present if getattr(current, f) != row.values[f]}
            action = RowAction.UPDATE if data else RowAction.UNCHANGED
            planned.append(PlannedRow(row.line, number, name, action, data=data, existing=current))
    return Plan(delimiter=parsed.delimiter, present=parsed.present, rows=planned, notes=parsed.notes,
                content=parsed.content or text)


def _candidate(school: School, current: Student | None, row: ParsedRow, present: tuple[str, ...]) -> Student:
    """The pupil as it would be after this row: a column missing from the file leaves the stored value alone."""
    if current is not None:
        candidate = Student(pk=current.pk, school=school, **{f: getattr(current, f) for f in services.STUDENT_FIELDS})
    else:
        candidate = Student(school=school)
    for f in present:
        # A cell that could not be read is left empty here; its own message says what is wrong.
        setattr(candidate, f, row.values.get(f, None if COLUMN_BY_FIELD[f].kind == Kind.DATE else getattr(candidate, f)))
    return candidate


def _validate(candidate: Student, row: ParsedRow, *, today: datetime.date) -> list[Problem]:
    """The pupil form's rules, with the field names mapped back to the file's columns."""
    in_error = {p.column for p in row.problems}
    problems: list[Problem] = []
    errors: dict[str, list[str]] = {}
    try:
        candidate.clean_fields(exclude=_NOT_IMPORTED + [f for f in services.STUDENT_FIELDS if COLUMN_BY_FIELD[f].name in in_error])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        services.validate_student(candidate, today=today, check_unique=False)
    except ValidationError as exc:
        for f, messages in exc.message_dict.items():
            errors.setdefault(f, []).extend(m for m in messages if m not in errors.get(f, []))
    for f, messages in errors.items():
        column = COLUMN_BY_FIELD[f].name if f in COLUMN_BY_FIELD and f != NON_FIELD_ERRORS else ""
        if column and column in in_error:
            continue  # the cell's own message already says what is wrong
        problems.extend(Problem(row.line, column, m, row.record) for m in messages)
    return problems


# --- Services -------------------------------------------------------------------------------------


def is_expired(batch: ImportBatch, *, now: datetime.datetime | None = None) -> bool:
    return batch.created_at < (now or timezone.now()) - MAX_AGE


def plan_batch(batch: ImportBatch, *, today: datetime.date | None = None) -> Plan:
    return plan_import(school=batch.school, text=batch.content, delimiter=batch.delimiter, today=today)


def batch_create(
    *, actor: User, school: School, filename: str, raw: bytes, today: datetime.date | None = None
) -> tuple[ImportBatch | None, Plan]:
    """Read and dry-run an upload. Only a file without problems is stored, to be applied later.

    Raises FileRejected when the file as a whole is unusable; returns (None, plan) when rows have problems.
    """
    text, encoding = decode(raw)
    plan = plan_import(school=school, text=text, today=today)
    if not plan.ok:
        return None, plan
    with transaction.atomic():
        # Pending batches nobody applied hold a copy of pupil data for nothing: let them go.
        ImportBatch.objects.filter(
            school=school, state=ImportBatch.State.PENDING, created_at__lt=timezone.now() - MAX_AGE
        ).update(state=ImportBatch.State.DISCARDED, content="")
        batch = ImportBatch.objects.create(
            # EDEXML: the minimised copy (plan.content), never the BSN or other dropped fields (R-CONTENT-9).
            school=school, uploaded_by=actor, filename=filename[:255], content=plan.content,
            sha256=hashlib.sha256(raw).hexdigest(), delimiter=plan.delimiter, encoding=encoding, counts=plan.counts,
        )
        audit.record(actor, audit.Action.CREATE, batch, school=school, details={"counts": plan.counts})
    return batch, plan


def batch_apply(*, batch: ImportBatch, actor: User, today: datetime.date | None = None) -> Plan:
    """Apply a pending batch in one transaction: every row or none. Refuses a second apply (double click)."""
    now = timezone.now()
    today = today or timezone.localdate()
    try:
        with transaction.atomic():
            # Claim first: of two concurrent requests only one changes the row; the other waits and finds 0.
            claimed = ImportBatch.objects.filter(
                pk=batch.pk, state=ImportBatch.State.PENDING, created_at__gte=now - MAX_AGE
            ).update(state=ImportBatch.State.APPLIED, applied_at=now)
            if claimed != 1:
                raise ImportRefused(_refusal(batch.pk))
            plan = plan_import(school=batch.school, text=batch.content, delimiter=batch.delimiter, today=today)
            if not plan.ok:
                raise ImportRefused(ngettext(
                    "Er is niets geïmporteerd: %(n)s regel heeft een fout. Bekijk de fouten, pas het bestand aan en upload het opnieuw.",
                    "Er is niets geïmporteerd: %(n)s regels hebben een fout. Bekijk de fouten, pas het bestand aan en upload het opnieuw.",
                    plan.counts["errors"]) % {"n": plan.counts["errors"]}, plan=plan)
            for row in plan.changes:
                try:
                    if row.action == RowAction.CREATE:
                        services.student_create(actor=actor, school=batch.school, data=row.data, today=today)
                    else:
                        services.student_update(actor=actor, student=row.existing, data=row.data, today=today)
                except ValidationError as exc:
                    raise ImportRefused(_("Er is niets geïmporteerd: regel %(line)s werd geweigerd (%(why)s).") % {
                        "line": row.line, "why": " ".join(exc.messages)}, plan=plan) from None
            counts = plan.counts
            ImportBatch.objects.filter(pk=batch.pk).update(content="", counts=counts)
            audit.record(actor, audit.Action.IMPORT, batch, school=batch.school_id, details={"counts": counts})
    except IntegrityError:
        raise ImportRefused(_("Er is niets geïmporteerd: de leerlingen van de school zijn tijdens het importeren door "
                              "iemand anders gewijzigd. Probeer het opnieuw.")) from None
    batch.state, batch.applied_at, batch.content, batch.counts = ImportBatch.State.APPLIED, now, "", counts
    return plan


def _refusal(pk) -> str:
    batch = ImportBatch.objects.filter(pk=pk).first()
    if batch is None:
        return _("Deze import bestaat niet (meer).")
    if batch.state == ImportBatch.State.APPLIED:
        return _("Deze import is al uitgevoerd op %(when)s; er is niets opnieuw geïmporteerd.") % {
            "when": dates.formatted(timezone.localtime(batch.applied_at), "j F Y H:i")}
    if batch.state == ImportBatch.State.DISCARDED:
        return _("Deze import is verworpen; er is niets geïmporteerd. Upload het bestand opnieuw.")
    return _("Deze import is ouder dan 24 uur en kan niet meer worden uitgevoerd: de gegevens kunnen intussen zijn "
             "veranderd. Upload het bestand opnieuw.")


def batch_discard(*, batch: ImportBatch, actor: User) -> bool:
    """Throw a pending batch away (and its copy of the data). False when it was no longer pending."""
    with transaction.atomic():
        done = ImportBatch.objects.filter(pk=batch.pk, state=ImportBatch.State.PENDING).update(
            state=ImportBatch.State.DISCARDED, content="")
        if done:
            audit.record(actor, audit.Action.TRANSITION, batch, school=batch.school_id, details={"state": "discarded"})
    return bool(done)
