"""The Landelijk Doelgroepenmodel (LDGM) of LECSO, for sbo, so and vso: a catalogue and pure rules, declared once.

What the model is, from its public description (doelgroepenmodel.lecso.nl, read December 2026):

- "De school doorloopt met het model een aantal vaste stappen die de leerling via een passende route leidt naar de
  maximaal haalbare uitstroombestemming"; the OPP holds "de doelgroep en de te bereiken uitstroombestemming"
  (https://doelgroepenmodel.lecso.nl/ and
  https://doelgroepenmodel.lecso.nl/read/werken-met-landelijk-model-doelgroepen).
- The model has **eight steps** ("De 8 stappen van het werken met het doelgroepenmodel"). Step 1 is "Het vaststellen
  van het instroomprofiel" (by the Commissie voor de Begeleiding, within the six weeks of the OPP: the pupil placed on
  the five dimensions of human functioning). After the pupil is placed in a doelgroep, the school monitors and
  evaluates at least once a year whether the pupil develops "conform, gunstiger of ongunstiger" than the OPP, with
  "(half)jaarlijkse concrete tussendoelen" (same page). The wording of steps 2–8 below is OUR rendering of what that
  page describes, not LECSO's literal titles: check them against the model before relying on their names.
- **Leerroutes 1–7** from dagbesteding to vervolgonderwijs: leerroutes 1 and 2 lead to dagbesteding aimed at
  beleving and activering, leerroute 3 to taakgerichte and possibly arbeidsmatige dagbesteding
  (https://berkenschutse.nl/het-onderwijs/voortgezet-speciaal-onderwijs/leerroutes-1-2-en-3-dagbesteding); LECSO
  notes that many pupils of leerroute 3 still go to arbeidsmatige dagbesteding rather than beschut werk
  (https://doelgroepenmodel.lecso.nl/); an so school places pupils in leerroutes 3–7
  (https://www.kempenhaeghe.nl/en/special-education/algemene-informatie/customized-education). Schools refine
  the routes (De Waterlelie uses a leerroute 4a and widened the bestemmingen of 3 and 4a,
  https://www.dewaterlelie.net/doelgroepenmodel/); we keep the seven national routes.
- The uitstroombestemmingen are the catalogue of students.destinations (dagbesteding, arbeid, vervolgonderwijs).

*(practice)* The LDGM is a sector model, not law: the WEC and the WPO ask for an uitstroomprofiel (R-CONTENT-1, 2),
not for a leerroute. So an sbo/so/vso plan without it gets a warning, never a blocker, and a bestemming outside the
usual range of the leerroute (FITS, our reading of the sources above) is only pointed out.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from students import destinations as D

#: The onderwijssoorten the model is for (LECSO: sbo, so and vso). Not asked of bao, vo or pro.
SOORTEN = frozenset({"sbo", "so", "vso"})

#: The version's fields of the LDGM, in the order of the editor and of the hash (opp.hashing.LDGM_FIELDS).
FIELDS = ("ldgm_leerroute", "ldgm_bestemming", "ldgm_onderbouwing", "ldgm_besloten_on", "ldgm_stappen")


@dataclass(frozen=True)
class Leerroute:
    key: str
    label: str
    #: The uitstroomprofiel the route leads to (students.destinations groups).
    profiel: str


LEERROUTES: tuple[Leerroute, ...] = (
    Leerroute("1", _("Leerroute 1 – dagbesteding, belevingsgericht"), D.DAGBESTEDING),
    Leerroute("2", _("Leerroute 2 – dagbesteding, activerend"), D.DAGBESTEDING),
    Leerroute("3", _("Leerroute 3 – taakgerichte of arbeidsmatige dagbesteding, beschut werk"), D.DAGBESTEDING),
    Leerroute("4", _("Leerroute 4 – arbeid"), D.ARBEID),
    Leerroute("5", _("Leerroute 5 – arbeid of vervolgonderwijs op entreeniveau"), D.ARBEID),
    Leerroute("6", _("Leerroute 6 – vervolgonderwijs (vmbo, mbo 2–3)"), D.VERVOLG),
    Leerroute("7", _("Leerroute 7 – vervolgonderwijs (vmbo-gt, havo/vwo, mbo 4)"), D.VERVOLG),
)
LEERROUTE_KEYS = tuple(r.key for r in LEERROUTES)
_ROUTES = {r.key: r for r in LEERROUTES}

#: The bestemmingen a plan may name: the LDGM's three uitstroomprofielen of students.destinations.
BESTEMMINGEN: tuple[D.Destination, ...] = tuple(d for d in D.DESTINATIONS if d.group in (D.DAGBESTEDING, D.ARBEID, D.VERVOLG))
BESTEMMING_KEYS = frozenset(d.key for d in BESTEMMINGEN)

#: Which bestemmingen usually fit a leerroute (our reading of the sources in the module docstring; a school may
#: deviate and say why in the rationale).
FITS: dict[str, frozenset[str]] = {
    "1": frozenset({"dagbesteding_belevingsgericht"}),
    "2": frozenset({"dagbesteding_belevingsgericht", "dagbesteding_taakgericht"}),
    "3": frozenset({"dagbesteding_taakgericht", "dagbesteding_arbeidsmatig", "arbeid_beschut"}),
    "4": frozenset({"dagbesteding_arbeidsmatig", "arbeid_beschut", "arbeid_begeleid", "pro"}),
    "5": frozenset({"arbeid_begeleid", "arbeid_regulier", "pro", "mbo_1", "vmbo_bb", "mbo_2"}),
    "6": frozenset({"vmbo_bb", "vmbo_kb", "mbo_2", "mbo_3"}),
    "7": frozenset({"vmbo_gl_tl", "havo", "vwo", "mbo_3", "mbo_4", "hbo", "wo"}),
}


@dataclass(frozen=True)
class Step:
    key: str
    number: int
    label: str


STEPS: tuple[Step, ...] = (
    Step("instroomprofiel", 1, _("Instroomprofiel vastgesteld (beeld van de leerling op de vijf dimensies)")),
    Step("leerroute", 2, _("Leerling ingeschaald in een leerroute (doelgroep)")),
    Step("bestemming", 3, _("Verwachte uitstroombestemming bepaald")),
    Step("opp", 4, _("Leerroute en uitstroombestemming vastgelegd in het OPP")),
    Step("tussendoelen", 5, _("(Half)jaarlijkse tussendoelen uit de leerlijnen bepaald")),
    Step("aanbod", 6, _("Onderwijsaanbod en ondersteuning ingepland")),
    Step("monitoren", 7, _("Ontwikkeling gemonitord: ligt de leerling op koers?")),
    Step("evalueren", 8, _("Geëvalueerd: conform, gunstiger of ongunstiger dan verwacht; zo nodig bijgesteld")),
)
STEP_KEYS = tuple(s.key for s in STEPS)


def applies(onderwijssoort: str) -> bool:
    return onderwijssoort in SOORTEN


def leerroute_choices() -> list[tuple[str, str]]:
    return [(r.key, r.label) for r in LEERROUTES]


def bestemming_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    return [(D.GROUP_LABELS[g], [(d.key, d.label) for d in BESTEMMINGEN if d.group == g])
            for g in (D.DAGBESTEDING, D.ARBEID, D.VERVOLG)]


def leerroute_label(key: str) -> str:
    r = _ROUTES.get(key or "")
    return str(r.label) if r else ""


def bestemming_label(key: str) -> str:
    return D.label(key) if key else ""


def fits(leerroute: str, bestemming: str) -> bool:
    """Whether the bestemming is in the usual range of the leerroute; True when either is not given."""
    if not leerroute or not bestemming:
        return True
    return bestemming in FITS.get(leerroute, frozenset())


def steps_done(stappen: dict | None) -> list[tuple[Step, datetime.date | None]]:
    """Every step with the date it was done (None: not yet), in the model's order."""
    stappen = stappen or {}
    return [(s, _as_date(stappen.get(s.key))) for s in STEPS]


