"""Reads of OPP data: snapshots for compliance and hashing, diffs, and what a pupil page shows."""

from __future__ import annotations

import datetime
import difflib
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Exists, Min, OuterRef, Prefetch, Q, Subquery, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.access import Cap
from opp_portal import dates
from opp_portal.loaded import loaded
from opp_portal.schoolyear import school_year
from students import eligibility, history
from students.models import GuardianLink, Student
from students.services import facts_for, standing_of

from . import access as plan_access
from . import (
    bank,
    bekendmaking,
    compliance,
    consent_services,
    contributions,
    hashing,
    ldgm,
    measures,
    next_step,
    transitions,
)
from . import sections as S
from .content import version_content
from .models import (
    FROZEN_STATES,
    OPEN_STATES,
    ActionItem,
    Bekendmaking,
    ConsentRequest,
    FactorItem,
    Plan,
    PlanVersion,
    Reaction,
    VersionState,
)

# --- A pupil's OPP history (ARCHITECTURE.md: read in one place) ----------------------------------------------


def plan_facts(student_id: int) -> tuple[history.PlanFact, ...]:
    """The pupil's plans as students.history reads them (registered in OppConfig.ready()). One query."""
    rows = (Plan.objects.filter(student_id=student_id)
            .annotate(first=Min("versions__adopted_at", filter=Q(versions__state__in=FROZEN_STATES)))
            .order_by("created_at", "pk")
            .values_list("pk", "state", "created_at", "ended_on", "first"))
    return tuple(history.PlanFact(started_on=timezone.localtime(created).date(), state=state, pk=pk, ended_on=ended_on,
                                  adopted_on=timezone.localtime(first).date() if first else None)
                 for pk, state, created, ended_on, first in rows)


@dataclass(frozen=True)
class PupilHistory:
    """Where this pupil stands: every plan (newest first), the current one, its adopted and its open version, and
    the standing of students.history (which term runs and why, whether the current plan is in force)."""

    plans: list[Plan]
    current_plan: Plan | None
    adopted_version: PlanVersion | None
    open_version: PlanVersion | None
    facts: tuple[history.PlanFact, ...]
    standing: history.Standing

    def rests_on_opp(self, day: datetime.date) -> bool:
        return history.rests_on_opp(self.facts, day)


def pupil_history(student: Student) -> PupilHistory:
    """The one selector for "where does this pupil stand". Two queries (plans, their versions); none when the pupil
    comes with them (load_editor_version)."""
    if loaded(student, "plans"):
        plans = list(student.plans.all())  # prefetched newest first, with their versions
    else:
        plans = list(student.plans.prefetch_related("versions").order_by("-created_at", "-pk"))
    facts = tuple(
        history.PlanFact(started_on=timezone.localtime(p.created_at).date(), state=p.state, pk=p.pk, ended_on=p.ended_on,
                         adopted_on=min((timezone.localtime(v.adopted_at).date() for v in p.versions.all()
                                         if v.state in FROZEN_STATES and v.adopted_at), default=None))
        for p in reversed(plans))
    current = next((p for p in plans if p.state == Plan.State.ACTIEF), None)
    versions = list(current.versions.all()) if current else []
    return PupilHistory(
        plans=plans, current_plan=current,
        adopted_version=next((v for v in versions if v.state == VersionState.VASTGESTELD), None),
        open_version=next((v for v in versions if v.state in OPEN_STATES), None),
        facts=facts, standing=standing_of(student, facts),
    )


