"""The goals' charts from the database (R-CONTENT-4, R-SET-2): per goal its measurements against the baseline and the
target line (opp_portal.charts.goal_line), per pupil every goal's share of the way from baseline to target across
versions and school years (opp_portal.charts.progress_bars), and the goal in plain words for the parents.

A fixed number of queries, whatever the number of goals or measurements: the items with a measure in one, all their
goals' measurements in one (`measurements_for`). The charts are drawn from the item's measure — the baseline and
target the parents consented to (R-CONSENT-5) — and the goal's measurements, which are not part of the version
(opp.models.Measurement): a measurement recorded with another instrument (a revision changed the measure) is listed
in the table but not drawn against a scale it does not belong to.

Used by the plan page (opp.views.plan_detail), the OPP PDF (opp.pdf), the evaluations and their PDF
(evaluations.charts), the parent portal (portal.views) and the pupil page (`pupil_page_part`, registered in
students.page_parts from OppConfig.ready()).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from opp_portal import charts, dates
from opp_portal.schoolyear import school_year
from students.models import Student

from . import access, measurements, measures, selectors
from .models import ActionItem, Measurement, PlanVersion

#: The plain words for a share of the way from baseline to target (opp.measures.share), highest first: the first
#: row whose lower bound the share reaches names it. One catalogue: the portal's sentence and nothing else.
PROGRESS_WORDS: tuple[tuple[float, str], ...] = (
    (1.0, gettext_noop("heeft het doel bereikt")),
    (0.75, gettext_noop("is er bijna")),
    (0.55, gettext_noop("is ruim halverwege")),
    (0.45, gettext_noop("is halverwege")),
    (0.2, gettext_noop("is op weg, maar nog niet halverwege")),
    (1e-9, gettext_noop("is een klein stukje opgeschoten")),
    (0.0, gettext_noop("is nog niet vooruitgegaan")),
)
WENT_BACK = gettext_noop("is nog niet vooruitgegaan: de laatste meting is minder goed dan bij de start")

PAGE_PART_TEMPLATE = "opp/_pupil_progress.html"


def _progress_words(share: float) -> str:
    if share < 0:
        return _(WENT_BACK)
    return next(_(words) for bound, words in PROGRESS_WORDS if share >= bound)


def _position(instrument: measures.Instrument, value: str) -> float | None:
    """Where `value` stands on the instrument's scale: a level's rank (its place in instrument.levels) or the number;
    None for a free measure or a value that is not one of the instrument."""
    if instrument.kind == "free":
        return None
    try:
        normal = measures.normalise_value(instrument.key, value)
    except ValueError:
        return None
    if instrument.kind == "levels":
        return float(instrument.levels.index(normal))
    return float(normal.replace(",", "."))


def measurements_for(goal_ids: Iterable[int], *, until: datetime.date | None = None) -> dict[int, list[Measurement]]:
    """Every measurement of these lasting goals (up to and including `until`), oldest first per goal: one query."""
    ids = set(goal_ids)
    if not ids:
        return {}
    query = Measurement.objects.filter(goal_id__in=ids).only("goal_id", "measured_on", "instrument", "value")
    if until is not None:
        query = query.filter(measured_on__lte=until)
    out: dict[int, list[Measurement]] = {}
    for m in query.order_by("goal_id", "measured_on", "pk"):
        out.setdefault(m.goal_id, []).append(m)
    return out


def _when(day: datetime.date, precision: str) -> str:
    """"op 14 november" (two values in one month), "in september" (in one school year), else "in september 2026"."""
    if precision == "day":
        return _("op %(day)s") % {"day": dates.formatted(day, "j F")}
    return _("in %(month)s") % {"month": dates.formatted(day, "F Y" if precision == "year" else "F")}


#: Per instrument: how a value is said of the pupil, with two values (then and now) and with one (the start only).
_SENTENCES = {
    "avi": (gettext_noop("%(name)s las %(first)s op %(v1)s, %(second)s op %(v2)s."),
            gettext_noop("%(name)s las %(first)s op %(v1)s; daarna is er nog niet gemeten.")),
    "dmt": (gettext_noop("%(name)s las %(first)s %(v1)s, %(second)s %(v2)s."),
            gettext_noop("%(name)s las %(first)s %(v1)s; daarna is er nog niet gemeten.")),
    "lvs": (gettext_noop("%(name)s haalde %(first)s %(v1)s, %(second)s %(v2)s."),
            gettext_noop("%(name)s haalde %(first)s %(v1)s; daarna is er nog niet gemeten.")),
    "": (gettext_noop("De meting bij %(name)s was %(first)s %(v1)s, %(second)s %(v2)s."),
         gettext_noop("De meting bij %(name)s was %(first)s %(v1)s; daarna is er nog niet gemeten.")),
}


def sentence(name: str, measure: measures.Measure, measured: Sequence[tuple[datetime.date, str]]) -> str:
    """The goal in plain words for the parents (R-CONTENT-4): where the pupil started, where the latest measurement
    is, the target and how far along the way that is — "Sanne las in september op AVI M4, in februari op AVI E4. Het
    doel is AVI M5 vóór 1 juli 2027: Sanne is ruim halverwege." `measured`: (day, value) of the measurements with the
    measure's own instrument, oldest first. Empty without a measure."""
    instrument = measures.INSTRUMENTS.get(measure.instrument)
    if instrument is None or measure.baseline_on is None or measure.target_on is None:
        return ""
    key = "avi" if instrument.key == "avi" else "dmt" if instrument.key == "dmt" else (
        "lvs" if instrument.key.startswith("lvs") else "")
    two, one = _SENTENCES[key]
    start = (measure.baseline_on, measure.baseline)
    # A value measured on the baseline's day (or before) is the baseline itself, not a step from it.
    later = [m for m in measured if m[0] > start[0]]
    latest = later[-1] if later else None
    parts = {"name": name, "v1": measures.named(instrument.key, start[1])}
    if latest is None:
        parts["first"] = _when(start[0], "year")
        text = _(one) % parts
    else:
        precision = ("day" if (start[0].year, start[0].month) == (latest[0].year, latest[0].month) else
                     "month" if school_year(start[0]) == school_year(latest[0]) else "year")
        parts |= {"first": _when(start[0], precision), "second": _when(latest[0], precision),
                  "v2": measures.named(instrument.key, latest[1])}
        text = _(two) % parts
    goal = {"target": measures.named(instrument.key, measure.target), "date": dates.formatted(measure.target_on)}
    share = measures.share(measure, latest[1]) if latest else None
    if share is None:
        return f"{text} " + _("Het doel is %(target)s vóór %(date)s.") % goal
    return f"{text} " + _("Het doel is %(target)s vóór %(date)s: %(name)s %(progress)s.") % (
        goal | {"name": name, "progress": _progress_words(share)})


