"""The SWV overviews of a school (the schoolleider: Cap.SCHOOL_OVERVIEW) and of a board (the bestuurder:
Cap.BOARD_OVERVIEW): the TLVs that end in the coming months, the requests waiting for the SWV's decision and the
pupils without a valid admission decision (swv.rules.finding).

Reads only; a fixed number of queries whatever the number of pupils (tests/swv/test_overviews.py counts them).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.access import Cap
from accounts.models import School, User
from students.models import Student

from . import rules, selectors
from .models import AdmissionDecision, SwvRequest

SCOPE_SCHOOL = "school"
SCOPE_BOARD = "bestuur"
SCOPES = (SCOPE_SCHOOL, SCOPE_BOARD)
#: The overviews' horizons: TLVs ending within 3 and within 6 months from today.
HORIZONS = (3, 6)
#: The chart's months: this month and the eleven after it.
CHART_MONTHS = 12
#: A request is still open (for the expiry list: "an extension is on its way") in these states.
OPEN_STATES = (SwvRequest.State.CONCEPT, SwvRequest.State.BIJ_OUDERS, SwvRequest.State.KLAAR,
               SwvRequest.State.INGEDIEND)
#: The requests that continue a TLV: a new TLV or its extension.
FOLLOW_UP_KINDS = (SwvRequest.Kind.TLV, SwvRequest.Kind.VERLENGING)
#: Onderwijssoorten whose pupils need an admission decision (swv.rules.required_kind decides which one).
NEEDING_SOORTEN = sorted(rules.TLV_SOORTEN | rules.CATEGORY_SOORTEN)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later; the month's last day where it has no such day (31 August + 6 → 28/29 February)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def schools_in_scope(user: User, scope: str) -> QuerySet[School]:
    """The schools whose overview the user reads: the schoolleider's own school(s), the bestuurder's board's."""
    if scope == SCOPE_SCHOOL:
        schools = access.schools_with(user, Cap.SCHOOL_OVERVIEW)
    else:
        schools = School.objects.filter(board__in=access.boards_with(user, Cap.BOARD_OVERVIEW))
    return schools.order_by("name", "pk")


def has_scope(user: User, scope: str) -> bool:
    caps = access.capabilities(user)
    return (Cap.SCHOOL_OVERVIEW if scope == SCOPE_SCHOOL else Cap.BOARD_OVERVIEW) in caps


def _present(today: datetime.date, path: str = "") -> Q:
    return Q(**{f"{path}left_on__isnull": True}) | Q(**{f"{path}left_on__gt": today})


# --- TLVs that end --------------------------------------------------------------------------------------------------


def _followed_up() -> Exists:
    """Another active decision of the pupil that runs longer (an extension or a new TLV already recorded): then this
    TLV's end is no end of the pupil's admission, and it is not listed."""
    return Exists(AdmissionDecision.objects.filter(
        student_id=OuterRef("student_id"), withdrawn_at__isnull=True, onderwijssoort=OuterRef("onderwijssoort"),
    ).exclude(pk=OuterRef("pk")).filter(Q(ends_on__isnull=True) | Q(ends_on__gt=OuterRef("ends_on"))))


def _ending(school_ids, today: datetime.date, until: datetime.date) -> QuerySet[AdmissionDecision]:
    """The TLVs in force that end from today up to and including `until`, of present pupils, not followed up
    (_followed_up); unordered. The one filter of the list (ending_tlvs), the chart (chart_months) and the panel."""
    return (AdmissionDecision.objects
            .filter(kind=rules.KIND_TLV, withdrawn_at__isnull=True, student__school_id__in=school_ids,
                    starts_on__lte=today, ends_on__gte=today, ends_on__lte=until)
            .filter(_present(today, "student__"))
            .exclude(_followed_up())
            .order_by())


