"""Who reaches which plan, version, consultation, consent request, signed form and reaction, and what they may do.

Built only on the capabilities of accounts.access (ARCHITECTURE.md "Access in one layer", "One scoped accessor per
object"): every plan list starts from `plans_visible_to(user)`, every plan page from `plan_for_user(user, pk)`. An
object outside the user's reach is a 404 and a visible object the user may not change a 403; both name the object's
school (`audit_school_id`), so that the refusal row lands in the audit log of the school that was probed. The views
and templates get booleans from here (`plan_rights`, `version_rights`, `may_edit_plan`); nothing else asks for a role.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from types import SimpleNamespace

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts import access
from accounts.access import Cap, forbidden, get_in_reach, not_found, require_cap
from accounts.models import Membership, School, User
from students import access as student_access
from students.models import Student

from . import bekendmaking, transitions
from .models import (
    ConsentAnswer,
    ConsentRequest,
    Consultation,
    Goal,
    Measurement,
    Plan,
    PlanVersion,
    Reaction,
    VersionState,
)

_PLAN_SCHOOL = "student__school_id"
_VERSION_SCHOOL = "plan__student__school_id"
_VERSION_RELATED = ("plan", "plan__student", "plan__student__school", "plan__student__school__board")


def choice_or_404(value: str, choices: Container[str], *, school_id: int) -> str:
    """A posted choice that picks what to do with an object the user reached (the editor's section, the review's
    action): an unknown one is a 404 in the object's school, before any rights check."""
    if value not in choices:
        raise not_found(school_id)
    return value


# --- Plans and versions -----------------------------------------------------------------------------------------


def plans_visible_to(user: User) -> QuerySet[Plan]:
    """Every plan list starts here: the plans of the pupils the user reaches with PLAN_VIEW (students.access: the
    schools where the user reads plans, a leerkracht only their own groups)."""
    return Plan.objects.filter(student_access.pupil_filter(user, Cap.PLAN_VIEW, "student"))


def plan_for_user(user: User, pk, *, cap: Cap | None = None) -> Plan:
    """One plan: 404 outside reach; 403 when `cap` (e.g. PLAN_EDIT, PLAN_WITHDRAW) is missing there."""
    plan = get_in_reach(plans_visible_to(user).select_related("student", "student__school", "student__school__board"),
                        pk, school_path=_PLAN_SCHOOL)
    if cap is not None:
        require_cap(user, cap, plan.student.school)
    return plan


def versions_visible_to(user: User) -> QuerySet[PlanVersion]:
    return PlanVersion.objects.filter(student_access.pupil_filter(user, Cap.PLAN_VIEW, "plan__student"))


def version_for_user(user: User, pk, *, cap: Cap | None = None) -> PlanVersion:
    """One version: 404 outside reach; 403 when `cap` is missing at the pupil's school."""
    version = get_in_reach(versions_visible_to(user).select_related(*_VERSION_RELATED), pk, school_path=_VERSION_SCHOOL)
    if cap is not None:
        require_cap(user, cap, version.plan.student.school)
    return version


def archived_version_for_user(user: User, pk) -> PlanVersion:
    """An adopted version whose archived PDF the user may download: a version without one is not there (404)."""
    version = version_for_user(user, pk)
    if not version.archived_pdf:
        raise not_found(version.plan.student.school_id)
    return version


def other_version_of(version: PlanVersion, pk) -> PlanVersion:
    """Another version of the same plan (the diff's "compare with")."""
    return get_in_reach(version.plan.versions.all(), pk, school_path=_VERSION_SCHOOL,
                   parent_school_id=version.plan.student.school_id)


def student_for_new_plan(user: User, student_pk) -> Student:
    """The pupil to start a plan for: 404 outside the register, 403 without PLAN_EDIT at the pupil's school."""
    student = student_access.student_for_user(user, student_pk)
    require_cap(user, Cap.PLAN_EDIT, student.school)
    return student


def consultation_for(plan: Plan, pk) -> Consultation:
    """One consultation of a plan the caller reached through `plan_for_user`."""
    return get_in_reach(plan.consultations.all(), pk, school_path="plan__student__school_id",
                   parent_school_id=plan.student.school_id)


# --- Consent and reactions -----------------------------------------------------------------------------------------