def snapshot(version: PlanVersion, *, today: datetime.date, consent_status: dict | None = None) -> compliance.Snapshot:
    """`consent_status`: consent_services.status(version) when the caller has it already (the editor shows it too)."""
    plan = version.plan
    student = plan.student
    content = version_content(version)
    facts = facts_for(student)
    its_history = pupil_history(student)
    consultations = tuple(
        compliance.ConsultationFact(held_on=c.held_on, agreement=c.agreement, parents_present=c.parents_present,
                                    version_id=c.version_id)
        for c in plan.consultations.all()
    )
    placements = tuple(
        compliance.PlacementFact(kind=p.kind, start_on=p.start_on, investigation_recorded=p.investigation_recorded,
                                 rests_on_opp=its_history.rests_on_opp(p.start_on))
        for p in facts.placements
    )
    extra_need = eligibility.decide(eligibility.PupilFacts(**{**facts.__dict__, "placements": ()})).required
    extra = {}
    if not version.is_frozen:
        st = consent_status if consent_status is not None else consent_services.status(version)
        extra["consent"] = {k: st[k] for k in ("asked", "covers", "stale", "refused")}
    extra["bank"] = bank.provenance_facts(version)  # items from the goal bank (compliance.bank_texts_unchanged)
    if its_history.adopted_version is not None and plan.pk == getattr(its_history.current_plan, "pk", None):
        # A plan in force: the apps above add what they check (evaluations: this school year's evaluation).
        extra.update(contributions.snapshot_parts(plan, today))
    revision = None
    if version.based_on_id is not None and not version.is_frozen:
        previous = version.based_on
        revision = compliance.RevisionFact(
            started_on=timezone.localtime(version.created_at).date(),
            previous_adopted_on=timezone.localtime(previous.adopted_at).date() if previous.adopted_at else None,
            version_id=version.pk)
    return compliance.Snapshot(
        onderwijssoort=student.onderwijssoort, state=version.state, scalars=content["scalars"],
        factors=tuple(content["factors"]), actions=tuple(content["actions"]), yields=tuple(content["yields"]),
        consultations=consultations, placements=placements, extra_need=extra_need,
        in_force=its_history.standing.in_force, due_on=its_history.standing.due_on, today=today, extra=extra,
        revision=revision,
    )


def findings_for(version: PlanVersion, *, today: datetime.date) -> list[compliance.Finding]:
    return compliance.findings(snapshot(version, today=today))


def pupil_page(student: Student, today: datetime.date, user=None) -> dict:
    """What the pupil page shows of the plans: the history, the plans, the current plan, its open version,
    that version's findings, and the facts of the next step (the stepper, opp/_stepper.html, decides it for the
    user who reads the page: templatetags/opp_stepper). Registered with students.selectors in OppConfig.ready()
    (pupils stand below plans). The pupil's plans are loaded once (load_pupil) for the whole page: the history,
    the findings, the stepper, the timeline (timeline_events) and the progress panel (goal_charts.pupil_page_part)
    read them from the pupil."""
    load_pupil(student, today, user=user)
    its_history = pupil_history(student)
    open_version = its_history.open_version
    found = findings_for(with_content(open_version), today=today) if open_version else []
    plan = its_history.current_plan
    if plan is not None:
        _add_adopted_parts(plan)
    return {
        "history": its_history, "plans": its_history.plans, "current_plan": its_history.current_plan,
        "open_version": open_version, "findings": found,
        "next_step_plan": plan,
        "next_step_facts": next_step_facts(plan, student, today, evaluation=_evaluation_of(plan, today) if plan else None,
                                           blocking=compliance.content_blocking(found) if open_version else None),
    }


# --- The next step (opp.next_step) ---------------------------------------------------------------------------


#: The annotation on a version loaded with _plan_parts(): its reactions the school has not responded to yet (the next
#: step's "open reactions"), counted by the database instead of loading every reaction.
OPEN_REACTIONS = "open_reaction_count"


def _plan_parts(prefix: str = "") -> list:
    """What the next step reads of a plan (`prefix`: the path to the plan, e.g. "plan__" from a version): its versions,
    each with its actions, its consent requests (with their answers) and the number of its reactions without a response
    (OPEN_REACTIONS), and its consultations."""
    return [Prefetch(f"{prefix}versions", queryset=PlanVersion.objects.order_by("number").annotate(**{
        OPEN_REACTIONS: Coalesce(Subquery(
            Reaction.objects.filter(version=OuterRef("pk"), response="").order_by().values("version")
            .annotate(n=Count("pk")).values("n")), 0)}).prefetch_related(
        "actions", Prefetch("consent_requests", queryset=ConsentRequest.objects.prefetch_related("answers")))),
        f"{prefix}consultations"]


def _open_reactions(version: PlanVersion) -> int:
    if hasattr(version, OPEN_REACTIONS):
        return getattr(version, OPEN_REACTIONS)
    return sum(1 for r in version.reactions.all() if not r.response)


