"""Where a pupil stands in their OPP history: the current plan, whether it is in force, and which six-week term
runs and what started it (R-TIME-1, R-TIME-5, R-SET-5, R-ELIG-5).

This is the one place that decides it. Pure: plain facts in, a `Standing` out — no ORM, no clock. The pupil
services store its outcome on the pupil (opp_required, opp_start_on/basis, opp_due_on, opp_in_force) so that
lists, the overviews and the daily sweep filter on it in the database; the pupil page, compliance and the
portal ask `opp.selectors.pupil_history()`, which feeds the same function.

The plans live in a higher app; it tells this module about them by registering a provider
(`register_plan_facts`, from the plans app's AppConfig.ready()), so pupils know nothing of plans.

The model, in short:
- A plan runs from its start until it is ended (beëindigd, after an evaluation) or withdrawn (ingetrokken).
  It is *in force* from its first adoption until then. Only the active plan counts for "is the term met".
- A term runs while an OPP is required and the active plan (if any) is not yet in force. It starts at the
  enrolment, the definitive placement or the day the need was established (R-TIME-1); after an ended or
  withdrawn plan, from a need established after that end (a returning need), or from the end itself when the
  need never stopped. An OPDC placement makes the OPP due by its start, a temporary observation placement six
  weeks after its start (R-TIME-5). When several apply, the one due first is the running term.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .deadlines import Start, StartBasis, start_of_term
from .eligibility import PlacementFact
from .models import Student

ACTIVE = "actief"
#: Placements that must rest on an OPP in place before they start (R-TIME-5: GPO 109370, 109137).
PLACEMENTS_NEEDING_OPP = frozenset({"opdc", "observatie"})
_PLACEMENT_BASIS = {"opdc": StartBasis.OPDC, "observatie": StartBasis.OBSERVATION}


@dataclass(frozen=True)
class PlanFact:
    """One plan of the pupil, as plain values."""

    started_on: datetime.date
    state: str  # "actief" | "beeindigd" | "ingetrokken"
    adopted_on: datetime.date | None = None  # the first adoption of any of its versions
    ended_on: datetime.date | None = None
    pk: int | None = None

    @property
    def active(self) -> bool:
        return self.state == ACTIVE

    def in_force_on(self, day: datetime.date) -> bool:
        """Adopted on or before `day` and not ended before it: an OPP that lies at the basis of what starts that day."""
        return self.adopted_on is not None and self.adopted_on <= day and (self.ended_on is None or self.ended_on >= day)


@dataclass(frozen=True)
class Standing:
    required: bool
    current: PlanFact | None  # the active plan
    in_force: bool  # the active plan has an adopted version: the six-week term is met
    term: Start | None  # the running term (or, when in force, the one it met); None when no OPP is required
    previous_end: datetime.date | None  # the end of the last ended or withdrawn plan

    @property
    def due_on(self) -> datetime.date | None:
        return self.term.due_on if self.term else None


def previous_end(plans: Iterable[PlanFact]) -> datetime.date | None:
    """The end of the last ended or withdrawn plan."""
    return max((p.ended_on for p in plans if not p.active and p.ended_on), default=None)


def live_placements(placements: Iterable[PlacementFact], plans: Iterable[PlanFact]) -> tuple[PlacementFact, ...]:
    """The placements that still ask for an OPP: those that began after the last plan ended. One that began while an
    earlier plan ran had that plan at its basis (or it is history); it does not make a new plan required."""
    end = previous_end(plans)
    return tuple(p for p in placements if end is None or p.start_on > end)


def standing(*, onderwijssoort: str, enrolled_on: datetime.date, placed_on: datetime.date | None,
             support_need_on: datetime.date | None, need_without_placements: bool,
             placements: Iterable[PlacementFact] = (), plans: Iterable[PlanFact] = ()) -> Standing:
    """`need_without_placements`: R-ELIG requires an OPP for the pupil as such (onderwijssoort or extra support:
    eligibility.decide without placements); placements add terms of their own."""
    plans = tuple(plans)
    current = next((p for p in plans if p.active), None)
    end = previous_end(plans)

    candidates: list[Start] = []
    if need_without_placements:
        base = start_of_term(onderwijssoort=onderwijssoort, enrolled_on=enrolled_on, placed_on=placed_on,
                             support_need_on=support_need_on)
        if end is not None and base.on <= end:
            # That start was answered by the earlier plan; the need outlived it (R-SET-5: a later need, a new plan).
            base = Start(end, StartBasis.AFTER_PLAN)
        candidates.append(base)
    for p in live_placements(placements, plans):
        if p.kind in PLACEMENTS_NEEDING_OPP:
            candidates.append(Start(p.start_on, _PLACEMENT_BASIS[p.kind]))

    term = min(candidates, key=lambda s: (s.due_on, s.on)) if candidates else None
    return Standing(required=bool(candidates), current=current,
                    in_force=current is not None and current.adopted_on is not None, term=term, previous_end=end)


def rests_on_opp(plans: Iterable[PlanFact], day: datetime.date) -> bool:
    """Was an adopted OPP in force on `day` (R-TIME-5: an OPDC or observation placement, or a removal, must rest
    on one)? Any plan counts, the current one or an earlier one that was still in force then."""
    return any(p.in_force_on(day) for p in plans)


# --- The plans' facts, registered by the plans app ------------------------------------------------------------

PlanFactsProvider = Callable[[int], tuple[PlanFact, ...]]
_provider: list[PlanFactsProvider] = []


def register_plan_facts(provider: PlanFactsProvider) -> None:
    """Called once from the plans app's AppConfig.ready(): `provider(student_id)` returns that pupil's plans."""
    _provider[:] = [provider]


def plan_facts(student_id: int | None) -> tuple[PlanFact, ...]:
    if student_id is None or not _provider:
        return ()
    return _provider[0](student_id)


# --- The pupil's timeline: events of this app and those the apps above register -------------------------------


@dataclass(frozen=True)
class TimelineEvent:
    """One dated line of the pupil page's timeline."""

    on: datetime.date
    title: str
    text: str = ""


