"""The OPP facts of one school as a file for its pupil administration (LAS: ParnasSys, Magister, Esis, Somtoday),
which passes them to DUO (ROD for po/so, BRON for vo/vso). docs/las-export.md is the file's contract: the columns
below, in this order, under exactly these names.

One row per pupil of the school who has or had a plan (ended and withdrawn plans included), describing the pupil's
newest plan; pupils without any plan are left out. The uitstroomprofiel and the LDGM fields come from the plan's
adopted version in force: a draft has not been decided, so it is not passed on. No end reason text, no plan
content: the LAS needs the facts and dates, not the reasons (R-CONTENT-9).

Three queries whatever the number of pupils, plans or versions (pupils; their plans; the adopted versions).
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import astuple, dataclass

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.models import School
from opp_portal.uploads import spreadsheet_cell
from students.models import Student

from . import ldgm
from .models import FROZEN_STATES, Plan, PlanVersion, VersionState
from .sections import uitstroom_label

BOM = "\ufeff"
DELIMITER = ";"
#: The file is for machines and the Dutch LAS: its names and descriptions are Dutch whatever the user's language.
FILE_LANGUAGE = "nl"


@dataclass(frozen=True)
class Column:
    #: The header in the file: fixed, not translated (a LAS import maps columns by these names).
    name: str
    meaning: str
    format: str
    example: str


COLUMNS: tuple[Column, ...] = (
    Column("Leerlingnummer", _("Het leerlingnummer van de eigen leerlingadministratie (zoals in het portaal "
                               "ingevoerd of geïmporteerd)."), _("tekst"), "104233"),
    Column("Achternaam", _("Achternaam van de leerling, met tussenvoegsel."), _("tekst"), "van den Berg"),
    Column("Voornaam", _("Voornaam (roepnaam) van de leerling; het portaal kent geen aparte officiële voornamen."),
           _("tekst"), "Sanne"),
    Column("Onderwijssoort", _("Onderwijssoort van de leerling in het portaal: bao, sbo, so, vso, vo of pro. Een "
                               "eigen code, geen DUO-code."), _("code"), "vso"),
    Column("OPP startdatum", _("De dag waarop het OPP in het portaal is gestart."), _("jjjj-mm-dd"), "2026-09-01"),
    Column("Datum eerste vaststelling", _("De dag waarop het bevoegd gezag de eerste versie van dit OPP vaststelde; "
                                          "leeg zolang er geen versie is vastgesteld."), _("jjjj-mm-dd"), "2026-10-06"),
    Column("Vastgestelde versie", _("Het nummer van de versie die nu geldt (de laatst vastgestelde); leeg zolang er "
                                    "geen versie is vastgesteld."), _("geheel getal"), "2"),
    Column("Datum vaststelling", _("De dag waarop de geldende versie is vastgesteld."), _("jjjj-mm-dd"), "2027-03-15"),
    Column("Einddatum OPP", _("De dag waarop het OPP is beëindigd of ingetrokken; leeg zolang het loopt."),
           _("jjjj-mm-dd"), "2027-07-10"),
    Column("Reden einde", _("beeindigd (na een evaluatie is geen extra ondersteuning meer nodig) of ingetrokken (door "
                            "het bevoegd gezag); leeg zolang het OPP loopt. De toelichting staat niet in het bestand."),
           _("code"), "beeindigd"),
    Column("Uitstroomprofiel", _("Het uitstroomprofiel uit de geldende vastgestelde versie, als code van het "
                                 "portaal (geen DUO-code)."), _("code"), "mbo_2"),
    Column("Uitstroomprofiel omschrijving", _("Dezelfde keuze in woorden."), _("tekst"),
           "Vervolgonderwijs: mbo niveau 2"),
    Column("LDGM leerroute", _("Leerroute 1–7 van het Landelijk Doelgroepenmodel (sbo, so en vso), uit de geldende "
                               "vastgestelde versie."), _("1 t/m 7"), "6"),
    Column("LDGM bestemming", _("De verwachte uitstroombestemming van het doelgroepenmodel, als code van het "
                                "portaal."), _("code"), "mbo_2"),
    Column("LDGM bestemming omschrijving", _("Dezelfde bestemming in woorden."), _("tekst"), "Mbo niveau 2"),
    Column("LDGM uitstroomprofiel", _("De groep van die bestemming: dagbesteding, arbeid of vervolgonderwijs (de drie "
                                      "uitstroomprofielen van het vso). Een eigen code, geen DUO-code."), _("code"),
           "vervolgonderwijs"),
)
HEADER = tuple(c.name for c in COLUMNS)


@dataclass(frozen=True)
class LasRow:
    """One pupil's line, field for field in the order of COLUMNS."""

    leerlingnummer: str
    achternaam: str
    voornaam: str
    onderwijssoort: str
    opp_startdatum: datetime.date | None
    datum_eerste_vaststelling: datetime.date | None
    vastgestelde_versie: int | None
    datum_vaststelling: datetime.date | None
    einddatum: datetime.date | None
    reden_einde: str
    uitstroomprofiel: str
    uitstroomprofiel_omschrijving: str
    ldgm_leerroute: str
    ldgm_bestemming: str
    ldgm_bestemming_omschrijving: str
    ldgm_uitstroomprofiel: str


