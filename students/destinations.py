"""Where a pupil went after leaving the school (`Student.destination`): one catalogue, declared once. Pure.

The same list names the expected uitstroombestemming of the Landelijk Doelgroepenmodel on an OPP (opp.ldgm imports
it from here: students stands below opp), so that a board can count the expected against the actual destinations.

The kinds of dagbesteding follow SLO's vso uitstroomprofiel dagbesteding (arbeidsmatig; taak- of
activiteitsgericht; belevingsgericht, https://slo.nl/sectoren/vso/uitstroomprofielen/dagbesteding/); the entree
opleiding (mbo 1) counts as vervolgonderwijs, not arbeid (LECSO, https://www.lecso.nl/nieuws/357444). Next to those:
the school types a pupil of bao, sbo, so, vso or vo may go on to, a move, and "overig" with the free text kept in
`Student.destination_note`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Destination:
    key: str
    label: str
    #: "dagbesteding" | "arbeid" | "vervolgonderwijs" | "school" | "overig": the LDGM's uitstroomprofielen
    #: (dagbesteding, arbeid, vervolgonderwijs) and the rest.
    group: str


DAGBESTEDING, ARBEID, VERVOLG, SCHOOL, OVERIG_GROUP = "dagbesteding", "arbeid", "vervolgonderwijs", "school", "overig"

GROUP_LABELS = {
    DAGBESTEDING: _("Dagbesteding"),
    ARBEID: _("Arbeid"),
    VERVOLG: _("Vervolgonderwijs"),
    SCHOOL: _("Andere school (po, so, vso)"),
    OVERIG_GROUP: _("Overig"),
}

OVERIG = "overig"

DESTINATIONS: tuple[Destination, ...] = (
    Destination("dagbesteding_belevingsgericht", _("Dagbesteding: belevingsgericht"), DAGBESTEDING),
    Destination("dagbesteding_taakgericht", _("Dagbesteding: taak- of activiteitsgericht"), DAGBESTEDING),
    Destination("dagbesteding_arbeidsmatig", _("Dagbesteding: arbeidsmatig"), DAGBESTEDING),
    Destination("arbeid_beschut", _("Arbeid: beschut werk"), ARBEID),
    Destination("arbeid_begeleid", _("Arbeid met ondersteuning (banenafspraak, begeleid werk)"), ARBEID),
    Destination("arbeid_regulier", _("Arbeid: regulier"), ARBEID),
    Destination("pro", _("Praktijkonderwijs"), VERVOLG),
    Destination("vmbo_bb", _("Vmbo basisberoepsgerichte leerweg"), VERVOLG),
    Destination("vmbo_kb", _("Vmbo kaderberoepsgerichte leerweg"), VERVOLG),
    Destination("vmbo_gl_tl", _("Vmbo gemengde/theoretische leerweg"), VERVOLG),
    Destination("havo", _("Havo"), VERVOLG),
    Destination("vwo", _("Vwo"), VERVOLG),
    Destination("mbo_1", _("Mbo niveau 1 (entree)"), VERVOLG),
    Destination("mbo_2", _("Mbo niveau 2"), VERVOLG),
    Destination("mbo_3", _("Mbo niveau 3"), VERVOLG),
    Destination("mbo_4", _("Mbo niveau 4"), VERVOLG),
    Destination("hbo", _("Hbo"), VERVOLG),
    Destination("wo", _("Wo"), VERVOLG),
    Destination("bao", _("Basisonderwijs"), SCHOOL),
    Destination("sbo", _("Speciaal basisonderwijs"), SCHOOL),
    Destination("so", _("Speciaal onderwijs"), SCHOOL),
    Destination("vso", _("Voortgezet speciaal onderwijs"), SCHOOL),
    Destination("verhuisd", _("Verhuisd (nieuwe school nog niet bekend)"), OVERIG_GROUP),
    Destination("buitenland", _("Vertrokken naar het buitenland"), OVERIG_GROUP),
    Destination(OVERIG, _("Overig (zie toelichting)"), OVERIG_GROUP),
)

BY_KEY: dict[str, Destination] = {d.key: d for d in DESTINATIONS}
KEYS = frozenset(BY_KEY)
MAX_KEY = max(len(k) for k in KEYS)


def choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The model's and the forms' choices, grouped (an <optgroup> per group)."""
    return [(GROUP_LABELS[g], [(d.key, d.label) for d in DESTINATIONS if d.group == g]) for g in GROUP_LABELS]


