"""Reads for the staff start page: "Mijn taken", the school overview and the board overview.

Every function here runs a fixed number of queries, however many pupils the schools have: due items
come from the registry's kinds (one query or so per kind), names are fetched in one query for the page
of rows, and the overviews are conditional aggregates grouped by school.
"""

from __future__ import annotations

import datetime
import functools
import inspect
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.access import Cap
from accounts.models import School
from disputes.models import Dispute
from evaluations.models import CommissionEvaluation
from evaluations.selectors import evaluated_plan_ids, is_due_this_year
from opp import ldgm
from opp import selectors as opp_selectors
from opp.models import FROZEN_STATES, Plan, PlanVersion
from opp_portal.schoolyear import school_year, school_year_label
from students import deadlines as term
from students import destinations
from students.eligibility import COMMISSION_SOORTEN
from students.models import EligibilityDecision, Student

from . import registry
from .registry import DueItem, Kind

log = logging.getLogger(__name__)

#: Shown instead of the date status when a kind marks an item (e.g. the consent issue's "geen instemming").
ITEM_STATE_LABELS = {
    "geen_instemming": _("geen instemming"),
}

#: Version states counted per school, in the order of the workflow (vervangen is history, not work).
VERSION_STATES = ("concept", "in_overleg", "instemming_gevraagd", "ter_vaststelling", "vastgesteld")
PUPIL_COUNTS = (term.Status.ON_TRACK, term.Status.DUE_SOON, term.Status.OVERDUE, term.Status.MET)
NO_OPP = "geen_opp"
OVERDUE_LIST_LIMIT = 50
#: Evaluations with the parents this school year (R-EVAL-1): due, held (of those due), overdue.
EVALUATION_COUNTS = ("due", "held", "overdue")
COMMISSION_LIST_LIMIT = 50
COMMISSION_REPORTS_LIMIT = 20
#: The overviews' trend of first adoptions: this many calendar months, this month last.
TREND_MONTHS = 12


# --- Mijn taken ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskRow:
    kind: str
    kind_label: str
    initials: str
    name: str
    school_name: str
    due_on: datetime.date
    days_left: int  # negative: overdue
    status: str  # a students.deadlines.Status value: the CSS class status-<status>
    status_label: str
    url: str
    #: What to do now (opp.next_step): "Aanbieden ter vaststelling (instemming compleet)", "Wacht op het bestuur"…;
    #: "" for kinds that say it themselves (evaluations, disputes).
    action_label: str = ""
    action_who: str = ""
    waiting: bool = False

    @property
    def days_overdue(self) -> int:
        return max(0, -self.days_left)

    @property
    def label(self) -> str:
        return self.action_label or self.kind_label


#: The kinds whose row says the plan's next step instead of the kind's own name.
NEXT_STEP_KINDS = ("opp_vaststellen", "instemming")


def _next_actions(user, items: list[DueItem], today: datetime.date) -> dict[tuple[str, int], object]:
    """The next action (opp.next_step) per row of the plan kinds, keyed like _names: the row's pupil is its subject or,
    for a consent request, the pupil its item names (DueItem.student_id). The queries of
    opp.selectors.next_actions_for_students, for all pupils at once."""
    students = {(i.subject_type, i.subject_id): i.subject_id if i.subject_type == "students.student" else i.student_id
                for i in items if i.kind in NEXT_STEP_KINDS}
    students = {key: pk for key, pk in students.items() if pk is not None}
    actions = opp_selectors.next_actions_for_students(user, set(students.values()), today)
    return {key: actions[student_id] for key, student_id in students.items() if actions.get(student_id) is not None}


def horizon_days(kind: Kind) -> int:
    """How far ahead a kind's items appear: its first reminder. The six-week term always shows its whole
    "binnen 14 dagen" window, also when the reminder steps are configured shorter."""
    horizon = max(kind.steps.before or (0,))
    if kind.key == "opp_vaststellen":
        horizon = max(horizon, term.DUE_SOON_DAYS)
    return horizon


@functools.cache
def _accepts_horizon(func) -> bool:
    try:
        return "horizon_days" in inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False