@dataclass
class GoalView:
    """One measured goal as the pages show it: its item (this version's wording and measure), the chart (None for a
    free measure), the sentence, and the measurements of the window (every instrument, for the table)."""

    key: str
    item: ActionItem
    chart: charts.Chart | None
    sentence: str
    measurements: list[Measurement] = field(default_factory=list)
    latest: Measurement | None = None
    share: float | None = None
    since: datetime.date | None = None

    @property
    def measure_text(self) -> str:
        return self.item.measure_text

    @property
    def rows(self) -> list[tuple[str, str]]:
        """(day, value in words) of the window's measurements: the list beside a free measure, which has no chart."""
        return [(dates.formatted(m.measured_on), measures.named(m.instrument, m.value)) for m in self.measurements]


def goal_view(item: ActionItem, measured: Sequence[Measurement], *, name: str, chart_id: str,
              since: datetime.date | None = None, until: datetime.date | None = None) -> GoalView | None:
    """The view of one item's goal from its goal's measurements (any order, any instrument): those after `since` and
    up to `until` (both days, when given). None for an item without a measure."""
    measure = item.measure
    instrument = measures.INSTRUMENTS.get(measure.instrument)
    if instrument is None:
        return None
    # After `since` (the previous evaluation); without it from the baseline's day, as the evaluation's pre-fill
    # counts them (evaluations.services.progress_prefill): an older value belongs to an older baseline.
    start = since + datetime.timedelta(days=1) if since else measure.baseline_on
    window = sorted((m for m in measured if (start is None or m.measured_on >= start)
                     and (until is None or m.measured_on <= until)), key=lambda m: (m.measured_on, m.pk or 0))
    own = [m for m in window if m.instrument == instrument.key]
    latest = own[-1] if own else None
    view = GoalView(key=charts.safe_id(chart_id), item=item, chart=None, measurements=window, latest=latest, since=since,
                    share=measures.share(measure, latest.value) if latest else None,
                    sentence=sentence(name, measure, [(m.measured_on, m.value) for m in own]))
    base, target = _position(instrument, measure.baseline), _position(instrument, measure.target)
    if base is None or target is None or measure.baseline_on is None or measure.target_on is None:
        return view
    points = []
    for m in own:
        value = _position(instrument, m.value)
        if value is not None:
            points.append(charts.Point(m.measured_on, value, measures.named(instrument.key, m.value)))
    goal_text = " ".join(item.goal.split())
    goal_text = goal_text if len(goal_text) <= 120 else goal_text[:119].rstrip() + "…"
    title = _("Metingen bij het doel: %(goal)s") % {"goal": goal_text}
    measured_text = (_("de metingen sinds %(day)s") % {"day": dates.formatted(since)} if since
                     else _("de metingen"))
    desc = _("Lijngrafiek van %(what)s (%(instrument)s), van de beginsituatie %(base)s op %(base_on)s naar het doel "
             "%(target)s vóór %(target_on)s (de gestreepte lijn). De tabel bij de grafiek geeft dezelfde waarden.") % {
        "what": measured_text, "instrument": instrument.label,
        "base": measures.named(instrument.key, measure.baseline), "base_on": dates.formatted(measure.baseline_on),
        "target": measures.named(instrument.key, measure.target),
        "target_on": dates.formatted(measure.target_on)}
    view.chart = charts.goal_line(
        chart_id=chart_id, title=title, desc=desc, levels=instrument.levels if instrument.kind == "levels" else (),
        baseline=charts.Point(measure.baseline_on, base, measures.named(instrument.key, measure.baseline)),
        target=charts.Point(measure.target_on, target, measures.named(instrument.key, measure.target)),
        points=points, caption=_("Beginsituatie, metingen en doel: %(goal)s") % {"goal": goal_text})
    return view