def consent_request_for_user(user: User, pk, *, cap: Cap | None = None) -> ConsentRequest:
    """One consent request: 404 outside the plans the user reads, 403 without `cap` at the pupil's school."""
    requests = (ConsentRequest.objects.filter(student_access.pupil_filter(user, Cap.PLAN_VIEW, "version__plan__student"))
                .select_related("version__plan__student__school"))
    request = get_in_reach(requests, pk, school_path="version__plan__student__school_id")
    if cap is not None:
        require_cap(user, cap, request.version.plan.student.school)
    return request


def consent_scan_for_user(user: User, pk) -> ConsentAnswer:
    """A consent answer whose signed form the user may download: the sender's (PLAN_EDIT), not a read of the plan.
    An answer without a scan (given in the portal) is not there (404)."""
    answers = (ConsentAnswer.objects.filter(
        student_access.pupil_filter(user, Cap.PLAN_VIEW, "request__version__plan__student"))
        .select_related("request__version__plan__student__school"))
    answer = get_in_reach(answers, pk, school_path="request__version__plan__student__school_id")
    school = answer.request.version.plan.student.school
    require_cap(user, Cap.PLAN_EDIT, school)
    if not answer.scan:
        raise not_found(school.pk)
    return answer


def reaction_for_user(user: User, pk, *, cap: Cap | None = None) -> Reaction:
    """A parent's reaction on a version: 404 outside reach, 403 without `cap` at the pupil's school."""
    reactions = (Reaction.objects.filter(student_access.pupil_filter(user, Cap.PLAN_VIEW, "version__plan__student"))
                 .select_related("version__plan__student__school"))
    reaction = get_in_reach(reactions, pk, school_path="version__plan__student__school_id")
    if cap is not None:
        require_cap(user, cap, reaction.version.plan.student.school)
    return reaction


# --- Bekendmaking -------------------------------------------------------------------------------------


def bekendmaking_party_for(subject: PlanVersion | Plan, key: str) -> bekendmaking.PartyStatus:
    """One party of a decision's bekendmaking (its letter), on a version or plan the caller reached: a key that names
    no party of that decision is a 404 in the pupil's school."""
    status = bekendmaking.status_for(subject, key)
    if status is None:
        plan = subject.plan if isinstance(subject, PlanVersion) else subject
        raise not_found(plan.student.school_id)
    return status


# --- Adoption (vaststelling) -------------------------------------------------------------------------------------


def adoption_queue_for(user: User) -> QuerySet[PlanVersion]:
    """The versions awaiting the user's adoption; 403 for a user who adopts nowhere."""
    schools = access.schools_with(user, Cap.PLAN_ADOPT)
    if not schools.exists():
        raise forbidden()
    return (PlanVersion.objects.filter(state=VersionState.TER_VASTSTELLING, plan__state=Plan.State.ACTIEF,
                                       plan__student__school__in=schools)
            .select_related("plan__student__school", "submitted_by"))


def version_for_review(user: User, pk) -> PlanVersion:
    """A version on the review page: only where the user may adopt (the others read it at the version page)."""
    versions = PlanVersion.objects.filter(plan__student__school__in=access.schools_with(user, Cap.PLAN_ADOPT))
    return get_in_reach(versions.select_related("plan__student__school__board"), pk, school_path=_VERSION_SCHOOL)


@dataclass(frozen=True)
class Mandate:
    """Under which membership the user adopts for a school (recorded with the adoption, R-SET-1): as the board
    itself, or as a schoolleider the board gave the mandate."""

    membership: Membership

    @property
    def role(self) -> str:
        return self.membership.role  # as recorded with the adoption (audit details)

    @property
    def by_board(self) -> bool:
        return self.membership.board_id is not None

    @property
    def label(self) -> str:
        if self.by_board:
            return _("bestuurder van %(board)s") % {"board": self.membership.board.name}
        return _("schoolleider van %(school)s, met mandaat van het bestuur") % {"school": self.membership.school.name}


def adoption_mandate(user: User, school: School) -> Mandate | None:
    membership = access.adoption_mandate_of(user, school)
    return Mandate(membership) if membership is not None else None


def require_adoption_mandate(user: User, school: School) -> Mandate:
    """The mandate to adopt or send back at `school`, or the 403 that names it."""
    mandate = adoption_mandate(user, school)
    if mandate is None:
        raise forbidden(school.pk)
    return mandate


def require_plan_reader(user: User) -> None:
    """Checking a PDF against the archive: for anyone who reads plans somewhere (403 for the others)."""
    if not access.schools_with(user, Cap.PLAN_VIEW).exists():
        raise forbidden()


# --- What the user may do: booleans for views and templates ----------------------------------------------------


def may_edit_plan(user: User, plan: Plan) -> bool:
    return access.has_cap(user, Cap.PLAN_EDIT, plan.student.school)


