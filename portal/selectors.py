"""What a parent or adult pupil may see: only their own children (or themselves), never staff notes."""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404

from opp.models import Plan, PlanVersion, VersionState
from students.models import PARENTS_NOT_TOLD, Guardian, Student

#: Versions a parent sees: everything the school has put before them, never a concept.
PORTAL_STATES = [VersionState.IN_OVERLEG, VersionState.INSTEMMING_GEVRAAGD, VersionState.TER_VASTSTELLING,
                 VersionState.VASTGESTELD, VersionState.VERVANGEN]


def _guardian_filter(user) -> Q:
    # R-TIME-4: for an adult, handelingsbekwame pupil who consents alone, parents see nothing unless the
    # pupil gave permission.
    return Q(guardian_links__guardian__user=user) & ~PARENTS_NOT_TOLD


def portal_students(user):
    if not user.is_authenticated:
        return Student.objects.none()
    return Student.objects.filter(_guardian_filter(user) | Q(portal_user=user)).distinct().select_related("school")


def student_for_portal(user, pk) -> Student:
    try:
        return portal_students(user).get(pk=pk)
    except (Student.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def version_for_portal(user, pk) -> PlanVersion:
    try:
        version = PlanVersion.objects.select_related("plan__student__school").get(pk=pk, state__in=PORTAL_STATES)
    except (PlanVersion.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    student_for_portal(user, version.plan.student_id)
    return version


def author_name(user, student: Student) -> str:
    if student.portal_user_id == user.pk:
        return student.full_name
    guardian = Guardian.objects.filter(user=user, links__student=student).first()
    return guardian.name if guardian else user.get_full_name() or user.get_username()


def plans_for(student: Student):
    return (Plan.objects.filter(student=student).prefetch_related("versions").order_by("-created_at"))


def visible_versions(plan: Plan) -> list[PlanVersion]:
    return [v for v in plan.versions.all() if v.state in PORTAL_STATES]