def views_for_items(items: Iterable[ActionItem], *, name: str, prefix: str, since: datetime.date | None = None,
                    until: datetime.date | None = None,
                    measured: dict[int, list[Measurement]] | None = None) -> list[GoalView]:
    """The views of these items (those with a measure), in their order; their goals' measurements in one query
    unless `measured` (goal id → measurements) is given. Chart ids: `<prefix>-<goal id>`."""
    items = [i for i in items if i.measure_instrument]
    if measured is None:
        measured = measurements_for((i.plan_goal_id for i in items), until=until)
    views = (goal_view(i, measured.get(i.plan_goal_id, []), name=name, chart_id=f"{prefix}-{i.plan_goal_id}",
                       since=since, until=until) for i in items)
    return [v for v in views if v is not None]


def version_until(version: PlanVersion, today: datetime.date) -> datetime.date:
    """The last day whose measurements belong with a version: today, or the day it was replaced or its plan ended."""
    ends = [today]
    if version.superseded_at:
        ends.append(timezone.localdate(version.superseded_at))
    if version.plan.ended_on:
        ends.append(version.plan.ended_on)
    return min(ends)


def for_version(version: PlanVersion, *, name: str | None = None, prefix: str = "grafiek-doel",
                today: datetime.date | None = None,
                measured: dict[int, list[Measurement]] | None = None) -> list[GoalView]:
    """Every measured goal of a version (its items, prefetched `actions` used when present) with the measurements up
    to `version_until`: two queries at most, one when `measured` (goal id → measurements, read up to that day or
    later: goal_view keeps the window) is given."""
    today = today or timezone.localdate()
    name = name if name is not None else version.plan.student.first_name
    return views_for_items(version.actions.all(), name=name, prefix=prefix, until=version_until(version, today),
                           measured=measured)