def _due_items(kind: Kind, today: datetime.date, school_ids: list[int]) -> list[DueItem]:
    horizon = horizon_days(kind)
    extra = {"horizon_days": horizon} if _accepts_horizon(kind.items) else {}
    last_day = today + datetime.timedelta(days=horizon)
    if kind.earliest_due is not None and kind.earliest_due(today) > last_day:
        return []  # no item can be due within the horizon yet: no need to ask the database
    return [item for item in kind.items(today, school_ids, **extra) if item.due_on <= last_day]


def _names(items: list[DueItem]) -> dict[tuple[str, int], str]:
    """Full names for the rows shown: one query per subject type on the page (a handful of kinds)."""
    wanted: dict[str, set[int]] = {}
    for item in items:
        wanted.setdefault(item.subject_type, set()).add(item.subject_id)
    names: dict[tuple[str, int], str] = {}
    if ids := wanted.get("students.student"):
        for pk, first, last in Student.objects.filter(pk__in=ids).values_list("pk", "first_name", "last_name"):
            names[("students.student", pk)] = f"{first} {last}"
    if ids := wanted.get("disputes.dispute"):
        for pk, first, last in Dispute.objects.filter(pk__in=ids).values_list(
                "pk", "plan__student__first_name", "plan__student__last_name"):
            names[("disputes.dispute", pk)] = f"{first} {last}"
    if ids := wanted.get("opp.plan"):
        for pk, first, last in Plan.objects.filter(pk__in=ids).values_list("pk", "student__first_name", "student__last_name"):
            names[("opp.plan", pk)] = f"{first} {last}"
    return names


def tasks_for(user, today: datetime.date, limit: int = 20) -> tuple[list[TaskRow], int]:
    """What needs this user: every due item at the schools where they write plans, whose date is within
    the kind's first reminder or past; the most overdue first. Returns (first `limit` rows, total)."""
    schools = dict(access.schools_with(user, Cap.PLAN_EDIT).values_list("pk", "name"))
    if not schools:
        return [], 0
    school_ids = sorted(schools)
    found: list[tuple[DueItem, Kind]] = []
    caps = access.capabilities(user)
    with registry.shared_reads():  # the kinds read what they share once (the evaluation candidates)
        for kind in registry.REGISTRY.values():
            ids = school_ids
            if kind.view_cap is not None:
                if kind.view_cap not in caps:
                    continue
                ids = [pk for pk in school_ids if access.has_cap(user, kind.view_cap, pk)]
            try:
                found += [(item, kind) for item in _due_items(kind, today, ids)]
            except Exception:  # one failing kind must not take the start page down
                log.exception("deadline kind %s failed for the task list", kind.key)
    found.sort(key=lambda pair: (pair[0].due_on, pair[1].key, pair[0].initials, pair[0].subject_id))
    page = found[:limit]
    names = _names([item for item, _kind in page])
    actions = _next_actions(user, [item for item, _kind in page], today)
    rows = []
    for item, kind in page:
        st = term.status(due_on=item.due_on, today=today)
        action = actions.get((item.subject_type, item.subject_id))
        rows.append(TaskRow(
            kind=kind.key, kind_label=str(kind.label), initials=item.initials,
            name=names.get((item.subject_type, item.subject_id), ""), school_name=schools.get(item.school_id, ""),
            due_on=item.due_on, days_left=term.days_left(item.due_on, today), status=str(st),
            status_label=str(ITEM_STATE_LABELS.get(item.state) or term.STATUS_LABELS[st]), url=item.url,
            action_label=action.task_label if action else "", action_who=action.who if action else "",
            waiting=bool(action and action.waiting),
        ))
    return rows, len(found)


# --- Overviews ---------------------------------------------------------------------------------------


@dataclass
class SchoolCounts:
    school_id: int
    school_name: str
    board_name: str = ""
    pupils: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PUPIL_COUNTS, 0))
    no_opp: int = 0
    versions: dict[str, int] = field(default_factory=lambda: dict.fromkeys(VERSION_STATES, 0))
    evaluations: dict[str, int] = field(default_factory=lambda: dict.fromkeys(EVALUATION_COUNTS, 0))

    @property
    def pupil_counts(self) -> list[int]:
        return [self.pupils[s] for s in PUPIL_COUNTS]

    @property
    def version_counts(self) -> list[int]:
        return [self.versions[s] for s in VERSION_STATES]

    @property
    def evaluation_counts(self) -> list[int]:
        return [self.evaluations[s] for s in EVALUATION_COUNTS]