def plan_rights(user: User, plan: Plan, *, versions=None) -> dict:
    """The booleans of the plan page: `can` (one per action, opp.transitions), `can_edit`, `can_view_pupil`."""
    school = plan.student.school
    return {
        "can": transitions.allowed(user, plan, versions=versions),
        "can_edit": access.has_cap(user, Cap.PLAN_EDIT, school),
        "can_view_pupil": access.has_cap(user, Cap.PUPIL_VIEW, school),
    }


COMMISSION_SECTION = "commissie"


@dataclass(frozen=True)
class VersionRights:
    """What the user may do on a version's page."""

    can: SimpleNamespace  # one boolean per action (opp.transitions.allowed)
    advise: bool  # the commission's advice (R-TIME-3), also while consent is asked
    manage: bool  # consent requests and paper consent of an active plan

    @property
    def edit(self) -> bool:
        return self.can.edit

    def section_editable(self, section: str) -> bool:
        return self.edit or (section == COMMISSION_SECTION and self.advise)


def version_rights(user: User, version: PlanVersion) -> VersionRights:
    plan = version.plan
    school = plan.student.school
    active = plan.state == Plan.State.ACTIEF
    return VersionRights(
        can=transitions.allowed(user, plan, version),
        advise=(access.has_cap(user, Cap.COMMISSION_EDIT, school) and active
                and (version.is_editable or version.state == VersionState.INSTEMMING_GEVRAAGD)),
        manage=access.has_cap(user, Cap.PLAN_EDIT, school) and active,
    )


def may_save_section(user: User, version: PlanVersion, section: str, rights: VersionRights) -> bool:
    """Whether the posted section may be saved now. A read-only role gets the 403; someone who may edit plans but
    finds the version moved on gets False (the page says so and gives the text back)."""
    if rights.section_editable(section):
        return True
    require_cap(user, Cap.PLAN_EDIT, version.plan.student.school)
    return False


def require_section_right(user: User, school: School, section: str) -> None:
    """The service's own check on saving a section: the commission's advice by the commission or the school's
    plan editors, every other section by the plan editors (403 naming the school)."""
    if section == COMMISSION_SECTION:
        if not (access.has_cap(user, Cap.PLAN_EDIT, school) or access.has_cap(user, Cap.COMMISSION_EDIT, school)):
            raise forbidden(school.pk)
    else:
        require_cap(user, Cap.PLAN_EDIT, school)


# --- Goals and their measurements (whoever reads the plan reads its goals' measurements; R-CONTENT-4) ----------


def goals_visible_to(user: User) -> QuerySet[Goal]:
    return Goal.objects.filter(student_access.pupil_filter(user, Cap.PLAN_VIEW, "plan__student"))


def goal_for_user(user: User, pk, *, cap: Cap | None = None) -> Goal:
    """One goal: 404 outside the plans the user reads; 403 when `cap` (PLAN_EDIT) is missing at the pupil's school."""
    goal = get_in_reach(goals_visible_to(user).select_related("plan__student__school__board"), pk,
                        school_path="plan__student__school_id")
    if cap is not None:
        require_cap(user, cap, goal.plan.student.school)
    return goal


def measurement_for_user(user: User, pk, *, cap: Cap | None = None) -> Measurement:
    """One measurement: 404 outside the plans the user reads; 403 without `cap` at the pupil's school."""
    rows = Measurement.objects.filter(student_access.pupil_filter(user, Cap.PLAN_VIEW, "goal__plan__student"))
    measurement = get_in_reach(rows.select_related("goal__plan__student__school__board", "recorded_by"), pk,
                               school_path="goal__plan__student__school_id")
    if cap is not None:
        require_cap(user, cap, measurement.goal.plan.student.school)
    return measurement


# --- The LAS export (opp.las_export) --------------------------------------------------------------------------------


def schools_for_export(user: User) -> QuerySet[School]:
    """The schools whose file the user may download: where they write plans (begeleider, schoolleider)."""
    return access.schools_with(user, Cap.PLAN_EDIT).order_by("name", "pk")


def school_for_export(user: User, pk) -> School:
    """A school whose plans the user reads (404 otherwise, in that school's log); 403 where they only read them (the
    leerkracht, the commission, the board): the file holds every pupil with a plan, a need-to-know for those who
    keep the school's administration."""
    school = get_in_reach(access.schools_with(user, Cap.PLAN_VIEW), pk, school_path="pk")
    require_cap(user, Cap.PLAN_EDIT, school)
    return school
