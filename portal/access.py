"""Who reaches what in the parents' portal, and which school staff may invite the parents to it.

A parent (a guardian's portal account) reaches their own children, an adult pupil with a portal account themself
(ARCHITECTURE.md role table); R-TIME-4 hides an adult, handelingsbekwame pupil who consents alone from the parents,
unless the pupil gave permission. Every portal page starts from `portal_students(user)`; staff access (students.access,
opp.access) never mixes in. An object outside reach is a 404, a visible but forbidden action a 403; both name the
object's school (`audit_school_id`), so that the refusal row lands in the audit log of the school that was probed.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.access import Cap, forbidden, get_in_reach, require_cap
from accounts.models import School, User
from disputes.models import Dispute
from evaluations.models import Evaluation
from opp import bekendmaking
from opp.models import ConsentRequest, PlanVersion
from students import access as student_access
from students.models import PARENTS_NOT_TOLD, GuardianLink, Student
from swv.models import SwvRequest

from . import inzage
from .models import Invitation
from .selectors import PORTAL_STATES

_PLAN_SCHOOL = "plan__student__school_id"


# --- Parents and the adult pupil --------------------------------------------------------------------------------


def portal_students(user: User) -> QuerySet[Student]:
    """The pupils this portal user reaches: their children (R-TIME-4 applied) and, for an adult pupil, themself."""
    if not user.is_authenticated:
        return Student.objects.none()
    # R-TIME-4: for an adult, handelingsbekwame pupil who consents alone, parents see nothing unless the pupil gave
    # permission.
    as_parent = Student.objects.filter(~PARENTS_NOT_TOLD, guardian_links__guardian__user=user).order_by().values("pk")
    own = Student.objects.filter(portal_user=user).order_by().values("pk")
    # One set of ids, each half found by its index: an OR across the guardians' LEFT JOIN (with DISTINCT) made
    # PostgreSQL read every pupil of every school, 200-240 ms at 100,000 pupils for each portal page that asks.
    return Student.objects.filter(pk__in=as_parent.union(own)).select_related("school")


def student_for_portal(user: User, pk) -> Student:
    """One pupil of the portal user's own: 404 for any other (its existence is not revealed)."""
    return get_in_reach(portal_students(user), pk, school_path="school_id")


def version_for_portal(user: User, pk) -> PlanVersion:
    """A version of the own child's plan as the school put it before the parents: never a concept (404)."""
    versions = PlanVersion.objects.filter(state__in=PORTAL_STATES, plan__student__in=portal_students(user))
    return get_in_reach(versions.select_related("plan__student__school"), pk, school_path=_PLAN_SCHOOL)


def evaluation_for_portal(user: User, pk) -> Evaluation:
    """An evaluation of the own child's plan (or of the adult pupil's own), with what its PDF reads: 404 otherwise."""
    evaluations = Evaluation.objects.filter(plan__student__in=portal_students(user)).select_related(
        "plan__student__school", "version", "version__adopted_by")
    return get_in_reach(evaluations, pk, school_path=_PLAN_SCHOOL)


def consent_request_for_portal(user: User, pk) -> ConsentRequest:
    """A consent request on the own child's plan (the answer form checks that the user is one of its parties)."""
    requests = ConsentRequest.objects.filter(version__plan__student__in=portal_students(user))
    return get_in_reach(requests.select_related("version__plan__student__school"), pk,
                        school_path="version__plan__student__school_id")


def student_for_inzage(user: User, pk) -> Student:
    """The own child whose file the user may export (AVG art. 15): 404 for another child; 403 for a guardian without
    gezag, who reads the portal but does not represent the child (portal.inzage.party_of)."""
    student = student_for_portal(user, pk)
    if inzage.party_of(user, student) is None:
        raise forbidden(student.school_id)
    return student


def dispute_letter_for_portal(user: User, pk) -> Dispute:
    """The board's response letter of a closed dispute (R-GPO-4) about the own child's plan: 404 for another child's
    dispute and for one not closed; 403 for a guardian without gezag, who is no party to the dispute."""
    disputes = Dispute.objects.filter(plan__student__in=portal_students(user), state=Dispute.State.GESLOTEN).exclude(
        response="").select_related("plan__student__school")
    dispute = get_in_reach(disputes, pk, school_path=_PLAN_SCHOOL)
    if inzage.party_of(user, dispute.plan.student) is None:
        raise forbidden(dispute.plan.student.school_id)
    return dispute


def bekendmaking_for_portal(user: User, pk) -> tuple[PlanVersion, bekendmaking.PartyStatus]:
    """The user's own bekendmaking letter of an adopted version of the own child's plan (R-GPO-2): 404 for another
    child's version; 403 when the user is not a party that was told (a parent without gezag, or not told yet)."""
    version = version_for_portal(user, pk)
    student = version.plan.student
    own = bekendmaking.rows_of_user(user, student, version)
    status = bekendmaking.status_for(version, bekendmaking.party_key(
        "guardian" if own[0].guardian_id else "pupil", own[0].guardian_id or own[0].pupil_id)) if own else None
    if status is None:
        raise forbidden(student.school_id)
    return version, status


def swv_requests_for_portal(user: User) -> QuerySet[SwvRequest]:
    """The requests to the samenwerkingsverband about the user's own children, once the parents were told (never a
    concept; every later state, also ingediend and decided)."""
    return SwvRequest.objects.filter(student__in=portal_students(user), parents_informed_at__isnull=False)


def swv_requests_of_child(student: Student) -> QuerySet[SwvRequest]:
    """The same requests of one pupil the caller already reached through student_for_portal (its own access check):
    without swv_requests_for_portal's subquery over every pupil of the user."""
    return SwvRequest.objects.filter(student=student, parents_informed_at__isnull=False)


def swv_request_for_portal(user: User, pk) -> SwvRequest:
    """One such request: 404 for another child's and for one the parents were not told of."""
    return get_in_reach(swv_requests_for_portal(user).select_related("student__school", "samenwerkingsverband",
                                                                     "version", "evaluation"),
                        pk, school_path="student__school_id")


# --- Staff: invitations to the portal ---------------------------------------------------------------------------


def require_inviter(user: User, school: School) -> None:
    """Inviting parents or the adult pupil is the school's plan editors' task (403 naming the school)."""
    require_cap(user, Cap.PLAN_EDIT, school)


def student_to_invite(user: User, pk) -> Student:
    """The pupil whose parents (or who, as an adult) the user invites: 404 outside the register, 403 without
    PLAN_EDIT at the pupil's school."""
    student = student_access.student_for_user(user, pk)
    require_inviter(user, student.school)
    return student


def guardian_link_to_invite(user: User, pk, link_pk) -> tuple[Student, GuardianLink]:
    """The pupil and one of their guardian links, for inviting that guardian."""
    student = student_to_invite(user, pk)
    return student, student_access.guardian_link_for(student, link_pk)


def invitation_to_remind(user: User, pk, invitation_pk) -> tuple[Student, Invitation]:
    """The pupil and one invitation for them (an adult pupil's own) or for one of their guardians: 404 for an
    invitation of another pupil; 403 without PLAN_EDIT at the pupil's school."""
    student = student_to_invite(user, pk)
    invitations = Invitation.objects.filter(Q(guardian__links__student=student) | Q(pupil=student)).distinct()
    return student, get_in_reach(invitations, invitation_pk, school_path="guardian__school_id",
                                 parent_school_id=student.school_id)