def plan_page_context(user: User, plan, *, today: datetime.date | None = None) -> dict:
    """The plan page's charts (opp.views.plan_detail): every goal's current item with a measure
    (opp.measurements.current_items: the newest version's wording, an ended goal's last one) with all its
    measurements, and the pupil's progress over the plans this user reads. Four queries."""
    today = today or timezone.localdate()
    items = measurements.current_items(plan)
    until = min(today, plan.ended_on) if plan.ended_on else today
    loaded = selectors.readable_plans(plan.student, user)
    measured = None
    if loaded is not None:  # the page loaded the pupil's plans (selectors.load_plan_page): its measurements once
        measured = measurements.by_goal(measurements.of_pupil(plan.student), (i.plan_goal_id for i in items),
                                        until=until)
    views = views_for_items(items, name=plan.student.first_name, prefix="grafiek-doel", until=until, measured=measured)
    progress = pupil_progress(plan.student, today=today, plans=loaded if loaded is not None else
                              access.plans_visible_to(user).filter(student_id=plan.student_id))
    return {"goal_views": views, "pupil_progress": progress}


def for_goal(goal, *, today: datetime.date | None = None) -> GoalView | None:
    """One lasting goal through its current item (the item of its newest version), with all its measurements."""
    item = (ActionItem.objects.filter(plan_goal=goal).select_related("version", "version__plan__student")
            .order_by("-version__number").first())
    if item is None:
        return None
    views = views_for_items([item], name=item.version.plan.student.first_name, prefix="grafiek-doel",
                            until=version_until(item.version, today or timezone.localdate()))
    return views[0] if views else None


# --- Per pupil: every goal's share of the way, across versions and school years ----------------------------------


def _in_force(candidates: list[ActionItem], day: datetime.date) -> ActionItem:
    """The item (and so the version) a measurement on `day` counts for, among its goal's items that measure with its
    instrument from a baseline on or before that day: the one of the version adopted last on or before that day;
    before any adoption the one of the first version."""
    adopted = [i for i in candidates if i.version.adopted_at and timezone.localdate(i.version.adopted_at) <= day]
    if adopted:
        return max(adopted, key=lambda i: i.version.adopted_at)
    return min(candidates, key=lambda i: i.version.number)


#: The items pupil_progress leaves out: no measure, or a free one (no scale to draw).
_UNMEASURED = ("", measurements.FREE)


