"""Reads: which plans are evaluated this school year, history per plan, due/held/overdue counts, and what the
plan page and its compliance snapshot show of the evaluations (registered with opp.contributions in
EvaluationsConfig.ready(): plans stand below evaluations and know nothing of them)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import (
    BooleanField,
    CharField,
    Exists,
    ExpressionWrapper,
    Min,
    OuterRef,
    Prefetch,
    Value,
    prefetch_related_objects,
)
from django.utils import timezone

from opp import transitions
from opp.models import FROZEN_STATES, Plan
from opp_portal.schoolyear import school_year, school_year_label
from students.eligibility import COMMISSION_SOORTEN

from . import access as evaluation_access
from .models import COUNTS_AS_YEARLY, CommissionEvaluation, Evaluation


def evaluated_plan_ids(plan_ids: list[int], year_start: datetime.date, year_end: datetime.date) -> set[int]:
    """The deadline registry's counter: plans evaluated with the parents, i.e.
    with an evaluation that counts (R-EVAL-1, rules.counts_as_yearly)."""
    return set(Evaluation.objects.counting()
               .filter(plan_id__in=plan_ids, held_on__gte=year_start, held_on__lte=year_end)
               .values_list("plan_id", flat=True))


def commission_evaluated_plan_ids(plan_ids: list[int], year_start: datetime.date, year_end: datetime.date) -> set[int]:
    return set(CommissionEvaluation.objects.filter(plan_id__in=plan_ids, held_on__gte=year_start, held_on__lte=year_end)
               .values_list("plan_id", flat=True))


def cutoff(day: datetime.date) -> datetime.date:
    """The day of this school year from which a newly set plan is first due the next year (default 1 May)."""
    month, dom = settings.OPP_EVALUATION_FIRST_DUE_CUTOFF
    start, end = school_year(day)
    # The school year runs 1 August – 31 July: a cutoff in August–December lies in its first calendar year.
    return datetime.date(start.year if month >= start.month else end.year, month, dom)


def first_set_dates(plan_ids: list[int]) -> dict[int, datetime.date]:
    rows = (Plan.objects.filter(pk__in=plan_ids, versions__state__in=FROZEN_STATES)
            .annotate(first=Min("versions__adopted_at")).values_list("pk", "first"))
    return {pk: timezone.localtime(first).date() for pk, first in rows if first}


def is_due_this_year(first_set: datetime.date | None, today: datetime.date) -> bool:
    """R-EVAL-1: every adopted plan, once per school year; a plan first set on or after the cutoff
    (1 May) is first due in the next school year. Pure."""
    if first_set is None:
        return False
    start, _end = school_year(today)
    if first_set < start:
        return True
    return first_set < cutoff(today)


#: The annotation counting_annotated() puts on an evaluation: whether it counts as the yearly one (the database's
#: COUNTS_AS_YEARLY, so that a page that loaded the plan's evaluations reads the same answer as the query).
COUNTS = "counts_yearly_in_db"


def counting_annotated(evaluations):
    """`evaluations` (a queryset) with COUNTS on each row: for a page that loads the plan's evaluations anyway and hands
    them to status_for (prefetched as the plan's `evaluations`)."""
    return evaluations.annotate(**{COUNTS: ExpressionWrapper(COUNTS_AS_YEARLY, output_field=BooleanField())})


def _first_set(plan: Plan) -> datetime.date | None:
    """first_set_dates of one plan: from its versions when they come prefetched, else one query."""
    if "versions" not in getattr(plan, "_prefetched_objects_cache", {}):
        return first_set_dates([plan.pk]).get(plan.pk)
    adopted = [v.adopted_at for v in plan.versions.all() if v.state in FROZEN_STATES and v.adopted_at]
    return timezone.localtime(min(adopted)).date() if adopted else None


def _held(plan: Plan, start: datetime.date, end: datetime.date) -> tuple[bool, bool]:
    """Whether the plan has a counted evaluation held between start and end, and one with the parents present: from
    plan_annotations() when the plan carries them for this school year, or from its prefetched evaluations when they
    carry COUNTS (counting_annotated), else one query."""
    if getattr(plan, YEAR, None) == school_year_label(start):
        return getattr(plan, HELD), getattr(plan, HELD_WITH_PARENTS)
    cache = getattr(plan, "_prefetched_objects_cache", {})
    if "evaluations" not in cache and "versions" in cache:
        # A plan loaded for a page: its evaluations once, for this and for the page (plan_page_context).
        prefetch_related_objects([plan], Prefetch("evaluations", queryset=_page_evaluations()))
    loaded = cache.get("evaluations")
    if loaded is not None and all(hasattr(e, COUNTS) for e in loaded):
        present = {e.parents_present for e in loaded if getattr(e, COUNTS) and start <= e.held_on <= end}
    else:
        present = set(Evaluation.objects.counting().filter(plan=plan, held_on__gte=start, held_on__lte=end)
                      .order_by().values_list("parents_present", flat=True))
    return bool(present), True in present


def _page_evaluations():
    """A plan's evaluations as the plan page lists them (plan_page_context), with COUNTS."""
    return counting_annotated(Evaluation.objects.select_related("version"))


def _commission_held(plan: Plan, start: datetime.date, end: datetime.date) -> bool:
    if getattr(plan, YEAR, None) == school_year_label(start):
        return getattr(plan, COMMISSION_HELD)
    return CommissionEvaluation.objects.filter(plan=plan, held_on__gte=start, held_on__lte=end).exists()


#: The annotations of plan_annotations(): the school year they are about, and status_for's facts of that year.
YEAR, HELD, HELD_WITH_PARENTS, COMMISSION_HELD = ("evaluation_status_year", "evaluation_status_held",
                                                  "evaluation_status_with_parents", "evaluation_status_commission")


def plan_annotations(today: datetime.date) -> dict:
    """What status_for reads of the evaluations of the school year of `today`, as annotations on a plans query (opp.
    selectors.register_plan_annotations, from EvaluationsConfig.ready()): the same rows as its queries."""
    start, end = school_year(today)
    counted = Evaluation.objects.counting().filter(plan=OuterRef("pk"), held_on__gte=start, held_on__lte=end)
    return {YEAR: Value(school_year_label(today), output_field=CharField()), HELD: Exists(counted),
            HELD_WITH_PARENTS: Exists(counted.filter(parents_present=True)),
            COMMISSION_HELD: Exists(CommissionEvaluation.objects.filter(
                plan=OuterRef("pk"), held_on__gte=start, held_on__lte=end))}


def status_for(plan: Plan, today: datetime.date) -> dict:
    """For the plan page and compliance: due this year? held (an evaluation that counts, R-EVAL-1)? held only
    through "invited, did not come" (`held_without_parents`)? commission needed and held?

    A plan loaded for a page (its versions prefetched, and so already a picture of one moment) is read once per day,
    however often the page asks (the plan page and its stepper both do), and from its versions and, when prefetched
    with counting_annotated(), its evaluations."""
    if "versions" not in getattr(plan, "_prefetched_objects_cache", {}):
        return _status_for(plan, today)
    cache = plan.__dict__.setdefault("_evaluation_status", {})
    if today not in cache:
        cache[today] = _status_for(plan, today)
    return dict(cache[today])


def _status_for(plan: Plan, today: datetime.date) -> dict:
    start, end = school_year(today)
    first = _first_set(plan)
    due = plan.state == Plan.State.ACTIEF and is_due_this_year(first, today)
    # Of the counted evaluations this year: did any have the parents at the table?
    held, with_parents = _held(plan, start, end)
    held_without_parents = held and not with_parents
    vso = plan.student.onderwijssoort in COMMISSION_SOORTEN
    commission_held = vso and _commission_held(plan, start, end)
    return {"school_year": school_year_label(today), "due": due, "held": held,
            "held_without_parents": held_without_parents, "vso": vso,
            "commission_due": due and vso, "commission_held": commission_held, "first_set": first}


def plan_page_context(user, plan: Plan, *, can_edit: bool, has_adopted: bool) -> dict:
    """The plan page's "Evaluaties" sections: the history along the versions, this school year's
    status (R-EVAL-1) and, for (v)so, the commission's evaluations (R-EVAL-3). opp.views asks it through
    opp.contributions.plan_context()."""
    status = status_for(plan, timezone.localdate())
    vso = status["vso"]
    return {
        "evaluations": list(plan.evaluations.all() if "evaluations" in getattr(plan, "_prefetched_objects_cache", {})
                            else plan.evaluations.select_related("version")),
        "evaluation_status": status,
        "can_record_evaluation": can_edit and transitions.state_allows(
            transitions.Action.RECORD_EVALUATION, plan_state=plan.state, has_adopted=has_adopted),
        "commission_evaluations": list(plan.commission_evaluations.all()) if vso else [],
        "can_record_commission": vso and evaluation_access.may_record_commission(user, plan),
    }