def _present(today: datetime.date) -> Q:
    return Q(left_on__isnull=True) | Q(left_on__gt=today)


@dataclass(frozen=True)
class _Pupil:
    """A present pupil of the overview's schools, as its first query reads it."""

    pk: int
    school_id: int
    status: str  # a PUPIL_COUNTS value, NO_OPP, or "" (a required OPP without a term)
    due_on: datetime.date | None


def _pupil_status(required: bool, in_force: bool, due_on: datetime.date | None, today: datetime.date) -> str:
    """The six-week status the overview counts a present pupil under: the boundaries of
    students.selectors.filter_by_deadline_status (students.deadlines.status), on the standing the pupil services
    store (students.history: opp_in_force)."""
    if not required:
        return NO_OPP
    if in_force:
        return str(term.Status.MET)
    if due_on is None:
        return ""
    return str(term.status(due_on=due_on, today=today))


@dataclass
class _Counts:
    schools: list[SchoolCounts]
    pupils: list[_Pupil]  # the present pupils
    adoptions: list[AdoptionMonth]
    #: Where the sbo/so/vso pupils who left since the start of last school year went (ldgm_overview's "actual").
    destinations: dict[str, int]
    #: The present sbo/so/vso pupils (ldgm_overview's "expected" reads their plans).
    ldgm_pupils: list[int]


def _counts_pupils_and_adoptions(schools: QuerySet[School], today: datetime.date) -> _Counts:
    """Per school: pupils by six-week status, plans by version state and evaluations; these schools' present pupils;
    the monthly trend of first adoptions (_evaluation_and_adoption_counts); and the destinations of the sbo/so/vso
    pupils who left (ldgm_overview). Four queries (five when plans that ended or were withdrawn fall in the trend)."""
    rows = {pk: SchoolCounts(pk, name, board) for pk, name, board
            in schools.order_by("board__name", "name").values_list("pk", "name", "board__name")}
    if not rows:
        return _Counts([], [], [], {}, [])
    # The present pupils first (one index scan), with what their six-week status needs: counted here, and their ids
    # for the queries below, which look their plans up by plan_student_state_idx. Joined through students.school_id
    # instead, PostgreSQL estimates a school at the database's average size and, for a board, hashes every plan in
    # the database (a seq scan of opp_plan that grows with the database, not with the board: bench/pages.py).
    # The same scan reads the leavers the Landelijk Doelgroepenmodel counts (_ldgm_leavers).
    pupils: list[_Pupil] = []
    destinations: dict[str, int] = {}
    ldgm_pupils: list[int] = []
    for pk, school_id, required, in_force, due_on, left_on, destination, soort in (
            Student.objects.filter(school_id__in=list(rows)).filter(_present(today) | _ldgm_leavers(today))
            .order_by().values_list("pk", "school_id", "opp_required", "opp_in_force", "opp_due_on", "left_on",
                                    "destination", "onderwijssoort")):
        if left_on is not None and left_on <= today:
            destinations[destination] = destinations.get(destination, 0) + 1
        else:
            pupils.append(_Pupil(pk, school_id, _pupil_status(required, in_force, due_on, today), due_on))
            if soort in ldgm.SOORTEN:
                ldgm_pupils.append(pk)
    for pupil in pupils:
        row = rows[pupil.school_id]
        if pupil.status == NO_OPP:
            row.no_opp += 1
        elif pupil.status:
            row.pupils[term.Status(pupil.status)] += 1
    versions, evaluations, adoptions = _evaluation_and_adoption_counts(today, [p.pk for p in pupils])
    for school_id, counts in versions.items():
        rows[school_id].versions = counts
    for school_id, counts in evaluations.items():
        rows[school_id].evaluations = counts
    return _Counts(list(rows.values()), pupils, adoptions, destinations, ldgm_pupils)