def _as_date(value) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def clean_steps(stappen: dict | None) -> dict[str, str]:
    """The steps as stored: known step keys only, in the model's order, each an ISO date; empty ones left out."""
    stappen = stappen or {}
    result = {}
    for key in STEP_KEYS:
        day = _as_date(stappen.get(key))
        if day is not None:
            result[key] = day.isoformat()
    return result


def is_set(values: dict) -> bool:
    """Anything of the LDGM entered on a version (its fields as a dict)."""
    return any(values.get(f) not in (None, "", {}) for f in FIELDS)


def complete(values: dict) -> bool:
    """The LDGM part of an sbo/so/vso plan is complete *(practice)*: a leerroute, a bestemming, the rationale and the
    date it was decided."""
    return (values.get("ldgm_leerroute") in LEERROUTE_KEYS and values.get("ldgm_bestemming") in BESTEMMING_KEYS
            and bool((values.get("ldgm_onderbouwing") or "").strip()) and values.get("ldgm_besloten_on") is not None)


def hash_part(values: dict) -> list | None:
    """The LDGM's contribution to the version hash, or None when nothing of it is set: a version without LDGM hashes as
    it always did (opp.hashing.version_hash)."""
    if not is_set(values):
        return None
    day = values.get("ldgm_besloten_on")
    return [
        values.get("ldgm_leerroute") or "",
        values.get("ldgm_bestemming") or "",
        (values.get("ldgm_onderbouwing") or "").replace("\r\n", "\n").replace("\r", "\n").strip(),
        day.isoformat() if isinstance(day, datetime.date) else (day or ""),
        [[k, v] for k, v in clean_steps(values.get("ldgm_stappen")).items()],
    ]


# --- Board overview ---------------------------------------------------------------------------------------------


def profiel_of(bestemming: str) -> str:
    """The uitstroomprofiel (dagbesteding / arbeid / vervolgonderwijs, or another group) of a bestemming."""
    return D.group(bestemming)