def ending_tlvs(school_ids, today: datetime.date, until: datetime.date) -> QuerySet[AdmissionDecision]:
    """The TLVs in force that end from today up to and including `until`, of present pupils, soonest first; each with
    `open_request_state`: the state of the newest open request for a new TLV or an extension (or None)."""
    open_request = (SwvRequest.objects.filter(student_id=OuterRef("student_id"), kind__in=FOLLOW_UP_KINDS,
                                              state__in=OPEN_STATES)
                    .order_by("-created_at", "-pk").values("state")[:1])
    open_kind = (SwvRequest.objects.filter(student_id=OuterRef("student_id"), kind__in=FOLLOW_UP_KINDS,
                                           state__in=OPEN_STATES)
                 .order_by("-created_at", "-pk").values("kind")[:1])
    return (_ending(school_ids, today, until)
            .annotate(open_request_state=Subquery(open_request), open_request_kind=Subquery(open_kind))
            .select_related("student__school", "samenwerkingsverband")
            .order_by("ends_on", "student__last_name", "student__first_name", "pk"))


@dataclass(frozen=True)
class EndingRow:
    decision: AdmissionDecision
    within_3: bool
    request_due_on: datetime.date | None
    overdue: bool  # the SWV's lead time has passed without an open request
    open_request_label: str


def ending_rows(decisions, today: datetime.date) -> list[EndingRow]:
    """The rows of one page, with the request's due date after each SWV's lead time (one query for all SWVs)."""
    decisions = list(decisions)
    leads = selectors.leads_for({d.samenwerkingsverband_id for d in decisions if d.samenwerkingsverband_id})
    three = add_months(today, 3)
    states = dict(SwvRequest.State.choices)
    kinds = dict(SwvRequest.Kind.choices)
    rows = []
    for d in decisions:
        lead = leads.get(d.samenwerkingsverband_id) or selectors.default_lead()
        due = rules.request_due_on(d.ends_on, lead)
        label = ""
        if d.open_request_state:
            label = f"{kinds[d.open_request_kind]}: {str(states[d.open_request_state]).lower()}"
        rows.append(EndingRow(decision=d, within_3=d.ends_on <= three, request_due_on=due,
                              overdue=bool(due and due < today and not d.open_request_state),
                              open_request_label=label))
    return rows


# --- Requests waiting for the SWV ----------------------------------------------------------------------------------


def pending_requests(school_ids, today: datetime.date) -> QuerySet[SwvRequest]:
    """Handed in at the SWV and not decided yet (state "ingediend"), the longest waiting first."""
    return (SwvRequest.objects
            .filter(state=SwvRequest.State.INGEDIEND, student__school_id__in=school_ids)
            .select_related("student__school", "samenwerkingsverband")
            .order_by("handed_in_at", "pk"))


def age_in_days(request: SwvRequest, today: datetime.date) -> int:
    """Days since the hand-in (Europe/Amsterdam)."""
    return (today - timezone.localdate(request.handed_in_at)).days


# --- Pupils without a valid decision ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FindingRow:
    student: Student
    finding: str


def findings(school_ids, today: datetime.date) -> list[FindingRow]:
    """The present pupils of sbo, pro and so/vso without a valid decision of the kind their school needs
    (swv.rules.finding). Two queries: the pupils with their schools, and all their decisions."""
    pupils = (Student.objects
              .filter(school_id__in=school_ids, onderwijssoort__in=NEEDING_SOORTEN)
              .filter(_present(today))
              .select_related("school")
              .prefetch_related(Prefetch("admission_decisions", queryset=AdmissionDecision.objects.order_by())))
    rows = []
    for pupil in pupils:
        message = rules.finding(pupil, pupil.admission_decisions.all(), today)
        if message:
            rows.append(FindingRow(student=pupil, finding=message))
    return rows


@dataclass(frozen=True)
class _School:
    cluster: int | None


@dataclass(frozen=True)
class _Pupil:
    """What swv.rules.finding reads of a pupil."""

    onderwijssoort: str
    left_on: datetime.date | None
    school: _School


@dataclass(frozen=True)
class _Decision:
    """What swv.rules.finding (and its rules.current) reads of an admission decision."""

    kind: str
    withdrawn_at: datetime.datetime | None
    onderwijssoort: str
    starts_on: datetime.date
    ends_on: datetime.date | None
    decided_on: datetime.date
    pk: int


