"""Who reaches which evaluation and commission evaluation, and who may record them.

Built only on the capabilities of accounts.access and the plans of opp.access (ARCHITECTURE.md "Access in one
layer"): an evaluation belongs to a plan, so whoever reads the plan reads its evaluations; the school's plan editors
record the evaluation with the parents (PLAN_EDIT), the (v)so commission its own (COMMISSION_EDIT). An evaluation
outside reach is a 404 and a forbidden action a 403; both name the pupil's school (`audit_school_id`), so that the
refusal row lands in the audit log of the school that was probed.
"""

from __future__ import annotations

from django.db.models import QuerySet

from accounts import access
from accounts.access import Cap, get_in_reach
from accounts.models import User
from opp import access as plan_access
from opp.models import Plan

from .models import CommissionEvaluation, Evaluation

_SCHOOL = "plan__student__school_id"


def evaluations_visible_to(user: User) -> QuerySet[Evaluation]:
    """The evaluations of the plans the user reads."""
    return Evaluation.objects.filter(plan__in=plan_access.plans_visible_to(user))


def evaluation_for_user(user: User, pk) -> Evaluation:
    """One evaluation (with what its page and its PDF read): 404 outside the plans the user reads."""
    evaluations = evaluations_visible_to(user).select_related(
        "plan__student__school", "version", "version__adopted_by", "created_by")
    return get_in_reach(evaluations, pk, school_path=_SCHOOL)


def commission_evaluations_visible_to(user: User) -> QuerySet[CommissionEvaluation]:
    return CommissionEvaluation.objects.filter(plan__in=plan_access.plans_visible_to(user))


def commission_evaluation_for_user(user: User, pk) -> CommissionEvaluation:
    """One evaluation by the (v)so commission: 404 outside the plans the user reads."""
    rows = commission_evaluations_visible_to(user).select_related("plan__student__school", "created_by")
    return get_in_reach(rows, pk, school_path=_SCHOOL)


def plan_to_evaluate(user: User, pk) -> Plan:
    """The plan whose evaluation with the parents the user records: 404 outside reach, 403 without PLAN_EDIT."""
    return plan_access.plan_for_user(user, pk, cap=Cap.PLAN_EDIT)


def plan_for_commission(user: User, pk) -> Plan:
    """The plan the (v)so commission evaluates: 404 outside reach, 403 without COMMISSION_EDIT at its school."""
    return plan_access.plan_for_user(user, pk, cap=Cap.COMMISSION_EDIT)


def require_commission(user: User, plan: Plan) -> None:
    """The service's own check on a commission evaluation (403 naming the school)."""
    access.require_cap(user, Cap.COMMISSION_EDIT, plan.student.school)


def may_record_commission(user: User, plan: Plan) -> bool:
    """Whether the plan page offers the commission's evaluation (the commission of the pupil's school)."""
    return access.has_cap(user, Cap.COMMISSION_EDIT, plan.student.school)


def evaluation_rights(user: User, plan: Plan) -> dict:
    """The booleans of an evaluation's page: may the user open the pupil's page (the board and the commission of
    another school read plans, not the register)."""
    return {"can_view_pupil": access.has_cap(user, Cap.PUPIL_VIEW, plan.student.school)}
