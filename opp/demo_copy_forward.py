"""Copy-forward demo (opp.copy_forward): Adam's revision restarts his reading goal from his last measurement.

Adam's evaluation this school year started a revision (version 2, evaluations.demo), which words his goals as
version 1 did. The intern begeleider takes the reading goal out of the revision and copies it forward from version 1
on the copy-forward page: the same lasting goal, its measure, and his last measured AVI level as the new baseline —
with a new target where the old one is reached. Without measurements (or a measure) the goal keeps what it had.

Idempotent: a revision the goal was already copied into (its audit row says so) is left alone.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import School, User
from audit.models import AuditEvent
from students.models import Student

from . import copy_forward, measures, selectors, services
from .demo import on_day
from .models import EDITABLE_STATES, FROZEN_STATES, Plan

D = datetime.date


def _next_target(measure: measures.Measure, today: D) -> tuple[str, D]:
    """Two levels on from the new baseline (an ordered instrument), by the end of this school year."""
    end = D(today.year + (1 if today.month >= 8 else 0), 7, 1)
    instrument = measures.INSTRUMENTS.get(measure.instrument)
    if instrument is None or instrument.kind != "levels" or measure.baseline not in instrument.levels:
        return "", end
    at = instrument.levels.index(measure.baseline)
    return instrument.levels[min(at + 2, len(instrument.levels) - 1)], end


@transaction.atomic
def seed_copy_forward(today: D | None = None) -> None:
    today = today or timezone.localdate()
    school = School.objects.filter(brin="11BB").first()
    actor = User.objects.filter(username="ib.kompas").first()
    adam = Student.objects.filter(school=school, pupil_number="K001").first() if school else None
    if actor is None or adam is None:
        return
    plan = Plan.objects.filter(student=adam, state=Plan.State.ACTIEF).first()
    draft = plan.versions.filter(state__in=EDITABLE_STATES).first() if plan else None
    earlier = plan.versions.filter(state__in=FROZEN_STATES).order_by("-number").first() if plan else None
    if draft is None or earlier is None:
        return
    source = earlier.actions.order_by("position").first()
    if source is None or AuditEvent.objects.filter(object_type="opp.planversion", object_id=str(draft.pk),
                                                   details__copied_from=source.pk).exists():
        return
    with on_day(today, 16):
        # The revision's own wording of the goal goes; the copy continues the same lasting goal from version 1.
        draft = selectors.load_version(draft.pk)
        _model, _related, fields = services.ITEM_SECTIONS["handelingsdeel"]
        kept = [{f: getattr(item, f) for f in fields} | {services.GOAL_KEY: item.plan_goal_id}
                for item in draft.actions.order_by("position") if item.plan_goal_id != source.plan_goal_id]
        services.version_save_section(actor=actor, version=draft, section="handelingsdeel",
                                      revision=draft.section_revisions.get("handelingsdeel", 0), items=kept)
        try:
            copy_forward.copy_goal(actor=actor, version=draft, source=source)
        except ValidationError:
            # The old target is reached (no progress from the last value): a new one, as the page would ask.
            last = copy_forward.latest_measurements([source.plan_goal_id]).get(
                (source.plan_goal_id, source.measure_instrument))
            target, target_on = _next_target(copy_forward.proposed_measure(source, last), today)
            try:
                copy_forward.copy_goal(actor=actor, version=draft, source=source, target=target, target_on=target_on)
            except ValidationError:
                copy_forward.copy_goal(actor=actor, version=draft, source=source, without_measure=True)
