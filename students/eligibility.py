"""Does this pupil need an OPP, and why? (R-ELIG-1..5, R-TIME-5)

Pure functions on plain values: no ORM, no clock. The services feed them from the models and store
the outcome; the pupil page shows the reasons, each citing its rule.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from opp_portal import dates

#: Every pupil of these onderwijssoorten has an OPP (R-ELIG-1).
ALWAYS_OPP = frozenset({"sbo", "pro", "so", "vso"})
#: Regular education: an OPP only with extra support (R-ELIG-1, -2, -3).
REGULAR = frozenset({"bao", "vo"})
#: Where a commission (voor de begeleiding, cluster 3–4; van onderzoek, cluster 1–2) advises before the OPP is set
#: and evaluates it every year (R-TIME-3, R-EVAL-3).
COMMISSION_SOORTEN = frozenset({"so", "vso"})

SOORT_LABELS = {
    "bao": "het basisonderwijs", "sbo": "het speciaal basisonderwijs", "so": "het speciaal onderwijs",
    "vso": "het voortgezet speciaal onderwijs", "vo": "het voortgezet onderwijs", "pro": "het praktijkonderwijs",
}


@dataclass(frozen=True)
class PlacementFact:
    kind: str  # "opdc" | "observatie" | "verwijdering"
    start_on: datetime.date
    investigation_recorded: bool = False


@dataclass(frozen=True)
class PupilFacts:
    onderwijssoort: str
    extra_support: bool
    lwoo: bool = False
    dyslexie: bool = False
    dyscalculie: bool = False
    hoogbegaafd: bool = False
    placements: tuple[PlacementFact, ...] = ()


@dataclass(frozen=True)
class Reason:
    text: str
    rule: str

    def as_dict(self) -> dict:
        return {"text": self.text, "rule": self.rule}


@dataclass(frozen=True)
class Decision:
    required: bool
    reasons: tuple[Reason, ...] = field(default_factory=tuple)

    @property
    def label(self) -> str:
        return _("OPP verplicht") if self.required else _("Geen OPP nodig")


def _flag_labels(f: PupilFacts) -> list[str]:
    labels = []
    if f.lwoo:
        labels.append(_("leerwegondersteuning (lwoo)"))
    if f.dyslexie:
        labels.append(_("dyslexie"))
    if f.dyscalculie:
        labels.append(_("dyscalculie"))
    if f.hoogbegaafd:
        labels.append(_("hoogbegaafdheid"))
    return labels


def decide(f: PupilFacts) -> Decision:
    reasons: list[Reason] = []
    required = False
    flags = _flag_labels(f)
    soort = SOORT_LABELS.get(f.onderwijssoort, f.onderwijssoort)

    if f.onderwijssoort in ALWAYS_OPP:
        required = True
        reasons.append(Reason(_("Elke leerling in %(soort)s heeft een OPP.") % {"soort": soort}, "R-ELIG-1"))
    elif f.extra_support:
        required = True
        reasons.append(Reason(
            _("De leerling krijgt extra ondersteuning, boven de basisondersteuning van de school.") , "R-ELIG-1"))
        if flags:
            reasons.append(Reason(
                _("%(flags)s is op zich geen reden voor een OPP, maar de leerling krijgt daarnaast extra ondersteuning: "
                  "dan is een OPP toch verplicht.") % {"flags": _capitalise(_join(flags))}, "R-ELIG-3"))
    else:
        reasons.append(Reason(
            _("De ondersteuning valt onder de basisondersteuning: in principe is geen OPP nodig."), "R-ELIG-2"))
        if flags:
            reasons.append(Reason(
                _("%(flags)s is op zich geen reden voor een OPP.") % {"flags": _capitalise(_join(flags))}, "R-ELIG-2"))

    # An OPDC or observation placement is support beyond the basisondersteuning and must rest on an OPP, so a
    # removal alongside it rests on that OPP too, whichever event came first (the decision is order-free).
    needs_opp = required or any(p.kind in ("opdc", "observatie") for p in f.placements)
    for p in f.placements:
        if p.kind == "opdc":
            required = True
            reasons.append(Reason(
                _("Plaatsing in een OPDC (vanaf %(date)s): daaraan moet een OPP ten grondslag liggen (GPO 109370).")
                % {"date": dates.formatted(p.start_on)}, "R-TIME-5"))
        elif p.kind == "observatie":
            required = True
            reasons.append(Reason(
                _("Tijdelijke observatieplaatsing in het sbo (vanaf %(date)s): daaraan moet een OPP ten grondslag liggen "
                  "(GPO 109137).") % {"date": dates.formatted(p.start_on)}, "R-TIME-5"))
        elif p.kind == "verwijdering":
            if needs_opp:
                reasons.append(Reason(
                    _("Verwijderingsprocedure (vanaf %(date)s): verwijdering van een leerling met extra "
                      "ondersteuningsbehoefte moet berusten op een OPP en op deugdelijk onderzoek naar de resterende "
                      "ondersteuningsmogelijkheden (GPO 109401, 108148).") % {"date": dates.formatted(p.start_on)}, "R-TIME-5"))
            else:
                reasons.append(Reason(
                    _("Verwijderingsprocedure (vanaf %(date)s): er is geen extra ondersteuningsbehoefte vastgelegd, dus "
                      "het OPP-vereiste voor verwijdering geldt niet. Klopt dat niet, leg dan de extra ondersteuning vast.")
                    % {"date": dates.formatted(p.start_on)}, "R-TIME-5"))
    return Decision(required=required, reasons=tuple(reasons))


def _join(items: Iterable[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return _("%(first)s en %(last)s") % {"first": ", ".join(items[:-1]), "last": items[-1]}


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def parents_are_told(*, handelingsbekwaam: bool, consent_party: str, parents_informed: bool) -> bool:
    """R-TIME-4: the parents of an adult, handelingsbekwame pupil are told (and see the plan in the portal) only with
    the pupil's permission, or when they consent together with the pupil; the parents of any other pupil always.
    students.models.PARENTS_NOT_TOLD is the same rule as a database filter."""
    if not handelingsbekwaam:
        return True
    return consent_party == "leerling_en_ouders" or parents_informed


def placement_alerts(f: PupilFacts, *, rests_on_opp: Callable[[datetime.date], bool]) -> list[Reason]:
    """Placements that must rest on an adopted OPP but did not (no OPP in force on their start day: `rests_on_opp`,
    from students.history), and removals without their investigation (R-TIME-5). Shown at once on the pupil page,
    not after six weeks."""
    alerts: list[Reason] = []
    extra_need = decide(PupilFacts(**{**f.__dict__, "placements": ()})).required
    for p in f.placements:
        needs_opp = p.kind in ("opdc", "observatie") or (p.kind == "verwijdering" and extra_need)
        if needs_opp and not rests_on_opp(p.start_on):
            alerts.append(Reason(
                _("%(what)s per %(date)s zonder vastgesteld OPP dat eraan ten grondslag ligt.")
                % {"what": _PLACEMENT_LABELS[p.kind], "date": dates.formatted(p.start_on)}, "R-TIME-5"))
        if p.kind == "verwijdering" and extra_need and not p.investigation_recorded:
            alerts.append(Reason(
                _("Verwijderingsprocedure zonder vastgelegd onderzoek naar het OPP en de resterende "
                  "ondersteuningsmogelijkheden (GPO 108148, 107469)."), "R-TIME-5"))
    return alerts


_PLACEMENT_LABELS = {
    "opdc": _lazy("Plaatsing in een OPDC"),
    "observatie": _lazy("Tijdelijke observatieplaatsing in het sbo"),
    "verwijdering": _lazy("Verwijderingsprocedure"),
}
