"""The goals' charts from the database (opp.goal_charts; R-CONTENT-4, R-SET-2): per goal its measurements against the
baseline and the target, per pupil every goal's share of the way across versions and school years, the goal in
plain words for the parents; on the plan page, the pupil page, the evaluation and its PDF, the OPP PDF and the
parent portal — at a fixed number of queries, whatever the number of goals and measurements."""

from __future__ import annotations

import datetime
import io
import re
import xml.etree.ElementTree as ET
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import override
from pypdf import PdfReader

from evaluations import pdf as evaluation_pdf
from evaluations.models import Evaluation, ItemProgress
from opp import goal_charts, measures
from opp import pdf as opp_pdf
from opp.models import ActionItem, Measurement, Plan, PlanVersion
from tests.auth import login
from tests.factories import StudentFactory, parent_of

TZ = zoneinfo.ZoneInfo("Europe/Amsterdam")
NOW = datetime.datetime(2027, 3, 20, 12, 0, tzinfo=TZ)
pytestmark = [pytest.mark.clock(NOW), pytest.mark.usefixtures("clock")]
SVG = "{http://www.w3.org/2000/svg}"
D = datetime.date


@pytest.fixture(autouse=True)
def _dutch():
    with override("nl"):
        yield


def avi(**kw) -> measures.Measure:
    return measures.Measure("avi", kw.get("base", "M4"), kw.get("base_on", D(2026, 9, 12)), kw.get("target", "M5"),
                            kw.get("target_on", D(2027, 7, 1)), kw.get("direction", "hoger"))


# --- The plain-words sentence (pure) -------------------------------------------------------------------------------


def test_the_sentence_says_where_the_pupil_started_where_they_are_and_how_far_that_is():
    text = goal_charts.sentence("Sanne", avi(), [(D(2026, 11, 20), "M4"), (D(2027, 2, 10), "E4")])
    assert text == ("Sanne las in september op AVI M4, in februari op AVI E4. "
                    "Het doel is AVI M5 vóór 1 juli 2027: Sanne is halverwege.")


@pytest.mark.parametrize(("latest", "words"), [
    ("M5", "heeft het doel bereikt"), ("E5", "heeft het doel bereikt"), ("E4", "is halverwege"),
    ("M4", "is nog niet vooruitgegaan"), ("E3", "is nog niet vooruitgegaan: de laatste meting is minder goed"),
])
def test_the_sentence_names_the_share_of_the_way_in_words(latest, words):
    assert f"Sanne {words}" in goal_charts.sentence("Sanne", avi(), [(D(2027, 2, 10), latest)])


def test_a_share_between_the_bounds_gets_the_words_of_the_bound_below_it():
    dmt = measures.Measure("dmt", "30", D(2026, 9, 1), "50", D(2027, 7, 1), "hoger")
    assert goal_charts.sentence("Bram", dmt, [(D(2027, 3, 1), "42")]) == (
        "Bram las in september 30 woorden (DMT), in maart 42 woorden (DMT). "
        "Het doel is 50 woorden (DMT) vóór 1 juli 2027: Bram is ruim halverwege.")
    assert "Bram is er bijna" in goal_charts.sentence("Bram", dmt, [(D(2027, 3, 1), "46")])
    assert "Bram is op weg, maar nog niet halverwege" in goal_charts.sentence("Bram", dmt, [(D(2027, 3, 1), "36")])
    assert "Bram is een klein stukje opgeschoten" in goal_charts.sentence("Bram", dmt, [(D(2027, 3, 1), "31")])


def test_lower_is_better_counts_the_way_down():
    errors = measures.Measure("aantal", "10", D(2026, 9, 1), "2", D(2027, 7, 1), "lager")
    assert "Het doel is 2 vóór 1 juli 2027: Tess is ruim halverwege." in goal_charts.sentence(
        "Tess", errors, [(D(2027, 1, 5), "5")])
    assert "minder goed dan bij de start" in goal_charts.sentence("Tess", errors, [(D(2027, 1, 5), "12")])


def test_without_a_new_measurement_the_sentence_names_the_start_with_its_year_and_no_judgement():
    assert goal_charts.sentence("Sanne", avi(), []) == (
        "Sanne las in september 2026 op AVI M4; daarna is er nog niet gemeten. Het doel is AVI M5 vóór 1 juli 2027.")