# --- The rows ---------------------------------------------------------------------------------------------------


def pupils(school: School) -> QuerySet[Student]:
    """The school's pupils who have or had a plan, in the order of the pupil list."""
    return (Student.objects.filter(school=school)
            .filter(Exists(Plan.objects.filter(student=OuterRef("pk"))))
            .order_by("name_sort_key", "first_name", "pk"))


def _day(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localtime(moment).date() if moment is not None else None


def _row(student: Student) -> LasRow:
    plan = student.las_plans[0]  # newest first
    adopted = plan.las_versions  # in number order
    current = next((v for v in adopted if v.state == VersionState.VASTGESTELD), None)
    first = min((v.adopted_at for v in adopted if v.adopted_at), default=None)
    profiel = current.uitstroom_profiel if current else ""
    bestemming = current.ldgm_bestemming if current else ""
    return LasRow(
        leerlingnummer=student.pupil_number,
        achternaam=student.last_name,
        voornaam=student.first_name,
        onderwijssoort=student.onderwijssoort,
        opp_startdatum=_day(plan.created_at),
        datum_eerste_vaststelling=_day(first),
        vastgestelde_versie=current.number if current else None,
        datum_vaststelling=_day(current.adopted_at) if current else None,
        einddatum=plan.ended_on,
        reden_einde="" if plan.state == Plan.State.ACTIEF else plan.state,
        uitstroomprofiel=profiel,
        uitstroomprofiel_omschrijving=uitstroom_label(profiel, student.onderwijssoort),
        ldgm_leerroute=current.ldgm_leerroute if current else "",
        ldgm_bestemming=bestemming,
        ldgm_bestemming_omschrijving=ldgm.bestemming_label(bestemming),
        ldgm_uitstroomprofiel=ldgm.profiel_of(bestemming) if bestemming else "",
    )


def rows(school: School) -> list[LasRow]:
    """One row per pupil of `school` with a plan (running, ended or withdrawn), about the newest plan."""
    versions = (PlanVersion.objects.filter(state__in=FROZEN_STATES)
                .only("id", "plan_id", "number", "state", "adopted_at", "uitstroom_profiel", "ldgm_leerroute",
                      "ldgm_bestemming")
                .order_by("number"))
    plans = (Plan.objects.only("id", "student_id", "state", "created_at", "ended_on")
             .order_by("-created_at", "-pk")
             .prefetch_related(Prefetch("versions", queryset=versions, to_attr="las_versions")))
    students = (pupils(school)
                .only("id", "pupil_number", "last_name", "first_name", "onderwijssoort")
                .prefetch_related(Prefetch("plans", queryset=plans, to_attr="las_plans")))
    with translation.override(FILE_LANGUAGE):
        return [_row(s) for s in students]


# --- The file ---------------------------------------------------------------------------------------------------


def to_csv(las_rows: list[LasRow]) -> bytes:
    """The file: UTF-8 with a byte order mark, semicolons, the header of COLUMNS, dates as ISO 8601 (jjjj-mm-dd), and
    every cell defused for spreadsheets (a name starting with "=" never runs as a formula)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=DELIMITER, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in las_rows:
        writer.writerow([spreadsheet_cell(value) for value in astuple(row)])
    return (BOM + out.getvalue()).encode("utf-8")


def filename(school: School, today: datetime.date) -> str:
    return f"opp-las-export-{school.brin}-{today.isoformat()}.csv"
