"""Who may decide on a four-eyes request (security.approvals asks; the views and the admin too).

The rules are accounts.access's capabilities (ACCESS_APPROVE at a school, ACCESS_APPROVE_BOARD at a board); this
module applies them to approval requests: who may decide one, which ones a user sees, and the refusals.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import F, Q, QuerySet

from accounts import access
from accounts.access import Cap
from accounts.models import BOARD_ROLES, School, User
from security.models import ApprovalRequest

Kind = ApprovalRequest.Kind
State = ApprovalRequest.State
RESETS = (Kind.OTP_RESET, Kind.PASSWORD_RESET)


def excluded(approval: ApprovalRequest) -> set[int]:
    """Never the account itself, whoever asked, or whoever made the account."""
    return {approval.user_id, approval.requested_by_id, approval.user.created_by_id} - {None}


def approvers_of(approval: ApprovalRequest) -> set[int]:
    """The ids of everyone who may decide on `approval` now."""
    if approval.kind == Kind.MEMBERSHIP:
        cap = access.approval_cap_for(approval.role)
        if approval.role in BOARD_ROLES:
            ids = access.approver_ids(cap, board_id=approval.board_id)
        else:
            ids = access.approver_ids(cap, school=approval.school)
    elif approval.kind == Kind.MANDATE:
        ids = access.approver_ids(Cap.ACCESS_APPROVE_BOARD, board_id=approval.board_id)
    else:
        ids = access.approver_ids(Cap.ACCESS_APPROVE_BOARD, board_id=approval.board_id)
        for school in _reset_schools(approval.user, approval.board_id):
            ids |= access.approver_ids(Cap.ACCESS_APPROVE, school=school)
    return ids - excluded(approval)


def _reset_schools(user: User, board_id: int) -> list[School]:
    """The schools of `board_id` where `user` works: their schoolleider may approve a reset for them."""
    return list(School.objects.filter(board_id=board_id, memberships__user=user,
                                      memberships__approved_at__isnull=False).distinct())


def may_approve(user: User) -> bool:
    """Whether the user approves anything anywhere (the approvals page and the start page's panel)."""
    return Cap.ACCESS_APPROVE in access.capabilities(user)


def _in_reach(user: User) -> QuerySet[ApprovalRequest]:
    """Requests in the user's reach as an approver, whoever asked (the same rule as approvers_of, in SQL)."""
    schools = access.schools_with(user, Cap.ACCESS_APPROVE)
    boards = access.boards_with(user, Cap.ACCESS_APPROVE_BOARD)
    where = (
        Q(kind=Kind.MEMBERSHIP, role__in=sorted(access.school_approved_roles()), school__in=schools)
        | Q(board__in=boards)
        | Q(kind__in=RESETS, user__memberships__school__in=schools, user__memberships__approved_at__isnull=False,
            user__memberships__school__board_id=F("board_id"))
    )
    return ApprovalRequest.objects.filter(where).distinct()


def pending_for(user: User) -> QuerySet[ApprovalRequest]:
    """What waits for this user's decision: never their own account, their own request, or an account they made."""
    return (_in_reach(user).filter(state=State.PENDING)
            .exclude(user=user).exclude(requested_by=user).exclude(user__created_by=user)
            .select_related("user", "requested_by", "school", "board", "membership")
            .order_by("requested_at", "pk"))


def approval_for_approver(user: User, pk) -> ApprovalRequest:
    """One request: 404 outside the user's reach, 403 for their own account, request or creation."""
    approval = access.get_in_reach(_in_reach(user).select_related("user"), pk, school_path="school_id")
    if user.pk in excluded(approval):
        raise access.forbidden(approval.school_id)
    return approval


def require_approver(user: User) -> None:
    """The approvals page: 403 for anyone who approves nothing anywhere."""
    if not may_approve(user):
        raise PermissionDenied
