"""The goal bank (tekstbank): standard texts for goals, approaches and factors kept by a board or by one school, and
inserted in the editor as a starting point the user must make their own — never filled in by itself (R-CONTENT-4).

Selectors (who manages which texts, which texts an editor may insert), services (every write, audited in its
transaction), the provenance an item keeps of the text it came from (outside every hash: opp.hashing lists its fields
explicitly), and the CSV format boards share a bank in:

    soort;gebied;onderwijssoort;korte_naam;tekst

semicolon-separated, UTF-8 with BOM (Excel opens it as it is), the codes in the cells (doel, technisch_lezen, sbo; an
empty onderwijssoort fits all); an import also takes the Dutch labels ("Doel", "Technisch lezen").
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from accounts import access
from accounts.access import get_in_reach, not_found
from accounts.models import Board, Membership, Onderwijssoort, School, User
from audit import log as audit
from opp_portal import uploads
from students.models import Student

from . import compliance
from .models import ActionItem, BankText, FactorItem, PlanVersion

MAX_TEXT = 5_000
MAX_IMPORT_ROWS = 2_000
MAX_IMPORT_BYTES = 2 * uploads.MB
PAGE_SIZE = 25

MSG_FOREIGN_TEXT = _("Een onderdeel verwijst naar een tekst uit de tekstbank die u hier niet kunt gebruiken. Er is "
                     "niets opgeslagen; uw tekst staat er nog.")

# --- Provenance (R-CONTENT-4): which item field came from which text, as inserted ------------------------------------

#: Per item relation of a version: (the item's text field, its bank text field, its "as inserted" field) and the kind
#: of text that field takes.
PROVENANCE: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "actions": (("goal", "goal_bank_text", "goal_bank_original", BankText.Kind.DOEL),
                ("approach", "approach_bank_text", "approach_bank_original", BankText.Kind.AANPAK)),
    "factors": (("text", "bank_text", "bank_original", BankText.Kind.FACTOR),),
}
#: The editor's sections with item rows that can come from the bank.
SECTION_RELATED = {"handelingsdeel": "actions", "factoren": "factors"}


def _lines(text) -> str:
    return str(text or "").replace("\r\n", "\n").replace("\r", "\n")


class BankIdField(forms.IntegerField):
    """The hidden id of the bank text an item field came from; checked by the service (checked_provenance)."""

    def __init__(self, **kwargs):
        super().__init__(widget=forms.HiddenInput, required=False, min_value=1, **kwargs)


class BankOriginalField(forms.CharField):
    """The hidden wording of a bank text as inserted, with the browser's line ends made plain again."""

    def __init__(self, **kwargs):
        super().__init__(widget=forms.HiddenInput, required=False, strip=False, max_length=MAX_TEXT, **kwargs)

    def to_python(self, value):
        return _lines(super().to_python(value))


def provenance_row(related: str, item) -> dict:
    """An item's provenance as the editor's row holds it (hidden fields)."""
    return {f: v for _t, id_f, orig_f, _k in PROVENANCE.get(related, ())
            for f, v in ((id_f, getattr(item, f"{id_f}_id")), (orig_f, getattr(item, orig_f)))}


def provenance_of(related: str, item) -> dict:
    """An item's provenance as model keyword arguments (the copy into a revision, opp.services.revision_start)."""
    return {f: getattr(item, f) for _t, id_f, orig_f, _k in PROVENANCE.get(related, ()) for f in (f"{id_f}_id", orig_f)}


def provenance_values(related: str, row: dict) -> dict:
    """A checked editor row's provenance as model keyword arguments (after checked_provenance)."""
    return {k: v for _t, id_f, orig_f, _k in PROVENANCE.get(related, ())
            for k, v in ((f"{id_f}_id", row.get(id_f) or None), (orig_f, row.get(orig_f) or "" if row.get(id_f) else ""))}


def readable_texts(student: Student) -> QuerySet[BankText]:
    """The texts an editor of this pupil's plan may insert: in use, of the pupil's school or its board, for the pupil's
    onderwijssoort or for all. Only for users with Cap.PLAN_EDIT at the school (the editor checks that)."""
    return BankText.objects.filter(
        Q(school_id=student.school_id) | Q(board_id=student.school.board_id),
        Q(onderwijssoort="") | Q(onderwijssoort=student.onderwijssoort), active=True)


