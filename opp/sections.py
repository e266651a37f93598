"""Which parts of R-CONTENT apply to which pupil, and the uitstroom lists per onderwijssoort. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from students.eligibility import COMMISSION_SOORTEN

from . import hashing, ldgm

PO = frozenset({"bao", "sbo"})
VSO_SO = COMMISSION_SOORTEN  # R-TIME-3: the sections of a (v)so plan include the commission's advice


@dataclass(frozen=True)
class Section:
    """One part of the OPP (R-CONTENT), declared once: the editor, the services, compliance, the diff, the PDF and
    the revision copy all derive from this catalogue."""

    key: str
    title: str
    rule: str
    help: str = ""
    #: The version's own fields of this section, in the editor's order.
    fields: tuple[str, ...] = ()
    #: For a section of items: the version's related name ("factors", "actions", "yields") and the item fields.
    items: str = ""
    item_fields: tuple[str, ...] = ()
    #: Part of the handelingsdeel, the part the parents consent to (R-CONSENT-4, 5): its hash binds consent.
    handelingsdeel: bool = False
    #: Not carried over into a revision: it must be given again for the new version (R-CONTENT-10 hoorrecht,
    #: R-TIME-3 the commission's advice on the revision).
    renewed_per_version: bool = False
    #: Its emptiness is a warning, not a blocker (practice, not law).
    practice_only: bool = False

    @property
    def first_rule(self) -> str:
        return self.rule.split(",")[0].strip()


SECTIONS: dict[str, Section] = {s.key: s for s in [
    Section("uitstroom", _("Uitstroomprofiel en onderbouwing"), "R-CONTENT-1, R-CONTENT-2",
            _("Het verwachte uitstroomniveau of de verwachte bestemming, en waarom."),
            fields=("uitstroom_profiel", "uitstroom_onderbouwing")),
    Section("ldgm", _("Doelgroepenmodel"), "R-CONTENT-1",
            _("Landelijk Doelgroepenmodel (LECSO), alleen in sbo, so en vso: de leerroute, de verwachte "
              "uitstroombestemming met onderbouwing en datum, en de stappen van het model met de datum waarop ze zijn "
              "gezet. Een werkwijze uit de sector, geen wettelijke eis."),
            fields=ldgm.FIELDS, practice_only=True),
    Section("factoren", _("Belemmerende en bevorderende factoren"), "R-CONTENT-3",
            _("Factoren bij het kind en in de omgeving die de ontwikkeling belemmeren of bevorderen."),
            items="factors", item_fields=hashing.FACTOR_FIELDS),
    Section("handelingsdeel", _("Handelingsdeel"), "R-CONTENT-4",
            _("De individuele ondersteuning: doel, aanpak, wie, hoe vaak/hoe lang, wanneer en hoe geëvalueerd. "
              "Ouders stemmen in met dit deel."),
            items="actions", item_fields=(*hashing.ACTION_FIELDS, *hashing.MEASURE_FIELDS), handelingsdeel=True),
    Section("programma", _("Afwijking van het onderwijsprogramma"), "R-CONTENT-5",
            _("Alleen in het reguliere po en vo (en pro). Schrijf 'Geen afwijking' als het programma niet afwijkt."),
            fields=("programma_afwijking",)),
    Section("doelen", _("Vervangende onderwijsdoelen"), "R-CONTENT-6",
            _("Alleen als de kerndoelen niet (helemaal) bruikbaar zijn; alleen in bao, sbo, so en vso."),
            fields=("doelen_nodig", "vervangende_doelen")),
    Section("onderwijstijd", _("Afwijking van de onderwijstijd"), "R-CONTENT-7",
            _("Alleen als de leerling om lichamelijke of psychische redenen niet (volledig) naar school kan en "
              "elders onderwijs krijgt."),
            fields=("onderwijstijd_nodig", "onderwijstijd_aanbod", "onderwijstijd_toetsing",
                    "onderwijstijd_begeleiding", "onderwijstijd_duur")),
    Section("leerrendement", _("Leerrendementsverwachting per vakgebied"), "R-CONTENT-10",
            _("In het po: de verwachte leerrendementen per vakgebied."),
            items="yields", item_fields=hashing.YIELD_FIELDS, practice_only=True),
    Section("rapporten", _("Weging van externe rapporten"), "R-CONTENT-10",
            _("Hoe rapporten van bijvoorbeeld een psycholoog zijn meegewogen."),
            fields=("rapporten_weging",), practice_only=True),
    Section("hoorrecht", _("De mening van de leerling (hoorrecht)"), "R-CONTENT-10",
            _("Wat de leerling vindt, hoe dat is meegewogen en hoe het besluit aan de leerling is uitgelegd. Bij elke "
              "bijstelling opnieuw."),
            fields=("leerling_mening", "leerling_weging", "leerling_uitleg"), renewed_per_version=True),
    Section("opdc", _("Plaatsing in een OPDC"), "R-SET-4",
            _("De ondersteuningsvraag aan het OPDC, de verwachte duur en of de leerling het hele programma van de "
              "school volgt (GPO 109370)."),
            fields=("opdc_vraag", "opdc_duur", "opdc_programma")),
    Section("commissie", _("Advies van de commissie"), "R-TIME-3",
            _("(v)so: het advies van de commissie voor de begeleiding (cluster 3 en 4) of de commissie van onderzoek "
              "(cluster 1 en 2) vóór de vaststelling; bij een bijstelling een nieuw advies."),
            fields=("commissie_advies_on", "commissie_advies"), renewed_per_version=True),
]}

#: Fields of the version that belong to no section: the purpose of the version (R-CONSENT-6).
GENERAL_FIELDS = ("for_swv_arrangement",)
#: The version's own fields per section, for the sections that have them.
SECTION_FIELDS: dict[str, tuple[str, ...]] = {k: s.fields for k, s in SECTIONS.items() if s.fields}
#: Sections made of items.
ITEM_SECTION_KEYS = tuple(k for k, s in SECTIONS.items() if s.items)

ORDER = list(SECTIONS)


def applicable_sections(onderwijssoort: str, *, has_opdc: bool) -> list[str]:
    """The sections an OPP of a pupil in `onderwijssoort` consists of (R-CONTENT-1..10, R-SET-4, R-TIME-3)."""
    keys = ["uitstroom", "factoren", "handelingsdeel"]
    if ldgm.applies(onderwijssoort):
        keys.append("ldgm")  # the Landelijk Doelgroepenmodel (practice, sbo/so/vso)
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


def uitstroom_label(value: str, onderwijssoort: str = "") -> str:
    """The label of an uitstroom profile in the pupil's own list (`onderwijssoort`: a vso "mbo_2" reads
    "Vervolgonderwijs: mbo niveau 2", a vo one "Mbo niveau 2"); a key from another list (the pupil changed
    onderwijssoort since) by its label anywhere; an unknown key as it is stored."""
    if not value:
        return ""
    own = dict(uitstroom_choices(onderwijssoort)).get(value)
    if own is not None:
        return str(own)
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
