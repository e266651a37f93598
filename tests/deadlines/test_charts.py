"""The school and board overviews' charts (opp_portal.charts): six-week states per school (R-TIME-1), evaluations
held vs due this school year (R-EVAL-1) and the monthly trend of plans adopted within six weeks (R-TIME-1); each
with a heading, an accessible name and a table alternative, under the strict CSP, at a fixed number of queries."""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import override

from deadlines import selectors
from deadlines.selectors import AdoptionMonth
from opp.models import Plan, PlanVersion
from tests.deadlines.test_tasks_overview import NOON, TODAY, _mixed_school_a, panel, pupil, text, vso_pupil
from tests.factories import SchoolFactory, refresh_standing

pytestmark = [pytest.mark.clock(NOON), pytest.mark.usefixtures("clock")]
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def _dutch():
    with override("nl"):
        yield


def adopt_on(student, actor, when: datetime.datetime) -> Plan:
    """A plan first adopted at `when` (a concept moved to vastgesteld in one update, as the models allow)."""
    plan = Plan.objects.create(student=student, created_by=actor)
    version = PlanVersion.objects.create(plan=plan, number=1, created_by=actor)
    PlanVersion.objects.filter(pk=version.pk, state="concept").update(state="vastgesteld", adopted_at=when,
                                                                       adopted_by=actor)
    refresh_standing(student)
    return plan


def at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC)


def svgs(html: str) -> dict[str, ET.Element]:
    """The charts of a fragment by their id, parsed as XML (so: well-formed)."""
    found = {}
    for markup in re.findall(r"<svg\b.*?</svg>", html, re.S):
        root = ET.fromstring(markup)
        found[root.get("id")] = root
    return found


def segments(root: ET.Element) -> list[tuple[str, str, int]]:
    """(category, series label, value) per drawn segment, from each segment's own <title>."""
    out = []
    for rect in root.iter(f"{SVG}rect"):
        if rect.get("class") == "chart-segment":
            category, rest = rect.find(f"{SVG}title").text.rsplit(": ", 1)
            label, value = rest.rsplit(" ", 1)
            out.append((category, label, int(value)))
    return out


def page(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("staff_start"))
    assert response.status_code == 200
    return response


# --- The rule --------------------------------------------------------------------------------------------------


def test_adopted_in_time_is_the_six_week_terms_last_day_included():
    due = datetime.date(2026, 11, 30)
    assert selectors.adopted_in_time(due - datetime.timedelta(days=41), due)
    assert selectors.adopted_in_time(due, due)  # R-TIME-1: the last day still counts
    assert not selectors.adopted_in_time(due + datetime.timedelta(days=1), due)


def test_trend_months_are_the_last_twelve_this_month_last():
    months = selectors.trend_months(TODAY)
    assert months[0] == datetime.date(2025, 12, 1) and months[-1] == datetime.date(2026, 11, 1) and len(months) == 12
    assert selectors.trend_months(datetime.date(2027, 1, 5), 3) == [
        datetime.date(2026, 11, 1), datetime.date(2026, 12, 1), datetime.date(2027, 1, 1)]


# --- The trend's numbers ------------------------------------------------------------------------------------


def test_the_trend_counts_first_adoptions_per_month_within_six_weeks_or_later(org, personas):
    ib = personas.begeleider_a
    adopt_on(pupil(org.school_a, ib, days_into_term=10), ib, at(TODAY))  # due in 32 days: in time
    adopt_on(pupil(org.school_a, ib, days_into_term=50), ib, at(TODAY))  # due 8 days ago: later
    # Need established 12 January, due 23 February; adopted 15 January: in time, in January.
    early = pupil(org.school_a, ib, days_into_term=(TODAY - datetime.date(2026, 1, 12)).days)
    assert early.opp_due_on == datetime.date(2026, 2, 23)
    adopt_on(early, ib, at(datetime.date(2026, 1, 15)))
    # Adopted 14 months ago: outside the trend (still due for its yearly evaluation).
    adopt_on(pupil(org.school_a, ib, days_into_term=450), ib, at(datetime.date(2025, 9, 20)))
    # A revision adopted this month of a plan first adopted in January does not count again.
    plan = Plan.objects.get(student=early)
    PlanVersion.objects.filter(plan=plan).update(state="vervangen")
    v2 = PlanVersion.objects.create(plan=plan, number=2, created_by=ib)
    PlanVersion.objects.filter(pk=v2.pk, state="concept").update(state="vastgesteld", adopted_at=at(TODAY),
                                                                  adopted_by=ib)
    pupil(org.school_b, personas.begeleider_b, days_into_term=5)  # another board

    months = selectors.school_overview(personas.schoolleider_a, TODAY)["adoptions"]
    assert [m.month for m in months] == selectors.trend_months(TODAY)
    assert months[-1] == AdoptionMonth(datetime.date(2026, 11, 1), in_time=1, late=1)
    assert months[1] == AdoptionMonth(datetime.date(2026, 1, 1), in_time=1, late=0)
    assert sum(m.total for m in months) == 3