def _stored_originals(plan_id: int, ids: set[int]) -> dict[int, set[str]]:
    """The wordings as inserted that items of this plan keep, per bank text: a text since put out of use (or changed
    in the bank) stays on the items that came from it."""
    found: dict[int, set[str]] = {}
    for model, related in ((ActionItem, "actions"), (FactorItem, "factors")):
        for _t, id_f, orig_f, _k in PROVENANCE[related]:
            rows = model.objects.filter(version__plan_id=plan_id, **{f"{id_f}_id__in": ids}).values_list(
                f"{id_f}_id", orig_f)
            for pk, original in rows:
                found.setdefault(pk, set()).add(original)
    return found


def checked_provenance(*, version: PlanVersion, section: str, items: list[dict]) -> list[dict]:
    """The rows of an item section with their provenance checked (opp.services.version_save_section): a posted bank id
    must be a text the editor may insert here (readable_texts) or one this plan's items already came from; the wording
    "as inserted" is the text's own or one already stored — anything else the browser sends is replaced by the text's
    wording, so a forged original cannot hide an unchanged text. A bank id of the wrong kind is refused."""
    related = SECTION_RELATED.get(section)
    if related is None:
        return items
    parts = PROVENANCE[related]
    try:
        ids = {int(item[id_f]) for item in items for _t, id_f, _o, _k in parts if item.get(id_f)}
    except (TypeError, ValueError):
        raise ValidationError(MSG_FOREIGN_TEXT) from None
    readable = {t.pk: t for t in readable_texts(version.plan.student).filter(pk__in=ids)} if ids else {}
    stored = _stored_originals(version.plan_id, ids - set(readable)) if ids else {}
    kinds = dict(BankText.objects.filter(pk__in=ids).values_list("pk", "kind")) if ids else {}
    result = []
    for item in items:
        row = dict(item)
        for _t, id_f, orig_f, kind in parts:
            pk = int(row[id_f]) if row.get(id_f) else None
            if pk is None:
                row[id_f], row[orig_f] = None, ""
                continue
            if (pk not in readable and pk not in stored) or kinds.get(pk) != kind:
                raise ValidationError(MSG_FOREIGN_TEXT)
            allowed = stored.get(pk, set()) | ({_lines(readable[pk].text)} if pk in readable else set())
            original = _lines(row.get(orig_f))
            row[id_f] = pk
            row[orig_f] = original if original in allowed else (
                _lines(readable[pk].text) if pk in readable else sorted(allowed)[0])
        result.append(row)
    return result


def provenance_facts(version: PlanVersion) -> tuple[dict, ...]:
    """The handelingsdeel items' texts and provenance, for the compliance check (compliance.bank_texts_unchanged).
    Uses the prefetched items when present."""
    return tuple({
        "goal": a.goal, "approach": a.approach,
        "goal_from_bank": a.goal_bank_text_id is not None, "goal_bank_original": a.goal_bank_original,
        "approach_from_bank": a.approach_bank_text_id is not None, "approach_bank_original": a.approach_bank_original,
    } for a in version.actions.all())


def field_unchanged(text, bank_id, original) -> bool:
    """An item field (in the editor) that holds a bank text unchanged: it is marked so."""
    return bool(bank_id) and not compliance.bank_text_changed(text, original)


# --- Picking a text in the editor -------------------------------------------------------------------------------------


@dataclass
class PickerGroup:
    label: str
    texts: list[BankText]


def picker(student: Student, *, query: str = "") -> dict[str, list[PickerGroup]]:
    """The texts of each kind an editor may insert for this pupil, grouped by area, optionally only those whose name or
    text holds `query`. One query."""
    qs = readable_texts(student).select_related("board", "school")
    query = (query or "").strip()[:100]
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(text__icontains=query))
    areas = dict(BankText.Area.choices)
    result: dict[str, list[PickerGroup]] = {k: [] for k in BankText.Kind.values}
    for text in qs.order_by("kind", "area", "title", "pk"):
        groups = result[text.kind]
        if not groups or groups[-1].label != areas[text.area]:
            groups.append(PickerGroup(str(areas[text.area]), []))
        groups[-1].texts.append(text)
    return result