def pupil_progress(student: Student, *, plans=None, chart_id: str = "grafiek-voortgang",
                   today: datetime.date | None = None) -> charts.Chart | None:
    """Every measured goal of the pupil's plans (or of `plans`, a queryset of them), grouped by the version in force
    when it was measured and the school year of the measurement, oldest first; in each group the share of the way
    at the group's latest measurement (opp.measures.share, against that version's baseline and target). A value
    measured before the item's baseline or with another instrument does not count for it. The last group of a
    version also lists its goals never measured against it ("nog geen meting"). None when nothing was measured yet.
    Two queries; none when `plans` is a list of plans loaded with their versions and items (opp.selectors.load_pupil)
    and the pupil's measurements were read already (measurements.of_pupil), else one."""
    today = today or timezone.localdate()
    if isinstance(plans, list):
        items = sorted((a for p in plans for v in p.versions.all() for a in v.actions.all()
                        if a.measure_instrument not in _UNMEASURED),
                       key=lambda a: (a.version.plan.created_at, a.version.plan_id, a.version.number, a.position, a.pk))
    else:
        query = ActionItem.objects.filter(version__plan__student=student).exclude(measure_instrument__in=_UNMEASURED)
        if plans is not None:
            query = query.filter(version__plan__in=plans)
        items = list(query.select_related("version", "version__plan").order_by(
            "version__plan__created_at", "version__plan_id", "version__number", "position", "pk"))
    if not items:
        return None
    goal_ids = {i.plan_goal_id for i in items}
    measured = (measurements.by_goal(measurements.of_pupil(student), goal_ids, until=today)
                if isinstance(plans, list) else measurements_for(goal_ids, until=today))
    by_goal: dict[int, list[ActionItem]] = {}
    for item in items:
        by_goal.setdefault(item.plan_goal_id, []).append(item)
    # (version, school year) → item id → its latest measurement there.
    groups: dict[tuple[int, datetime.date], dict[int, Measurement]] = {}
    for goal_id, goal_items in by_goal.items():
        for m in measured.get(goal_id, []):
            candidates = [i for i in goal_items if i.measure_instrument == m.instrument
                          and (i.measure_baseline_on is None or i.measure_baseline_on <= m.measured_on)]
            if candidates:
                item = _in_force(candidates, m.measured_on)
                key = (item.version_id, school_year(m.measured_on)[0])
                groups.setdefault(key, {})[item.pk] = m  # oldest first: the last one stays
    if not groups:
        return None
    several_plans = len({i.version.plan_id for i in items}) > 1
    order = {i.version_id: n for n, i in enumerate(items)}
    keys = sorted(groups, key=lambda k: (order[k[0]], k[1]))
    last_of_version = {version_id: (version_id, year) for version_id, year in keys}
    counted = {item_pk for latest in groups.values() for item_pk in latest}
    out = []
    for key in keys:
        version_id, year_start = key
        latest = groups[key]
        version_items = [i for i in items if i.version_id == version_id]
        version = version_items[0].version
        year = f"{year_start.year}-{year_start.year + 1}"
        label = (_("OPP van %(start)s · versie %(n)s · schooljaar %(year)s") % {
            "start": dates.formatted(timezone.localdate(version.plan.created_at), "F Y"), "n": version.number,
            "year": year} if several_plans else
            _("Versie %(n)s · schooljaar %(year)s") % {"n": version.number, "year": year})
        rows = []
        for item in version_items:
            m = latest.get(item.pk)
            if m is not None:
                rows.append(charts.Progress(" ".join(item.goal.split()), measures.share(item.measure, m.value),
                                            f"{measures.named(m.instrument, m.value)} "
                                            f"({dates.formatted(m.measured_on)})"))
            elif item.pk not in counted and last_of_version[version_id] == key:
                rows.append(charts.Progress(" ".join(item.goal.split()), None))
        out.append(charts.ProgressGroup(label, rows))
    return charts.progress_bars(
        chart_id=chart_id, groups=out,
        title=_("Voortgang van %(name)s per doel") % {"name": student.first_name},
        desc=_("Staafdiagram: per versie van het OPP en per schooljaar hoe ver elk gemeten doel is op de weg van de "
               "beginsituatie (0%) naar het doel (100%), bij de laatste meting in dat schooljaar. Een pijl na de "
               "staaf: voorbij het doel; een pijl ervoor: minder goed dan bij de start. De tabel bij de grafiek geeft "
               "dezelfde cijfers."),
        caption=_("Voortgang per doel, per versie en schooljaar"))


def pupil_page_part(student: Student, user: User) -> list[tuple[str, dict]]:
    """The pupil page's progress panel (students.page_parts): the pupil's measured goals in the plans this user
    reads (opp.access.plans_visible_to; the pupil page has already logged the read of the pupil), from the plans the
    page loaded for this user (opp.selectors.load_pupil) when it did."""
    loaded = selectors.readable_plans(student, user)
    chart = pupil_progress(student, plans=loaded if loaded is not None else
                           access.plans_visible_to(user).filter(student=student))
    if chart is None:
        return []
    return [(PAGE_PART_TEMPLATE, {"chart": chart, "student": student})]
