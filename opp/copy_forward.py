"""Copy forward (R-CONTENT-4, R-CONSENT-7): start a goal of a draft version from a goal the same pupil had before.

The sources are the handelingsdeel items of the pupil's set versions (vastgesteld or vervangen): earlier versions of
this plan and the versions of the pupil's earlier, ended plans — and so every item an evaluation looked at, since
evaluations look at set versions. One candidate per lasting goal (opp.models.Goal), in its latest wording.

The copy takes the goal's text and measure; the last value measured for the goal (opp.models.Measurement, latest by
date) becomes the new baseline with its date, or the old baseline stays when the goal was never measured. The old
target is checked again from there (opp.measures.check): a target that is no progress any more is not stored, the
user gives a new one or copies the goal without its measure. From the same plan the copy continues the same lasting
goal when this version does not word it yet; otherwise, and from an earlier plan, it is a new goal, and its
evaluation criterion says where it came from. Never across pupils: `sources` starts from the version's own pupil.

Plans stand below evaluations: an evaluation's outcome per goal comes from a provider the evaluations app registers
(`register_outcomes`, EvaluationsConfig.ready()).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import access
from accounts.access import Cap, get_in_reach
from accounts.models import User
from audit import log as audit
from opp_portal import dates
from opp_portal.loaded import loaded

from . import measures
from .forms import ITEM_FORMS
from .models import EDITABLE_STATES, FROZEN_STATES, ActionItem, Measurement, Plan, PlanVersion

MSG_NOT_EDITABLE = gettext_lazy("Er kan geen doel worden overgenomen: deze versie kan niet meer worden gewijzigd (status: %(state)s).")
MSG_NOT_A_SOURCE = gettext_lazy("Dit doel kan niet in deze versie worden overgenomen: kies een doel uit de lijst.")
MSG_FULL = gettext_lazy("Het handelingsdeel heeft al %(n)s onderdelen, het maximum. Verwijder eerst een onderdeel.")
#: The editor's limit of handelingsdeel rows (its formset), so that the copy stays editable there.
MAX_ITEMS = ITEM_FORMS["handelingsdeel"].max_num
#: The item fields a copy takes over as they were (the measure and the provenance are handled on their own).
COPIED_FIELDS = ("goal", "approach", "who", "frequency", "evaluation_moment", "evaluation_criterion",
                 "goal_bank_text_id", "goal_bank_original", "approach_bank_text_id", "approach_bank_original")
MAX_CRITERION = 20_000


@dataclasses.dataclass(frozen=True)
class Outcome:
    """A goal's latest evaluation outcome: when, and what was concluded ("Deels behaald")."""

    held_on: datetime.date
    label: str


#: goal ids → {goal id: its latest Outcome}, one query for all of them.
OutcomeProvider = Callable[[set[int]], dict[int, Outcome]]
_outcome_providers: dict[str, OutcomeProvider] = {}


def register_outcomes(key: str, provider: OutcomeProvider) -> None:
    """Called from an AppConfig.ready(); `key` names the contributor, so that a second ready() replaces it."""
    _outcome_providers[key] = provider


def outcomes_for(goal_ids: set[int]) -> dict[int, Outcome]:
    found: dict[int, Outcome] = {}
    for provider in _outcome_providers.values():
        found.update(provider(goal_ids) if goal_ids else {})
    return found


# --- Reading ---------------------------------------------------------------------------------------------------------


def sources(version: PlanVersion) -> QuerySet[ActionItem]:
    """The items a goal of `version` may be started from: those of the same pupil's set versions."""
    return ActionItem.objects.filter(version__plan__student_id=version.plan.student_id,
                                     version__state__in=FROZEN_STATES).exclude(version_id=version.pk)


