"""The single place that answers: which schools and pupils may this user see, and what may they do.

Every view and service asks here; nothing else interprets roles. Need-to-know (DOMAIN "Retention and
privacy"; ARCHITECTURE.md role table): a school role reaches its own school, a board role the schools
of its board. The beheerder manages accounts and never reaches pupil data.

Objects outside a user's reach are 404 (their existence is not revealed); an action the user may see
but not perform is 403.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import (
    BOARD_ROLES,
    GROUP_SCOPED_ROLES,
    TEXTBANK_GRANT_ROLES,
    Board,
    Membership,
    Role,
    School,
    User,
)


class Cap(enum.StrEnum):
    """Capabilities; roles are mapped to these below and views ask for capabilities, not roles."""

    PUPIL_VIEW = "pupil.view"  # the pupil register and pupil pages
    PUPIL_EDIT = "pupil.edit"  # pupils, guardians, placements, CSV import
    PLAN_VIEW = "plan.view"
    PLAN_EDIT = "plan.edit"  # plans, consultations, consent requests, evaluations, submit for adoption
    PLAN_WITHDRAW = "plan.withdraw"
    PLAN_ADOPT = "plan.adopt"  # vaststellen / terugsturen (R-SET-1)
    SCHOOL_OVERVIEW = "school.overview"
    BOARD_OVERVIEW = "board.overview"
    AUDIT_VIEW = "audit.view"
    DISPUTE_VIEW = "dispute.view"
    DISPUTE_EDIT = "dispute.edit"
    COMMISSION_EDIT = "commission.edit"  # commission advice and evaluations (R-TIME-3, R-EVAL-3)
    ACCOUNTS_MANAGE = "accounts.manage"
    # Four eyes on access to pupil data: who approves what the beheerder asked.
    ACCESS_APPROVE = "access.approve"  # begeleider, leerkracht, commissie of the school; resets of its staff
    ACCESS_APPROVE_BOARD = "access.approve_board"  # every role of the board, schoolleiders, the adoption mandate
    # The goal bank (opp.bank): the schoolleider the school's texts, the bestuurder the board's; other school staff
    # when the schoolleider granted it (Membership.textbank_grant).
    TEXTBANK_MANAGE = "textbank.manage"


_STAFF_READ = {Cap.PUPIL_VIEW, Cap.PLAN_VIEW}
_SCHOOL_WRITE = _STAFF_READ | {Cap.PUPIL_EDIT, Cap.PLAN_EDIT}

ROLE_CAPS: dict[str, frozenset[Cap]] = {
    Role.BEGELEIDER: frozenset(_SCHOOL_WRITE),
    Role.LEERKRACHT: frozenset(_STAFF_READ),
    Role.SCHOOLLEIDER: frozenset(
        _SCHOOL_WRITE | {Cap.SCHOOL_OVERVIEW, Cap.AUDIT_VIEW, Cap.DISPUTE_VIEW, Cap.ACCESS_APPROVE,
                         Cap.TEXTBANK_MANAGE}),
    # The commission reads the plans (and so the pupils) of its own (v)so school and advises.
    Role.COMMISSIE: frozenset(_STAFF_READ | {Cap.COMMISSION_EDIT}),
    # The board reads plans of its schools (from the adoption queue and overviews), not the register.
    Role.BESTUURDER: frozenset(
        {Cap.PLAN_VIEW, Cap.PLAN_ADOPT, Cap.PLAN_WITHDRAW, Cap.BOARD_OVERVIEW, Cap.AUDIT_VIEW, Cap.DISPUTE_VIEW, Cap.DISPUTE_EDIT,
         Cap.ACCESS_APPROVE, Cap.ACCESS_APPROVE_BOARD, Cap.TEXTBANK_MANAGE}
    ),
    Role.GESCHILLEN: frozenset({Cap.DISPUTE_VIEW, Cap.DISPUTE_EDIT}),
    Role.BEHEERDER: frozenset({Cap.ACCOUNTS_MANAGE}),
}

#: Granted to a schoolleider only where the board gave the mandate (Membership.adoption_mandate). Withdrawing an
#: OPP is the board's act like adopting it (R-SET-5), so it needs the same mandate.
MANDATE_CAPS = frozenset({Cap.PLAN_ADOPT, Cap.PLAN_WITHDRAW})


def memberships(user: User) -> list[Membership]:
    """The user's approved memberships, loaded once per user object (a request reuses it).

    The one place where a membership turns into rights: a pending one (four eyes) gives nothing.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_membership_cache", None)
    if cached is None:
        cached = list(Membership.objects.approved().filter(user=user).select_related("school", "board"))
        user._membership_cache = cached
    return cached


