"""Who reaches which pupil's admission decisions and requests to the SWV, and who records and sends them.

Built only on the capabilities of accounts.access (ARCHITECTURE.md "Access in one layer"): the school's staff read a
pupil's decisions where they read the pupil (PUPIL_VIEW: the leerkracht only their own groups) and the board reads
them where it reads plans (PLAN_VIEW: the bestuurder only reads); recording and withdrawing is for those who change
the pupil's data (PUPIL_EDIT: the begeleider and the schoolleider of the pupil's school). Outside that reach an
object is a 404, a visible one the user may not change a 403; both name the pupil's school, so that the refusal row
lands in that school's audit log.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.access import Cap, get_in_reach, has_cap, not_found, require_cap
from accounts.models import User
from students import access as student_access
from students.models import Student

from .models import AdmissionDecision, SwvRequest

#: Who reads a pupil's admission decisions: the school's staff (as the pupil page) and the board (as the plans).
READ_CAPS = (Cap.PUPIL_VIEW, Cap.PLAN_VIEW)
#: Who records and withdraws them: whoever changes the pupil's data.
WRITE_CAP = Cap.PUPIL_EDIT


def _reach(user: User, path: str = "") -> Q:
    condition = Q(pk__in=[])
    for cap in READ_CAPS:
        condition |= student_access.pupil_filter(user, cap, path)
    return condition


def students_visible_to(user: User) -> QuerySet[Student]:
    return Student.objects.filter(_reach(user))


def decisions_visible_to(user: User) -> QuerySet[AdmissionDecision]:
    """Every decision list starts here: the decisions of the pupils the user reads."""
    return AdmissionDecision.objects.filter(_reach(user, "student"))


def student_for_user(user: User, pk, *, write: bool = False) -> Student:
    """A pupil whose decisions the user reads: 404 outside the reach, 403 for a write without PUPIL_EDIT."""
    student = get_in_reach(students_visible_to(user).select_related("school", "school__board",
                                                                    "school__samenwerkingsverband"),
                           pk, school_path="school_id")
    if write:
        require_cap(user, WRITE_CAP, student.school)
    return student


def decision_for_user(user: User, pk, *, write: bool = False) -> AdmissionDecision:
    """One decision: 404 outside the reach (naming the pupil's school), 403 for a write without PUPIL_EDIT."""
    decision = get_in_reach(
        decisions_visible_to(user).select_related("student__school", "samenwerkingsverband", "based_on_version"),
        pk, school_path="student__school_id")
    if write:
        require_cap(user, WRITE_CAP, decision.student.school)
    return decision


def decision_with_document_for_user(user: User, pk) -> AdmissionDecision:
    """A decision whose document was uploaded: only then is there something to download (404 before)."""
    decision = decision_for_user(user, pk)
    if not decision.stored_name:
        raise not_found(decision.student.school_id)
    return decision


def may_record(user: User, student: Student) -> bool:
    """The pupil page's and the decisions page's buttons."""
    return has_cap(user, WRITE_CAP, student.school)


def reads_pupil_page(user: User, student: Student) -> bool:
    """The bestuurder reads the decisions (as the plans) but not the pupil register: no link to the pupil page."""
    return has_cap(user, Cap.PUPIL_VIEW, student.school)


def requests_visible_to(user: User) -> QuerySet[SwvRequest]:
    """The requests of the pupils whose admission decisions the user reads (swv.access)."""
    return SwvRequest.objects.filter(student__in=students_visible_to(user))


def request_for_user(user: User, pk, *, write: bool = False) -> SwvRequest:
    """One request: 404 outside the reach (naming the pupil's school), 403 for a write without WRITE_CAP."""
    request = get_in_reach(requests_visible_to(user).select_related(
        "student__school__board", "samenwerkingsverband", "version", "evaluation", "extends", "created_by",
        "handed_in_by"), pk, school_path="student__school_id")
    if write:
        require_cap(user, WRITE_CAP, request.student.school)
    return request