#: student_id → that pupil's events (a fixed number of queries, whatever the history holds); for a provider marked
#: with @reads_student, the pupil itself, as the page loaded it (the provider reads what the page loaded of it).
TimelineProvider = Callable[[int], Iterable[TimelineEvent]] | Callable[[Student], Iterable[TimelineEvent]]
_timeline: dict[str, TimelineProvider] = {}


def register_timeline(key: str, provider: TimelineProvider) -> None:
    """Called from an AppConfig.ready() of an app above the pupils (plans: started, consent, adoption, end;
    evaluations; disputes). `key` names the contributor, so that a second ready() replaces it."""
    _timeline[key] = provider


def reads_student(provider: Callable[[Student], Iterable[TimelineEvent]]) -> TimelineProvider:
    """Marks a timeline provider that takes the pupil (with what the page loaded of it) instead of its id."""
    provider.reads_student = True  # type: ignore[attr-defined]
    return provider


@dataclass(frozen=True)
class DecisionFact:
    on: datetime.date
    required: bool
    reason: str


def decision_changes(decisions: Iterable[DecisionFact]) -> list[DecisionFact]:
    """The R-ELIG decisions that changed something for the reader: a new outcome or a new reason (R-ELIG-5). The
    history also keeps a row when only the term's due date moved (a plan started, was adopted or withdrawn); that
    is no new decision and the timeline shows it once. Oldest first in, oldest first out."""
    shown: list[DecisionFact] = []
    for d in sorted(decisions, key=lambda d: d.on):
        if shown and shown[-1].required == d.required and shown[-1].reason == d.reason:
            continue
        shown.append(d)
    return shown


def timeline(student, placements, decisions) -> list[dict]:
    """The pupil page's timeline, newest first: enrolment, placements, the R-ELIG decisions (each change once), and
    what the registered apps add (the OPP's start, consent, adoption, evaluations, disputes, its end)."""
    items = [{"on": student.enrolled_on, "title": _("Ingeschreven"), "text": student.school.name}]
    if student.placed_on:
        items.append({"on": student.placed_on, "title": _("Definitief geplaatst"), "text": ""})
    if student.support_need_on:
        items.append({"on": student.support_need_on, "title": _("Extra ondersteuning nodig gebleken"), "text": ""})
    for p in placements:
        items.append({"on": p.start_on, "title": p.get_kind_display(), "text": p.location})
        if p.end_on:
            items.append({"on": p.end_on, "title": _("Einde: %(kind)s") % {"kind": p.get_kind_display()}, "text": ""})
    facts = [DecisionFact(on=d["on"], required=d["required"], reason=d["reason"]) for d in decisions]
    for d in decision_changes(facts):
        items.append({"on": d.on, "title": _("Besluit: OPP verplicht") if d.required else _("Besluit: geen OPP nodig"),
                      "text": d.reason})
    if student.left_on:
        where = (student.get_destination_display() if student.destination else "", student.destination_note)
        items.append({"on": student.left_on, "title": _("Uitgeschreven"), "text": " – ".join(t for t in where if t)})
    for provider in _timeline.values():
        items += [{"on": e.on, "title": e.title, "text": e.text}
                  for e in provider(student if getattr(provider, "reads_student", False) else student.pk)]
    return sorted(items, key=lambda i: i["on"], reverse=True)
