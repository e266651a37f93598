"""Reads of OPP data: snapshots for compliance and hashing, diffs, and what a pupil page shows."""

from __future__ import annotations

import datetime
import difflib
from dataclasses import dataclass

from django.db.models import Min, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from students import eligibility, history
from students.models import Student
from students.services import facts_for, standing_of

from . import compliance, consent_services, contributions, hashing
from . import sections as S
from .content import version_content
from .models import FROZEN_STATES, OPEN_STATES, FactorItem, Plan, PlanVersion, VersionState

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
    """The one selector for "where does this pupil stand". Two queries (plans, their versions)."""
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


def snapshot(version: PlanVersion, *, today: datetime.date) -> compliance.Snapshot:
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
        st = consent_services.status(version)
        extra["consent"] = {k: st[k] for k in ("asked", "covers", "stale", "refused")}
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


def pupil_page(student: Student, today: datetime.date) -> dict:
    """What the pupil page shows of the plans: the history, the plans, the current plan, its open version and
    that version's findings. Registered with students.selectors in OppConfig.ready() (pupils stand below plans)."""
    its_history = pupil_history(student)
    open_version = its_history.open_version
    return {
        "history": its_history, "plans": its_history.plans, "current_plan": its_history.current_plan,
        "open_version": open_version,
        "findings": findings_for(load_version(open_version.pk), today=today) if open_version else [],
    }


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
        return f"{_('Uitstroomprofiel')}: {S.uitstroom_label(v['uitstroom_profiel'] or '') or '–'}\n{v['uitstroom_onderbouwing']}"
    if key == "factoren":
        kinds, domains = dict(FactorItem.Kind.choices), dict(FactorItem.Domain.choices)
        return "\n".join(f"[{kinds.get(f['kind'], f['kind'])}, {str(domains.get(f['domain'], f['domain'])).lower()}] {f['text']}"
                         for f in c["factors"])
    if key == "handelingsdeel":
        return "\n\n".join(
            "\n".join(f"{label}: {a[f]}" for f, label in zip(hashing.ACTION_FIELDS, ACTION_LABELS, strict=True))
            for a in c["actions"])
    if key == "leerrendement":
        subjects = dict(S.LEERGEBIEDEN)
        return "\n".join(f"{subjects.get(y['subject'], y['subject'])}: {y['expectation']}" for y in c["yields"])
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
        return date_format(value, "j F Y")
    return str(value)


ACTION_LABELS = (_("Doel"), _("Aanpak"), _("Wie"), _("Hoe vaak/hoe lang"), _("Evaluatiemoment"), _("Evaluatiecriterium"))
SECTION_FIELDS = S.SECTION_FIELDS


def diff(old: PlanVersion, new: PlanVersion) -> list[dict]:
    """Per section: unchanged, or the line diff (old → new). Text only; the template escapes it."""
    soort = new.plan.student.onderwijssoort
    a, b = version_content(old), version_content(new)
    result = []
    for key in S.ORDER:
        ta, tb = _section_text(a, key, soort), _section_text(b, key, soort)
        if ta == tb:
            result.append({"key": key, "title": S.SECTIONS[key].title, "changed": False, "lines": []})
            continue
        lines = []
        for line in difflib.ndiff(ta.splitlines(), tb.splitlines()):
            tag = line[:2]
            if tag in ("- ", "+ ", "  "):
                lines.append({"op": {"- ": "del", "+ ": "ins", "  ": "eq"}[tag], "text": line[2:]})
        result.append({"key": key, "title": S.SECTIONS[key].title, "changed": True, "lines": lines})
    return result