def test_across_school_years_the_months_carry_their_year():
    text = goal_charts.sentence("Adam", avi(base_on=D(2025, 10, 1), target_on=D(2027, 7, 1)), [(D(2027, 1, 15), "E4")])
    assert text.startswith("Adam las in oktober 2025 op AVI M4, in januari 2027 op AVI E4.")


def test_two_values_in_one_month_are_named_by_their_day_and_the_baseline_day_is_no_step():
    assert goal_charts.sentence("Adam", avi(base_on=D(2026, 11, 14)), [(D(2026, 11, 29), "E4")]).startswith(
        "Adam las op 14 november op AVI M4, op 29 november op AVI E4.")
    # A value measured on the baseline's day is the baseline: nothing measured since.
    assert "daarna is er nog niet gemeten" in goal_charts.sentence("Adam", avi(), [(D(2026, 9, 12), "M4")])


def test_no_measure_no_sentence():
    assert goal_charts.sentence("Sanne", measures.Measure(), []) == ""


# --- From the database ------------------------------------------------------------------------------------------


def _item(version, position, goal, **measure):
    fields = {f"measure_{k}": v for k, v in measure.items()}
    return ActionItem.objects.create(version=version, position=position, goal=goal, approach="Dagelijks oefenen",
                                     who="Leerkracht", frequency="Dagelijks", evaluation_moment="Na 12 weken",
                                     evaluation_criterion="Toets", **fields)


AVI = {"instrument": "avi", "baseline": "M4", "baseline_on": D(2026, 9, 12), "target": "M5",
       "target_on": D(2027, 7, 1), "direction": "hoger"}
DMT = {"instrument": "dmt", "baseline": "32", "baseline_on": D(2026, 9, 12), "target": "50",
       "target_on": D(2027, 7, 1), "direction": "hoger"}
FREE = {"instrument": "vrij", "baseline": "3 stappen", "baseline_on": D(2026, 9, 12), "target": "6 stappen",
        "target_on": D(2027, 7, 1)}


def adopt(version, on: datetime.date, by):
    PlanVersion.objects.filter(pk=version.pk).update(
        state="vastgesteld", adopted_at=datetime.datetime.combine(on, datetime.time(12), tzinfo=TZ), adopted_by=by,
        adopted_hash="a" * 64)
    return PlanVersion.objects.select_related("plan__student").get(pk=version.pk)


def measure(item, on, value, by, instrument=None):
    return Measurement.objects.create(goal_id=item.plan_goal_id, measured_on=on, value=value, recorded_by=by,
                                      instrument=instrument or item.measure_instrument)


@pytest.fixture
def sanne(org, personas):
    """Sanne (school A, group 4a): version 1 adopted on 1 October 2026 with a reading goal (AVI M4 → M5), a DMT goal,
    a goal without a measure and one with a free measure; AVI and DMT measured in the autumn and winter."""
    by = personas.begeleider_a
    student = StudentFactory(school=org.school_a, first_name="Sanne", last_name="Jansen", opp_required=True,
                             support_level="extra")
    plan = Plan.objects.create(student=student, created_by=by)
    Plan.objects.filter(pk=plan.pk).update(created_at=datetime.datetime(2026, 9, 10, 9, tzinfo=TZ))
    version = PlanVersion.objects.create(plan=plan, number=1, created_by=by)
    reading = _item(version, 1, "Sanne leest <b>vloeiend</b> op AVI M5", **AVI)
    speed = _item(version, 2, "Sanne leest sneller", **DMT)
    _item(version, 3, "Sanne vraagt om hulp")
    free = _item(version, 4, "Sanne loopt de trap zelf op", **FREE)
    version = adopt(version, D(2026, 10, 1), personas.bestuurder_a)
    for on, value in ((D(2026, 11, 20), "M4"), (D(2027, 2, 10), "E4")):
        measure(reading, on, value, by)
    for on, value in ((D(2026, 11, 20), "38"), (D(2027, 2, 10), "41")):
        measure(speed, on, value, by)
    measure(free, D(2027, 1, 8), "4 stappen", by)
    return version


