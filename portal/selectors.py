"""What the portal shows of a pupil the user already reached through portal.access: the versions put before the
parents (never a concept), the plans, the disputes' state and dates, and the name a reaction is signed with."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, prefetch_related_objects

from disputes import rules as dispute_rules
from disputes.models import Dispute
from opp import compliance
from opp.models import Bekendmaking, ConsentRequest, Consultation, Plan, PlanVersion, VersionState
from students.models import Guardian, GuardianLink, Student

#: Versions a parent sees: everything the school has put before them, never a concept.
PORTAL_STATES = [VersionState.IN_OVERLEG, VersionState.INSTEMMING_GEVRAAGD, VersionState.TER_VASTSTELLING,
                 VersionState.VASTGESTELD, VersionState.VERVANGEN]


def author_name(user, student: Student) -> str:
    if student.portal_user_id == user.pk:
        return student.full_name
    guardian = Guardian.objects.filter(user=user, links__student=student).first()
    return guardian.name if guardian else user.get_full_name() or user.get_username()


def latest_plans(students) -> dict[int, Plan]:
    """Per pupil its latest plan, with its versions: two queries for any number of pupils (the portal's start page
    lists a parent's children)."""
    latest: dict[int, Plan] = {}
    for plan in Plan.objects.filter(student__in=students).prefetch_related("versions").order_by("-created_at", "-pk"):
        latest.setdefault(plan.student_id, plan)
    return latest


#: Annotations child_page_plans() puts on each plan and each version: whether any dispute is about the plan
#: (disputes_for_parents reads them only then), and whether any party was told of the version (a bekendmaking row:
#: the child page reads the user's own rows only then).
HAS_DISPUTES = "has_disputes"
HAS_BEKENDMAKING = "has_bekendmaking"


def child_page_plans(student: Student) -> list[Plan]:
    """The pupil's plans, newest first, each with its versions (with their consent requests and those requests'
    answers) and its consultations (with the parents' suggestions), loaded onto `student` together with its placements:
    the child page, opp.consent_services.status and applicable_sections() read them from there. A fixed number of
    queries whatever the number of plans, versions, requests or consultations; the plans and versions say whether
    there are disputes and bekendmakingen to read (HAS_DISPUTES, HAS_BEKENDMAKING)."""
    plans = Plan.objects.order_by("-created_at", "-pk").annotate(
        **{HAS_DISPUTES: Exists(Dispute.objects.filter(plan=OuterRef("pk")))})
    versions = PlanVersion.objects.annotate(**{HAS_BEKENDMAKING: Exists(Bekendmaking.objects.filter(version=OuterRef("pk")))})
    prefetch_related_objects([student], "placement_events", Prefetch(
        "plans", queryset=plans.prefetch_related(
            Prefetch("versions", queryset=versions.prefetch_related(
                Prefetch("consent_requests", queryset=ConsentRequest.objects.prefetch_related("answers")))),
            Prefetch("consultations", queryset=Consultation.objects.prefetch_related("suggestions")))))
    return list(student.plans.all())


#: The annotation guardians_of_user() puts on each guardian row: whether it is a guardian with gezag of the pupil.
GEZAG = "has_gezag_over_pupil"


def guardians_of_user(user, student: Student) -> list[Guardian]:
    """The portal user's guardian rows (any pupil's), each with GEZAG for `student`: what the child page asks of the
    user's guardianship (portal.inzage.party_of, opp.consent_services.parties_of_user, opp.bekendmaking.rows_of_user)
    in one query."""
    return list(Guardian.objects.filter(user=user).annotate(**{GEZAG: Exists(GuardianLink.objects.filter(
        guardian=OuterRef("pk"), student=student, has_gezag=True))}).order_by("pk"))


def applicable_sections(student: Student) -> list[str]:
    """The sections of the pupil's OPP, as the compliance snapshot decides them (compliance.Snapshot.applicable: the
    onderwijssoort and any OPDC placement), from the placements loaded on `student`. Without the rest of the snapshot:
    its findings, and the reads they need, are the school's; a parent's page shows the sections only."""
    placements = tuple(compliance.PlacementFact(kind=p.kind, start_on=p.start_on) for p in student.placement_events.all())
    return compliance.Snapshot(onderwijssoort=student.onderwijssoort, state="", scalars={}, placements=placements).applicable


def plan_ended(plan: Plan) -> bool:
    """Beëindigd or ingetrokken (R-SET-5): the plan stays on record but is no current OPP."""
    return plan.state != Plan.State.ACTIEF


def visible_versions(plan: Plan) -> list[PlanVersion]:
    return [v for v in plan.versions.all() if v.state in PORTAL_STATES]


def disputes_for_parents(student: Student, *, plans: list[Plan] | None = None) -> list[dict]:
    """The pupil's disputes as the parents see them: the state and the dates and, once closed, the board's response
    letter — never the dossier's documents or the board's internal data. `plans`: all the pupil's plans as
    child_page_plans() gives them, when the caller has them (no query when none of them has a dispute)."""
    if plans is not None and not any(getattr(p, HAS_DISPUTES, True) for p in plans):
        return []
    return [{"pk": d.pk, "subject": d.get_subject_display(), "filed_on": d.filed_on,
             "state": dispute_rules.PARENT_STATE[d.state],
             "hearing_on": d.hearing_on, "advice_on": d.advice_on, "response_sent_on": d.response_sent_parents_on,
             "closed": d.state == Dispute.State.GESLOTEN,
             # The board's response letter (R-GPO-4): downloadable once the dispute is closed (portal.access).
             "has_letter": d.state == Dispute.State.GESLOTEN and bool(d.response)}
            for d in Dispute.objects.filter(plan__student=student).order_by("-filed_on", "-pk")]


def invitation_audience(invitation) -> str:
    """Whom an invitation's pages speak to, in `audience`'s words: an adult pupil invited in their own name reads
    about their own OPP ("self"); a guardian (or a link no longer known) about their child ("children")."""
    return "self" if invitation is not None and invitation.pupil_id else "children"


def audience(user, students) -> str:
    """Whom the portal speaks about: "self" (an adult pupil reading their own OPP), "children" (a parent), or "both"
    (an adult pupil who is also a parent). No pupils yet: a parent's words."""
    own = {s.pk for s in students if s.portal_user_id == user.pk}
    if own and len(own) == len(students):
        return "self"
    return "both" if own else "children"