def _adopted_parts(prefix: str = "") -> list:
    """What an adopted plan's step needs besides: its bekendmakingen and the parties to tell."""
    return [Prefetch(f"{prefix}bekendmakingen", queryset=Bekendmaking.objects.select_related("recorded_by")),
            Prefetch(f"{prefix}student__guardian_links", queryset=GuardianLink.objects.select_related("guardian"))]


def _with_parts(plans, *, adopted_parts: bool = True):
    """Plans with everything the next step reads, prefetched: a fixed number of queries for any number of plans.
    `adopted_parts`: also what an adopted plan's step needs (its bekendmakingen and the parties to tell)."""
    parts = _plan_parts() + (_adopted_parts() if adopted_parts else [])
    return plans.select_related("student__school").prefetch_related(*parts)


def load_editor_version(version: PlanVersion | int) -> PlanVersion:
    """The version page's version (what load_version gives) with the pupil loaded for the whole page, in a fixed number
    of queries whatever the number of plans, versions, items, requests or consultations: the pupil's placements and
    plans (pupil_history), each plan's versions with what the next step reads (opp.transitions, the stepper, the
    adopted and the other versions read them from there), its consultations (the compliance snapshot), and for a plan
    without an open version its bekendmakingen and guardians. `version`: one the caller reached through opp.access
    (with its plan, pupil and school), or its pk."""
    loaded = _load_with_pupil(version, _plan_parts())
    _add_adopted_parts(loaded.plan)
    return loaded


def with_next_step_parts(plan: Plan) -> Plan:
    """`plan` (reached through opp.access) with what its next step reads, prefetched (as _with_parts loads it), so that
    the plan page shows its versions and its stepper from one load."""
    prefetch_related_objects([plan], *_plan_parts())
    _add_adopted_parts(plan)
    return plan


def consultations_of(plan: Plan) -> list:
    """The plan's consultations with their suggestions and their versions, from the consultations and versions
    with_next_step_parts() loaded (one query, for the suggestions)."""
    consultations = list(plan.consultations.all())
    prefetch_related_objects(consultations, "suggestions")
    versions = {v.pk: v for v in plan.versions.all()}
    for consultation in consultations:
        if consultation.version_id is not None:
            consultation.version = versions[consultation.version_id]
    return consultations


def _add_adopted_parts(plan: Plan) -> None:
    """A plan without an open version: its step is about the adopted one and reads _adopted_parts() too."""
    if not any(v.state in OPEN_STATES for v in plan.versions.all()):
        prefetch_related_objects([plan], *_adopted_parts())


def _has_next_step_parts(plan: Plan) -> bool:
    """Whether `plan` comes with everything the next step reads (with_next_step_parts, load_editor_version)."""
    if not (loaded(plan, "consultations") and loaded(plan, "versions__actions")
            and loaded(plan, "versions__consent_requests")):
        return False
    versions = list(plan.versions.all())
    return (all(hasattr(v, OPEN_REACTIONS) for v in versions)
            and (any(v.state in OPEN_STATES for v in versions) or loaded(plan, "bekendmakingen")))


#: (today) → {name: expression}: what an app above the plans annotates on the plans a page loads with their pupil
#: (load_editor_version), so that its part of the compliance snapshot (opp.contributions)
#: reads it from the plan instead of querying again. Registered from an AppConfig.ready(); a provider's expressions
#: must read the same rows as its snapshot part would.
PlanAnnotations = Callable[[datetime.date], dict]
_plan_annotations: dict[str, PlanAnnotations] = {}


def register_plan_annotations(key: str, provider: PlanAnnotations) -> None:
    """Called from an AppConfig.ready(); `key` names the contributor, so that a second ready() replaces it."""
    _plan_annotations[key] = provider


def _with_contributed_annotations(plans, today: datetime.date):
    for provider in _plan_annotations.values():
        plans = plans.annotate(**provider(today))
    return plans


#: The annotation load_pupil() puts on each plan it loads for a reader: whether that user reads the plan
#: (opp.access.plans_visible_to, evaluated by the database in the same query).
READABLE = "readable_by_reader"