def evaluation_overdue_from(today: datetime.date) -> datetime.date:
    """From this day of the school year a due evaluation not yet held counts as overdue (default 1 July,
    when the deadline registry escalates to the schoolleider)."""
    month, day = settings.OPP_EVALUATION_OVERDUE_FROM
    return datetime.date(school_year(today)[1].year, month, day)


def adopted_in_time(adopted_on: datetime.date, due_on: datetime.date) -> bool:
    """Was the OPP adopted within the six-week term (R-TIME-1)? The term's own rule (students.deadlines.status):
    on the day of adoption the term had not yet passed."""
    return term.status(due_on=due_on, today=adopted_on) != term.Status.OVERDUE


def term_answered(terms: list[tuple[datetime.date, datetime.date]], adopted_on: datetime.date) -> datetime.date | None:
    """The due date of the six-week term a plan answered (R-TIME-1), for a plan that has since ended or been
    withdrawn: the pupil's stored term has moved on by then (a new term after the end, or none). `terms` are the
    pupil's recorded terms (start, due) in the order they were recorded (students.models.EligibilityDecision); the
    one in force at the first adoption is the last recorded that had started by that day. None when none had."""
    due = None
    for start_on, due_on in terms:
        if start_on <= adopted_on:
            due = due_on
    return due


@dataclass(frozen=True)
class AdoptionMonth:
    """Plans first adopted in one calendar month: within the six-week term or later (R-TIME-1)."""

    month: datetime.date  # the first of the month
    in_time: int = 0
    late: int = 0

    @property
    def total(self) -> int:
        return self.in_time + self.late


def trend_months(today: datetime.date, n: int = TREND_MONTHS) -> list[datetime.date]:
    """The first days of the last `n` calendar months, this month last."""
    months, year, month = [], today.year, today.month
    for _i in range(n):
        months.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def _evaluation_and_adoption_counts(today: datetime.date, pupil_ids: list[int]
                                    ) -> tuple[dict[int, dict[str, int]], dict[int, dict[str, int]], list[AdoptionMonth]]:
    """For these (present) pupils, per school: the running plans' versions by state (VERSION_STATES); the running
    plans that must be evaluated this school year (R-EVAL-1, the rule of evaluations.selectors.is_due_this_year), how
    many of them were, and how many are overdue; and the plans first adopted in each of the last TREND_MONTHS months,
    within the six-week term or later (adopted_in_time) — running, ended or withdrawn since: a plan adopted in time
    stays in time for its month. The running plan's term is the one stored on the pupil (students.history: the term
    that plan answered); an ended or withdrawn plan's is the term recorded when it was first adopted (term_answered).
    Plans without a term (no OPP obligation) are not in the trend.
    One query for the plans: per plan its versions by state and its first adoption (over the adopted and replaced
    versions); one for which of the plans due were evaluated (evaluations.selectors.evaluated_plan_ids: as an EXISTS
    beside the aggregate, PostgreSQL hashes every evaluation of the school year in the database); and one for the
    recorded terms of the pupils whose ended or withdrawn plans fall in the trend (none without such plans)."""
    start, end = school_year(today)
    months = {m: [0, 0] for m in trend_months(today)}
    trend_start = timezone.make_aware(datetime.datetime.combine(min(months), datetime.time.min))
    frozen = Q(versions__state__in=FROZEN_STATES)
    plans = (Plan.objects.filter(student_id__in=pupil_ids)
             .annotate(first_set=Min("versions__adopted_at", filter=frozen), frozen=Count("versions", filter=frozen),
                       **{f"n_{s}": Count("versions", filter=Q(versions__state=s)) for s in VERSION_STATES})
             .filter(Q(state=Plan.State.ACTIEF) | Q(first_set__gte=trend_start))
             .order_by()
             .values_list("pk", "student_id", "student__school_id", "state", "first_set", "frozen",
                          "student__opp_due_on", *(f"n_{s}" for s in VERSION_STATES)))
    versions: dict[int, dict[str, int]] = {}
    due: list[tuple[int, int]] = []  # (plan, school) of the running plans due for evaluation this school year
    ended: list[tuple[int, datetime.date]] = []
    for plan_id, student_id, school_id, state, first_set, n_frozen, due_on, *by_state in plans:
        if state == Plan.State.ACTIEF:
            row = versions.setdefault(school_id, dict.fromkeys(VERSION_STATES, 0))
            for s, n in zip(VERSION_STATES, by_state, strict=True):
                row[s] += n
        if not n_frozen:  # never adopted: neither evaluated nor in the trend
            continue
        first = timezone.localtime(first_set).date() if first_set else None
        if state != Plan.State.ACTIEF:
            if first is not None and first.replace(day=1) in months:
                ended.append((student_id, first))
            continue
        if first is not None and due_on is not None and (bucket := months.get(first.replace(day=1))) is not None:
            bucket[0 if adopted_in_time(first, due_on) else 1] += 1
        if is_due_this_year(first, today):
            due.append((plan_id, school_id))
    held = evaluated_plan_ids([plan_id for plan_id, _school in due], start, end) if due else set()
    late = today >= evaluation_overdue_from(today)
    counts: dict[int, dict[str, int]] = {}
    for plan_id, school_id in due:
        row = counts.setdefault(school_id, dict.fromkeys(EVALUATION_COUNTS, 0))
        row["due"] += 1
        if plan_id in held:
            row["held"] += 1
        elif late:
            row["overdue"] += 1
    terms: dict[int, list[tuple[datetime.date, datetime.date]]] = {}
    if ended:
        for student_id, start_on, due_on in (
                EligibilityDecision.objects.filter(student_id__in={pk for pk, _first in ended}, required=True,
                                                   start_on__isnull=False, due_on__isnull=False)
                .order_by("student_id", "decided_at", "pk").values_list("student_id", "start_on", "due_on")):
            terms.setdefault(student_id, []).append((start_on, due_on))
    for student_id, first in ended:
        if (due_on := term_answered(terms.get(student_id, []), first)) is not None:
            months[first.replace(day=1)][0 if adopted_in_time(first, due_on) else 1] += 1
    return versions, counts, [AdoptionMonth(m, in_time, later) for m, (in_time, later) in months.items()]