def end(plan: Plan, state: str, on: datetime.date) -> None:
    """The plan ended (beëindigd) or was withdrawn (ingetrokken) on `on` (R-SET-5), as the services leave it."""
    Plan.objects.filter(pk=plan.pk).update(state=state, ended_on=on)
    refresh_standing(plan.student)


def test_a_plan_ended_or_withdrawn_since_still_counts_for_the_month_it_was_adopted(org, personas):
    """R-TIME-1: whether the OPP was adopted within six weeks does not change when the plan ends later. The term it
    answered is the one in force at its adoption, not the pupil's term of today (a new one, or none)."""
    ib = personas.begeleider_a
    # Need established 12 January (due 23 February), adopted 15 January: in time. Withdrawn 1 March while the
    # need stayed, so a new term runs from then (due 12 April), met by a second plan adopted 10 April: in time.
    withdrawn = pupil(org.school_a, ib, days_into_term=(TODAY - datetime.date(2026, 1, 12)).days)
    end(adopt_on(withdrawn, ib, at(datetime.date(2026, 1, 15))), "ingetrokken", datetime.date(2026, 3, 1))
    withdrawn.refresh_from_db()
    assert (withdrawn.opp_start_on, withdrawn.opp_due_on) == (datetime.date(2026, 3, 1), datetime.date(2026, 4, 12))
    adopt_on(withdrawn, ib, at(datetime.date(2026, 4, 10)))
    # Need established 60 days ago, adopted 10 days ago (later than six weeks), ended today: the pupil's stored term
    # is a new one from today (in time by that one), not the one the plan answered.
    ended = pupil(org.school_a, ib, days_into_term=60)
    end(adopt_on(ended, ib, at(TODAY - datetime.timedelta(days=10))), "beeindigd", TODAY)
    ended.refresh_from_db()
    assert ended.opp_start_on == TODAY and ended.opp_due_on > TODAY
    # Adopted in time 14 months ago and ended since: outside the trend.
    old = pupil(org.school_a, ib, days_into_term=450)
    end(adopt_on(old, ib, at(datetime.date(2025, 9, 20))), "beeindigd", datetime.date(2026, 7, 10))

    months = {m.month: m for m in selectors.school_overview(personas.schoolleider_a, TODAY)["adoptions"]}
    assert months[datetime.date(2026, 1, 1)] == AdoptionMonth(datetime.date(2026, 1, 1), in_time=1, late=0)
    assert months[datetime.date(2026, 4, 1)] == AdoptionMonth(datetime.date(2026, 4, 1), in_time=1, late=0)
    assert months[datetime.date(2026, 11, 1)] == AdoptionMonth(datetime.date(2026, 11, 1), in_time=0, late=1)
    assert sum(m.total for m in months.values()) == 3
    # The evaluations due stay those of running plans (R-EVAL-1): the April plan, not the one ended in July.
    assert selectors.school_overview(personas.schoolleider_a, TODAY)["schools"][0].evaluations["due"] == 1


def test_term_answered_is_the_last_recorded_term_that_had_started_at_the_adoption():
    jan, feb, mar, apr = (datetime.date(2026, m, 1) for m in (1, 2, 3, 4))
    terms = [(jan, feb), (mar, apr)]
    assert selectors.term_answered(terms, datetime.date(2026, 1, 20)) == feb
    assert selectors.term_answered(terms, mar) == apr
    assert selectors.term_answered(terms, datetime.date(2025, 12, 31)) is None
    assert selectors.term_answered([], jan) is None


# --- On the pages ------------------------------------------------------------------------------------------


def test_school_overview_shows_three_named_charts_with_their_tables(client, org, personas):
    _mixed_school_a(personas.begeleider_a)
    whole = page(client, personas.schoolleider_a).content.decode()
    html = panel(whole, "school")
    charts = svgs(html)
    assert set(charts) == {"grafiek-school-termijnen", "grafiek-school-evaluaties", "grafiek-school-vaststellingen"}
    for cid, root in charts.items():
        assert root.get("role") == "img" and root.get("aria-labelledby") == f"{cid}-title {cid}-desc"
        assert root.find(f"{SVG}title").text and root.find(f"{SVG}desc").text
    # The stacked bars hold the table's numbers (test_tasks_overview: 2 / 4 / 2 / 2), one bar for the one school.
    assert segments(charts["grafiek-school-termijnen"]) == [
        ("School A", "op schema", 2), ("School A", "binnen 14 dagen", 4), ("School A", "termijn verstreken", 2),
        ("School A", "vastgesteld", 2)]
    # Both adoptions were today: in November, one in time (5 days into the term), one later (60 days).
    assert segments(charts["grafiek-school-vaststellingen"]) == [
        ("nov 2026", "binnen zes weken", 1), ("nov 2026", "later", 1)]
    body = text(html)
    # Visible headings, and each chart's table alternative: the count tables and the trend's table.
    assert "Zes-wekentermijn per school" in body and "Vastgestelde OPP's per maand" in body
    assert "Evaluaties met de ouders in schooljaar 2026-2027" in body
    assert "De cijfers van deze grafiek als tabel" in body and "november 2026 1 1 2" in body
    assert "december 2025 0 0 0" in body
    # The charts' stylesheet once, in the page's <head> (templates/base.html), not in the panel's body.
    head = whole.split("</head>", 1)[0]
    assert html.count('<details') == 1 and head.count('href="/static/css/charts.css"') == 1
    assert "charts.css" not in whole.split("</head>", 1)[1]


