"""Reads of the admission decisions: a pupil's history and standing, the SWV's lead time."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings

from accounts.models import Samenwerkingsverband
from students.models import Student

from . import rules
from .models import AdmissionDecision, LeadTime


def default_lead() -> rules.Lead:
    """Where the SWV stated no lead time: OPP_TLV_LEAD_WEEKS weeks before the end date."""
    return rules.Lead(rule=rules.LEAD_WEEKS, weeks=settings.OPP_TLV_LEAD_WEEKS)


def lead_for(swv: Samenwerkingsverband | int | None) -> rules.Lead:
    swv_id = swv.pk if isinstance(swv, Samenwerkingsverband) else swv
    row = LeadTime.objects.filter(samenwerkingsverband_id=swv_id).first() if swv_id else None
    return row.as_rule() if row else default_lead()


def leads_for(swv_ids) -> dict[int, rules.Lead]:
    """The lead time of each SWV (the default where it stated none), in one query."""
    ids = set(swv_ids)
    found = {row.samenwerkingsverband_id: row.as_rule()
             for row in LeadTime.objects.filter(samenwerkingsverband_id__in=ids)} if ids else {}
    return {pk: found.get(pk) or default_lead() for pk in ids}


def decisions_of(student: Student) -> list[AdmissionDecision]:
    """The pupil's decisions, withdrawn ones included (history is kept), the latest first."""
    return list(student.admission_decisions.select_related("samenwerkingsverband", "based_on_version",
                                                           "recorded_by", "withdrawn_by"))


@dataclass(frozen=True)
class Standing:
    required: str | None  # rules.KIND_TLV, rules.KIND_CVO or None
    current: AdmissionDecision | None
    finding: str | None
    history: list[AdmissionDecision]
    request_due_on: datetime.date | None
    lead_text: str


def standing(student: Student, today: datetime.date) -> Standing:
    """What the pupil page and the decisions page show: which decision the pupil needs, the one in force, the
    finding, the history and, for a TLV with an end date, when the request for the next one is due."""
    history = decisions_of(student)
    active = [d for d in history if d.withdrawn_at is None]
    current = rules.current(active, today)
    due, lead_text = None, ""
    if current is not None and current.kind == rules.KIND_TLV and current.ends_on is not None:
        lead = lead_for(current.samenwerkingsverband_id)
        due, lead_text = rules.request_due_on(current.ends_on, lead), rules.lead_time_text(lead)
    return Standing(required=rules.required_kind(student.onderwijssoort, student.school.cluster), current=current,
                    finding=rules.finding(student, history, today), history=history, request_due_on=due,
                    lead_text=lead_text)
