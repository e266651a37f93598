"""EDEXML (Edustandaard's XML for pupils and groups, versions 2.0 and 2.1) read into the CSV import's cells.

The pupil administration (ParnasSys, Magister, Esis, Somtoday) exports EDEXML; this module reads it and hands
`csv_import` one record per `<leerling>` with the same column names as the CSV (`leerlingnummer`, `voornaam`, …),
so every cell rule, the dry run and the all-or-nothing apply are the CSV import's (one place for the rules).
Pure: no database. The structure read is documented in docs/import-leerlingen.md ("EDEXML").

Safety: the XML is parsed with defusedxml (no DTD, no entities, no external references), after the upload's size
limit. Data minimisation (R-CONTENT-9): only the fields the OPP needs are read; the BSN, onderwijsnummer,
nationality, weight, postcode and the like are dropped and never stored — the text kept between the dry run and
applying it is `Export.minimised`, a re-serialisation with only the fields read (each pupil on its original line,
so line numbers stay those of the uploaded file).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, ParseError, TreeBuilder
from xml.sax.saxutils import escape, quoteattr

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

#: The versions read; the version is in `<school><xsdversie>`.
VERSIONS = ("2.0", "2.1")
#: Fields of a pupil that identify them nationally: never read, never stored (R-CONTENT-9).
NATIONAL_NUMBERS = ("bsn", "sofinummer", "onderwijsnummer", "bsn_ondwnr-4", "rijksregisternummer")
#: The elements of a `<leerling>` the portal reads; everything else is dropped (and counted for the dry run).
USED = ("achternaam", "voorvoegsel", "voornamen", "roepnaam", "geboortedatum", "jaargroep", "groep",
        "samengestelde_groepen", "vestiging", "instroomdatum")
#: EDEXML jaargroep → the kind of school it belongs to: primary (0–8, S) or secondary (11–16, V).
_PRIMARY, _SECONDARY = ("bao", "sbo", "so"), ("vo", "pro", "vso")
JAARGROEP_LEVEL = {**{str(n): _PRIMARY for n in range(9)}, "S": ("sbo", "so"),
                   **{str(n): _SECONDARY for n in range(11, 17)}, "V": ("vso",)}
#: Our own processing instruction in the minimised copy: which fields were dropped from the upload, and how often.
_PI = "opp-portaal"
_XS_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:Z|[+-]\d{2}:\d{2})?$")


class Refused(Exception):
    """The file as a whole is not an EDEXML file the portal reads for this school."""

    def __init__(self, *messages: str):
        super().__init__(" ".join(messages))
        self.messages = list(messages)


@dataclass
class Record:
    """One `<leerling>`: the CSV cells it maps to, and what is wrong with it (element, message)."""

    line: int
    key: str
    cells: dict[str, str] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return _("leerling %(key)s") % {"key": self.key or "?"}


@dataclass
class Export:
    version: str
    brin: str
    records: list[Record]
    notes: list[str]
    minimised: str


def looks_like(text: str) -> bool:
    """EDEXML is told from CSV by its content: XML starts with "<"; a CSV header never does."""
    return text.lstrip("\ufeff \t\r\n").startswith("<")


class _Target:
    """defusedxml's parser feeds this: a tree as ElementTree builds it, plus each element's line in the file."""

    def __init__(self):
        self.builder = TreeBuilder()
        self.lines: dict[Element, int] = {}
        self.pis: list[str] = []
        self.parser = None

    def start(self, tag, attrib):
        element = self.builder.start(tag.rsplit("}", 1)[-1], attrib)
        self.lines[element] = self.parser.parser.CurrentLineNumber
        return element

    def end(self, tag):
        return self.builder.end(tag.rsplit("}", 1)[-1])

    def data(self, data):
        self.builder.data(data)

    def pi(self, target, text):
        if target == _PI:
            self.pis.append(text or "")

    def close(self):
        return self.builder.close()


def _parse(text: str) -> tuple[Element, _Target]:
    target = _Target()
    parser = safe_xml.XMLParser(target=target, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    target.parser = parser
    try:
        parser.feed(text.lstrip("\ufeff"))
        return parser.close(), target
    except DefusedXmlException:
        raise Refused(_("Het bestand bevat een DTD, entiteiten of verwijzingen naar andere bestanden. Een export uit "
                        "een leerlingadministratie heeft die niet; het portaal leest dit bestand daarom niet.")) from None
    except ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else "?"
        raise Refused(_("Het bestand is geen geldige XML (regel %(line)s). Maak de export opnieuw aan in de "
                        "leerlingadministratie.") % {"line": line}) from None


def _text(parent: Element | None, name: str) -> str:
    child = parent.find(name) if parent is not None else None
    return (child.text or "").strip() if child is not None else ""


def _date(value: str) -> str:
    m = _XS_DATE.match(value)
    return m[1] if m else value  # anything else: the CSV import's date check says what is wrong


def read(text: str, *, brin: str, soorten: list[str], max_rows: int) -> Export:
    """The pupils of an EDEXML file for the school with `brin` that offers `soorten`. Raises Refused."""
    root, target = _parse(text)
    if root.tag != "EDEX":
        raise Refused(_("Dit is geen EDEXML-bestand: het hoofdelement heet ‘%(tag)s’ in plaats van ‘EDEX’.")
                      % {"tag": root.tag[:40]})
    school = root.find("school")
    version = _text(school, "xsdversie")
    if school is None or not version:
        raise Refused(_("In dit EDEXML-bestand staat geen versie (<school><xsdversie>). Het portaal leest EDEXML "
                        "%(versions)s.") % {"versions": _(" en ").join(VERSIONS)})
    if version not in VERSIONS:
        raise Refused(_("Dit is EDEXML versie %(version)s; het portaal leest alleen EDEXML %(versions)s. Exporteer "
                        "uit de leerlingadministratie in versie 2.1.") % {"version": version[:32],
                                                                         "versions": _(" en ").join(VERSIONS)})
    file_brin = _text(school, "brincode").upper()
    if not file_brin:
        raise Refused(_("In dit EDEXML-bestand staat geen BRIN-code (<school><brincode>)."))
    if file_brin != brin.upper():
        raise Refused(_("Dit bestand is van de school met BRIN-code %(file)s, maar u importeert voor de school met "
                        "BRIN-code %(school)s. Kies de juiste school of het bestand van deze school.")
                      % {"file": file_brin[:8], "school": brin})
    pupils = root.find("leerlingen")
    leerlingen = pupils.findall("leerling") if pupils is not None else []
    if not leerlingen:
        raise Refused(_("Het EDEXML-bestand bevat geen leerlingen (<leerlingen><leerling>)."))
    if len(leerlingen) > max_rows:
        raise Refused(_("Het bestand heeft meer dan %(max)s leerlingen. Splits het in kleinere bestanden.")
                      % {"max": f"{max_rows:,}".replace(",", ".")})

    groups = {g.get("key"): g for g in root.iterfind("groepen/groep")}
    composite = {g.get("key"): g for g in root.iterfind("groepen/samengestelde_groep")}
    branches = {v.get("key"): _text(v, "naam") for v in root.iterfind("vestigingen/vestiging")}
    dropped: Counter[str] = Counter()
    for note in target.pis:  # a minimised copy says what was dropped from the upload it came from
        for name, _sep, count in (part.partition(":") for part in note.split()):
            dropped[name] += int(count) if count.isdigit() else 0
    records, per_branch, used_composite = [], Counter(), 0
    for pupil in leerlingen:
        record, branch, from_composite = _record(pupil, target.lines.get(pupil, 0), groups, composite, branches,
                                                 soorten, dropped)
        records.append(record)
        if branch:
            per_branch[branch] += 1
        used_composite += from_composite

    notes = [ngettext("EDEXML %(version)s-bestand van BRIN-code %(brin)s met %(n)s leerling.",
                      "EDEXML %(version)s-bestand van BRIN-code %(brin)s met %(n)s leerlingen.", len(records))
             % {"version": version, "brin": file_brin, "n": len(records)}]
    if per_branch:
        notes.append(_("Vestigingen: %(list)s. Het portaal neemt de vestiging niet over; de leerlingen horen bij de "
                       "school.") % {"list": "; ".join(
                           ngettext("%(name)s: %(n)s leerling", "%(name)s: %(n)s leerlingen", n)
                           % {"name": branches.get(key) or key, "n": n} for key, n in sorted(per_branch.items()))})
    if used_composite:
        notes.append(ngettext("%(n)s leerling zonder eigen groep krijgt de naam van de samengestelde groep als groep.",
                              "%(n)s leerlingen zonder eigen groep krijgen de naam van de samengestelde groep als groep.",
                              used_composite) % {"n": used_composite})
    national = sorted(name for name in dropped if name in NATIONAL_NUMBERS)
    if national:
        notes.append(_("Het burgerservicenummer of onderwijsnummer (%(fields)s) in het bestand is niet overgenomen en "
                       "wordt nergens opgeslagen (R-CONTENT-9).") % {"fields": ", ".join(national)})
    other = sorted(name for name in dropped if name not in NATIONAL_NUMBERS)
    if other:
        notes.append(_("Niet nodig voor het OPP en daarom niet overgenomen: %(fields)s.") % {"fields": ", ".join(other)})
    return Export(version=version, brin=file_brin, records=records, notes=notes,
                  minimised=_minimise(version, file_brin, leerlingen, target.lines, groups, composite, branches, dropped))


def _record(pupil, line, groups, composite, branches, soorten, dropped) -> tuple[Record, str, bool]:
    key = (pupil.get("key") or "").strip()
    record = Record(line=line, key=key)
    for child in pupil:
        if child.tag not in USED:
            dropped[child.tag] += 1
    if pupil.get("eckid"):
        dropped["eckid"] += 1

    def problem(column: str, message: str):  # under the CSV column it maps to, so nothing is reported twice
        record.problems.append((column, _("Leerling %(key)s: %(message)s") % {"key": key or "?", "message": message}))

    if not key:
        problem("leerlingnummer", _("de leerling heeft geen key (leerlingnummer)."))
    first = _text(pupil, "roepnaam") or _text(pupil, "voornamen")
    last = " ".join(part for part in (_text(pupil, "voorvoegsel"), _text(pupil, "achternaam")) if part)
    if not first:
        problem("voornaam", _("er staat geen roepnaam en geen voornamen in het bestand."))
    if not _text(pupil, "achternaam"):
        problem("achternaam", _("er staat geen achternaam in het bestand."))
    born, enrolled = _text(pupil, "geboortedatum"), _text(pupil, "instroomdatum")
    if not born:
        problem("geboortedatum", _("de geboortedatum ontbreekt; het portaal heeft die nodig (leeftijd, termijnen)."))
    if not enrolled:
        problem("inschrijfdatum", _("de instroomdatum ontbreekt; het portaal heeft die nodig als datum van inschrijving "
                                   "(de zes weken voor het OPP, R-TIME-1)."))

    group_name, from_composite = "", False
    group_ref = pupil.find("groep")
    jaargroep = _text(pupil, "jaargroep")
    if group_ref is not None:
        group = groups.get(group_ref.get("key"))
        if group is None:
            problem("groep", _("groep ‘%(key)s’ staat niet bij de groepen in het bestand.") % {"key": group_ref.get("key")})
        else:
            group_name = _text(group, "naam")
            jaargroep = jaargroep or _text(group, "jaargroep")
    if not group_name:
        for ref in pupil.iterfind("samengestelde_groepen/samengestelde_groep"):
            if ref.get("key") in composite:
                group_name, from_composite = _text(composite[ref.get("key")], "naam"), True
                break
            problem("groep", _("samengestelde groep ‘%(key)s’ staat niet bij de groepen in het bestand.")
                    % {"key": ref.get("key")})
    branch_ref = pupil.find("vestiging")
    branch = branch_ref.get("key", "") if branch_ref is not None else ""
    if branch and branch not in branches:
        problem("", _("vestiging ‘%(key)s’ staat niet bij de vestigingen in het bestand.") % {"key": branch})

    soort = _soort(jaargroep, soorten)
    if not soort:
        problem("onderwijssoort", _("uit jaargroep ‘%(jaargroep)s’ volgt niet welke onderwijssoort de leerling volgt (de school "
                               "biedt %(soorten)s). Importeer deze leerling met een CSV-bestand.")
                % {"jaargroep": jaargroep or "–", "soorten": ", ".join(soorten)})
    # Only cells that can be read: a missing one already has its own message above.
    cells = {"leerlingnummer": key, "voornaam": first, "achternaam": last, "geboortedatum": _date(born),
             "onderwijssoort": soort, "groep": group_name, "inschrijfdatum": _date(enrolled)}
    record.cells = {name: value for name, value in cells.items() if value or name == "groep"}
    return record, branch, from_composite


def _soort(jaargroep: str, soorten: list[str]) -> str:
    """The school's only onderwijssoort; with several, the one the jaargroep points to (else "")."""
    if len(soorten) == 1:
        return soorten[0]
    candidates = [s for s in soorten if s in JAARGROEP_LEVEL.get(jaargroep.upper(), ())]
    return candidates[0] if len(candidates) == 1 else ""