def test_a_version_gives_a_chart_per_measured_goal_with_its_sentence(sanne):
    views = goal_charts.for_version(sanne)
    assert [v.item.position for v in views] == [1, 2, 4]  # the goal without a measure has no chart
    reading, speed, free = views
    assert reading.sentence.startswith("Sanne las in september op AVI M4, in februari op AVI E4.")
    assert reading.share == pytest.approx(0.5)
    root = ET.fromstring(str(reading.chart))
    assert root.get("aria-labelledby") == f"{reading.chart.chart_id}-title {reading.chart.chart_id}-desc"
    assert root.find(f"{SVG}title").text.startswith("Metingen bij het doel: Sanne leest <b>vloeiend</b>")
    assert [g.get("data-value") for g in root.iter(f"{SVG}g") if g.get("class") == "chart-point"] == ["AVI M4", "AVI E4"]
    assert [r[1:] for r in reading.chart.rows] == [("AVI M4", "Beginsituatie"), ("AVI M4", "Meting"),
                                                  ("AVI E4", "Meting"), ("AVI M5", "Doel")]
    assert speed.chart is not None and speed.latest.value == "41"
    assert free.chart is None and free.rows == [("8 januari 2027", "4 stappen")]


def test_a_measurement_of_another_instrument_is_listed_but_not_drawn(sanne, personas):
    reading = sanne.actions.get(position=1)
    measure(reading, D(2027, 3, 1), "45", personas.begeleider_a, instrument="dmt")
    view = goal_charts.for_version(sanne)[0]
    assert ("1 maart 2027", "45 woorden (DMT)") in view.rows
    assert view.latest.value == "E4"  # the latest of its own instrument
    assert "45" not in [r[1] for r in view.chart.rows]


def test_measurements_before_the_baseline_or_after_today_stay_out(sanne, personas, clock):
    reading = sanne.actions.get(position=1)
    measure(reading, D(2026, 9, 1), "Start", personas.begeleider_a)  # an older baseline's value
    view = goal_charts.for_version(sanne, today=D(2027, 1, 1))[0]
    assert [m.measured_on for m in view.measurements] == [D(2026, 11, 20)]


def test_a_version_is_read_in_two_queries_whatever_the_number_of_measurements(sanne, personas,
                                                                             django_assert_num_queries):
    version = PlanVersion.objects.select_related("plan__student").get(pk=sanne.pk)
    with django_assert_num_queries(2):  # the items, the measurements
        assert len(goal_charts.for_version(version)) == 3
    reading = sanne.actions.get(position=1)
    for day in range(1, 20):
        measure(reading, D(2027, 1, day), "E4", personas.begeleider_a)
    version = PlanVersion.objects.select_related("plan__student").get(pk=sanne.pk)
    with django_assert_num_queries(2):
        assert len(goal_charts.for_version(version)) == 3


def test_one_goal_is_shown_through_its_newest_item(sanne):
    reading = sanne.actions.get(position=1)
    view = goal_charts.for_goal(reading.plan_goal)
    assert view.item.pk == reading.pk and view.chart.chart_id == f"grafiek-doel-{reading.plan_goal_id}"
    assert goal_charts.for_goal(sanne.actions.get(position=3).plan_goal) is None  # no measure: no chart