def load_pupil(student: Student, today: datetime.date, *, user=None, placements: bool = True) -> Student:
    """`student` (reached through an access.py) with every plan loaded once for a page, in a fixed number of queries
    whatever the number of plans, versions, items, requests or consultations: its placements (`placements`), its plans
    newest first with what the next step reads of each (_plan_parts: versions with their actions and consent requests,
    consultations) and the contributed annotations (this school year's evaluation status). With `user`, each plan
    carries READABLE (whether that user reads it), and `readable_plans(student, user)` answers from it. A pupil whose
    plans are loaded already is left as it is."""
    if not loaded(student, "plans"):
        plans = _with_contributed_annotations(Plan.objects.order_by("-created_at", "-pk"), today)
        if user is not None:
            plans = plans.annotate(**{READABLE: Exists(plan_access.plans_visible_to(user).filter(pk=OuterRef("pk")))})
            student.__dict__["_plans_read_for"] = user.pk
        prefetch_related_objects([student], Prefetch("plans", queryset=plans.prefetch_related(*_plan_parts())))
    if placements:
        prefetch_related_objects([student], "placement_events")
    return student


def readable_plans(student: Student, user) -> list[Plan] | None:
    """The pupil's plans `user` reads (newest first), from what load_pupil() loaded for that user; None when the pupil
    does not come loaded so (the caller then asks the database: opp.access.plans_visible_to)."""
    if user is None or not loaded(student, "plans") or student.__dict__.get("_plans_read_for") != user.pk:
        return None
    return [p for p in student.plans.all() if getattr(p, READABLE)]


def load_plan_page(plan: Plan, user) -> Plan:
    """The plan page's plan (`plan`: reached through opp.access.plan_for_user) as one of its pupil's plans, all of them
    loaded once (load_pupil, for `user`): the page's stepper, versions and consultations and the pupil's progress
    over every plan the user reads come from that one load. A plan without an open version also gets what its
    adopted step reads (its bekendmakingen, the pupil's guardians)."""
    student = load_pupil(plan.student, timezone.localdate(), user=user, placements=False)
    loaded = next(p for p in student.plans.all() if p.pk == plan.pk)
    _add_adopted_parts(loaded)
    return loaded


def _load_with_pupil(version: PlanVersion | int, plan_parts: list) -> PlanVersion:
    if not isinstance(version, PlanVersion):
        version = PlanVersion.objects.select_related("plan__student__school__board").get(pk=version)
    student = version.plan.student
    plans = _with_contributed_annotations(Plan.objects.order_by("-created_at", "-pk"), timezone.localdate())
    prefetch_related_objects([student], "placement_events", Prefetch("plans", queryset=plans.prefetch_related(*plan_parts)))
    plan = next(p for p in student.plans.all() if p.pk == version.plan_id)
    return with_content(next(v for v in plan.versions.all() if v.pk == version.pk))


def with_content(version: PlanVersion) -> PlanVersion:
    """`version`, one of its plan's prefetched versions, with what load_version gives besides: its items (those not
    prefetched yet) and the version it revises (from the same prefetched versions)."""
    cached = getattr(version, "_prefetched_objects_cache", {})
    prefetch_related_objects([version], *(part for part in ("factors", "actions", "yields") if part not in cached))
    based_on = next((v for v in version.plan.versions.all() if v.pk == version.based_on_id), None)
    if based_on is not None:
        version.based_on = based_on
    return version


