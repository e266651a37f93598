"""Reads of OPP data: snapshots for compliance and hashing, diffs, and what a pupil page shows."""

from __future__ import annotations

import datetime
import difflib

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from students.models import Student

from . import compliance, hashing
from . import sections as S
from .models import FROZEN_STATES, OPEN_STATES, FactorItem, Plan, PlanVersion


def version_content(version: PlanVersion) -> dict:
    """Plain values of a version (uses prefetched items when present)."""
    return {
        "scalars": {f: getattr(version, f) for f in hashing.SCALAR_FIELDS},
        "factors": [{"kind": f.kind, "domain": f.domain, "text": f.text} for f in version.factors.all()],
        "actions": [{f: getattr(a, f) for f in hashing.ACTION_FIELDS} for a in version.actions.all()],
        "yields": [{"subject": y.subject, "expectation": y.expectation} for y in version.yields.all()],
    }


def handelingsdeel_hash(version: PlanVersion) -> str:
    return hashing.handelingsdeel_hash(version_content(version)["actions"])


def version_hash(version: PlanVersion) -> str:
    c = version_content(version)
    return hashing.version_hash(plan_id=version.plan_id, number=version.number, scalars=c["scalars"],
                                factors=c["factors"], actions=c["actions"], yields=c["yields"])


def first_adoption_date(plan: Plan) -> datetime.date | None:
    first = plan.versions.filter(state__in=FROZEN_STATES).order_by("adopted_at").values_list("adopted_at", flat=True).first()
    from django.utils import timezone

    return timezone.localtime(first).date() if first else None


def student_adopted_on(student: Student) -> datetime.date | None:
    """The first adoption of any plan of this enrolment (the six-week term is then met)."""
    from django.utils import timezone

    first = (PlanVersion.objects.filter(plan__student=student, state__in=FROZEN_STATES)
             .order_by("adopted_at").values_list("adopted_at", flat=True).first())
    return timezone.localtime(first).date() if first else None


def adopted_exists():
    """Annotation for student lists: has any version of this pupil been adopted?"""
    return Exists(PlanVersion.objects.filter(plan__student=OuterRef("pk"), state__in=FROZEN_STATES))


def snapshot(version: PlanVersion, *, today: datetime.date) -> compliance.Snapshot:
    plan = version.plan
    student = plan.student
    content = version_content(version)
    from students.services import facts_for

    facts = facts_for(student)
    consultations = tuple(
        compliance.ConsultationFact(held_on=c.held_on, agreement=c.agreement, parents_present=c.parents_present)
        for c in plan.consultations.all()
    )
    placements = tuple(
        compliance.PlacementFact(kind=p.kind, start_on=p.start_on, investigation_recorded=p.investigation_recorded)
        for p in facts.placements
    )
    from students import eligibility

    extra_need = eligibility.decide(eligibility.PupilFacts(**{**facts.__dict__, "placements": ()})).required
    extra = {}
    if not version.is_frozen:
        from .consent_services import status

        st = status(version)
        extra["consent"] = {k: st[k] for k in ("asked", "covers", "stale", "refused")}
    if plan.versions.filter(state="vastgesteld").exists():
        from evaluations.selectors import status_for

        extra["evaluation"] = status_for(plan, today)
    return compliance.Snapshot(
        onderwijssoort=student.onderwijssoort, state=version.state, scalars=content["scalars"],
        factors=tuple(content["factors"]), actions=tuple(content["actions"]), yields=tuple(content["yields"]),
        consultations=consultations, placements=placements, extra_need=extra_need,
        adopted_on=student_adopted_on(student), due_on=student.opp_due_on, today=today, extra=extra,
    )


def findings_for(version: PlanVersion, *, today: datetime.date) -> list[compliance.Finding]:
    return compliance.findings(snapshot(version, today=today))


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
        from django.utils.formats import date_format

        return date_format(value, "j F Y")
    return str(value)


ACTION_LABELS = (_("Doel"), _("Aanpak"), _("Wie"), _("Hoe vaak/hoe lang"), _("Evaluatiemoment"), _("Evaluatiecriterium"))
SECTION_FIELDS = {
    "programma": ("programma_afwijking",),
    "doelen": ("doelen_nodig", "vervangende_doelen"),
    "onderwijstijd": ("onderwijstijd_nodig", "onderwijstijd_aanbod", "onderwijstijd_toetsing",
                      "onderwijstijd_begeleiding", "onderwijstijd_duur"),
    "rapporten": ("rapporten_weging",),
    "hoorrecht": ("leerling_mening", "leerling_weging", "leerling_uitleg"),
    "opdc": ("opdc_vraag", "opdc_duur", "opdc_programma"),
    "commissie": ("commissie_advies_on", "commissie_advies"),
}


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