def _minimise(version, brin, leerlingen, lines, groups, composite, branches, dropped) -> str:
    """The upload with only what the portal reads (no BSN, nationality, …); each pupil on its original line."""
    head = ['<?xml version="1.0" encoding="UTF-8"?>']
    if dropped:
        head.append(f"<?{_PI} {' '.join(f'{name}:{n}' for name, n in sorted(dropped.items()))}?>")
    parts = [f"<EDEX><school><brincode>{escape(brin)}</brincode><xsdversie>{escape(version)}</xsdversie></school>"]
    if branches:
        parts.append("<vestigingen>" + "".join(f"<vestiging key={quoteattr(k)}><naam>{escape(n)}</naam></vestiging>"
                                               for k, n in branches.items() if k) + "</vestigingen>")
    parts.append("<groepen>" + "".join(
        f"<groep key={quoteattr(k)}><naam>{escape(_text(g, 'naam'))}</naam><jaargroep>{escape(_text(g, 'jaargroep'))}"
        "</jaargroep></groep>" for k, g in groups.items() if k) + "".join(
        f"<samengestelde_groep key={quoteattr(k)}><naam>{escape(_text(g, 'naam'))}</naam></samengestelde_groep>"
        for k, g in composite.items() if k) + "</groepen><leerlingen>")
    out = "\n".join(head) + "\n" + "".join(parts)
    line = out.count("\n") + 1
    for pupil in leerlingen:
        target = lines.get(pupil, 0)
        if target > line:
            out += "\n" * (target - line)
            line = target
        out += _pupil_xml(pupil)
    return out + "</leerlingen></EDEX>\n"


def _pupil_xml(pupil: Element) -> str:
    attrs = f" key={quoteattr(pupil.get('key'))}" if pupil.get("key") is not None else ""
    inner = ""
    for name in USED:
        child = pupil.find(name)
        if child is None:
            continue
        if name == "samengestelde_groepen":
            inner += "<samengestelde_groepen>" + "".join(
                f"<samengestelde_groep key={quoteattr(ref.get('key') or '')}/>"
                for ref in child.iterfind("samengestelde_groep")) + "</samengestelde_groepen>"
        elif name in ("groep", "vestiging"):
            inner += f"<{name} key={quoteattr(child.get('key') or '')}/>"
        else:
            inner += f"<{name}>{escape((child.text or '').strip())}</{name}>"
    return f"<leerling{attrs}>{inner}</leerling>"