def _consent_facts(plan: Plan, version: PlanVersion) -> dict:
    """R-CONSENT-4, 5: "given" when the latest decision on exactly this handelingsdeel (on any version of the plan:
    an unchanged handelingsdeel keeps its consent) was consent — as consent_services.covering_request decides it;
    else the state of this version's latest request."""
    current = version.handelingsdeel_hash()
    requests = [r for v in plan.versions.all() for r in v.consent_requests.all()]
    decided = consent_services.decided_latest_first(requests, current)
    if decided and decided[0].state == ConsentRequest.State.GEGEVEN:
        return {"consent": "given", "consent_request_id": decided[0].pk}
    own = sorted(version.consent_requests.all(), key=lambda r: (r.requested_at, r.pk), reverse=True)
    latest = own[0] if own else None
    if latest is None or latest.state == ConsentRequest.State.INGETROKKEN:
        return {}
    facts = {"consent_request_id": latest.pk,
             "consent_requested_on": timezone.localtime(latest.requested_at).date()}
    if latest.state == ConsentRequest.State.OPEN:
        answered = {("guardian" if a.guardian_id else "pupil", a.guardian_id or a.pupil_id) for a in latest.answers.all()}
        facts.update(consent="open", waiting_for=tuple(p["name"] for p in latest.parties
                                                       if (p["kind"], p["id"]) not in answered))
    elif latest.state == ConsentRequest.State.GEWEIGERD:
        facts["consent"] = "refused"
        facts["refused_on"] = timezone.localtime(latest.closed_at or latest.requested_at).date()
    else:
        facts["consent"] = "stale"  # consent given on a handelingsdeel that has changed since
    return facts


def next_step_facts(plan: Plan | None, student: Student, today: datetime.date, *, evaluation: dict | None = None,
                    blocking: bool | None = None) -> next_step.Facts:
    """The plain facts of opp.next_step from a plan loaded with _with_parts() (or None: no running plan)."""
    base = {"today": today, "student_id": student.pk, "opp_required": student.opp_required,
            "due_on": None if student.opp_in_force else student.opp_due_on, "blocking": blocking}
    if plan is None:
        return next_step.Facts(**base)
    versions = list(plan.versions.all())
    open_v = next((v for v in versions if v.state in OPEN_STATES), None)
    adopted = next((v for v in versions if v.state == VersionState.VASTGESTELD), None)
    version = open_v or adopted
    facts = {**base, "plan_id": plan.pk, "plan_state": plan.state, "ended_on": plan.ended_on,
             "has_adopted": adopted is not None}
    if version is None:
        return next_step.Facts(**facts)
    facts.update(version_id=version.pk, version_number=version.number, version_state=version.state,
                 is_revision=version.based_on_id is not None)
    if open_v is not None:
        since = timezone.localtime(open_v.created_at).date()
        consent = _consent_facts(plan, open_v)
        refused_on = consent.pop("refused_on", None)
        agreements = tuple(c.agreement for c in sorted(plan.consultations.all(), key=lambda c: (c.held_on, c.pk))
                           if c.version_id == open_v.pk or (c.version_id is None and c.held_on >= since))
        if refused_on is not None and any(c.held_on >= refused_on and (c.version_id in (None, open_v.pk))
                                          for c in plan.consultations.all()):
            consent.pop("consent")  # consulted again after the refusal: ask again (ARCHITECTURE.md "Consent parties")
        facts.update(agreements=agreements, open_reactions=_open_reactions(open_v),
                     **consent)
    else:
        if loaded(plan, "bekendmakingen"):
            told = {(b.party_kind, b.party_id) for b in plan.bekendmakingen.all()
                    if b.act == "vaststelling" and b.version_id == adopted.pk}
            parties = bekendmaking.parties_for(plan.student, links=list(plan.student.guardian_links.all()))
            facts["not_told"] = tuple(p.name for p in parties if (p.kind, p.id) not in told)
        if evaluation is not None:
            facts.update(evaluation_due=evaluation.get("due"), evaluation_held=evaluation.get("held"))
            start, end = school_year(today)
            facts["school_year_end"] = end
    return next_step.Facts(**facts)


def next_step_can(user, plan: Plan | None, student: Student) -> next_step.Can:
    """What `user` may do: opp.transitions.allowed() (the one table) and PLAN_EDIT at the pupil's school."""
    edit = user is not None and access.has_cap(user, Cap.PLAN_EDIT, student.school)
    if plan is None:
        return next_step.Can(start=edit, edit=edit)
    versions = list(plan.versions.all())
    version = (next((v for v in versions if v.state in OPEN_STATES), None)
               or next((v for v in versions if v.state == VersionState.VASTGESTELD), None))
    return next_step.Can.from_allowed(transitions.allowed(user, plan, version, versions=versions), edit=edit)


#: next_step_for_plan(evaluation=…): the caller read no evaluation facts; they are read here.
UNKNOWN = object()