def has_sources(version: PlanVersion) -> bool:
    """Whether `sources(version)` holds any item. No query when the pupil comes with its plans, their versions and their
    items loaded (opp.selectors.load_editor_version); else one."""
    loaded = _loaded_versions(version.plan.student)
    if loaded is None:
        return sources(version).exists()
    return any(v.state in FROZEN_STATES and v.pk != version.pk and v.actions.all() for v in loaded)


def _loaded_versions(student) -> list[PlanVersion] | None:
    """The pupil's versions as the caller loaded them (plans prefetched, each with its versions and their items)."""
    if not loaded(student, "plans__versions__actions"):
        return None
    return [v for p in student.plans.all() for v in p.versions.all()]


def source_for(version: PlanVersion, pk) -> ActionItem:
    """One source item of a version the caller reached: 404 (in the pupil's school) for anything else, such as a goal
    of another pupil."""
    return get_in_reach(sources(version).select_related("version__plan"), pk,
                        school_path="version__plan__student__school_id",
                        parent_school_id=version.plan.student.school_id)


def latest_measurements(goal_ids: Iterable[int]) -> dict[tuple[int, str], Measurement]:
    """The last measurement per (goal, instrument): the latest day, then the latest recorded."""
    latest: dict[tuple[int, str], Measurement] = {}
    rows = Measurement.objects.filter(goal_id__in=set(goal_ids)).order_by("goal_id", "-measured_on", "-pk")
    for row in rows.only("id", "goal_id", "instrument", "value", "measured_on"):
        latest.setdefault((row.goal_id, row.instrument), row)
    return latest


def proposed_measure(item: ActionItem, last: Measurement | None) -> measures.Measure:
    """The measure a copy of `item` starts with: its own, with the last measured value as the new baseline."""
    measure = item.measure
    if not measure.instrument:
        return measures.Measure()
    # Only a value measured after the item's own baseline is news: an older one belongs to an earlier baseline.
    if last is not None and (measure.baseline_on is None or last.measured_on > measure.baseline_on):
        measure = dataclasses.replace(measure, baseline=last.value, baseline_on=last.measured_on)
    return measure


@dataclasses.dataclass
class Candidate:
    item: ActionItem
    same_plan: bool
    #: The number of this goal's item in the draft (same plan only), or None when the draft does not word it.
    in_version: int | None
    last: Measurement | None
    outcome: Outcome | None
    measure: measures.Measure
    #: measures.check's messages for `measure`: the copied target is no progress from the new baseline (any more).
    measure_errors: dict[str, str]

    @property
    def continues_goal(self) -> bool:
        return self.same_plan and self.in_version is None

    @property
    def needs_target(self) -> bool:
        return bool(self.measure_errors)

    @property
    def measure_text(self) -> str:
        return measures.describe(self.measure) if not self.measure_errors else ""


def candidates(version: PlanVersion) -> list[Candidate]:
    """The goals `version` may start from, newest plan and version first, one per lasting goal in its latest wording.
    A constant number of queries, however many plans, versions and measurements the pupil has."""
    items = list(sources(version).select_related("version", "version__plan")
                 .order_by("-version__plan__created_at", "-version__plan_id", "-version__number", "position"))
    picked, seen = [], set()
    for item in items:
        if item.plan_goal_id not in seen:
            seen.add(item.plan_goal_id)
            picked.append(item)
    last = latest_measurements(seen)
    outcomes = outcomes_for(seen)
    # Where the draft words a goal, as the editor numbers its rows.
    here = {goal: n for n, goal in enumerate(version.actions.order_by("position").values_list("plan_goal_id", flat=True), 1)}
    result = []
    for item in picked:
        measured = last.get((item.plan_goal_id, item.measure_instrument)) if item.measure_instrument else None
        measure = proposed_measure(item, measured)
        errors = measures.check(measure)[1] if measure.instrument else {}
        same = item.version.plan_id == version.plan_id
        result.append(Candidate(item=item, same_plan=same, in_version=here.get(item.plan_goal_id) if same else None,
                                last=measured, outcome=outcomes.get(item.plan_goal_id), measure=measure,
                                measure_errors=errors))
    return result