#: What an "insert" button of the editor (name bank_insert) asks for: the kind of text and the section it goes into.
INSERT_TARGETS = {"doel": ("handelingsdeel", "goal"), "aanpak": ("handelingsdeel", "approach"),
                  "factor": ("factoren", "text")}


def _row_empty(data, prefix: str) -> bool:
    return not any(str(v).strip() for k, v in data.items()
                   if k.startswith(prefix) and not k.endswith(("-ORDER", "-DELETE", "-kind", "-domain",
                                                                "-measure_instrument", "-measure_direction")))


def insert_into(data, *, text: BankText, row: int | None = None) -> tuple[object, int]:
    """The editor's posted data with `text` inserted as a starting point (nothing is saved): a goal or a factor into a
    new row (the empty new row when there is one), an approach into row `row` (0-based, as the user chose). Returns the
    new data (a copy) and the row's index. Raises ValueError when the chosen row does not exist. Text the user typed
    in the target field is kept, the bank text goes below it."""
    section, target = INSERT_TARGETS[text.kind]
    related = SECTION_RELATED[section]
    _t, id_f, orig_f, _k = next(p for p in PROVENANCE[related] if p[0] == target)
    data = data.copy()
    try:
        total = int(data.get(f"{section}-TOTAL_FORMS", 0))
    except (TypeError, ValueError):
        total = 0
    if text.kind == BankText.Kind.AANPAK:
        if row is None or not 0 <= row < total:
            raise ValueError(row)
        index = row
    else:
        empties = [i for i in range(total) if _row_empty(data, f"{section}-{i}-")]
        index = empties[-1] if empties and empties[-1] == total - 1 else total
        if index == total:
            data[f"{section}-TOTAL_FORMS"] = str(total + 1)
        orders = []
        for i in range(total):
            try:
                orders.append(int(data.get(f"{section}-{i}-ORDER") or 0))
            except ValueError:
                continue
        data[f"{section}-{index}-ORDER"] = str(max(orders + [total - 1 if index == total else index]) + 1)
        if text.kind == BankText.Kind.FACTOR:
            data.setdefault(f"{section}-{index}-kind", FactorItem.Kind.choices[0][0])
            data.setdefault(f"{section}-{index}-domain", FactorItem.Domain.choices[0][0])
    # What the user typed there stays: an approach is added below it (and so counts as changed already).
    typed = _lines(data.get(f"{section}-{index}-{target}", "")).strip()
    data[f"{section}-{index}-{target}"] = f"{typed}\n\n{_lines(text.text)}" if typed else _lines(text.text)
    data[f"{section}-{index}-{id_f}"] = str(text.pk)
    data[f"{section}-{index}-{orig_f}"] = _lines(text.text)
    return data, index


# --- Managing: scope, selectors ---------------------------------------------------------------------------------------


def manages_any(user: User) -> bool:
    boards, schools = access.textbank_scope(user)
    return bool(boards or schools)


def managed_texts(user: User) -> QuerySet[BankText]:
    """Every list of the bank starts here: the texts of the boards and schools whose bank the user manages."""
    boards, schools = access.textbank_scope(user)
    if not boards and not schools:
        return BankText.objects.none()
    return BankText.objects.filter(Q(board_id__in=boards) | Q(school_id__in=schools))


def text_for_manager(user: User, pk) -> BankText:
    """One text the user manages; 404 outside their banks (naming the text's school when it has one)."""
    return get_in_reach(managed_texts(user).select_related("board", "school"), pk, school_path="school_id")


@dataclass(frozen=True)
class Owner:
    board: Board | None = None
    school: School | None = None

    @property
    def key(self) -> str:
        return f"bestuur-{self.board.pk}" if self.board else f"school-{self.school.pk}"

    @property
    def label(self) -> str:
        return (_("Bestuur: %(name)s") % {"name": self.board.name} if self.board
                else _("School: %(name)s") % {"name": self.school.name})

    @property
    def school_id(self) -> int | None:
        return self.school.pk if self.school else None

    @property
    def board_id(self) -> int | None:
        return self.board.pk if self.board else None

    def filter(self) -> Q:
        return Q(board=self.board) if self.board else Q(school=self.school)