def test_evaluation_chart_splits_the_due_plans_into_held_open_and_late(org, personas, client):
    ib = personas.begeleider_a
    # Adopted last school year: due for evaluation this one (R-EVAL-1); none held yet, before 1 July: open.
    adopt_on(pupil(org.school_a, ib, days_into_term=400), ib, at(datetime.date(2026, 1, 5)))
    adopt_on(pupil(org.school_a, ib, days_into_term=420), ib, at(datetime.date(2025, 12, 10)))
    overview = selectors.board_overview(personas.bestuurder_a, TODAY)
    [school_a] = [r for r in overview["schools"] if r.school_name == "School A"]
    html = panel(page(client, personas.bestuurder_a).content.decode(), "bestuur")
    drawn = segments(svgs(html)["grafiek-bestuur-evaluaties"])
    assert sum(v for _c, _l, v in drawn if _c == "School A") == school_a.evaluations["due"]
    assert [(c, label, v) for c, label, v in drawn] == [
        ("School A", "nog niet geëvalueerd", school_a.evaluations["due"] - school_a.evaluations["held"])]


def test_a_school_name_is_escaped_in_the_charts(client, org, personas):
    org.school_a.name = '<b>&"Linde'
    org.school_a.save()
    pupil(org.school_a, personas.begeleider_a, days_into_term=50)
    html = panel(page(client, personas.bestuurder_a).content.decode(), "bestuur")
    assert "<b>&" not in html
    chart = svgs(html)["grafiek-bestuur-termijnen"]  # parses: the name did not break the markup
    assert ('<b>&"Linde', "termijn verstreken", 1) in segments(chart)


def test_the_overview_page_needs_no_inline_style_or_script(client, org, personas):
    _mixed_school_a(personas.begeleider_a)
    response = page(client, personas.bestuurder_a)
    csp = response["Content-Security-Policy"]
    directives = dict((d.strip().split(" ", 1) + [""])[:2] for d in csp.split(";") if d.strip())
    assert directives["style-src"] == "'self'" and directives["script-src"] == "'self'"
    html = response.content.decode()
    assert "<svg" in html
    assert not re.search(r"\sstyle\s*=", html) and "<style" not in html
    assert all("src=" in tag for tag in re.findall(r"<script\b[^>]*>", html))
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", html)  # no event handler attributes


def test_overview_queries_do_not_grow_with_the_schools(client, org, personas):
    """The charts are drawn from the counts the tables use: no query per school or per chart."""
    ib = personas.begeleider_a

    def grow_to(n):
        while org.board_a.schools.count() < n:
            school = SchoolFactory(board=org.board_a, onderwijssoorten=["bao"])
            pupil(school, ib, days_into_term=50)
            adopt_on(pupil(school, ib, days_into_term=10), ib, at(TODAY))
            vso_pupil(org.school_a2, personas.commissie_a2, days_into_term=3)

    def fill(school):
        pupil(school, ib, days_into_term=50)
        adopt_on(pupil(school, ib, days_into_term=10), ib, at(TODAY))

    client.force_login(personas.bestuurder_a)
    fill(org.school_a)  # the board's two schools (A and A2), each with pupils in every query's result
    vso_pupil(org.school_a2, personas.commissie_a2, days_into_term=3)
    adopt_on(vso_pupil(org.school_a2, personas.commissie_a2, days_into_term=60), ib, at(TODAY))
    grow_to(2)
    with CaptureQueriesContext(connection) as two:
        small = client.get(reverse("staff_start")).content.decode()
    grow_to(10)
    with CaptureQueriesContext(connection) as ten:
        large = client.get(reverse("staff_start")).content.decode()
    assert len(ten) == len(two), [q["sql"] for q in ten.captured_queries]
    bars = svgs(panel(large, "bestuur"))["grafiek-bestuur-termijnen"]
    assert len([t for t in bars.iter(f"{SVG}text") if t.get("class") == "chart-total"]) == 10
    assert len([t for t in svgs(panel(small, "bestuur"))["grafiek-bestuur-termijnen"].iter(f"{SVG}text")
                if t.get("class") == "chart-total"]) == 2