def clear_cache(user: User) -> None:
    for attr in ("_membership_cache", "_is_school_staff"):
        if hasattr(user, attr):
            delattr(user, attr)


def _caps_of(membership: Membership) -> frozenset[Cap]:
    caps = ROLE_CAPS[membership.role]
    if membership.role == Role.SCHOOLLEIDER and membership.adoption_mandate:
        caps = caps | MANDATE_CAPS
    if membership.textbank_grant and membership.role in TEXTBANK_GRANT_ROLES:
        caps = caps | {Cap.TEXTBANK_MANAGE}
    return caps


def roles(user: User) -> set[str]:
    return {m.role for m in memberships(user)}


def is_staff_member(user: User) -> bool:
    return bool(memberships(user))


def is_staff_account(user: User) -> bool:
    """Staff in the sense of the policy: any role at a school or board, or an admin-site account."""
    return bool(user.is_staff or user.is_superuser or is_staff_member(user))


def capabilities(user: User) -> set[Cap]:
    """Every capability the user has somewhere (for navigation; never for an object check)."""
    caps: set[Cap] = set()
    for m in memberships(user):
        caps |= _caps_of(m)
    return caps


def schools_with(user: User, cap: Cap) -> QuerySet[School]:
    """The schools where the user has `cap`: a school role reaches its school, a board role its board's schools.
    Never scope pupils (or their plans) by this alone: a leerkracht reaches only their groups there (pupil_reach,
    students.access.pupil_filter)."""
    school_ids: set[int] = set()
    board_ids: set[int] = set()
    for m in memberships(user):
        if cap not in _caps_of(m):
            continue
        if m.role in BOARD_ROLES:
            board_ids.add(m.board_id)
        else:
            school_ids.add(m.school_id)
    if not school_ids and not board_ids:
        return School.objects.none()
    return School.objects.filter(Q(pk__in=school_ids) | Q(board_id__in=board_ids))