def next_step_for_plan(user, plan: Plan, today: datetime.date, *, evaluation=UNKNOWN,
                       blocking: bool | None = None, preloaded: bool = False) -> next_step.NextStep:
    """The plan page's stepper (a fixed number of queries). `preloaded`: `plan` comes with its parts already
    (load_editor_version, with_next_step_parts). `evaluation`: this school year's evaluation facts when the caller
    has them (None: none)."""
    loaded = plan if preloaded else _with_parts(Plan.objects.filter(pk=plan.pk)).get()
    if evaluation is UNKNOWN:
        evaluation = _evaluation_of(loaded, today) if loaded.state == Plan.State.ACTIEF else None
    facts = next_step_facts(loaded, loaded.student, today, evaluation=evaluation, blocking=blocking)
    return next_step.decide(facts, next_step_can(user, loaded, loaded.student))


def plan_page_next_step(user, plan: Plan, *, can_edit: bool, has_adopted: bool) -> dict:
    """The plan page's context part (opp.contributions.plan_context, registered in OppConfig.ready())."""
    return {"next_step": next_step_for_plan(user, plan, timezone.localdate(), preloaded=_has_next_step_parts(plan))}


def _evaluation_of(plan: Plan, today: datetime.date) -> dict | None:
    """This school year's evaluation status, from the evaluations app (opp.contributions), for a plan in force."""
    if not any(v.state == VersionState.VASTGESTELD for v in plan.versions.all()):
        return None
    return contributions.snapshot_parts(plan, today).get("evaluation")


def next_actions_for_students(user, student_ids, today: datetime.date) -> dict[int, next_step.Action | None]:
    """The next action (opp.next_step.next_action: the step's action without the stepper) of each pupil's running
    plan (or of starting one), for a list ("Mijn taken"). A fixed number of queries for any number of pupils; no
    evaluation facts (the task list has its own evaluation rows)."""
    ids = set(student_ids)
    if not ids:
        return {}
    plans = {p.student_id: p for p in _with_parts(Plan.objects.filter(student_id__in=ids, state=Plan.State.ACTIEF),
                                                  adopted_parts=False)}
    missing = ids - set(plans)
    students = {p.student_id: p.student for p in plans.values()}
    if missing:
        students.update({s.pk: s for s in Student.objects.filter(pk__in=missing).select_related("school")})
    result = {}
    for pk, student in students.items():
        plan = plans.get(pk)
        result[pk] = next_step.next_action(next_step_facts(plan, student, today), next_step_can(user, plan, student))
    return result


def current_plan(student: Student) -> Plan | None:
    return student.plans.filter(state=Plan.State.ACTIEF).first()


def open_version(plan: Plan) -> PlanVersion | None:
    return plan.versions.filter(state__in=OPEN_STATES).first()


def adopted_version(plan: Plan) -> PlanVersion | None:
    return plan.versions.filter(state="vastgesteld").first()


def load_version(pk: int) -> PlanVersion:
    return (PlanVersion.objects.select_related("plan", "plan__student", "plan__student__school")
            .prefetch_related("factors", "actions", "yields").get(pk=pk))


# --- Diff ----------------------------------------------------------------------------------------------


def _section_text(version_or_content, key: str, soort: str) -> str:
    c = version_or_content
    v = c["scalars"]
    if key == "uitstroom":
        return f"{_('Uitstroomprofiel')}: {S.uitstroom_label(v['uitstroom_profiel'] or '', soort) or '–'}\n{v['uitstroom_onderbouwing']}"
    if key == "factoren":
        kinds, domains = dict(FactorItem.Kind.choices), dict(FactorItem.Domain.choices)
        return "\n".join(f"[{kinds.get(f['kind'], f['kind'])}, {str(domains.get(f['domain'], f['domain'])).lower()}] {f['text']}"
                         for f in c["factors"])
    if key == "handelingsdeel":
        return "\n\n".join("\n".join(_action_lines(a)) for a in c["actions"])
    if key == "leerrendement":
        subjects = dict(S.LEERGEBIEDEN)
        return "\n".join(f"{subjects.get(y['subject'], y['subject'])}: {y['expectation']}" for y in c["yields"])
    if key == "ldgm":  # labels, not codes; each step on its own line (opp.ldgm)
        steps = [f"{step.number}. {step.label}: {_plain(on)}" for step, on in ldgm.steps_done(v.get("ldgm_stappen"))]
        return "\n".join([f"{_('Leerroute')}: {ldgm.leerroute_label(v.get('ldgm_leerroute')) or '–'}",
                          f"{_('Verwachte uitstroombestemming')}: {ldgm.bestemming_label(v.get('ldgm_bestemming')) or '–'}",
                          f"{_('Besloten op')}: {_plain(v.get('ldgm_besloten_on'))}", v.get("ldgm_onderbouwing") or "",
                          *steps])
    fields = SECTION_FIELDS.get(key, ())
    return "\n".join(f"{str(PlanVersion._meta.get_field(name).verbose_name).capitalize()}: {_plain(v[name])}"
                     for name in fields)


