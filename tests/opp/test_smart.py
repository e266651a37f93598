"""SMART hints on a handelingsdeel goal (opp.smart, R-CONTENT-4): each hint fires on the goal it is meant for and stays
away from a goal that does not need it; the editor shows them under each goal, and gives the script the same rules."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.urls import reverse

from opp import measures, services, smart
from opp.models import ActionItem
from tests.auth import login
from tests.factories import StudentFactory

GOOD = "Aan het eind van dit schooljaar leest Sanne op AVI M5-niveau."
AVI = measures.Measure("avi", "M4", datetime.date(2026, 9, 1), "E4", datetime.date(2027, 6, 30), "")


def codes(text, measure=None, **kwargs):
    return [h.code for h in smart.hints(text, measure, pupil_name=kwargs.pop("pupil_name", "Sanne"), **kwargs)]


def test_a_smart_goal_gets_no_hints():
    assert codes(GOOD) == []
    assert codes("Sanne werkt voor de kerstvakantie 15 minuten zelfstandig aan een taak.") == []


def test_an_empty_goal_gets_no_hints():
    assert codes("   ") == []


def test_no_measure_fires_without_instrument_or_criterion():
    assert "no_measure" in codes("Sanne leest dit schooljaar met plezier.")
    # A measure chosen, or a measurable criterion in the goal itself, answers the question.
    assert "no_measure" not in codes("Sanne leest dit schooljaar met plezier.", AVI)
    assert "no_measure" not in codes("Sanne leest dit schooljaar minimaal drie boeken.")


def test_no_term_fires_without_a_term_or_target_date():
    assert "no_term" in codes("Sanne leest op AVI E4.")
    assert "no_term" not in codes("Sanne leest op AVI E4.", AVI)  # the measure's target date
    for term in ("voor de kerstvakantie", "binnen acht weken", "in juni 2027", "op 1-7-2027", "eind groep 5"):
        assert "no_term" not in codes(f"Sanne leest {term} op AVI E4."), term


def test_a_vague_verb_without_a_level_is_named():
    found = smart.hints("Sanne gaat haar technisch lezen verbeteren dit schooljaar.", pupil_name="Sanne")
    vague = [h for h in found if h.code == "vague"]
    assert vague and "‘verbeteren’" in vague[0].text
    assert "vague" in codes("Sanne werkt aan haar concentratie in de kerstvakantie.")


def test_a_vague_verb_with_a_level_number_or_target_is_fine():
    assert "vague" not in codes("Sanne verbetert haar lezen tot AVI E4 dit schooljaar.")
    assert "vague" not in codes("Sanne vergroot haar woordenschat met 200 woorden dit schooljaar.")
    assert "vague" not in codes("Sanne verbetert haar technisch lezen dit schooljaar.", AVI)


def test_a_vague_word_inside_another_word_is_no_verb():
    # "ontwikkelingsperspectief" holds "ontwikkel…" but is no vague verb.
    assert "vague" not in codes("Sanne bespreekt haar ontwikkelingsperspectief dit schooljaar drie keer.")


def test_a_goal_that_names_no_pupil_behaviour():
    found = smart.hints("Meer rust in de klas dit schooljaar, gemeten met 5 observaties.", pupil_name="Sanne")
    assert [h.code for h in found] == ["no_pupil"]
    assert "Sanne leest" in found[0].text
    for subject in ("De leerling", "Zij", "Sanne"):
        assert "no_pupil" not in codes(f"{subject} werkt dit schooljaar 15 minuten zelfstandig.")


def test_the_pupils_name_is_matched_as_a_whole_name():
    assert "no_pupil" in codes("Sannekes boek wordt dit schooljaar 3 keer gelezen.")
    assert "no_pupil" not in codes("Jan-Willem leest dit schooljaar 3 boeken.", pupil_name="Jan-Willem")


def test_a_long_goal_or_several_sentences_may_be_several_goals():
    long_goal = "Sanne leest dit schooljaar op AVI E4 " + "en zij oefent elke dag " * 8
    assert "too_long" in codes(long_goal)
    assert "too_long" in codes("Sanne leest op AVI E4 in juni. Zij rekent tot 100. Zij vraagt hulp bij 3 taken.")
    assert "too_long" not in codes("Sanne leest op AVI E4 in juni. Zij leest elke dag 10 minuten.")


def test_an_unchanged_bank_text_is_a_hint_and_an_edited_one_is_not():
    bank = "De leerling leest aan het eind van het schooljaar op AVI E4."
    assert codes(bank, bank_original=bank)[:1] == ["bank_unchanged"]
    assert "bank_unchanged" in codes(bank.replace(" ", "  ") + "\n", bank_original=bank)  # spacing only
    assert "bank_unchanged" not in codes("Sanne leest aan het eind van het schooljaar op AVI E4.", bank_original=bank)
    assert "bank_unchanged" not in codes(bank)


def test_hints_come_in_one_order():
    found = codes("Werken aan rust.")
    assert found == [c for c in smart.ORDER if c in found] == ["no_pupil", "vague", "no_measure", "no_term"]


def test_the_script_gets_the_same_rules():
    config = smart.client_config("Sanne")
    assert config["vague"] == list(smart.VAGUE_VERBS) and config["max_words"] == smart.MAX_WORDS
    assert config["max_sentences"] == smart.MAX_SENTENCES and config["order"] == list(smart.ORDER)
    assert set(config["messages"]) == set(smart.MESSAGES)
    assert "Sanne leest" in config["messages"]["no_pupil"] and "%(verb)s" in config["messages"]["vague"]
    json.dumps(config)  # it goes into the page as JSON


# --- In the editor ---------------------------------------------------------------------------------------------------


@pytest.fixture
def version(org, personas, clock):
    pupil = StudentFactory(school=org.school_a, first_name="Sanne", last_name="Smit", opp_required=True,
                           support_level="extra")
    version = services.plan_start(actor=personas.begeleider_a, student=pupil).versions.get()
    ActionItem.objects.create(version=version, position=1, goal="Lezen verbeteren.", approach="Duolezen",
                              who="Leerkracht", frequency="Dagelijks", evaluation_moment="Na 8 weken",
                              evaluation_criterion="AVI-toets")
    ActionItem.objects.create(version=version, position=2, goal=GOOD, approach="RALFI", who="Leerkracht",
                              frequency="Dagelijks", evaluation_moment="Na 8 weken", evaluation_criterion="AVI-toets")
    return version


def _hint_boxes(html: str) -> list[str]:
    return re.findall(r"<div class=\"smart-hints[^>]*>(.*?)</div>", html, flags=re.S)


def test_the_editor_shows_the_hints_under_each_goal(client, personas, version):
    login(client, personas.begeleider_a)
    html = client.get(reverse("opp:version", args=[version.pk])).content.decode()
    boxes = _hint_boxes(html)
    # Two stored goals and the empty row of a new goal (plus the template of the script's new row): hints on the
    # vague goal only.
    assert len(boxes) >= 3
    assert 'data-hint="vague"' in boxes[0] and 'data-hint="no_pupil"' in boxes[0]
    assert "data-hint" not in boxes[1] and "data-hint" not in boxes[2]
    # A polite live region per goal, and the same rules for the script, which is loaded as a file (CSP).
    assert html.count('aria-live="polite" data-smart-hints') + html.count('data-smart-hints aria-live="polite"') >= 3
    config = json.loads(re.search(r'<script id="smart-hints-config" type="application/json">(.*?)</script>', html,
                                  flags=re.S).group(1))
    assert config["vague"] == list(smart.VAGUE_VERBS) and config["pupil_name"] == "Sanne"
    assert 'src="/static/js/smart_hints.js"' in html


def test_hints_follow_what_was_posted_and_never_block_saving(client, personas, version):
    """After a save the hints are those of the saved text: the vague goal made SMART loses its hints."""
    login(client, personas.begeleider_a)
    url = reverse("opp:version", args=[version.pk])
    rows = [(a.plan_goal_id, a.goal) for a in version.actions.order_by("position")]
    data = {"section": "handelingsdeel", "handelingsdeel-revision": "0", "handelingsdeel-TOTAL_FORMS": "2",
            "handelingsdeel-INITIAL_FORMS": "2", "handelingsdeel-MIN_NUM_FORMS": "0",
            "handelingsdeel-MAX_NUM_FORMS": "50"}
    for i, (goal_id, _goal) in enumerate(rows):
        data.update({f"handelingsdeel-{i}-plan_goal": str(goal_id), f"handelingsdeel-{i}-goal": _goal,
                     f"handelingsdeel-{i}-approach": "Duolezen", f"handelingsdeel-{i}-who": "Leerkracht",
                     f"handelingsdeel-{i}-frequency": "Dagelijks", f"handelingsdeel-{i}-evaluation_moment": "Na 8 weken",
                     f"handelingsdeel-{i}-evaluation_criterion": "AVI-toets", f"handelingsdeel-{i}-ORDER": str(i + 1)})
    # Saving the vague goal as it is works: a hint is no refusal.
    response = client.post(url, data)
    assert response.status_code == 302
    assert ActionItem.objects.get(version=version, position=1).goal == "Lezen verbeteren."
    data["handelingsdeel-revision"] = "1"
    data["handelingsdeel-0-goal"] = "Sanne leest voor de kerstvakantie op AVI E4."
    client.post(url, data)
    boxes = _hint_boxes(client.get(url).content.decode())
    assert "data-hint" not in boxes[0]
