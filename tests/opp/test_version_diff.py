"""The version diff compares the handelingsdeel goal by goal (R-CONTENT-4): items are matched by their lasting goal
(ActionItem.plan_goal), so a reworded or moved goal is "gewijzigd", a new one "nieuw doel" and a dropped one
"beëindigd"; a goal's measure is part of it, so a changed baseline, target, date or direction is a change of that goal
(the parents' consent covers it, R-CONSENT-5)."""

from __future__ import annotations

import datetime
import re
import zoneinfo

import pytest
from django.urls import reverse

from opp import selectors, services
from opp.models import PlanVersion
from tests.factories import StudentFactory

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
NOW = datetime.datetime(2026, 9, 25, 10, 0, tzinfo=AMS)
pytestmark = [pytest.mark.clock(NOW), pytest.mark.usefixtures("clock")]

SEP, JULY = datetime.date(2026, 9, 12), datetime.date(2027, 7, 1)
MEASURE = {"measure_instrument": "avi", "measure_baseline": "M4", "measure_baseline_on": SEP,
           "measure_target": "E4", "measure_target_on": JULY}


def action(n, **changes):
    return {"goal": f"Doel {n} leest vloeiend", "approach": f"Aanpak {n}", "who": "Leerkracht", "frequency": "Wekelijks",
            "evaluation_moment": "Na 10 weken", "evaluation_criterion": f"Criterium {n}", **changes}


def save_items(actor, version, items):
    version.refresh_from_db()
    return services.version_save_section(actor=actor, version=version, section="handelingsdeel",
                                         revision=version.section_revisions.get("handelingsdeel", 0), items=items)


@pytest.fixture
def revision(personas, org):
    """Version 1 adopted with three goals (the first measured on AVI), version 2 a revision of it."""
    pupil = StudentFactory(school=org.school_a, opp_required=True, support_level="extra")
    v1 = services.plan_start(actor=personas.begeleider_a, student=pupil).versions.get()
    save_items(personas.begeleider_a, v1, [action(1, **MEASURE), action(2), action(3)])
    PlanVersion.objects.filter(pk=v1.pk).update(state="vastgesteld", adopted_at=NOW, adopted_by=personas.bestuurder_a)
    v2 = services.revision_start(actor=personas.begeleider_a, plan=v1.plan)
    goals = list(v1.actions.order_by("position").values_list("plan_goal_id", flat=True))
    return v1, v2, goals


def loaded(*versions):
    return [selectors.load_version(v.pk) for v in versions]


def test_an_unchanged_revision_shows_every_goal_unchanged(revision):
    v1, v2, _goals = revision
    goals = selectors.goal_diff(*loaded(v1, v2))
    assert [(g["number"], g["status"], g["lines"]) for g in goals] == [
        (1, "unchanged", []), (2, "unchanged", []), (3, "unchanged", [])]
    handelingsdeel = next(s for s in selectors.diff(*loaded(v1, v2)) if s["key"] == "handelingsdeel")
    assert handelingsdeel["changed"] is False


def test_goals_are_matched_by_their_lasting_goal_not_by_their_place(revision, personas):
    v1, v2, (g1, g2, g3) = revision
    # Goal 2 reworded and moved to the top; goal 1 kept word for word; goal 3 dropped; a new goal at the end.
    save_items(personas.begeleider_a, v2, [action(2, goal="Doel 2 in eigen woorden", plan_goal=g2),
                                           action(1, **MEASURE, plan_goal=g1), action(9)])
    goals = selectors.goal_diff(*loaded(v1, v2))
    assert [(g["number"], g["status"]) for g in goals] == [(1, "changed"), (2, "changed"), (3, "added"), (3, "ended")]
    reworded, moved, added, ended = goals
    assert {"op": "del", "text": "Doel: Doel 2 leest vloeiend"} in reworded["lines"]
    assert {"op": "ins", "text": "Doel: Doel 2 in eigen woorden"} in reworded["lines"]
    # Only its place changed: the text is not shown as removed and added again.
    assert moved["lines"] == [{"op": "del", "text": "Plaats in het handelingsdeel: 1"},
                              {"op": "ins", "text": "Plaats in het handelingsdeel: 2"}]
    assert added["title"] == "Doel 9 leest vloeiend" and {line["op"] for line in added["lines"]} == {"ins"}
    assert ended["title"] == "Doel 3 leest vloeiend" and {line["op"] for line in ended["lines"]} == {"del"}