# --- Writing ---------------------------------------------------------------------------------------------------------


def _origin_note(source: ActionItem, *, same_plan: bool) -> str:
    version = source.version
    on = dates.formatted(timezone.localtime(version.adopted_at).date()) if version.adopted_at else "–"
    if same_plan:
        return _("Overgenomen uit versie %(n)s van dit OPP (vastgesteld op %(date)s).") % {"n": version.number, "date": on}
    return _("Overgenomen uit versie %(n)s van het eerdere OPP (vastgesteld op %(date)s).") % {
        "n": version.number, "date": on}


@transaction.atomic
def copy_goal(*, actor: User, version: PlanVersion, source: ActionItem, target: str = "",
              target_on: datetime.date | None = None, without_measure: bool = False) -> ActionItem:
    """A new handelingsdeel item of the draft `version`, started from `source` (see the module's docstring). `target`
    and `target_on` replace the copied target when given; `without_measure` copies the goal without its measure.
    Refused with a Dutch message: a version that cannot be edited, a source that is not one of `sources`, a measure
    that measures.check refuses (keyed by the field: "measure_target", "measure_target_on", …)."""
    version = (PlanVersion.objects.select_for_update().select_related("plan", "plan__student", "plan__student__school")
               .get(pk=version.pk))
    school = version.plan.student.school
    access.require_cap(actor, Cap.PLAN_EDIT, school)
    if version.plan.state != Plan.State.ACTIEF or version.state not in EDITABLE_STATES:
        raise ValidationError(MSG_NOT_EDITABLE % {"state": version.get_state_display()}, code="not_editable")
    source = sources(version).select_related("version", "version__plan").filter(pk=source.pk).first()
    if source is None:
        raise ValidationError(MSG_NOT_A_SOURCE, code="not_a_source")
    here = dict(version.actions.values_list("plan_goal_id", "position"))
    if len(here) >= MAX_ITEMS:
        raise ValidationError(MSG_FULL % {"n": MAX_ITEMS}, code="full")

    measure = measures.Measure()
    baseline = "none"
    if not without_measure and source.measure_instrument:
        last = latest_measurements([source.plan_goal_id]).get((source.plan_goal_id, source.measure_instrument))
        measure = proposed_measure(source, last)
        baseline = "measurement" if last is not None else "original"
        if (target or "").strip() or target_on is not None:
            measure = dataclasses.replace(measure, target=(target or "").strip(), target_on=target_on)
        measure, errors = measures.check(measure)
        if errors:
            raise ValidationError({f"measure_{name}": message for name, message in errors.items()}, code="measure")

    same_plan = source.version.plan_id == version.plan_id
    continues = same_plan and source.plan_goal_id not in here
    fields = {name: getattr(source, name) for name in COPIED_FIELDS}
    if not continues:
        note = _origin_note(source, same_plan=same_plan)
        fields["evaluation_criterion"] = f"{fields['evaluation_criterion'].rstrip()}\n{note}"[:MAX_CRITERION]
    item = ActionItem(version=version, position=max(here.values(), default=0) + 1,
                      plan_goal_id=source.plan_goal_id if continues else None, **fields,
                      **{f"measure_{name}": getattr(measure, name) for name in measures.Measure.__dataclass_fields__})
    item.save()
    # The editor's lock on the handelingsdeel: a page opened before this copy must not save it away unseen.
    version.section_revisions = {**version.section_revisions,
                                 "handelingsdeel": int(version.section_revisions.get("handelingsdeel", 0)) + 1}
    version.save(update_fields=["section_revisions", "updated_at"])
    audit.record(actor, audit.Action.UPDATE, version, details={
        "section": "handelingsdeel", "fields": ["handelingsdeel"], "copied_from": source.pk,
        "copied_from_version": source.version_id, "goal": item.plan_goal_id, "continues_goal": continues,
        "baseline": baseline})
    return item
