"""Reads: which plans are evaluated this school year, history per plan, due/held/overdue counts, and what the
plan page and its compliance snapshot show of the evaluations (registered with opp.contributions in
EvaluationsConfig.ready(): plans stand below evaluations and know nothing of them)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from opp import transitions
from opp.models import FROZEN_STATES, Plan
from opp_portal.schoolyear import school_year, school_year_label
from students.eligibility import COMMISSION_SOORTEN

from . import access as evaluation_access
from .models import CommissionEvaluation, Evaluation


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


def status_for(plan: Plan, today: datetime.date) -> dict:
    """For the plan page and compliance: due this year? held (an evaluation that counts, R-EVAL-1)? held only
    through "invited, did not come" (`held_without_parents`)? commission needed and held?"""
    start, end = school_year(today)
    first = first_set_dates([plan.pk]).get(plan.pk)
    due = plan.state == Plan.State.ACTIEF and is_due_this_year(first, today)
    # Of the counted evaluations this year: did any have the parents at the table?
    present = set(Evaluation.objects.counting().filter(plan=plan, held_on__gte=start, held_on__lte=end)
                  .order_by().values_list("parents_present", flat=True))
    held = bool(present)
    held_without_parents = held and True not in present
    vso = plan.student.onderwijssoort in COMMISSION_SOORTEN
    commission_held = vso and CommissionEvaluation.objects.filter(plan=plan, held_on__gte=start, held_on__lte=end).exists()
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
        "evaluations": list(plan.evaluations.select_related("version")),
        "evaluation_status": status,
        "can_record_evaluation": can_edit and transitions.state_allows(
            transitions.Action.RECORD_EVALUATION, plan_state=plan.state, has_adopted=has_adopted),
        "commission_evaluations": list(plan.commission_evaluations.all()) if vso else [],
        "can_record_commission": vso and evaluation_access.may_record_commission(user, plan),
    }
