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

from django.utils.translation import gettext as _

from opp_portal import dates

from . import ldgm
from . import sections as S
from .hashing import ACTION_FIELDS

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
    #: Where a finding that is not about a section can be resolved: an anchor of the plan page ("h-overleg",
    #: "h-evaluaties", "h-commissie") or "pupil" (the pupil page: placements, the six-week term).
    place: str = ""

    @property
    def blocking(self) -> bool:
        return self.severity == BLOCKING


@dataclass(frozen=True)
class ConsultationFact:
    held_on: datetime.date
    agreement: str  # "ja" | "deels" | "nee"
    parents_present: bool = True
    version_id: int | None = None  # the version discussed, when recorded


@dataclass(frozen=True)
class PlacementFact:
    kind: str
    start_on: datetime.date
    investigation_recorded: bool = False
    rests_on_opp: bool = False  # an adopted OPP was in force on start_on (students.history.rests_on_opp)


@dataclass(frozen=True)
class RevisionFact:
    """The version is a revision (bijstelling) of an adopted one: it needs its own round (R-CONSENT-7)."""

    started_on: datetime.date
    previous_adopted_on: datetime.date | None
    version_id: int | None = None


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
    in_force: bool = False  # the pupil's current plan has an adopted version (students.history.Standing)
    due_on: datetime.date | None = None
    today: datetime.date = field(default_factory=datetime.date.today)
    # Filled in by later features; None means "not known yet" and their checks stay silent.
    extra: dict = field(default_factory=dict)
    revision: RevisionFact | None = None

    @property
    def round_consultations(self) -> tuple[ConsultationFact, ...]:
        """The consultations that count for this version: for a first version all of the plan's, for a revision only
        those about it or held since it started (R-CONSENT-7: a revision needs OOGO of its own, GPO 107087)."""
        r = self.revision
        if r is None:
            return self.consultations
        return tuple(c for c in self.consultations if c.version_id == r.version_id or c.held_on >= r.started_on)

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


#: Findings about the workflow rather than the content (consultation, consent): opp.next_step names those as steps.
WORKFLOW_CODES = ("no_consultation", "single_meeting_without_agreement", "consent_")


def content_blocking(found) -> bool:
    """A blocking finding about the content itself (an incomplete section, the commission's advice …)."""
    return any(f.blocking and not f.code.startswith(WORKFLOW_CODES) for f in found)


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
    if key == "ldgm":
        return ldgm.complete(v)
    return False


def section_filled(key: str, s: Snapshot) -> bool:
    """Anything at all entered in the section (to spot content in a section that does not apply): a text, a date,
    a "yes", or an item."""
    sec = S.SECTIONS[key]
    if sec.items:
        return bool(getattr(s, sec.items, ()))
    v = s.scalars
    if key == "ldgm":
        return ldgm.is_set(v)  # its steps are a dict, empty when nothing is entered
    return any(v.get(f) is True or (v.get(f) is not None and not isinstance(v.get(f), bool) and _filled(v.get(f)))
               for f in sec.fields)


@check
def mandatory_sections(s: Snapshot):
    for key in s.applicable:
        if key == "commissie" or section_complete(key, s):  # commissie: see commission_advice
            continue
        sec = S.SECTIONS[key]
        message = _("Onderdeel ‘%(title)s’ is niet (volledig) ingevuld.") % {"title": sec.title}
        if s.revision is not None and sec.renewed_per_version:
            message = _("Onderdeel ‘%(title)s’ is niet (volledig) ingevuld. Een bijstelling vraagt dit opnieuw: het "
                        "is niet overgenomen uit de vorige versie.") % {"title": sec.title}
        yield Finding(
            code=f"section_incomplete:{key}",
            severity=WARNING if sec.practice_only else BLOCKING,
            message=message,
            rule=sec.first_rule,
            section=key,
        )


@check
def sections_not_applicable(s: Snapshot):
    applicable = set(s.applicable)
    for key in ("programma", "doelen", "leerrendement", "rapporten", "opdc", "commissie", "ldgm"):
        if key not in applicable and section_filled(key, s):
            sec = S.SECTIONS[key]
            yield Finding(
                code=f"section_not_applicable:{key}",
                severity=BLOCKING,
                message=_("Onderdeel ‘%(title)s’ is ingevuld, maar hoort niet bij een OPP in %(soort)s. Maak het leeg.")
                % {"title": sec.title, "soort": s.onderwijssoort},
                rule=sec.first_rule,
                section=key,
            )


# --- Consultation (OOGO) ----------------------------------------------------------------------------


@check
def consultation(s: Snapshot):
    meetings = [c for c in s.round_consultations if c.parents_present]
    if not meetings and s.revision is not None:
        yield Finding("no_consultation_revision", BLOCKING,
                      _("Over deze bijstelling is nog geen overleg met de ouders vastgelegd. Ook een bijstelling wordt "
                        "pas vastgesteld na op overeenstemming gericht overleg; overleg over de vorige versie telt "
                        "niet mee."), "R-CONSENT-7", ("107087",), place="h-overleg")
        return
    if not meetings:
        yield Finding("no_consultation", BLOCKING,
                      _("Er is nog geen overleg met de ouders vastgelegd. Vaststellen kan pas na op overeenstemming "
                        "gericht overleg."), "R-TIME-2", place="h-overleg")
        return
    if len(meetings) == 1 and meetings[0].agreement != "ja":
        yield Finding("single_meeting_without_agreement", BLOCKING,
                      _("Er is maar één overleg geweest en daarin is geen overeenstemming bereikt. Dat is geen open en "
                        "reëel overleg: plan een nieuw overleg met de ouders."), "R-CONSENT-2", ("107087", "107619"), place="h-overleg")