def _totals(rows: list[SchoolCounts]) -> SchoolCounts:
    total = SchoolCounts(0, str(_("Totaal")))
    for row in rows:
        for s in PUPIL_COUNTS:
            total.pupils[s] += row.pupils[s]
        for s in VERSION_STATES:
            total.versions[s] += row.versions[s]
        for s in EVALUATION_COUNTS:
            total.evaluations[s] += row.evaluations[s]
        total.no_opp += row.no_opp
    return total


def school_overview(user, today: datetime.date) -> dict:
    """The schoolleider's overview of their school(s)."""
    counts = _counts_pupils_and_adoptions(access.schools_with(user, Cap.SCHOOL_OVERVIEW), today)
    rows = counts.schools
    # The schoolleider reads the school's pupils: the overdue count links to them (students:list?termijn=te_laat).
    return {"schools": rows, "totals": _totals(rows) if len(rows) > 1 else None, **_evaluation_labels(today),
            "link_pupils": True, "adoptions": counts.adoptions,
            "ldgm": ldgm_overview([row.school_id for row in rows], today, actual=counts.destinations,
                                  pupils=counts.ldgm_pupils)}


def _evaluation_labels(today: datetime.date) -> dict:
    return {"school_year": school_year_label(today), "evaluation_overdue_from": evaluation_overdue_from(today)}


@dataclass(frozen=True)
class OverdueRow:
    initials: str
    school_name: str
    due_on: datetime.date
    days_overdue: int
    #: The running plan, else the last ended or withdrawn one ("" without any plan: the bestuurder has no pupil
    #: register to link to).
    plan_url: str
    #: The last plan was withdrawn (intrekken, R-SET-5) on this day and no new plan runs.
    withdrawn_on: datetime.date | None = None
    ended_on: datetime.date | None = None  # … or ended (beëindigd) on this day