def owners_of(user: User) -> list[Owner]:
    """The banks the user manages: their board's, then their schools'."""
    boards, schools = access.textbank_scope(user)
    return ([Owner(board=b) for b in Board.objects.filter(pk__in=boards).order_by("name")]
            + [Owner(school=s) for s in School.objects.filter(pk__in=schools).order_by("name")])


def owner_for(user: User, key: str) -> Owner | None:
    return next((o for o in owners_of(user) if o.key == key), None)


def owner_of_text(text: BankText) -> Owner:
    return Owner(board=text.board) if text.board_id else Owner(school=text.school)


def filtered(qs: QuerySet[BankText], *, kind: str = "", area: str = "", soort: str = "", query: str = "",
             owner: str = "", active: str = "") -> QuerySet[BankText]:
    """The list's filters (all optional, each already one of its choices)."""
    if kind:
        qs = qs.filter(kind=kind)
    if area:
        qs = qs.filter(area=area)
    if soort == "alle":
        qs = qs.filter(onderwijssoort="")
    elif soort:
        qs = qs.filter(onderwijssoort=soort)
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(text__icontains=query))
    if owner.startswith("bestuur-"):
        qs = qs.filter(board_id=owner.removeprefix("bestuur-"))
    elif owner.startswith("school-"):
        qs = qs.filter(school_id=owner.removeprefix("school-"))
    if active == "ja":
        qs = qs.filter(active=True)
    elif active == "nee":
        qs = qs.filter(active=False)
    return qs


# --- Managing: services -----------------------------------------------------------------------------------------------

TEXT_FIELDS = ("kind", "area", "onderwijssoort", "title", "text")


def _audit_text(actor: User, action: str, text: BankText, **details) -> None:
    """Bank texts are no pupil data; their changes are logged with their school (or, for a board's text, the board)."""
    audit.record(actor, action, text, school=text.school_id,
                 details={"board": text.board_id, "kind": text.kind, **details})


def _require_owner(actor: User, owner: Owner) -> None:
    if owner.key not in {o.key for o in owners_of(actor)}:
        raise access.forbidden(owner.school_id)


@transaction.atomic
def text_save(*, actor: User, owner: Owner, data: dict, text: BankText | None = None) -> BankText:
    """Add a text to a bank, or change one (its owner stays). Refused outside the actor's banks."""
    if text is not None:
        text = BankText.objects.select_for_update(of=("self",)).select_related("board", "school").get(pk=text.pk)
        owner = owner_of_text(text)
    _require_owner(actor, owner)
    data = {k: _lines(v).strip() if isinstance(v, str) else v for k, v in data.items() if k in TEXT_FIELDS}
    creating = text is None
    if creating:
        text = BankText(board=owner.board, school=owner.school, created_by=actor)
    changed = sorted(k for k, v in data.items() if getattr(text, k) != v)
    for key, value in data.items():
        setattr(text, key, value)
    _check_length(text)
    text.full_clean()
    text.save()
    _audit_text(actor, audit.Action.CREATE if creating else audit.Action.UPDATE, text,
                **({} if creating else {"fields": changed}))
    return text


def _check_length(text: BankText) -> None:
    if len(text.text) > MAX_TEXT:
        raise ValidationError({"text": _("Deze tekst is te lang (maximaal %(n)s tekens).") % {"n": "5.000"}})


@transaction.atomic
def text_set_active(*, actor: User, text: BankText, active: bool) -> BankText:
    """Put a text out of use, or back in use. A text is never deleted: items that came from it keep it (PROTECT)."""
    text = BankText.objects.select_for_update(of=("self",)).select_related("board", "school").get(pk=text.pk)
    _require_owner(actor, owner_of_text(text))
    if text.active != active:
        text.active = active
        text.save(update_fields=["active", "updated_at"])
        _audit_text(actor, audit.Action.UPDATE, text, fields=["active"], active=active)
    return text


# --- Grants: the schoolleider lets other staff manage the school's bank --------------------------------------------


def grantable_memberships(user: User) -> QuerySet[Membership]:
    """The approved memberships of staff at the schools where the user is schoolleider, who may be granted the bank."""
    schools = access.textbank_grant_schools(user)
    roles = [r for r in Membership._meta.get_field("role").choices if access.may_hold_textbank_grant(r[0])]
    return (Membership.objects.approved()
            .filter(school_id__in=schools, role__in=[r for r, _label in roles], user__is_active=True)
            .select_related("user", "school").order_by("school__name", "user__last_name", "user__first_name", "pk"))