# --- Commission advice ((v)so) --------------------------------------------------------------------------


@check
def commission_advice(s: Snapshot):
    if s.onderwijssoort not in S.VSO_SO:
        return
    if not section_complete("commissie", s):
        # The section check already blocks; this names the rule of the advice itself.
        yield Finding("no_commission_advice", BLOCKING,
                      _("Voor een OPP in het (v)so is vóór de vaststelling advies van de commissie nodig."),
                      "R-TIME-3", section="commissie")
        return
    advised_on = s.scalars.get("commissie_advies_on")
    r = s.revision
    if r is not None and r.previous_adopted_on and advised_on and advised_on < r.previous_adopted_on:
        yield Finding("commission_advice_predates_revision", BLOCKING,
                      _("Het advies van de commissie (%(date)s) is ouder dan de vorige vaststelling. Vraag de commissie "
                        "om advies over deze bijstelling.") % {"date": dates.formatted(advised_on)},
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
        if not p.rests_on_opp:
            label, gpo = _KIND_LABELS[p.kind]
            yield Finding(f"placement_without_opp:{p.kind}", WARNING,
                          _("%(what)s per %(date)s zonder vastgesteld OPP dat eraan ten grondslag ligt.")
                          % {"what": _(label), "date": dates.formatted(p.start_on)}, "R-TIME-5", gpo, place="pupil")
        if p.kind == "verwijdering" and not p.investigation_recorded:
            yield Finding("removal_without_investigation", WARNING,
                          _("Bij de verwijderingsprocedure is geen deugdelijk onderzoek naar het OPP en de resterende "
                            "ondersteuningsmogelijkheden vastgelegd."), "R-TIME-5", ("108148", "107469"), place="pupil")


# --- Six-week deadline -------------------------------------------------------------------------------------


@check
def deadline_passed(s: Snapshot):
    if s.due_on and not s.in_force and s.today > s.due_on:
        yield Finding("deadline_passed", WARNING,
                      _("De termijn van zes weken is verstreken op %(date)s.") % {"date": dates.formatted(s.due_on)},
                      "R-TIME-1", place="pupil")


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
                      "R-EVAL-1", place="h-evaluaties")
    elif info.get("held_without_parents"):
        yield Finding("evaluation_without_parents", WARNING,
                      _("De evaluatie van schooljaar %(year)s is gehouden zonder de ouders (wel uitgenodigd). "
                        "Bespreek de evaluatie alsnog met de ouders als dat kan.") % {"year": info["school_year"]},
                      "R-EVAL-1", place="h-evaluaties")
    if info["commission_due"] and not info["commission_held"]:
        yield Finding("no_commission_evaluation_this_year", WARNING,
                      _("De commissie heeft dit OPP in schooljaar %(year)s nog niet geëvalueerd.") % {"year": info["school_year"]},
                      "R-EVAL-3", place="h-commissie")


# --- The goal bank (R-CONTENT-4; GPO 109206): the plan is about this pupil ------------------------------------------


def _words(text) -> str:
    return " ".join(str(text or "").split())


def bank_text_changed(text, original) -> bool:
    """Whether a text started from the goal bank was made the user's own: it differs from the wording as inserted,
    ignoring whitespace and line ends (a re-wrapped line is no change)."""
    return _words(text) != _words(original)


def bank_item_unchanged(item: dict) -> bool:
    """A handelingsdeel item whose goal and approach are both standard texts as inserted from the bank. `item` holds
    goal, approach and, for a text from the bank, goal_bank_original / approach_bank_original with goal_from_bank /
    approach_from_bank. A goal or approach written by hand is the user's own text: the item is not unchanged."""
    for part in ("goal", "approach"):
        if not item.get(f"{part}_from_bank"):
            if _filled(item.get(part)):
                return False
            continue
        if bank_text_changed(item.get(part), item.get(f"{part}_bank_original")):
            return False
    return bool(item.get("goal_from_bank") or item.get("approach_from_bank"))


@check
def bank_texts_unchanged(s: Snapshot):
    """Every item of the handelingsdeel is an unchanged bank text: a warning, it does not block adoption; the school
    decides, but the GPO tests whether the support is attuned to this pupil (R-CONTENT-4, GPO 109206).
    `extra["bank"]` holds the items' provenance (opp.bank.provenance_facts); without it the check is silent."""
    items = s.extra.get("bank")
    if not items or not all(bank_item_unchanged(item) for item in items):
        return
    yield Finding("bank_texts_unchanged", WARNING,
                  _("Het handelingsdeel bestaat alleen uit ongewijzigde teksten uit de tekstbank. Maak de doelen en de "
                    "aanpak specifiek voor deze leerling."),
                  "R-CONTENT-4", ("109206",), section="handelingsdeel")


@check
def ldgm_fit(s: Snapshot):
    """*(practice)* A bestemming outside the usual range of the leerroute (opp.ldgm.FITS) is pointed out, never
    blocking: the school may deviate and say why in the rationale."""
    v = s.scalars
    if "ldgm" in s.applicable and not ldgm.fits(v.get("ldgm_leerroute") or "", v.get("ldgm_bestemming") or ""):
        yield Finding(
            code="ldgm_fit",
            severity=WARNING,
            message=_("De verwachte uitstroombestemming (%(bestemming)s) past niet bij wat gewoonlijk bij %(route)s "
                      "hoort. Klopt dat, licht het dan toe in de onderbouwing.")
            % {"bestemming": ldgm.bestemming_label(v["ldgm_bestemming"]),
               "route": ldgm.leerroute_label(v["ldgm_leerroute"]).split(" – ")[0].lower()},
            rule="R-CONTENT-1",
            section="ldgm",
        )
