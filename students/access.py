"""Who reaches which pupil, guardian link, placement event and import batch, and what they may do there.

Built only on the capabilities of accounts.access (ARCHITECTURE.md "Access in one layer"): every pupil list starts
from `students_visible_to(user)`, every pupil page from `student_for_user(user, pk)`. An object outside the user's
reach is a 404 and a visible object the user may not change a 403; both name the object's school
(`audit_school_id`), so that the refusal row lands in the audit log of the school that was probed.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts import access
from accounts.access import Cap, get_in_reach, require_cap
from accounts.models import School, User

from .models import GuardianLink, ImportBatch, PlacementEvent, Student

# --- Pupils -----------------------------------------------------------------------------------------------------


def pupil_filter(user: User, cap: Cap, path: str = "") -> Q:
    """The one condition for "the pupils this user reaches with `cap`" (accounts.access.pupil_reach: whole schools,
    the board's schools, a leerkracht's own groups), on Student or, with `path` ("student", "plan__student", ...),
    on anything that hangs under a pupil. Matches nothing for a user who reaches no pupil (fail closed)."""
    reach = access.pupil_reach(user, cap)
    p = f"{path}__" if path else ""
    condition = Q(**{f"{p}pk__in": []})
    if reach.school_ids:
        condition |= Q(**{f"{p}school_id__in": sorted(reach.school_ids)})
    if reach.board_ids:
        condition |= Q(**{f"{p}school__board_id__in": sorted(reach.board_ids)})
    for school_id, groups in sorted(reach.groups.items()):
        if groups:
            condition |= Q(**{f"{p}school_id": school_id, f"{p}group_name__in": sorted(groups)})
    return condition


def students_reached(user: User, cap: Cap) -> QuerySet[Student]:
    return Student.objects.filter(pupil_filter(user, cap))


def students_visible_to(user: User) -> QuerySet[Student]:
    """Every pupil list starts here: the pupils of the schools where the user may read the register, and for a
    leerkracht only those of their own groups (need to know)."""
    return students_reached(user, Cap.PUPIL_VIEW)


def student_for_user(user: User, pk, *, write: bool = False) -> Student:
    """One pupil: 404 outside the user's schools (existence not revealed), 403 for a read-only role."""
    student = get_in_reach(students_visible_to(user).select_related("school", "school__board"), pk,
                           school_path="school_id")
    if write:
        require_cap(user, Cap.PUPIL_EDIT, student.school)
    return student


def register_schools(user: User) -> list[School]:
    """The schools whose register the user reads; 403 for a user who reads none (the board, the beheerder)."""
    schools = list(access.schools_with(user, Cap.PUPIL_VIEW))
    if not schools:
        raise access.forbidden()
    return schools


def editable_schools(user: User) -> QuerySet[School]:
    """Where the user may enrol and change pupils (the school choice of the pupil form, the CSV import)."""
    return access.schools_with(user, Cap.PUPIL_EDIT)


def require_pupil_editor(user: User) -> QuerySet[School]:
    """`editable_schools`, or a 403 for a user who may change pupils nowhere (new pupil, CSV import)."""
    schools = editable_schools(user)
    if not schools.exists():
        raise access.forbidden()
    return schools


def may_edit_pupils_of(user: User, school: School) -> bool:
    """Whether the user may change the pupil register of this school (the import command asks this too)."""
    return access.has_cap(user, Cap.PUPIL_EDIT, school)


def register_rights(user: User, schools: list[School]) -> dict:
    """The booleans of the register page, from the register's schools (register_schools), without a query: a role
    that may change pupils also reads them (accounts.access.ROLE_CAPS), so the schools where the user may change
    pupils (editable_schools) are among the ones they read (tests/perf/test_student_list_queries.py holds both)."""
    return {"can_edit": any(access.has_cap(user, Cap.PUPIL_EDIT, school) for school in schools)}


def schools_without_groups(user: User) -> list[School]:
    """The schools where the user is a leerkracht without any group: they read no pupil there (fail closed), and
    their start page and the pupil list say so."""
    reach = access.pupil_reach(user, Cap.PUPIL_VIEW)
    return [m.school for m in access.group_scope_of(user)
            if not m.groups and m.school_id not in reach.school_ids and m.is_approved]


def student_rights(user: User, student: Student) -> dict:
    """The booleans of a pupil's page: change the pupil, start or change a plan, see who read the file."""
    school = student.school
    return {
        "can_edit": access.has_cap(user, Cap.PUPIL_EDIT, school),
        "can_edit_plan": access.has_cap(user, Cap.PLAN_EDIT, school),
        "can_see_viewers": access.has_cap(user, Cap.AUDIT_VIEW, school),
    }


# --- What hangs under a pupil -----------------------------------------------------------------------------------


def guardian_link_for(student: Student, link_pk) -> GuardianLink:
    """One guardian link of a pupil the caller reached through `student_for_user`."""
    return get_in_reach(student.guardian_links.select_related("guardian"), link_pk,
                   school_path="student__school_id", parent_school_id=student.school_id)


def placement_for(student: Student, event_pk) -> PlacementEvent:
    """One placement event of a pupil the caller reached through `student_for_user`."""
    return get_in_reach(student.placement_events.all(), event_pk,
                   school_path="student__school_id", parent_school_id=student.school_id)


# --- CSV import -------------------------------------------------------------------------------------------------


def batches_visible_to(user: User) -> QuerySet[ImportBatch]:
    return ImportBatch.objects.filter(school__in=access.schools_with(user, Cap.PUPIL_VIEW))


def batch_for_user(user: User, pk, *, pending_only: bool = False) -> ImportBatch:
    """One batch: 404 outside the user's schools (or when no longer pending, if asked), 403 for read-only roles."""
    batches = batches_visible_to(user).select_related("school")
    if pending_only:
        batches = batches.filter(state=ImportBatch.State.PENDING)
    batch = get_in_reach(batches, pk, school_path="school_id")
    require_cap(user, Cap.PUPIL_EDIT, batch.school)
    return batch