def test_the_pupil_progress_groups_goals_by_version_and_school_year(org, personas, django_assert_num_queries):
    """Adam: version 1 adopted in October 2025 (AVI M3 → E4), measured that school year; version 2 (a revision,
    the same lasting goal, baseline E3 → M5) adopted in October 2026 and measured this school year."""
    by = personas.begeleider_a
    student = StudentFactory(school=org.school_a, first_name="Adam", last_name="El Baz", opp_required=True,
                             support_level="extra")
    plan = Plan.objects.create(student=student, created_by=by)
    v1 = PlanVersion.objects.create(plan=plan, number=1, created_by=by)
    goal = _item(v1, 1, "Adam leest vloeiend", **(AVI | {"baseline": "M3", "target": "E4",
                                                          "baseline_on": D(2025, 9, 15), "target_on": D(2026, 7, 1)}))
    v1 = adopt(v1, D(2025, 10, 1), personas.bestuurder_a)
    v2 = PlanVersion.objects.create(plan=plan, number=2, created_by=by, based_on=v1)
    ActionItem.objects.create(version=v2, plan_goal_id=goal.plan_goal_id, position=1, goal="Adam leest vloeiend",
                              approach="a", who="w", frequency="f", evaluation_moment="e", evaluation_criterion="c",
                              measure_instrument="avi", measure_baseline="E3", measure_baseline_on=D(2026, 9, 1),
                              measure_target="M5", measure_target_on=D(2027, 7, 1), measure_direction="hoger")
    other = ActionItem.objects.create(version=v2, position=2, goal="Adam rekent tot 100", approach="a", who="w",
                                      frequency="f", evaluation_moment="e", evaluation_criterion="c",
                                      **{f"measure_{k}": v for k, v in DMT.items()})
    PlanVersion.objects.filter(pk=v1.pk).update(state="vervangen")
    adopt(v2, D(2026, 10, 1), personas.bestuurder_a)
    measure(other, D(2026, 5, 1), "20", by)  # before this goal's baseline (12 September 2026): counts for nothing
    measure(goal, D(2026, 2, 1), "E3", by)  # v1, 2025-2026: M3 → E3 of the way to E4
    measure(goal, D(2026, 6, 1), "E4", by)  # v1, 2025-2026: the latest that year, the target = 100%
    measure(goal, D(2026, 9, 20), "E3", by)  # v1 still in force (v2 from October), 2026-2027: 1 of 3 levels = 33%
    measure(goal, D(2027, 2, 1), "E4", by)  # v2, 2026-2027: E3 → E4 of the way to M5 = 2 of 3 levels = 67%
    with django_assert_num_queries(2):
        chart = goal_charts.pupil_progress(student)
    assert [(r[0], r[1], r[2]) for r in chart.rows] == [
        ("Adam leest vloeiend", "Versie 1 · schooljaar 2025-2026", "100%"),
        ("Adam leest vloeiend", "Versie 1 · schooljaar 2026-2027", "33%"),
        ("Adam leest vloeiend", "Versie 2 · schooljaar 2026-2027", "67%"),
        # Version 2's new goal, not measured since its baseline: once, in its version's last group.
        ("Adam rekent tot 100", "Versie 2 · schooljaar 2026-2027", "nog geen meting")]
    root = ET.fromstring(str(chart))
    assert [b.get("data-share") for b in root.iter(f"{SVG}rect") if b.get("class") == "chart-bar"] == [
        "100", "33.3", "66.7"]
    assert chart.rows[2][3] == "AVI E4 (1 februari 2027)"


def test_no_measurement_no_progress_chart(org, personas):
    student = StudentFactory(school=org.school_a, opp_required=True, support_level="extra")
    plan = Plan.objects.create(student=student, created_by=personas.begeleider_a)
    _item(PlanVersion.objects.create(plan=plan, number=1, created_by=personas.begeleider_a), 1, "Doel", **AVI)
    assert goal_charts.pupil_progress(student) is None


# --- On the pages ---------------------------------------------------------------------------------------------


def svgs(html: str) -> dict[str, ET.Element]:
    found = {}
    for markup in re.findall(r"<svg\b.*?</svg>", html, re.S):
        root = ET.fromstring(markup)
        found[root.get("id")] = root
    return found


def test_the_plan_page_shows_each_measured_goal_and_the_pupils_progress(client, sanne, personas,
                                                                         django_assert_max_num_queries):
    login(client, personas.begeleider_a)
    url = reverse("opp:plan", args=[sanne.plan_id])
    with django_assert_max_num_queries(80) as first:
        html = client.get(url).content.decode()
    charts_on_page = svgs(html)
    reading = sanne.actions.get(position=1)
    assert f"grafiek-doel-{reading.plan_goal_id}" in charts_on_page and "grafiek-voortgang" in charts_on_page
    assert len(charts_on_page) == 3  # AVI, DMT and the progress; the free measure as a list
    assert "Sanne leest &lt;b&gt;vloeiend&lt;/b&gt; op AVI M5" in html and "<b>vloeiend" not in html
    assert "De waarden als tabel" in html and '<th scope="row" class="fw-normal">12 september 2026</th>' in html
    assert not re.search(r"<svg[^>]*\sstyle=", html)
    # More measurements: the same number of queries.
    for day in range(1, 10):
        measure(reading, D(2027, 1, day), "E4", personas.begeleider_a)
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(url)