def _overdue(pupils: list[_Pupil], today: datetime.date) -> list[OverdueRow]:
    """Pupils whose six-week term passed without adoption, the most overdue first. One query, for the first
    OVERDUE_LIST_LIMIT of `pupils` (the present pupils, as _counts_pupils_and_adoptions read them) by due date."""
    shown = sorted((p for p in pupils if p.status == term.Status.OVERDUE), key=lambda p: (p.due_on, p.pk))
    if not shown:
        return []
    plan = Plan.objects.filter(student=OuterRef("pk"), state=Plan.State.ACTIEF).values("pk")[:1]
    last = Plan.objects.filter(student=OuterRef("pk")).exclude(state=Plan.State.ACTIEF).order_by("-ended_on", "-pk")
    qs = (Student.objects.filter(pk__in=[p.pk for p in shown[:OVERDUE_LIST_LIMIT]])
          .annotate(plan_id=Subquery(plan), last_id=Subquery(last.values("pk")[:1]),
                    last_state=Subquery(last.values("state")[:1]), last_end=Subquery(last.values("ended_on")[:1]))
          .order_by("opp_due_on", "pk")
          .values_list("first_name", "last_name", "school__name", "opp_due_on", "plan_id", "last_id", "last_state",
                       "last_end"))
    url = registry.url_of("opp:plan")
    rows = []
    for first, last_name, school, due, plan_id, last_id, last_state, last_end in qs:
        shown_plan = plan_id or last_id
        ended = None if plan_id else last_state
        rows.append(OverdueRow(
            registry.initials(first, last_name), school, due, (today - due).days,
            url(shown_plan) if shown_plan else "",
            withdrawn_on=last_end if ended == Plan.State.INGETROKKEN else None,
            ended_on=last_end if ended == Plan.State.BEEINDIGD else None))
    return rows


def board_overview(user, today: datetime.date) -> dict:
    """The bestuurder's overview: every school of their boards, and the overdue list."""
    boards = access.boards_with(user, Cap.BOARD_OVERVIEW)
    counts = _counts_pupils_and_adoptions(School.objects.filter(board__in=boards), today)
    rows = counts.schools
    totals = _totals(rows)
    return {
        "board_names": sorted({row.board_name for row in rows}),
        "schools": rows,
        "totals": totals,
        "overdue": _overdue(counts.pupils, today),
        "overdue_total": totals.pupils[term.Status.OVERDUE],
        **_evaluation_labels(today),
        "adoptions": counts.adoptions,
        "ldgm": ldgm_overview([row.school_id for row in rows], today, actual=counts.destinations,
                              pupils=counts.ldgm_pupils),
    }


# --- The (v)so commission (R-EVAL-3) ---------------------------------------------------------------------


@dataclass(frozen=True)
class CommissionOpenRow:
    plan_id: int
    name: str
    initials: str
    school_name: str


def commission_open(user, today: datetime.date) -> tuple[list[CommissionOpenRow], int]:
    """The commission's work list: active (v)so plans with an adopted version at its schools, pupil still
    enrolled, without a commission evaluation this school year. Two queries (the rows and the count)."""
    start, end = school_year(today)
    done = CommissionEvaluation.objects.filter(plan=OuterRef("pk"), held_on__gte=start, held_on__lte=end)
    qs = (Plan.objects.filter(student__school__in=access.schools_with(user, Cap.COMMISSION_EDIT), state=Plan.State.ACTIEF,
                              student__onderwijssoort__in=COMMISSION_SOORTEN, versions__state="vastgesteld")
          .filter(Q(student__left_on__isnull=True) | Q(student__left_on__gt=today))
          .filter(~Exists(done)))
    rows = [CommissionOpenRow(pk, f"{first} {last}", registry.initials(first, last), school)
            for pk, first, last, school in qs.order_by("student__last_name", "student__first_name", "pk")
            .values_list("pk", "student__first_name", "student__last_name", "student__school__name")
            [:COMMISSION_LIST_LIMIT]]
    return rows, qs.count()


@dataclass(frozen=True)
class CommissionReportRow:
    pk: int
    held_on: datetime.date
    school_name: str
    initials: str
    advice: str
    advice_label: str


