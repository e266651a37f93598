"""One next step for every plan: where the plan stands on the road to an evaluated OPP, and the ONE thing that
must happen next — what, who must do it, and by when. Pure: plain facts in (opp.selectors.next_step_facts reads
them), a `NextStep` out. No ORM and no clock; `reverse()` only names the URL of the action.

The road (R-TIME-1, R-TIME-2, R-CONSENT, R-SET, R-GPO-2, R-EVAL-1):

    behoefte vastgesteld → opgesteld → overleg → instemming → aangeboden → vastgesteld → bekendgemaakt → geëvalueerd

Who may do an action is not decided here: the caller passes `can`, the booleans of opp.transitions.allowed() (the
one table of actions, states and capabilities) plus the few that are not in that table (starting a plan,
recording a bekendmaking, answering a reaction: all Cap.PLAN_EDIT at the pupil's school).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

#: The steps in their order (key, label).
STEPS = (
    ("behoefte", gettext_lazy("Behoefte vastgesteld")),
    ("opgesteld", gettext_lazy("Opgesteld")),
    ("overleg", gettext_lazy("Overleg")),
    ("instemming", gettext_lazy("Instemming")),
    ("aangeboden", gettext_lazy("Aangeboden")),
    ("vastgesteld", gettext_lazy("Vastgesteld")),
    ("bekendgemaakt", gettext_lazy("Bekendgemaakt")),
    ("geevalueerd", gettext_lazy("Geëvalueerd")),
)
STEP_KEYS = tuple(key for key, _label in STEPS)

DONE, CURRENT, TODO = "done", "current", "todo"

#: Days after the request on which the unanswered parties are reminded (deadlines.registry "instemming": on the
#: day, 7 days after the request). The next step shows it as the date the wait becomes a task.
CONSENT_REMINDER_DAYS = 7


@dataclass(frozen=True)
class Facts:
    """What the next step is decided from; every field a plain value."""

    today: datetime.date
    student_id: int
    opp_required: bool
    #: The running six-week term's last day (R-TIME-1); None when no term runs.
    due_on: datetime.date | None = None
    plan_id: int | None = None
    plan_state: str = ""  # "" (no plan) | "actief" | "beeindigd" | "ingetrokken"
    ended_on: datetime.date | None = None
    has_adopted: bool = False
    #: The open version (concept … ter vaststelling), else the adopted one.
    version_id: int | None = None
    version_number: int | None = None
    version_state: str = ""
    is_revision: bool = False
    #: Consultations (OOGO) about the open version and their agreement values, oldest first (R-CONSENT-1, 2).
    agreements: tuple[str, ...] = ()
    #: "" (not asked) | "open" | "given" (covers the current handelingsdeel, R-CONSENT-5) | "refused" | "stale"
    consent: str = ""
    consent_request_id: int | None = None
    consent_requested_on: datetime.date | None = None
    #: The names of the consent parties who have not answered an open request.
    waiting_for: tuple[str, ...] = ()
    open_reactions: int = 0
    #: Parties to whom the adoption was not yet made known (R-GPO-2, R-GPO-7); None: not known (not asked).
    not_told: tuple[str, ...] | None = None
    #: This school year's evaluation with the parents (R-EVAL-1): None when not known.
    evaluation_due: bool | None = None
    evaluation_held: bool | None = None
    school_year_end: datetime.date | None = None
    #: Blocking findings on the open version (compliance); None when not computed.
    blocking: bool | None = None


@dataclass(frozen=True)
class Can:
    """What the current user may do here: opp.transitions.allowed() and Cap.PLAN_EDIT at the pupil's school."""

    start: bool = False
    edit: bool = False  # PLAN_EDIT at the school: reactions, bekendmaking
    to_overleg: bool = False
    record_consultation: bool = False
    ask_consent: bool = False
    submit: bool = False
    adopt: bool = False
    record_evaluation: bool = False

    @classmethod
    def from_allowed(cls, allowed, *, edit: bool, start: bool = False) -> Can:
        return cls(start=start, edit=edit, **{name: bool(getattr(allowed, name, False)) for name in (
            "to_overleg", "record_consultation", "ask_consent", "submit", "adopt", "record_evaluation")})


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    state: str  # done | current | todo

    @property
    def done(self) -> bool:
        return self.state == DONE

    @property
    def current(self) -> bool:
        return self.state == CURRENT