def _plain(value) -> str:
    if value is None:
        return "–"
    if value is True:
        return str(_("ja"))
    if value is False:
        return str(_("nee"))
    if isinstance(value, datetime.date):
        return dates.formatted(value)
    return str(value)


ACTION_LABELS = (_("Doel"), _("Aanpak"), _("Wie"), _("Hoe vaak/hoe lang"), _("Evaluatiemoment"), _("Evaluatiecriterium"))
SECTION_FIELDS = S.SECTION_FIELDS


def _action_lines(item: dict) -> list[str]:
    """One handelingsdeel item as labelled lines: its text, then its measure (R-CONTENT-4) when it has one. The
    measure is part of what the parents consent to (R-CONSENT-5, opp.hashing.MEASURE_FIELDS), so a changed
    instrument, baseline, target, date or direction shows as a change of the item."""
    lines = [f"{label}: {item[f]}" for f, label in zip(hashing.ACTION_FIELDS, ACTION_LABELS, strict=True)]
    if not item.get("measure_instrument"):
        return lines
    shown = {"measure_instrument": dict(measures.INSTRUMENT_CHOICES), "measure_direction": dict(measures.DIRECTIONS)}
    for name in hashing.MEASURE_FIELDS:
        value = item.get(name)
        value = shown[name].get(value, value) if name in shown and value else value
        lines.append(f"{str(ActionItem._meta.get_field(name).verbose_name).capitalize()}: {_plain(value or None)}")
    return lines


def _line_diff(old_lines: list[str], new_lines: list[str]) -> list[dict]:
    lines = []
    for line in difflib.ndiff(old_lines, new_lines):
        tag = line[:2]
        if tag in ("- ", "+ ", "  "):
            lines.append({"op": {"- ": "del", "+ ": "ins", "  ": "eq"}[tag], "text": line[2:]})
    return lines


def _goal_items(version: PlanVersion) -> list[tuple[int, dict]]:
    """(lasting goal id, the item's values) in the version's order (uses prefetched items when present)."""
    return [(a.plan_goal_id, {f: getattr(a, f) for f in (*hashing.ACTION_FIELDS, *hashing.MEASURE_FIELDS)})
            for a in sorted(version.actions.all(), key=lambda a: a.position)]


GOAL_ADDED, GOAL_ENDED, GOAL_CHANGED, GOAL_UNCHANGED = "added", "ended", "changed", "unchanged"


def goal_diff(old: PlanVersion, new: PlanVersion) -> list[dict]:
    """The handelingsdeel compared goal by goal: items are matched by their lasting goal (ActionItem.plan_goal), not
    by their place, so a reworded or moved goal is "changed", a goal only the new version has is "added" and one the
    new version dropped is "ended" (R-CONTENT-4; the parents' consent covers text, measure and order, R-CONSENT-5).
    The new version's goals in its order, then the ended ones in the old order. `number` is the goal's place in
    the new version (in the old one for an ended goal)."""
    before = {goal: (n, item) for n, (goal, item) in enumerate(_goal_items(old), start=1)}
    result, seen = [], set()
    for n, (goal, item) in enumerate(_goal_items(new), start=1):
        title = _goal_title(item)
        if goal not in before or goal in seen:
            result.append({"status": GOAL_ADDED, "number": n, "title": title,
                           "lines": [{"op": "ins", "text": line} for line in _action_lines(item)]})
            continue
        seen.add(goal)
        was, old_item = before[goal]
        a, b = _action_lines(old_item), _action_lines(item)
        lines = _line_diff(a, b) if a != b else []
        if was != n:
            place = _("Plaats in het handelingsdeel")
            lines = [{"op": "del", "text": f"{place}: {was}"}, {"op": "ins", "text": f"{place}: {n}"}, *lines]
        result.append({"status": GOAL_CHANGED if lines else GOAL_UNCHANGED, "number": n, "was": was, "title": title,
                       "lines": lines})
    for goal, (was, item) in before.items():
        if goal not in seen:
            result.append({"status": GOAL_ENDED, "number": was, "title": _goal_title(item),
                           "lines": [{"op": "del", "text": line} for line in _action_lines(item)]})
    return result


