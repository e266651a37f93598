"""Compliance findings for an OPP version: what the GPO would hold against it. Pure functions.

Each check takes a `Snapshot` (plain values, no ORM) and yields `Finding`s with a severity, a Dutch
message, the rule (R-…) and — only where DOMAIN.md names them — GPO advice numbers. Later features
register their own checks with `@check` (consent: 109493; evaluations: R-EVAL-1).
A version with a blocking finding cannot be submitted for adoption.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from . import sections as S

BLOCKING = "blocking"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    message: str
    rule: str
    gpo: tuple[str, ...] = ()
    section: str = ""

    @property
    def blocking(self) -> bool:
        return self.severity == BLOCKING


@dataclass(frozen=True)
class ConsultationFact:
    held_on: datetime.date
    agreement: str  # "ja" | "deels" | "nee"
    parents_present: bool = True


@dataclass(frozen=True)
class PlacementFact:
    kind: str
    start_on: datetime.date
    investigation_recorded: bool = False


@dataclass(frozen=True)
class Snapshot:
    onderwijssoort: str
    state: str
    scalars: dict
    factors: tuple[dict, ...] = ()
    actions: tuple[dict, ...] = ()
    yields: tuple[dict, ...] = ()
    consultations: tuple[ConsultationFact, ...] = ()
    placements: tuple[PlacementFact, ...] = ()
    extra_need: bool = True
    adopted_on: datetime.date | None = None  # first adoption of any version of the plan
    due_on: datetime.date | None = None
    today: datetime.date = field(default_factory=datetime.date.today)
    # Filled in by later features; None means "not known yet" and their checks stay silent.
    extra: dict = field(default_factory=dict)

    @property
    def has_opdc(self) -> bool:
        return any(p.kind == "opdc" for p in self.placements)

    @property
    def applicable(self) -> list[str]:
        return S.applicable_sections(self.onderwijssoort, has_opdc=self.has_opdc)


Check = Callable[[Snapshot], Iterable[Finding]]
REGISTRY: list[Check] = []


def check(fn: Check) -> Check:
    REGISTRY.append(fn)
    return fn


def findings(snapshot: Snapshot) -> list[Finding]:
    result: list[Finding] = []
    for fn in REGISTRY:
        result.extend(fn(snapshot))
    return sorted(result, key=lambda f: (f.severity != BLOCKING, S.ORDER.index(f.section) if f.section in S.ORDER else 99))


def has_blocking(found: Iterable[Finding]) -> bool:
    return any(f.blocking for f in found)


# --- Section completeness -------------------------------------------------------------------------


def _filled(value) -> bool:
    return value is not None and (not isinstance(value, str) or bool(value.strip()))


def section_complete(key: str, s: Snapshot) -> bool:
    v = s.scalars
    if key == "uitstroom":
        valid = {c for c, _label in S.uitstroom_choices(s.onderwijssoort)}
        return v.get("uitstroom_profiel") in valid and _filled(v.get("uitstroom_onderbouwing"))
    if key == "factoren":
        kinds = {f.get("kind") for f in s.factors if _filled(f.get("text"))}
        return {"belemmerend", "bevorderend"} <= kinds
    if key == "handelingsdeel":
        from .hashing import ACTION_FIELDS

        return bool(s.actions) and all(all(_filled(a.get(f)) for f in ACTION_FIELDS) for a in s.actions)
    if key == "programma":
        return _filled(v.get("programma_afwijking"))
    if key == "doelen":
        return v.get("doelen_nodig") is False or (v.get("doelen_nodig") is True and _filled(v.get("vervangende_doelen")))
    if key == "onderwijstijd":
        if v.get("onderwijstijd_nodig") is False:
            return True
        return v.get("onderwijstijd_nodig") is True and all(
            _filled(v.get(f)) for f in ("onderwijstijd_aanbod", "onderwijstijd_toetsing", "onderwijstijd_begeleiding",
                                        "onderwijstijd_duur"))
    if key == "leerrendement":
        return any(_filled(y.get("expectation")) for y in s.yields)
    if key == "rapporten":
        return _filled(v.get("rapporten_weging"))
    if key == "hoorrecht":
        return all(_filled(v.get(f)) for f in ("leerling_mening", "leerling_weging", "leerling_uitleg"))
    if key == "opdc":
        return _filled(v.get("opdc_vraag")) and _filled(v.get("opdc_duur")) and v.get("opdc_programma") is not None
    if key == "commissie":
        return v.get("commissie_advies_on") is not None and _filled(v.get("commissie_advies"))
    return False


def section_filled(key: str, s: Snapshot) -> bool:
    """Anything at all entered in the section (to spot content in a section that does not apply)."""
    v = s.scalars
    fields = {
        "programma": ("programma_afwijking",),
        "doelen": ("vervangende_doelen",),
        "leerrendement": (),
        "rapporten": ("rapporten_weging",),
        "opdc": ("opdc_vraag", "opdc_duur"),
        "commissie": ("commissie_advies",),
    }.get(key)
    if fields is None:
        return False
    if key == "leerrendement":
        return bool(s.yields)
    if key == "doelen" and v.get("doelen_nodig") is True:
        return True
    return any(_filled(v.get(f)) for f in fields)


@check
def mandatory_sections(s: Snapshot):
    for key in s.applicable:
        if key == "commissie" or section_complete(key, s):  # commissie: see commission_advice
            continue
        sec = S.SECTIONS[key]
        practice = key in S.PRACTICE_ONLY
        yield Finding(
            code=f"section_incomplete:{key}",
            severity=WARNING if practice else BLOCKING,
            message=_("Onderdeel ‘%(title)s’ is niet (volledig) ingevuld.") % {"title": sec.title},
            rule=sec.rule.split(",")[0].strip() if key != "hoorrecht" else "R-CONTENT-10",
            section=key,
        )


@check
def sections_not_applicable(s: Snapshot):
    applicable = set(s.applicable)
    for key in ("programma", "doelen", "leerrendement", "rapporten", "opdc", "commissie"):
        if key not in applicable and section_filled(key, s):
            sec = S.SECTIONS[key]
            yield Finding(
                code=f"section_not_applicable:{key}",
                severity=BLOCKING,
                message=_("Onderdeel ‘%(title)s’ is ingevuld, maar hoort niet bij een OPP in %(soort)s. Maak het leeg.")
                % {"title": sec.title, "soort": s.onderwijssoort},
                rule=sec.rule.split(",")[0].strip(),
                section=key,
            )


# --- Consultation (OOGO) ----------------------------------------------------------------------------


@check
def consultation(s: Snapshot):
    meetings = [c for c in s.consultations if c.parents_present]
    if not meetings:
        yield Finding("no_consultation", BLOCKING,
                      _("Er is nog geen overleg met de ouders vastgelegd. Vaststellen kan pas na op overeenstemming "
                        "gericht overleg."), "R-TIME-2")
        return
    if len(meetings) == 1 and meetings[0].agreement != "ja":
        yield Finding("single_meeting_without_agreement", BLOCKING,
                      _("Er is maar één overleg geweest en daarin is geen overeenstemming bereikt. Dat is geen open en "
                        "reëel overleg: plan een nieuw overleg met de ouders."), "R-CONSENT-2", ("107087", "107619"))


# --- Commission advice ((v)so) --------------------------------------------------------------------------


@check
def commission_advice(s: Snapshot):
    if s.onderwijssoort in S.VSO_SO and not section_complete("commissie", s):
        # The section check already blocks; this names the rule of the advice itself.
        yield Finding("no_commission_advice", BLOCKING,
                      _("Voor een OPP in het (v)so is vóór de vaststelling advies van de commissie nodig."),
                      "R-TIME-3", section="commissie")


# --- Placements and removal (R-TIME-5) ----------------------------------------------------------------

_KIND_LABELS = {
    "opdc": ("Plaatsing in een OPDC", ("109370",)),
    "observatie": ("Tijdelijke observatieplaatsing in het sbo", ("109137",)),
    "verwijdering": ("Verwijdering", ("109401", "108702", "108252", "107649")),
}


@check
def placements_rest_on_opp(s: Snapshot):
    for p in s.placements:
        if p.kind == "verwijdering" and not s.extra_need:
            continue
        if s.adopted_on is None or s.adopted_on > p.start_on:
            label, gpo = _KIND_LABELS[p.kind]
            yield Finding(f"placement_without_opp:{p.kind}", WARNING,
                          _("%(what)s per %(date)s zonder vastgesteld OPP dat eraan ten grondslag ligt.")
                          % {"what": _(label), "date": date_format(p.start_on, "j F Y")}, "R-TIME-5", gpo)
        if p.kind == "verwijdering" and not p.investigation_recorded:
            yield Finding("removal_without_investigation", WARNING,
                          _("Bij de verwijderingsprocedure is geen deugdelijk onderzoek naar het OPP en de resterende "
                            "ondersteuningsmogelijkheden vastgelegd."), "R-TIME-5", ("108148", "107469"))


# --- Six-week deadline -------------------------------------------------------------------------------------


@check
def deadline_passed(s: Snapshot):
    if s.due_on and s.adopted_on is None and s.today > s.due_on:
        yield Finding("deadline_passed", WARNING,
                      _("De termijn van zes weken is verstreken op %(date)s.") % {"date": date_format(s.due_on, "j F Y")},
                      "R-TIME-1")


# --- Consent (R-CONSENT-4, 5; R-TIME-2b) — registered by the consent feature ----------------------------


@check
def consent(s: Snapshot):
    info = s.extra.get("consent")
    if info is None:
        return
    if info["covers"]:
        return
    if not info["asked"]:
        yield Finding("consent_not_asked", BLOCKING,
                      _("De ouders zijn nog niet uitdrukkelijk om instemming met het handelingsdeel gevraagd."),
                      "R-CONSENT-4", ("109493",), section="handelingsdeel")
    elif info["stale"]:
        yield Finding("consent_stale", BLOCKING,
                      _("Het handelingsdeel is gewijzigd nadat om instemming is gevraagd: vraag opnieuw om instemming."),
                      "R-CONSENT-5", section="handelingsdeel")
    elif info["refused"]:
        yield Finding("consent_refused", BLOCKING,
                      _("Er is geen instemming gegeven met het handelingsdeel. Plan een nieuw overleg met de ouders."),
                      "R-TIME-2", section="handelingsdeel")
    else:
        yield Finding("consent_pending", BLOCKING,
                      _("De instemming met het handelingsdeel is gevraagd maar (nog) niet (volledig) gegeven."),
                      "R-TIME-2", section="handelingsdeel")


# --- Evaluations (R-EVAL-1, R-EVAL-3) — registered by the evaluations feature ---------------------------


@check
def evaluations(s: Snapshot):
    info = s.extra.get("evaluation")
    if not info or not info["due"]:
        return
    if not info["held"]:
        yield Finding("no_evaluation_this_year", WARNING,
                      _("Dit OPP is in schooljaar %(year)s nog niet met de ouders geëvalueerd.") % {"year": info["school_year"]},
                      "R-EVAL-1")
    if info["commission_due"] and not info["commission_held"]:
        yield Finding("no_commission_evaluation_this_year", WARNING,
                      _("De commissie heeft dit OPP in schooljaar %(year)s nog niet geëvalueerd.") % {"year": info["school_year"]},
                      "R-EVAL-3")