@dataclass(frozen=True)
class Action:
    key: str
    label: str
    #: Who must do it: "u", "de intern begeleider", "het bestuur", "de ouders (Mirjam Jansen)".
    who: str
    #: Only when the current user may do it: where the button goes, and whether it posts.
    url: str = ""
    post: bool = False
    detail: str = ""  # e.g. "instemming compleet", "5 dagen"
    due_on: datetime.date | None = None
    #: A waiting state: someone else must act (no button for the user).
    waiting: bool = False
    #: Waiting on the parents' consent: where the user may send them a reminder (opp:consent_remind), if they may.
    remind_url: str = ""

    @property
    def mine(self) -> bool:
        return bool(self.url)

    @property
    def task_label(self) -> str:
        """One line for a task list: "Aanbieden ter vaststelling (instemming compleet)"."""
        return f"{self.label} ({self.detail})" if self.detail else self.label


@dataclass(frozen=True)
class NextStep:
    steps: tuple[Step, ...]
    action: Action | None
    #: The plan ended or was withdrawn: the stepper shows the road travelled, no action.
    ended: str = ""
    ended_on: datetime.date | None = None
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def current_step(self) -> Step | None:
        return next((s for s in self.steps if s.current), None)


def consulted(agreements: tuple[str, ...]) -> bool:
    """R-CONSENT-1, 2: consultation aimed at agreement took place — agreement (or partial agreement) was reached,
    or there was more than a single meeting. A single meeting without agreement is not open and real consultation."""
    return any(a in ("ja", "deels") for a in agreements) or len(agreements) >= 2


def _reached(f: Facts) -> str:
    """The first step not yet done (the current one), or "" when every step is done."""
    if not f.plan_id:
        return "opgesteld" if f.opp_required else "behoefte"
    state = f.version_state
    if state in ("concept",):
        return "opgesteld"
    if state in ("in_overleg", "instemming_gevraagd"):
        if state == "in_overleg" and not consulted(f.agreements) and f.consent != "given":
            return "overleg"
        return "aangeboden" if f.consent == "given" else "instemming"
    if state == "ter_vaststelling":
        return "vastgesteld"
    # An adopted version in force (no open version).
    if f.not_told:
        return "bekendgemaakt"
    if f.evaluation_held:
        return ""
    return "geevalueerd"


def _steps(f: Facts) -> tuple[Step, ...]:
    reached = _reached(f)
    index = STEP_KEYS.index(reached) if reached else len(STEP_KEYS)
    ended = f.plan_id and f.plan_state != "actief"
    result = []
    for i, (key, label) in enumerate(STEPS):
        if i < index:
            state = DONE
        elif i == index and not ended:
            state = CURRENT
        else:
            state = TODO
        result.append(Step(key, str(label), state))
    return tuple(result)


def _who(mine: bool, role: str) -> str:
    return _("u") if mine else role


def _parents(names: tuple[str, ...]) -> str:
    return _("de ouders (%(names)s)") % {"names": ", ".join(names)} if names else _("de ouders")


def _ended(f: Facts) -> bool:
    return bool(f.plan_id) and f.plan_state != "actief"


def decide(f: Facts, can: Can) -> NextStep:
    """The stepper and exactly one next action (or none, when nothing is due)."""
    steps = _steps(f)
    if _ended(f):
        return NextStep(steps, None, ended=f.plan_state, ended_on=f.ended_on)
    return NextStep(steps, next_action(f, can))


def next_action(f: Facts, can: Can) -> Action | None:
    """decide(f, can).action without the stepper, for a list that shows only the action ("Mijn taken"): the
    stepper's eight translated labels cost more than the action itself."""
    return None if _ended(f) else _action(f, can)