def test_the_pupil_page_shows_the_progress_panel_only_to_who_reads_the_plans(client, sanne, personas):
    student = sanne.plan.student
    login(client, personas.begeleider_a)
    html = client.get(reverse("students:detail", args=[student.pk])).content.decode()
    assert "Voortgang op de doelen van het OPP" in html and "grafiek-voortgang" in svgs(html)
    login(client, personas.leerkracht_a)  # group 4a: Sanne's own leerkracht reads her plans too
    assert "grafiek-voortgang" in svgs(client.get(reverse("students:detail", args=[student.pk])).content.decode())


def _evaluate(version, by, held_on, progress, **extra):
    evaluation = Evaluation.objects.create(
        plan=version.plan, version=version, created_by=by, school_year="2026-2027", held_on=held_on,
        parents_present=True, conclusion="Goed.", decision="voortzetten")
    for action, (state, suggested, reason) in zip(version.actions.order_by("position"), progress, strict=True):
        ItemProgress.objects.create(evaluation=evaluation, action=action, progress=state, suggested=suggested,
                                    override_reason=reason)
    return evaluation


def test_the_evaluation_shows_the_measurements_since_the_previous_one_and_the_suggested_outcome(client, sanne,
                                                                                              personas):
    by = personas.begeleider_a
    _evaluate(sanne, by, D(2026, 12, 1), [("deels", "", "")] * 4)
    second = _evaluate(sanne, by, D(2027, 3, 1), [("behaald", "deels", "Ze leest thuis al E5-boekjes."),
                                                   ("deels", "deels", ""), ("niet", "", ""), ("deels", "", "")])
    login(client, by)
    html = client.get(reverse("evaluations:detail", args=[second.pk])).content.decode()
    assert ("Voorgesteld op grond van de metingen: deels behaald; gekozen: behaald, omdat Ze leest thuis al "
            "E5-boekjes.") in html
    assert "Zoals voorgesteld op grond van de metingen." in html
    assert "De metingen sinds de vorige evaluatie (1 december 2026)" in html
    reading = svgs(html)[f"grafiek-evaluatie-{second.pk}-{sanne.actions.get(position=1).plan_goal_id}"]
    # Only February's measurement: November's was before the previous evaluation.
    assert [g.get("data-date") for g in reading.iter(f"{SVG}g") if g.get("class") == "chart-point"] == ["2027-02-10"]


def _pdf_text(data: bytes) -> tuple[str, str]:
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    content = "".join(page.get_contents().get_data().decode("latin-1") for page in reader.pages)
    return text, content


def test_the_opp_pdf_draws_the_goal_charts_under_the_handelingsdeel(sanne):
    text, content = _pdf_text(opp_pdf.render_version_pdf(sanne))
    assert "Metingen per doel (stand op 20 maart 2027)" in text
    assert "AVI M5 (1 jul 2027)" in text  # the target line's label, drawn as text of the SVG
    assert "Sanne las in september op AVI M4, in februari op AVI E4." in re.sub(r"\s+", " ", text)
    assert re.search(r"\d l\b", content) and " re" in content  # vector lines and rectangles: the drawing


def test_the_evaluation_pdf_draws_the_charts_with_the_outcome(sanne, personas):
    evaluation = _evaluate(sanne, personas.begeleider_a, D(2027, 3, 1),
                           [("behaald", "deels", "Thuis al verder."), ("deels", "deels", ""), ("niet", "", ""),
                            ("deels", "", "")])
    text, content = _pdf_text(evaluation_pdf.render_evaluation_pdf(evaluation_pdf.load(evaluation.pk)))
    flat = re.sub(r"\s+", " ", text)
    assert "Metingen per doel" in flat and "AVI M5 (1 jul 2027)" in flat
    assert "Voorgesteld op grond van de metingen: deels behaald; gekozen: behaald, omdat Thuis al verder." in flat
    assert re.search(r"\d l\b", content)