@dataclass(frozen=True)
class PupilReach:
    """Which pupils `cap` reaches (need to know): every pupil of `school_ids` and of the schools of `board_ids`, and at
    the schools of `groups` only the pupils of those groups (a leerkracht: the groups on their membership). A
    leerkracht without a group reaches no pupil of that school (fail closed). students.access turns this into the
    one database filter every pupil, plan, evaluation and dispute list starts from."""

    school_ids: frozenset[int] = frozenset()
    board_ids: frozenset[int] = frozenset()
    groups: dict[int, frozenset[str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.school_ids or self.board_ids or any(self.groups.values()))


def pupil_reach(user: User, cap: Cap) -> PupilReach:
    """The pupils the user reaches with `cap`: the whole school for a school role, the board's schools for a board
    role, the own groups only for a group-scoped role (GROUP_SCOPED_ROLES). Several memberships add up; a whole
    school wins over its groups."""
    school_ids: set[int] = set()
    board_ids: set[int] = set()
    groups: dict[int, set[str]] = defaultdict(set)
    for m in memberships(user):
        if cap not in _caps_of(m):
            continue
        if m.role in BOARD_ROLES:
            board_ids.add(m.board_id)
        elif m.role in GROUP_SCOPED_ROLES:
            groups[m.school_id].update(g for g in (m.groups or []) if g)
        else:
            school_ids.add(m.school_id)
    return PupilReach(frozenset(school_ids), frozenset(board_ids),
                      {s: frozenset(g) for s, g in groups.items() if s not in school_ids})


def group_scope_of(user: User) -> list[Membership]:
    """The user's group-scoped memberships (the leerkracht's start page names their groups, or says there are none)."""
    return [m for m in memberships(user) if m.role in GROUP_SCOPED_ROLES]


def boards_with(user: User, cap: Cap) -> QuerySet[Board]:
    """Boards where the user holds `cap` through a board role (overviews, account management)."""
    ids = {m.board_id for m in memberships(user) if m.role in BOARD_ROLES and cap in _caps_of(m)}
    return Board.objects.filter(pk__in=ids)


def has_cap(user: User, cap: Cap, school: School | int) -> bool:
    school_id = school if isinstance(school, int) else school.pk
    board_id = None if isinstance(school, int) else school.board_id
    for m in memberships(user):
        if cap not in _caps_of(m):
            continue
        if m.role in BOARD_ROLES:
            if board_id is None:
                board_id = School.objects.filter(pk=school_id).values_list("board_id", flat=True).first()
                if board_id is None:
                    return False
            if m.board_id == board_id:
                return True
        elif m.school_id == school_id:
            return True
    return False


def textbank_scope(user: User) -> tuple[frozenset[int], frozenset[int]]:
    """(board ids, school ids) whose goal bank the user manages (Cap.TEXTBANK_MANAGE): a board role its board's bank,
    a school role its school's bank only (the bestuurder keeps the board's bank; a school keeps its own)."""
    boards: set[int] = set()
    schools: set[int] = set()
    for m in memberships(user):
        if Cap.TEXTBANK_MANAGE not in _caps_of(m):
            continue
        if m.role in BOARD_ROLES:
            boards.add(m.board_id)
        else:
            schools.add(m.school_id)
    return frozenset(boards), frozenset(schools)


def textbank_grant_schools(user: User) -> frozenset[int]:
    """The schools where the user may give or withdraw Membership.textbank_grant: where they are the schoolleider (a
    granted begeleider manages the bank but does not pass the right on)."""
    return frozenset(m.school_id for m in memberships(user) if m.role == Role.SCHOOLLEIDER)


def may_hold_textbank_grant(role: str) -> bool:
    """Whether the schoolleider may grant managing the goal bank to a membership of `role` (Membership.textbank_grant)."""
    return role in TEXTBANK_GRANT_ROLES


def forbidden(school: School | int | None = None) -> PermissionDenied:
    """The 403 to raise for a refused action. It names the school whose object was concerned, so that the refusal
    row lands in that school's audit log (audit.middleware.RefusalAuditMiddleware); without one, the user's own."""
    refusal = PermissionDenied()
    refusal.audit_school_id = school.pk if isinstance(school, School) else school
    return refusal


def require_cap(user: User, cap: Cap, school: School) -> None:
    """403 for an action on an object the user may see but not change."""
    if not has_cap(user, cap, school):
        raise forbidden(school)


def not_found(school: School | int | None) -> Http404:
    """The 404 to raise for something not there or not to be revealed, naming the school it concerns (as forbidden():
    the refusal row lands in that school's audit log)."""
    refusal = Http404()
    refusal.audit_school_id = school.pk if isinstance(school, School) else school
    return refusal


def out_of_reach(model, pk, school_path: str) -> Http404:
    """The 404 for an object outside the user's reach. It carries the object's real school (None when there is
    no such object), so that the refusal row lands in the audit log of the school that was probed."""
    try:
        school_id = model._default_manager.filter(pk=pk).values_list(school_path, flat=True).first()
    except (ValueError, TypeError):
        school_id = None
    return not_found(school_id)


def get_in_reach(queryset: QuerySet, pk, *, school_path: str, parent_school_id: int | None = None):
    """The one object `pk` of a scoped queryset (one that starts from a `*_visible_to(user)`), or the 404 that names
    the probed object's school. Every app's access.py builds its accessors on this. For an object under a parent the
    user already reached (a pupil's placement, a plan's consultation), `parent_school_id` names the school of a pk
    that does not exist at all."""
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        refusal = out_of_reach(queryset.model, pk, school_path)
        if refusal.audit_school_id is None:
            refusal.audit_school_id = parent_school_id
        raise refusal from None


def adoption_mandate_of(user: User, school: School) -> Membership | None:
    """The membership under which the user may adopt for `school` (recorded with the adoption, R-SET-1)."""
    for m in memberships(user):
        if m.role == Role.BESTUURDER and m.board_id == school.board_id:
            return m
        if m.role == Role.SCHOOLLEIDER and m.adoption_mandate and m.school_id == school.pk:
            return m
    return None


def boards_managed_by(user: User) -> QuerySet[Board]:
    return boards_with(user, Cap.ACCOUNTS_MANAGE)


# --- Four eyes on access ---------------------------------------------------------------

#: Roles that reach pupil data (or, for the beheerder, decide who asks for it): a new or raised membership
#: of any of them waits for approval. The beheerder's role is among them so that a beheerder cannot make
#: a second beheerder account of their own without someone else seeing it.
ROLES_NEEDING_APPROVAL = frozenset(Role)
#: Roles whose new membership the school's schoolleider may approve; every other role needs the board.
_SCHOOL_APPROVED_ROLES = frozenset({Role.BEGELEIDER, Role.LEERKRACHT, Role.COMMISSIE})


#: What an operator (`manage.py approve_membership`) may approve, and only while nobody in the portal can.
OPERATOR_ROLES = frozenset({Role.BESTUURDER, Role.SCHOOLLEIDER})


def may_hold_mandate(role: str) -> bool:
    """Only a schoolleider can hold the board's mandate to adopt (R-SET-5; Membership.clean says so too)."""
    return role == Role.SCHOOLLEIDER


def role_combination_problem(role: str, held: set[str]) -> str | None:
    """Why an account holding `held` roles may not get `role`, or None. A beheerder account holds no other role,
    nor does a beheerder role go to an account with other roles: otherwise a beheerder could make a second
    beheerder account and give their own account a role from there."""
    if role != Role.BEHEERDER and Role.BEHEERDER in held:
        return "beheerder_account"
    if role == Role.BEHEERDER and held - {Role.BEHEERDER}:
        return "beheerder_separate"
    return None


def approval_cap_for(role: str) -> Cap:
    """The capability that approves a new membership with `role` (at its school, or its board)."""
    return Cap.ACCESS_APPROVE if role in _SCHOOL_APPROVED_ROLES else Cap.ACCESS_APPROVE_BOARD


def school_approved_roles() -> frozenset[str]:
    return _SCHOOL_APPROVED_ROLES


def is_raise(old_role: str, new_role: str) -> bool:
    """Whether moving a membership from `old_role` to `new_role` (same person, same place) gains anything."""
    return not ROLE_CAPS[new_role] <= ROLE_CAPS[old_role]


def approver_ids(cap: Cap, *, school: School | None = None, board_id: int | None = None) -> set[int]:
    """The active users whose approved membership gives `cap` at `school` (school roles there, board roles of its
    board) or, with `board_id`, at that board (board roles only)."""
    school_roles = [r for r in ROLE_CAPS if r not in BOARD_ROLES and cap in ROLE_CAPS[r]]
    board_roles = [r for r in ROLE_CAPS if r in BOARD_ROLES and cap in ROLE_CAPS[r]]
    where = Q(pk__in=[])
    if school is not None:
        where |= Q(role__in=school_roles, school=school) | Q(role__in=board_roles, board_id=school.board_id)
    if board_id is not None:
        where |= Q(role__in=board_roles, board_id=board_id)
    return set(Membership.objects.approved().filter(where, user__is_active=True).values_list("user_id", flat=True))


# --- Who is told: the people of a school or board by role (the deadlines' reminders and escalations) -----------------


def people_by_school_and_role(school_ids: set[int]) -> dict[tuple[int, str], list[User]]:
    """(school_id, role) → the active users with an approved membership in that role there. The bestuurder, a board
    role, counts at every school of the board. Three queries."""
    boards = dict(School.objects.filter(pk__in=school_ids).values_list("pk", "board_id"))
    result: dict[tuple[int, str], list[User]] = defaultdict(list)
    for m in Membership.objects.approved().filter(school_id__in=school_ids, user__is_active=True).select_related("user"):
        result[(m.school_id, m.role)].append(m.user)
    by_board: dict[int, list[User]] = defaultdict(list)
    for m in Membership.objects.approved().filter(board_id__in=set(boards.values()), role=Role.BESTUURDER,
                                                  user__is_active=True).select_related("user"):
        by_board[m.board_id].append(m.user)
    for school_id, board_id in boards.items():
        result[(school_id, Role.BESTUURDER)] = by_board.get(board_id, [])
    return result


def dispute_handlers_of(school_id: int) -> list[User]:
    """Who answers for the board in a dispute about a pupil of this school: its geschillen role and bestuurder."""
    board_id = School.objects.filter(pk=school_id).values_list("board_id", flat=True).first()
    return [m.user for m in Membership.objects.approved()
            .filter(board_id=board_id, role__in=[Role.GESCHILLEN, Role.BESTUURDER], user__is_active=True)
            .select_related("user").order_by("pk")]


def begeleiders_of(school: School) -> list[User]:
    """Who hears of the parents' consent answers and reactions: the school's active begeleiders whose role is
    approved (a pending membership is told nothing about pupils)."""
    return [m.user for m in Membership.objects.approved().filter(school=school, role=Role.BEGELEIDER,
                                                                  user__is_active=True).select_related("user")]