def _action(f: Facts, can: Can) -> Action | None:  # noqa: C901, PLR0911 - one branch per step of the road
    ib = _("de intern begeleider")
    term = f.due_on if not f.has_adopted else None  # the six-week term runs until the first adoption (R-TIME-1)
    if not f.plan_id:
        if not f.opp_required:
            return None
        return Action("start", _("OPP starten"), _who(can.start, ib),
                      url=reverse("opp:start", args=[f.student_id]) if can.start else "", post=True, due_on=f.due_on)
    version_url = reverse("opp:version", args=[f.version_id]) if f.version_id else ""
    state = f.version_state
    if state in ("in_overleg", "instemming_gevraagd", "concept") and f.open_reactions:
        return Action("reaction", _("Reactie van ouder beantwoorden"), _who(can.edit, ib),
                      url=reverse("opp:plan", args=[f.plan_id]) + "#h-reacties" if can.edit else "",
                      detail=ngettext("%(n)s open reactie", "%(n)s open reacties", f.open_reactions) % {
                          "n": f.open_reactions} if f.open_reactions > 1 else "", due_on=term)
    if state == "concept":
        if f.blocking:
            return Action("fill", _("Onderdelen invullen"), _who(can.to_overleg, ib),
                          url=version_url + "#h-findings" if can.to_overleg else "", due_on=term)
        return Action("to_overleg", _("In overleg brengen met de ouders"), _who(can.to_overleg, ib),
                      url=reverse("opp:to_overleg", args=[f.version_id]) if can.to_overleg else "", post=True,
                      due_on=term)
    if state in ("in_overleg", "instemming_gevraagd"):
        if f.consent == "given":
            if f.blocking:
                return Action("fix", _("Bevindingen oplossen"), _who(can.submit, ib),
                              url=version_url + "#h-findings" if can.submit else "", detail=_("instemming compleet"),
                              due_on=term)
            return Action("submit", _("Aanbieden ter vaststelling"), _who(can.submit, ib),
                          url=reverse("opp:submit", args=[f.version_id]) if can.submit else "", post=True,
                          detail=_("instemming compleet"), due_on=term)
        if f.consent == "open":
            days = (f.today - f.consent_requested_on).days if f.consent_requested_on else 0
            names = ", ".join(f.waiting_for)
            return Action(
                "wait_consent",
                _("Wacht op instemming van %(names)s") % {"names": names} if names else _("Wacht op instemming"),
                _parents(f.waiting_for), waiting=True,
                remind_url=reverse("opp:consent_remind", args=[f.consent_request_id])
                if can.edit and f.consent_request_id and f.waiting_for else "",
                detail=ngettext("%(n)s dag", "%(n)s dagen", days) % {"n": days},
                due_on=(f.consent_requested_on + datetime.timedelta(days=CONSENT_REMINDER_DAYS)
                        if f.consent_requested_on else term))
        if f.consent == "refused" or not consulted(f.agreements):
            detail = _("geen instemming") if f.consent == "refused" else ""
            if f.agreements and f.consent != "refused":
                detail = _("één overleg zonder overeenstemming is niet genoeg")  # R-CONSENT-2
            return Action("consult", _("Overleg met de ouders vastleggen"), _who(can.record_consultation, ib),
                          url=reverse("opp:consultation_add", args=[f.plan_id]) if can.record_consultation else "",
                          detail=detail, due_on=term)
        return Action("ask_consent", _("Om instemming vragen"), _who(can.ask_consent, ib),
                      url=reverse("opp:consent_request", args=[f.version_id]) if can.ask_consent else "", post=True,
                      detail=_("instemming verlopen: handelingsdeel gewijzigd") if f.consent == "stale" else "",
                      due_on=term)
    if state == "ter_vaststelling":
        if can.adopt:
            return Action("adopt", _("Vaststellen"), _("u"), url=reverse("opp:adoption_review", args=[f.version_id]),
                          due_on=term)
        return Action("wait_board", _("Wacht op het bestuur"), _("het bestuur"), waiting=True,
                      detail=_("ter vaststelling aangeboden"), due_on=term)
    # An adopted version in force, nothing open.
    if f.not_told:
        return Action("bekendmaking", _("Bekendmaking vastleggen"), _who(can.edit, ib),
                      url=version_url + "#bekendmaking" if can.edit else "",
                      detail=_("nog niet aan %(names)s") % {"names": ", ".join(f.not_told)})
    if f.evaluation_due and not f.evaluation_held:
        return Action("evaluate", _("Evalueren met de ouders"), _who(can.record_evaluation, ib),
                      url=reverse("evaluations:record", args=[f.plan_id]) if can.record_evaluation else "",
                      due_on=f.school_year_end)
    return None