def finding_count(school_ids, today: datetime.date) -> int:
    """How many rows findings() gives (swv.rules.finding over the same pupils and decisions), for the start page's
    panel: only the columns the rule reads, no pupils, schools or decisions as model instances (their loading was
    most of the panel's time). Two queries, the second only when the schools have such pupils."""
    pupils = list(Student.objects.filter(school_id__in=school_ids, onderwijssoort__in=NEEDING_SOORTEN)
                  .filter(_present(today)).order_by()
                  .values_list("pk", "onderwijssoort", "left_on", "school__cluster"))
    if not pupils:
        return 0
    decisions: dict[int, list[_Decision]] = {}
    for student_id, *fields in (AdmissionDecision.objects.filter(student_id__in=[p[0] for p in pupils]).order_by()
                                .values_list("student_id", "kind", "withdrawn_at", "onderwijssoort", "starts_on",
                                             "ends_on", "decided_on", "pk")):
        decisions.setdefault(student_id, []).append(_Decision(*fields))
    return sum(1 for pk, soort, left_on, cluster in pupils
               if rules.finding(_Pupil(soort, left_on, _School(cluster)), decisions.get(pk, ()), today))


# --- The chart's numbers: TLVs by category and month of their end ----------------------------------------------------


#: The chart's series: the so/vso categories, then the TLVs without one (sbo, pro).
NO_CATEGORY = ""
CHART_CATEGORIES = (*rules.CATEGORIES, NO_CATEGORY)


@dataclass(frozen=True)
class MonthCounts:
    month: datetime.date  # its first day
    counts: dict[str, int]  # category ("" for none) → TLVs ending that month

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def chart_months(school_ids, today: datetime.date, n: int = CHART_MONTHS) -> list[MonthCounts]:
    """For this month and the n-1 after it: the TLVs in force (not followed up) ending then, by category. From
    today: a TLV that ended earlier this month is a finding, not an expiry. One query."""
    first = today.replace(day=1)
    months = [add_months(first, i) for i in range(n)]
    last = add_months(first, n) - datetime.timedelta(days=1)
    counts = {m: dict.fromkeys(CHART_CATEGORIES, 0) for m in months}
    for category, ends_on in _ending(school_ids, today, last).values_list("category", "ends_on"):
        key = category if category in rules.CATEGORIES else NO_CATEGORY
        counts[ends_on.replace(day=1)][key] += 1
    return [MonthCounts(month=m, counts=counts[m]) for m in months]


# --- The start page's panel (accounts.panels; registered in SwvConfig.ready()) --------------------------------------


@dataclass(frozen=True)
class Summary:
    ending_3: int
    ending_6: int
    pending: int
    findings: int


def summary(school_ids, today: datetime.date) -> Summary:
    # The list's filter without its annotations and joins: only the end dates are counted.
    ends = list(_ending(school_ids, today, add_months(today, 6)).values_list("ends_on", flat=True))
    three = add_months(today, 3)
    return Summary(ending_3=sum(1 for e in ends if e <= three), ending_6=len(ends),
                   pending=pending_requests(school_ids, today).count(), findings=finding_count(school_ids, today))


def panel(user, caps, today: datetime.date) -> dict | None:
    """The schoolleider's and the bestuurder's way into the overviews, with the numbers that ask for action."""
    scope = SCOPE_BOARD if Cap.BOARD_OVERVIEW in caps else SCOPE_SCHOOL if Cap.SCHOOL_OVERVIEW in caps else None
    if scope is None:
        return None
    school_ids = list(schools_in_scope(user, scope).values_list("pk", flat=True))
    if not school_ids:
        return None
    return {"id": "swv", "title": _("Samenwerkingsverband: toelaatbaarheid"), "template": "swv/overview_panel.html", "empty": None,
            "scope": scope, "summary": summary(school_ids, today),
            "both": Cap.BOARD_OVERVIEW in caps and Cap.SCHOOL_OVERVIEW in caps}