def flat_choices() -> list[tuple[str, str]]:
    return [(d.key, d.label) for d in DESTINATIONS]


def label(key: str) -> str:
    d = BY_KEY.get(key)
    return str(d.label) if d else key


def group(key: str) -> str:
    d = BY_KEY.get(key)
    return d.group if d else ""


# --- From free text (the data migration, the CSV import, callers that still pass a sentence) ---------------------

#: Patterns tried in order on the lowercased text; the first that matches decides. Specific before general.
_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"beleving", "dagbesteding_belevingsgericht"),
    (r"arbeidsmatig", "dagbesteding_arbeidsmatig"),
    (r"(taak|activiteit|activerend)\w*\s*(gericht)?.*dagbesteding|dagbesteding.*(taak|activiteit|activerend)",
     "dagbesteding_taakgericht"),
    (r"dagbesteding", "dagbesteding_taakgericht"),
    (r"beschut", "arbeid_beschut"),
    (r"begeleid|banenafspraak|jobcoach|met ondersteuning|loonkostensubsidie|sw-bedrijf|sociale werkplaats",
     "arbeid_begeleid"),
    (r"\bentree|\bmbo[\s-]*(niveau\s*)?1\b", "mbo_1"),
    (r"\bmbo[\s-]*(niveau\s*)?2\b", "mbo_2"),
    (r"\bmbo[\s-]*(niveau\s*)?3\b", "mbo_3"),
    (r"\bmbo[\s-]*(niveau\s*)?4\b", "mbo_4"),
    (r"\bhbo\b|hogeschool", "hbo"),
    (r"\bwo\b|universiteit", "wo"),
    (r"praktijkonderwijs|\bpro\b", "pro"),
    (r"\bbasisberoeps|\bvmbo[\s-]*bb?\b", "vmbo_bb"),
    (r"\bkader|\bvmbo[\s-]*kb?\b", "vmbo_kb"),
    (r"\bvmbo[\s-]*(gl|tl|gt|t)\b|theoretisch|gemengde", "vmbo_gl_tl"),
    (r"\bhavo\b", "havo"),
    (r"\bvwo\b|gymnasium|atheneum", "vwo"),
    (r"\bmbo\b", "mbo_2"),
    (r"\bvso\b|voortgezet speciaal", "vso"),
    (r"\bsbo\b|speciaal basis", "sbo"),
    (r"\bso\b|speciaal onderwijs", "so"),
    (r"\bbao\b|basisschool|basisonderwijs", "bao"),
    (r"buitenland|emigr", "buitenland"),
    (r"\barbeid\b|\bwerk\b|\bbaan\b|betaald werk", "arbeid_regulier"),
    (r"verhuisd|verhuizing", "verhuisd"),
)


def from_text(text: str) -> tuple[str, str]:
    """A free text as (key, note): the catalogue entry it names and the text itself as the note, unless the text
    is no more than the entry's own label or key. Empty stays empty; a text that names nothing becomes "overig"
    with the whole text kept, so nothing the school once wrote is lost."""
    text = (text or "").strip()
    if not text:
        return "", ""
    lowered = text.lower()
    if lowered in KEYS:
        return lowered, ""
    for d in DESTINATIONS:
        if lowered == str(d.label).lower():
            return d.key, ""
    for pattern, key in _PATTERNS:
        if re.search(pattern, lowered):
            return key, text
    return OVERIG, text  # also "vmbo" without a leerweg: the catalogue has no vmbo in general