def test_the_portal_shows_the_parents_each_goal_in_plain_words_with_its_chart(client, sanne, personas,
                                                                             django_assert_max_num_queries):
    parent = parent_of(sanne.plan.student, name="Mirjam Jansen", username="ouder_sanne")
    evaluation = _evaluate(sanne, personas.begeleider_a, D(2027, 3, 1), [("deels", "deels", "")] * 4)
    login(client, parent.user)
    child = reverse("portal:child", args=[sanne.plan.student_id])
    with django_assert_max_num_queries(200) as one:
        html = client.get(child).content.decode()
    reading = sanne.actions.get(position=1).plan_goal_id
    assert f"grafiek-evaluatie-{evaluation.pk}-{reading}" in svgs(html)  # the evaluation's chart, as the school's
    # Another evaluation: its charts come with the same queries (the plan's evaluations are at hand).
    _evaluate(sanne, personas.begeleider_a, D(2027, 3, 10), [("deels", "deels", "")] * 4)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(svgs(client.get(child).content.decode())) == len(svgs(html)) + 2
    for url in (reverse("portal:child", args=[sanne.plan.student_id]), reverse("portal:version", args=[sanne.pk])):
        html = client.get(url).content.decode()
        assert "Hoe gaat het met de doelen?" in html
        assert ("Sanne las in september op AVI M4, in februari op AVI E4. Het doel is AVI M5 vóór 1 juli 2027: "
                "Sanne is halverwege.") in html
        assert f"grafiek-doel-{sanne.actions.get(position=1).plan_goal_id}" in svgs(html)


def test_the_portal_child_page_reads_the_measurements_once_for_the_evaluations_and_the_versions_charts(
        client, sanne, personas):
    """One read for both kinds of chart, each still showing its own window: the evaluation's up to its day, the
    version's up to today."""
    by = personas.begeleider_a
    parent = parent_of(sanne.plan.student, name="Mirjam Jansen", username="ouder_sanne")
    evaluation = _evaluate(sanne, by, D(2027, 3, 1), [("deels", "deels", "")] * 4)
    reading = sanne.actions.get(position=1)
    measure(reading, D(2027, 3, 15), "M5", by)  # after the evaluation: the version's chart only
    login(client, parent.user)
    with CaptureQueriesContext(connection) as read:
        html = client.get(reverse("portal:child", args=[sanne.plan.student_id])).content.decode()
    assert len([q for q in read.captured_queries if 'FROM "opp_measurement"' in q["sql"]]) == 1
    charts = svgs(html)

    def points(chart_id):
        return [g.get("data-date") for g in charts[chart_id].iter(f"{SVG}g") if g.get("class") == "chart-point"]

    assert points(f"grafiek-evaluatie-{evaluation.pk}-{reading.plan_goal_id}") == ["2026-11-20", "2027-02-10"]
    assert points(f"grafiek-doel-{reading.plan_goal_id}") == ["2026-11-20", "2027-02-10", "2027-03-15"]


@pytest.mark.parametrize("page", ["opp:plan", "students:detail"])
def test_more_measured_goals_cost_no_more_queries(client, org, personas, django_assert_max_num_queries, page):
    """The plan page and the pupil page read every goal's item and measurements together: no query per goal."""
    by = personas.begeleider_a

    def pupil_with(goals: int):
        student = StudentFactory(school=org.school_a, opp_required=True, support_level="extra")
        plan = Plan.objects.create(student=student, created_by=by)
        version = PlanVersion.objects.create(plan=plan, number=1, created_by=by)
        items = [_item(version, n, f"Doel {n}", **(AVI if n % 2 else DMT)) for n in range(1, goals + 1)]
        adopt(version, D(2026, 10, 1), personas.bestuurder_a)
        for item in items:
            measure(item, D(2026, 11, 20), "E4" if item.measure_instrument == "avi" else "40", by)
        return plan.pk if page == "opp:plan" else student.pk

    login(client, by)
    one, six = pupil_with(1), pupil_with(6)
    client.get(reverse(page, args=[one]))
    with django_assert_max_num_queries(200) as few:
        client.get(reverse(page, args=[one]))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse(page, args=[six])).status_code == 200