def test_a_changed_measure_is_a_change_of_that_goal(revision, personas):
    v1, v2, (g1, g2, g3) = revision
    save_items(personas.begeleider_a, v2, [action(1, **MEASURE | {"measure_target": "M5",
                                                                   "measure_target_on": datetime.date(2027, 6, 1)},
                                                  plan_goal=g1),
                                           action(2, plan_goal=g2), action(3, plan_goal=g3)])
    goals = selectors.goal_diff(*loaded(v1, v2))
    assert [g["status"] for g in goals] == ["changed", "unchanged", "unchanged"]
    changes = [(line["op"], line["text"]) for line in goals[0]["lines"] if line["op"] != "eq"]
    assert changes == [("del", "Streefwaarde: E4"), ("ins", "Streefwaarde: M5"),
                       ("del", "Streefdatum: 1 juli 2027"), ("ins", "Streefdatum: 1 juni 2027")]
    # The unchanged part of the measure is shown as context.
    assert ("eq", "Meetinstrument: AVI-niveau") in [(line["op"], line["text"]) for line in goals[0]["lines"]]
    assert next(s for s in selectors.diff(*loaded(v1, v2)) if s["key"] == "handelingsdeel")["changed"] is True


def test_a_measure_added_to_a_goal_shows_its_lines_added(revision, personas):
    v1, v2, (g1, g2, g3) = revision
    save_items(personas.begeleider_a, v2, [action(1, **MEASURE, plan_goal=g1),
                                           action(2, **MEASURE | {"measure_instrument": "dmt", "measure_baseline": "40",
                                                                  "measure_target": "60"}, plan_goal=g2),
                                           action(3, plan_goal=g3)])
    goal = selectors.goal_diff(*loaded(v1, v2))[1]
    assert goal["status"] == "changed"
    assert [line["text"] for line in goal["lines"] if line["op"] == "ins"] == [
        "Meetinstrument: DMT (woorden per minuut)", "Beginwaarde: 40", "Datum beginsituatie: 12 september 2026",
        "Streefwaarde: 60", "Streefdatum: 1 juli 2027", "Vooruitgang is: Hoger is beter"]


def test_the_diff_page_shows_each_goal_with_its_status(client, personas, revision):
    v1, v2, (g1, g2, g3) = revision
    save_items(personas.begeleider_a, v2, [action(1, **MEASURE | {"measure_target": "E5"}, plan_goal=g1),
                                           action(2, plan_goal=g2), action(4, goal="<b>Nieuw</b> doel")])
    client.force_login(personas.begeleider_a)
    html = client.get(reverse("opp:diff", args=[v2.pk])).content.decode()
    assert re.search(r'id="d-handelingsdeel">[^<]*– <strong>gewijzigd</strong>', html)
    assert re.search(r"Doel 1: Doel 1 leest vloeiend – <strong>gewijzigd</strong>", html)
    assert re.search(r"Doel 2: Doel 2 leest vloeiend – ongewijzigd", html)
    assert "Doel 3: &lt;b&gt;Nieuw&lt;/b&gt; doel – <strong>nieuw doel</strong>" in html  # escaped
    assert "Doel 3 van versie 1: Doel 3 leest vloeiend – <strong>beëindigd</strong>" in html
    assert re.search(r"<del>− Streefwaarde: E4</del>\s*<ins>\+ Streefwaarde: E5</ins>", html)
    # Headings in order: the section (h2) holds the goals (h3).
    assert html.index('id="d-handelingsdeel"') < html.index("<h3 class=\"h6 mt-3 mb-1\">Doel 1")
