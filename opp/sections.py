"""Which parts of R-CONTENT apply to which pupil, and the uitstroom lists per onderwijssoort. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

PO = frozenset({"bao", "sbo"})
VSO_SO = frozenset({"so", "vso"})


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    rule: str
    help: str = ""


SECTIONS: dict[str, Section] = {s.key: s for s in [
    Section("uitstroom", _("Uitstroomprofiel en onderbouwing"), "R-CONTENT-1, R-CONTENT-2",
            _("Het verwachte uitstroomniveau of de verwachte bestemming, en waarom.")),
    Section("factoren", _("Belemmerende en bevorderende factoren"), "R-CONTENT-3",
            _("Factoren bij het kind en in de omgeving die de ontwikkeling belemmeren of bevorderen.")),
    Section("handelingsdeel", _("Handelingsdeel"), "R-CONTENT-4",
            _("De individuele ondersteuning: doel, aanpak, wie, hoe vaak/hoe lang, wanneer en hoe geëvalueerd. "
              "Ouders stemmen in met dit deel.")),
    Section("programma", _("Afwijking van het onderwijsprogramma"), "R-CONTENT-5",
            _("Alleen in het reguliere po en vo (en pro). Schrijf 'Geen afwijking' als het programma niet afwijkt.")),
    Section("doelen", _("Vervangende onderwijsdoelen"), "R-CONTENT-6",
            _("Alleen als de kerndoelen niet (helemaal) bruikbaar zijn; alleen in bao, sbo, so en vso.")),
    Section("onderwijstijd", _("Afwijking van de onderwijstijd"), "R-CONTENT-7",
            _("Alleen als de leerling om lichamelijke of psychische redenen niet (volledig) naar school kan en "
              "elders onderwijs krijgt.")),
    Section("leerrendement", _("Leerrendementsverwachting per vakgebied"), "R-CONTENT-10",
            _("In het po: de verwachte leerrendementen per vakgebied.")),
    Section("rapporten", _("Weging van externe rapporten"), "R-CONTENT-10",
            _("Hoe rapporten van bijvoorbeeld een psycholoog zijn meegewogen.")),
    Section("hoorrecht", _("De mening van de leerling (hoorrecht)"), "R-CONTENT-10",
            _("Wat de leerling vindt, hoe dat is meegewogen en hoe het besluit aan de leerling is uitgelegd.")),
    Section("opdc", _("Plaatsing in een OPDC"), "R-SET-4",
            _("De ondersteuningsvraag aan het OPDC, de verwachte duur en of de leerling het hele programma van de "
              "school volgt (GPO 109370).")),
    Section("commissie", _("Advies van de commissie"), "R-TIME-3",
            _("(v)so: het advies van de commissie voor de begeleiding (cluster 3 en 4) of de commissie van onderzoek "
              "(cluster 1 en 2) vóór de vaststelling.")),
]}

ORDER = list(SECTIONS)


def applicable_sections(onderwijssoort: str, *, has_opdc: bool) -> list[str]:
    """The sections an OPP of a pupil in `onderwijssoort` consists of (R-CONTENT-1..10, R-SET-4, R-TIME-3)."""
    keys = ["uitstroom", "factoren", "handelingsdeel"]
    if onderwijssoort in ("bao", "vo", "pro"):
        keys.append("programma")  # regular po and vo; pro counts as vo (R-CONTENT-5, design)
    if onderwijssoort in ("bao", "sbo", "so", "vso"):
        keys.append("doelen")  # R-CONTENT-6
    keys.append("onderwijstijd")  # R-CONTENT-7: for every pupil, filled in only when it applies
    if onderwijssoort in PO:
        keys += ["leerrendement", "rapporten"]  # R-CONTENT-10 (practice, po)
    keys.append("hoorrecht")  # R-CONTENT-10 (law since 1-8-2025)
    if has_opdc:
        keys.append("opdc")  # R-SET-4
    if onderwijssoort in VSO_SO:
        keys.append("commissie")  # R-TIME-3
    return [k for k in ORDER if k in keys]


#: Sections that are always part of the OPP but may be "not applicable" by their own content.
OPTIONAL_BY_CONTENT = frozenset({"doelen", "onderwijstijd"})
#: Sections whose emptiness is a warning, not a blocker (practice, not law).
PRACTICE_ONLY = frozenset({"leerrendement", "rapporten"})


#: Secondary school types a primary or so pupil may go on to (shared by the po and so lists).
_VO_TYPES = [
    ("pro", _("Praktijkonderwijs")),
    ("vmbo_bb", _("Vmbo basisberoepsgerichte leerweg")),
    ("vmbo_kb", _("Vmbo kaderberoepsgerichte leerweg")),
    ("vmbo_gl_tl", _("Vmbo gemengde/theoretische leerweg")),
    ("havo", _("Havo")),
    ("vwo", _("Vwo")),
]

UITSTROOM_CHOICES: dict[str, list[tuple[str, str]]] = {
    "po": [("vso", _("Voortgezet speciaal onderwijs (vso)")), *_VO_TYPES],
    "vo": [
        ("mbo_1", _("Mbo niveau 1 (entree)")),
        ("mbo_2", _("Mbo niveau 2")),
        ("mbo_3", _("Mbo niveau 3")),
        ("mbo_4", _("Mbo niveau 4")),
        ("hbo", _("Hbo")),
        ("wo", _("Wo")),
        ("arbeid", _("Arbeid")),
    ],
    "pro": [
        ("arbeid", _("Arbeid")),
        ("mbo_1", _("Mbo niveau 1 (entree)")),
        ("mbo_2", _("Mbo niveau 2")),
        ("arbeid_begeleid", _("Arbeid met begeleiding")),
    ],
    "so": [
        ("vso_vervolg", _("Vso – uitstroomprofiel vervolgonderwijs")),
        ("vso_arbeid", _("Vso – uitstroomprofiel arbeidsmarkt")),
        ("vso_dagbesteding", _("Vso – uitstroomprofiel dagbesteding")),
        *_VO_TYPES,
    ],
    "vso": [
        ("mbo_1", _("Vervolgonderwijs: mbo niveau 1")),
        ("mbo_2", _("Vervolgonderwijs: mbo niveau 2")),
        ("mbo_3", _("Vervolgonderwijs: mbo niveau 3")),
        ("mbo_4", _("Vervolgonderwijs: mbo niveau 4")),
        ("hbo", _("Vervolgonderwijs: hbo")),
        ("arbeid", _("Arbeid")),
        ("arbeid_begeleid", _("Arbeid met begeleiding")),
        ("dagbesteding_arbeidsmatig", _("Dagbesteding: arbeidsmatig")),
        ("dagbesteding_taakgericht", _("Dagbesteding: taakgericht")),
        ("dagbesteding_activerend", _("Dagbesteding: activerend")),
    ],
}


def uitstroom_choices(onderwijssoort: str) -> list[tuple[str, str]]:
    key = "po" if onderwijssoort in PO else onderwijssoort
    return UITSTROOM_CHOICES.get(key, [])


def uitstroom_label(value: str) -> str:
    for choices in UITSTROOM_CHOICES.values():
        for key, label in choices:
            if key == value:
                return str(label)
    return value


LEERGEBIEDEN = [
    ("technisch_lezen", _("Technisch lezen")),
    ("begrijpend_lezen", _("Begrijpend lezen")),
    ("spelling", _("Spelling")),
    ("rekenen", _("Rekenen-wiskunde")),
    ("taal", _("Mondelinge taal")),
    ("sociaal_emotioneel", _("Sociaal-emotionele ontwikkeling")),
    ("overig", _("Overig")),
]