def commission_reports(user) -> list[CommissionReportRow]:
    """For the bestuurder: the latest commission evaluations of the board's schools. One query."""
    labels = dict(CommissionEvaluation.Advice.choices)
    qs = (CommissionEvaluation.objects
          .filter(plan__student__school__board__in=access.boards_with(user, Cap.BOARD_OVERVIEW))
          .order_by("-held_on", "-pk")
          .values_list("pk", "held_on", "plan__student__school__name", "plan__student__first_name",
                       "plan__student__last_name", "advice")[:COMMISSION_REPORTS_LIMIT])
    return [CommissionReportRow(pk, held_on, school, registry.initials(first, last), advice, str(labels.get(advice, advice)))
            for pk, held_on, school, first, last, advice in qs]


# --- The Landelijk Doelgroepenmodel (opp.ldgm): expected against actual destinations, sbo/so/vso -----------------


@dataclass(frozen=True)
class LdgmRow:
    key: str
    label: str
    expected: int
    actual: int


def _ldgm_since(today: datetime.date) -> datetime.date:
    """The Landelijk Doelgroepenmodel counts the pupils who left from the start of last school year."""
    start = school_year(today)[0]
    return start.replace(year=start.year - 1)


def _ldgm_leavers(today: datetime.date) -> Q:
    """The sbo/so/vso pupils who left since _ldgm_since (Student: their destination is the model's "actual")."""
    return Q(onderwijssoort__in=ldgm.SOORTEN, left_on__gte=_ldgm_since(today), left_on__lte=today)


def ldgm_overview(schools, today: datetime.date, *, actual: dict[str, int] | None = None,
                  pupils: list[int] | None = None) -> dict | None:
    """*(practice)* For the sbo/so/vso pupils of `schools`: how many running plans name each leerroute and each
    expected uitstroombestemming (the plan's latest version), against where the pupils who left since the start of
    last school year actually went (Student.destination). Two grouped queries; None without any such pupil.
    `actual`: those destinations with their numbers when the caller read them (_counts_pupils_and_adoptions);
    `pupils`: the present sbo/so/vso pupils of `schools` when the caller read them (their plans are then looked up by
    pupil, and not at all without any)."""
    latest = PlanVersion.objects.filter(plan=OuterRef("plan")).order_by("-number").values("number")[:1]
    if pupils is None:
        scope = Q(plan__student__school__in=schools, plan__student__onderwijssoort__in=ldgm.SOORTEN) & (
            Q(plan__student__left_on__isnull=True) | Q(plan__student__left_on__gt=today))
    else:
        scope = Q(plan__student_id__in=pupils)
    expected = [] if pupils == [] else (
        PlanVersion.objects.filter(plan__state=Plan.State.ACTIEF).filter(scope)
        .filter(number=Subquery(latest))
        .values_list("ldgm_leerroute", "ldgm_bestemming").annotate(n=Count("pk")).order_by())
    since = _ldgm_since(today)
    if actual is None:
        actual = dict(Student.objects.filter(school__in=schools).filter(_ldgm_leavers(today))
                      .values_list("destination").annotate(n=Count("pk")).order_by())
    routes: dict[str, int] = {}
    planned: dict[str, int] = {}
    for route, bestemming, n in expected:
        routes[route] = routes.get(route, 0) + n
        planned[bestemming] = planned.get(bestemming, 0) + n
    if not routes and not actual:
        return None
    rows = [LdgmRow(d.key, str(d.label), planned.get(d.key, 0), actual.get(d.key, 0))
            for d in destinations.DESTINATIONS if planned.get(d.key) or actual.get(d.key)]
    profielen = [LdgmRow(g, str(label), sum(r.expected for r in rows if destinations.group(r.key) == g),
                         sum(r.actual for r in rows if destinations.group(r.key) == g))
                 for g, label in destinations.GROUP_LABELS.items()]
    return {
        "leerroutes": [(str(r.label), routes.get(r.key, 0)) for r in ldgm.LEERROUTES],
        "no_route": routes.get("", 0),
        "rows": rows,
        "profielen": [p for p in profielen if p.expected or p.actual],
        "no_bestemming": planned.get("", 0),
        "no_destination": actual.get("", 0),
        "plans": sum(routes.values()),
        "left": sum(actual.values()),
        "since": since,
    }