def grantable_membership(user: User, pk) -> Membership:
    schools = access.textbank_grant_schools(user)
    if not schools:
        raise not_found(None)
    return get_in_reach(grantable_memberships(user), pk, school_path="school_id")


@transaction.atomic
def grant_set(*, actor: User, membership: Membership, granted: bool) -> Membership:
    """Give or withdraw managing the school's goal bank (Membership.textbank_grant): only the school's schoolleider."""
    membership = Membership.objects.select_for_update(of=("self",)).select_related("school", "user").get(pk=membership.pk)
    if membership.school_id not in access.textbank_grant_schools(actor):
        raise access.forbidden(membership.school_id)
    if not access.may_hold_textbank_grant(membership.role) or not membership.is_approved:
        raise ValidationError(_("Alleen een goedgekeurde intern begeleider, leerkracht of commissielid kan deze "
                                "toestemming krijgen."))
    if membership.textbank_grant != granted:
        membership.textbank_grant = granted
        membership.save(update_fields=["textbank_grant"])
        audit.record(actor, audit.Action.UPDATE, membership, school=membership.school_id,
                     details={"fields": ["textbank_grant"], "textbank_grant": granted})
    return membership


# --- CSV ----------------------------------------------------------------------------------------------------------

COLUMNS = ("soort", "gebied", "onderwijssoort", "korte_naam", "tekst")
_COLUMN_FIELD = dict(zip(COLUMNS, TEXT_FIELDS, strict=True))
#: The onderwijssoort cell of a text that fits all.
ALL_SOORTEN = ("", "alle", "alle onderwijssoorten")