def _goal_title(item: dict) -> str:
    first = (item["goal"] or "").strip().splitlines()[0] if (item["goal"] or "").strip() else "–"
    return first if len(first) <= 80 else first[:79].rstrip() + "…"


def diff(old: PlanVersion, new: PlanVersion) -> list[dict]:
    """Per section: unchanged, or the line diff (old → new); the handelingsdeel goal by goal (`goals`, goal_diff).
    Text only; the template escapes it."""
    soort = new.plan.student.onderwijssoort
    a, b = version_content(old), version_content(new)
    result = []
    for key in S.ORDER:
        if key == "handelingsdeel":
            goals = goal_diff(old, new)
            result.append({"key": key, "title": S.SECTIONS[key].title, "lines": [], "goals": goals,
                           "changed": any(g["status"] != GOAL_UNCHANGED for g in goals)})
            continue
        ta, tb = _section_text(a, key, soort), _section_text(b, key, soort)
        if ta == tb:
            result.append({"key": key, "title": S.SECTIONS[key].title, "changed": False, "lines": []})
            continue
        result.append({"key": key, "title": S.SECTIONS[key].title, "changed": True,
                       "lines": _line_diff(ta.splitlines(), tb.splitlines())})
    return result


# --- The pupil's timeline (students.history.register_timeline, from OppConfig.ready()) ------------------------


@history.reads_student
def timeline_events(student: Student | int) -> list[history.TimelineEvent]:
    """The plans' events on the pupil's timeline: started, consent asked and answered (R-CONSENT-4), adopted (R-SET-1),
    ended or withdrawn (R-SET-5). From the plans load_pupil() loaded onto the pupil; else (or given its id) three
    queries."""
    events = []
    if isinstance(student, Student) and loaded(student, "plans__versions__consent_requests"):
        plans = list(student.plans.all())
    else:
        student_id = student.pk if isinstance(student, Student) else student
        plans = list(Plan.objects.filter(student_id=student_id).prefetch_related(
            Prefetch("versions", queryset=PlanVersion.objects.order_by("number").prefetch_related("consent_requests"))))
    for plan in plans:
        events.append(history.TimelineEvent(timezone.localtime(plan.created_at).date(), str(_("OPP gestart"))))
        for v in plan.versions.all():
            n = {"n": v.number}
            for r in v.consent_requests.all():
                events.append(history.TimelineEvent(timezone.localtime(r.requested_at).date(),
                                                    str(_("Om instemming gevraagd (versie %(n)s)") % n)))
                if r.closed_at and r.state in (ConsentRequest.State.GEGEVEN, ConsentRequest.State.GEWEIGERD):
                    title = (_("Instemming gegeven (versie %(n)s)") if r.state == ConsentRequest.State.GEGEVEN
                             else _("Geen instemming (versie %(n)s)"))
                    events.append(history.TimelineEvent(timezone.localtime(r.closed_at).date(), str(title % n)))
            if v.adopted_at:
                events.append(history.TimelineEvent(timezone.localtime(v.adopted_at).date(),
                                                    str(_("OPP vastgesteld (versie %(n)s)") % n),
                                                    v.adopted_as))
        if plan.ended_on:
            title = _("OPP ingetrokken") if plan.state == Plan.State.INGETROKKEN else _("OPP beëindigd")
            events.append(history.TimelineEvent(plan.ended_on, str(title)))
    return events