def export_csv(texts) -> str:
    """The texts as the shared CSV: UTF-8 with BOM, semicolons, codes; every cell formula-safe
    (opp_portal.uploads.spreadsheet_cell)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for t in texts:
        writer.writerow([uploads.spreadsheet_cell(v) for v in (t.kind, t.area, t.onderwijssoort, t.title, t.text)])
    return out.getvalue()


def _lookup(choices) -> dict[str, str]:
    """Codes and Dutch labels (any case) → code."""
    table = {}
    for code, label in choices:
        table[str(code).lower()] = code
        table[str(label).lower()] = code
    return table


def _unformula(value: str) -> str:
    """A cell the export made formula-safe ("'=…") reads back as it was."""
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r":
        return value[1:]
    return value


@dataclass
class ImportRow:
    line: int
    data: dict
    duplicate: bool = False


@dataclass
class ImportPlan:
    rows: list[ImportRow] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)

    @property
    def new(self) -> list[ImportRow]:
        return [r for r in self.rows if not r.duplicate]

    @property
    def duplicates(self) -> int:
        return sum(r.duplicate for r in self.rows)


def _identity(data: dict) -> tuple:
    return tuple(_lines(data[f]).strip() for f in TEXT_FIELDS)


def read_upload(upload) -> str:
    """The text of an uploaded bank CSV, with the upload checks every CSV import has (opp_portal.uploads)."""
    uploads.validate(upload, kind=uploads.Kind.CSV, max_bytes=MAX_IMPORT_BYTES)
    upload.seek(0)
    text, _encoding = uploads.decode_text(upload.read(), max_bytes=MAX_IMPORT_BYTES)
    return text


def plan_import(*, owner: Owner, text: str) -> ImportPlan:
    """The dry run: every row checked (problems in Dutch with the line number), and which rows are already in the bank
    exactly (skipped, so importing a file twice adds nothing)."""
    plan = ImportPlan()
    text = _lines(text).lstrip("\ufeff")
    if len(text) > MAX_IMPORT_BYTES:
        plan.problems.append((0, _("Het bestand is te groot.")))
        return plan
    first, _nl, rest = text.partition("\n")
    offset = 0
    if first.strip().lower() in ("sep=;", "sep=,"):
        text, offset = rest, 1
    header_line = next((line for line in text.split("\n") if line.strip()), "")
    delimiter = ";" if header_line.count(";") >= header_line.count(",") else ","
    records = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    while records and not any(c.strip() for c in records[0]):
        records.pop(0)
        offset += 1
    if not records:
        plan.problems.append((0, _("Het bestand is leeg.")))
        return plan
    header = [c.strip().lower().replace(" ", "_") for c in records[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        plan.problems.append((1 + offset, _("De kopregel mist de kolom(men) %(cols)s. Gebruik de kolommen %(all)s.")
                              % {"cols": ", ".join(missing), "all": ";".join(COLUMNS)}))
        return plan
    where = {c: header.index(c) for c in COLUMNS}
    if len(records) - 1 > MAX_IMPORT_ROWS:
        plan.problems.append((0, _("Het bestand heeft meer dan %(n)s regels. Splits het bestand.")
                              % {"n": MAX_IMPORT_ROWS}))
        return plan
    kinds, areas = _lookup(BankText.Kind.choices), _lookup(BankText.Area.choices)
    soorten = _lookup(Onderwijssoort.choices)
    existing = {_identity({f: getattr(t, f) for f in TEXT_FIELDS})
                for t in BankText.objects.filter(owner.filter()).only(*TEXT_FIELDS)}
    seen: set[tuple] = set()
    for number, record in enumerate(records[1:], 2 + offset):
        if not any(c.strip() for c in record):
            continue
        cells = {c: _unformula(record[i].strip()) if i < len(record) else "" for c, i in where.items()}
        problems = []
        kind = kinds.get(cells["soort"].lower())
        if kind is None:
            problems.append(_("soort ‘%(v)s’ is onbekend (doel, aanpak of factor)") % {"v": cells["soort"][:40]})
        area = areas.get(cells["gebied"].lower())
        if area is None:
            problems.append(_("gebied ‘%(v)s’ is onbekend") % {"v": cells["gebied"][:40]})
        soort_cell = cells["onderwijssoort"].lower()
        soort = "" if soort_cell in ALL_SOORTEN else soorten.get(soort_cell)
        if soort is None:
            problems.append(_("onderwijssoort ‘%(v)s’ is onbekend (bao, sbo, so, vso, vo, pro of leeg voor alle)")
                            % {"v": cells["onderwijssoort"][:40]})
        if not cells["korte_naam"]:
            problems.append(_("de korte naam ontbreekt"))
        elif len(cells["korte_naam"]) > 120:
            problems.append(_("de korte naam is langer dan 120 tekens"))
        if not cells["tekst"]:
            problems.append(_("de tekst ontbreekt"))
        elif len(cells["tekst"]) > MAX_TEXT:
            problems.append(_("de tekst is langer dan 5.000 tekens"))
        if problems:
            message = "; ".join(problems)
            plan.problems.append((number, message[:1].upper() + message[1:] + "."))
            continue
        data = {"kind": kind, "area": area, "onderwijssoort": soort, "title": cells["korte_naam"],
                "text": cells["tekst"]}
        identity = _identity(data)
        plan.rows.append(ImportRow(number, data, duplicate=identity in existing or identity in seen))
        seen.add(identity)
    if not plan.rows and not plan.problems:
        plan.problems.append((0, _("Het bestand bevat geen teksten.")))
    return plan


@transaction.atomic
def import_apply(*, actor: User, owner: Owner, text: str) -> ImportPlan:
    """Add the file's new texts to the bank, all or nothing: checked again now (the dry run may be old), refused when
    any row has a problem; exact duplicates are skipped. One audit row."""
    _require_owner(actor, owner)
    # Serialise imports into one bank: two at once could both add the same row.
    if owner.board:
        Board.objects.select_for_update().filter(pk=owner.board.pk).exists()
    else:
        School.objects.select_for_update().filter(pk=owner.school.pk).exists()
    plan = plan_import(owner=owner, text=text)
    if not plan.ok:
        raise ValidationError(_("Er is niets geïmporteerd: het bestand heeft fouten. Verbeter ze en probeer het opnieuw."))
    BankText.objects.bulk_create([BankText(board=owner.board, school=owner.school, created_by=actor, **r.data)
                                  for r in plan.new])
    audit.record(actor, audit.Action.IMPORT, None, school=owner.school_id,
                 details={"object": "opp.banktext", "board": owner.board_id, "added": len(plan.new),
                          "skipped": plan.duplicates})
    return plan
