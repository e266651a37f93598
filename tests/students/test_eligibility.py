"""Does this pupil need an OPP? Table-driven over students.eligibility.decide (R-ELIG-1..3, R-TIME-5).

Pure: no database, no clock. Every row names the rule it covers in its id.
"""

import datetime

import pytest
from django.utils.translation import override

from students.eligibility import Decision, PlacementFact, PupilFacts, decide

START = datetime.date(2023, 1, 9)


def opdc(start=START):
    return PlacementFact(kind="opdc", start_on=start)


def observatie(start=START):
    return PlacementFact(kind="observatie", start_on=start)


def verwijdering(start=START, investigated=True):
    return PlacementFact(kind="verwijdering", start_on=start, investigation_recorded=investigated)


def run(facts: PupilFacts) -> Decision:
    with override("nl"):
        decision = decide(facts)
        # Texts are plain str (evaluated under the active language), so they survive leaving the block.
        assert all(isinstance(r.text, str) for r in decision.reasons)
        return decision


def texts(decision: Decision, rule: str | None = None) -> str:
    return " ".join(r.text for r in decision.reasons if rule is None or r.rule == rule)


def rules(decision: Decision) -> set[str]:
    return {r.rule for r in decision.reasons}


# (facts, required, rules cited, {rule: words that the reasons citing that rule must contain})
CASES = [
    # R-ELIG-1: every pupil of sbo, pro, so and vso, whatever the support level.
    pytest.param(PupilFacts("sbo", extra_support=False), True, {"R-ELIG-1"},
                 {"R-ELIG-1": ["Elke leerling", "speciaal basisonderwijs", "OPP"]}, id="R-ELIG-1-sbo-always"),
    pytest.param(PupilFacts("pro", extra_support=False), True, {"R-ELIG-1"},
                 {"R-ELIG-1": ["Elke leerling", "praktijkonderwijs"]}, id="R-ELIG-1-pro-always"),
    pytest.param(PupilFacts("so", extra_support=False), True, {"R-ELIG-1"},
                 {"R-ELIG-1": ["Elke leerling", "speciaal onderwijs"]}, id="R-ELIG-1-so-always"),
    pytest.param(PupilFacts("vso", extra_support=False), True, {"R-ELIG-1"},
                 {"R-ELIG-1": ["Elke leerling", "voortgezet speciaal onderwijs"]}, id="R-ELIG-1-vso-always"),
    pytest.param(PupilFacts("vso", extra_support=True), True, {"R-ELIG-1"},
                 {"R-ELIG-1": ["Elke leerling"]}, id="R-ELIG-1-vso-with-extra-support"),
    pytest.param(PupilFacts("sbo", extra_support=False, dyslexie=True), True, {"R-ELIG-1"},
                 {"R-ELIG-1": ["Elke leerling"]}, id="R-ELIG-1-sbo-dyslexie-still-always"),
    # R-ELIG-1: regular po/vo with extra support.
    pytest.param(PupilFacts("bao", extra_support=True), True, {"R-ELIG-1"},
                 {"R-ELIG-1": ["extra ondersteuning", "basisondersteuning"]}, id="R-ELIG-1-bao-extra-support"),
    pytest.param(PupilFacts("vo", extra_support=True), True, {"R-ELIG-1"},
                 {"R-ELIG-1": ["extra ondersteuning"]}, id="R-ELIG-1-vo-extra-support"),
    # R-ELIG-2: regular pupils under basisondersteuning.
    pytest.param(PupilFacts("bao", extra_support=False), False, {"R-ELIG-2"},
                 {"R-ELIG-2": ["basisondersteuning", "geen OPP nodig"]}, id="R-ELIG-2-bao-basis"),
    pytest.param(PupilFacts("vo", extra_support=False), False, {"R-ELIG-2"},
                 {"R-ELIG-2": ["basisondersteuning", "geen OPP nodig"]}, id="R-ELIG-2-vo-basis"),
    # R-ELIG-2: lwoo, dyslexia, dyscalculia, giftedness alone are no reason for an OPP.
    pytest.param(PupilFacts("vo", extra_support=False, lwoo=True), False, {"R-ELIG-2"},
                 {"R-ELIG-2": ["lwoo", "op zich geen reden voor een OPP"]}, id="R-ELIG-2-lwoo-alone"),
    pytest.param(PupilFacts("bao", extra_support=False, dyslexie=True), False, {"R-ELIG-2"},
                 {"R-ELIG-2": ["Dyslexie", "op zich geen reden voor een OPP"]}, id="R-ELIG-2-dyslexie-alone"),
    pytest.param(PupilFacts("vo", extra_support=False, dyscalculie=True), False, {"R-ELIG-2"},
                 {"R-ELIG-2": ["Dyscalculie", "op zich geen reden voor een OPP"]}, id="R-ELIG-2-dyscalculie-alone"),
    pytest.param(PupilFacts("bao", extra_support=False, hoogbegaafd=True), False, {"R-ELIG-2"},
                 {"R-ELIG-2": ["Hoogbegaafdheid", "op zich geen reden voor een OPP"]}, id="R-ELIG-2-hoogbegaafd-alone"),
    pytest.param(PupilFacts("bao", extra_support=False, dyslexie=True, dyscalculie=True), False, {"R-ELIG-2"},
                 {"R-ELIG-2": ["Dyslexie en dyscalculie"]}, id="R-ELIG-2-dyslexie-and-dyscalculie"),
    # R-ELIG-3: rule 2 yields to rule 1 when the pupil also gets extra support.
    pytest.param(PupilFacts("vo", extra_support=True, lwoo=True), True, {"R-ELIG-1", "R-ELIG-3"},
                 {"R-ELIG-3": ["lwoo", "extra ondersteuning", "toch verplicht"]}, id="R-ELIG-3-lwoo-with-extra-support"),
    pytest.param(PupilFacts("bao", extra_support=True, dyslexie=True), True, {"R-ELIG-1", "R-ELIG-3"},
                 {"R-ELIG-3": ["Dyslexie", "toch verplicht"]}, id="R-ELIG-3-dyslexie-with-extra-support"),
    pytest.param(PupilFacts("vo", extra_support=True, dyscalculie=True), True, {"R-ELIG-1", "R-ELIG-3"},
                 {"R-ELIG-3": ["Dyscalculie", "toch verplicht"]}, id="R-ELIG-3-dyscalculie-with-extra-support"),
    pytest.param(PupilFacts("bao", extra_support=True, hoogbegaafd=True), True, {"R-ELIG-1", "R-ELIG-3"},
                 {"R-ELIG-3": ["Hoogbegaafdheid", "toch verplicht"]},
                 id="R-ELIG-3-gifted-pupil-in-swv-provision"),
    # R-TIME-5: an OPP must underlie an OPDC placement and an observation placement, whatever the support level.
    pytest.param(PupilFacts("bao", extra_support=False, placements=(opdc(),)), True, {"R-ELIG-2", "R-TIME-5"},
                 {"R-TIME-5": ["OPDC", "ten grondslag", "109370", "9 januari 2023"]}, id="R-TIME-5-opdc-basis-pupil"),
    pytest.param(PupilFacts("vo", extra_support=True, placements=(opdc(),)), True, {"R-ELIG-1", "R-TIME-5"},
                 {"R-TIME-5": ["OPDC", "109370"]}, id="R-TIME-5-opdc-extra-support-pupil"),
    pytest.param(PupilFacts("bao", extra_support=False, placements=(observatie(),)), True, {"R-ELIG-2", "R-TIME-5"},
                 {"R-TIME-5": ["observatieplaatsing", "sbo", "ten grondslag", "109137"]},
                 id="R-TIME-5-observation-placement-basis-pupil"),
    # R-TIME-5: removal of a pupil with extra support rests on an OPP and a proper investigation.
    pytest.param(PupilFacts("bao", extra_support=True, placements=(verwijdering(),)), True, {"R-ELIG-1", "R-TIME-5"},
                 {"R-TIME-5": ["Verwijderingsprocedure", "berusten op een OPP", "deugdelijk onderzoek", "109401", "108148"]},
                 id="R-TIME-5-removal-extra-support"),
    pytest.param(PupilFacts("bao", extra_support=True, placements=(verwijdering(investigated=False),)), True,
                 {"R-ELIG-1", "R-TIME-5"}, {"R-TIME-5": ["deugdelijk onderzoek", "109401", "108148"]},
                 id="R-TIME-5-removal-extra-support-without-investigation"),
    pytest.param(PupilFacts("vso", extra_support=False, placements=(verwijdering(),)), True, {"R-ELIG-1", "R-TIME-5"},
                 {"R-TIME-5": ["berusten op een OPP", "109401", "108148"]}, id="R-TIME-5-removal-vso-pupil"),
    pytest.param(PupilFacts("bao", extra_support=False, placements=(verwijdering(), opdc())), True,
                 {"R-ELIG-2", "R-TIME-5"}, {"R-TIME-5": ["109370", "berusten op een OPP", "109401"]},
                 id="R-TIME-5-removal-of-pupil-in-opdc-rests-on-the-opp"),
    # R-TIME-5: removal of a basis pupil: the OPP requirement for removal does not apply.
    pytest.param(PupilFacts("bao", extra_support=False, placements=(verwijdering(),)), False, {"R-ELIG-2", "R-TIME-5"},
                 {"R-TIME-5": ["Verwijderingsprocedure", "geen extra ondersteuningsbehoefte", "geldt niet"]},
                 id="R-TIME-5-removal-basis-pupil-not-required"),
    pytest.param(PupilFacts("vo", extra_support=False, lwoo=True, placements=(verwijdering(),)), False,
                 {"R-ELIG-2", "R-TIME-5"}, {"R-ELIG-2": ["lwoo"], "R-TIME-5": ["geldt niet"]},
                 id="R-TIME-5-removal-lwoo-pupil-not-required"),
]


@pytest.mark.parametrize(("facts", "required", "cited", "words"), CASES)
def test_decide(facts, required, cited, words):
    decision = run(facts)
    assert decision.required is required
    assert rules(decision) == cited
    for rule, expected in words.items():
        text = texts(decision, rule)
        for word in expected:
            assert word in text, f"{word!r} not in reasons citing {rule}: {text!r}"


@pytest.mark.parametrize("facts", [c.values[0] for c in CASES], ids=[c.id for c in CASES])
def test_every_reason_cites_a_rule_and_is_dutch(facts):
    decision = run(facts)
    assert decision.reasons, "a decision always explains itself (R-ELIG-5)"
    for reason in decision.reasons:
        assert reason.rule.startswith(("R-ELIG-", "R-TIME-"))
        assert reason.as_dict() == {"text": reason.text, "rule": reason.rule}
    with override("nl"):
        assert str(decision.label) == ("OPP verplicht" if decision.required else "Geen OPP nodig")


@pytest.mark.parametrize(
    "flags",
    [{"lwoo": True}, {"dyslexie": True}, {"dyscalculie": True}, {"hoogbegaafd": True}],
    ids=["R-ELIG-2-lwoo", "R-ELIG-2-dyslexie", "R-ELIG-2-dyscalculie", "R-ELIG-2-hoogbegaafd"],
)
@pytest.mark.parametrize("soort", ["bao", "vo"])
def test_flags_never_decide_alone(soort, flags):
    """R-ELIG-2/-3: a flag never changes the outcome; only extra support (or the soort) does."""
    without = run(PupilFacts(soort, extra_support=False))
    with_flag = run(PupilFacts(soort, extra_support=False, **flags))
    assert without.required is with_flag.required is False
    assert run(PupilFacts(soort, extra_support=True, **flags)).required is True


@pytest.mark.parametrize(
    "placements",
    [
        pytest.param((verwijdering(datetime.date(2023, 1, 1)), opdc(datetime.date(2023, 2, 1))), id="removal-first"),
        pytest.param((opdc(datetime.date(2023, 2, 1)), verwijdering(datetime.date(2023, 1, 1))), id="opdc-first"),
    ],
)
def test_R_TIME_5_order_of_placements_does_not_change_the_decision(placements):
    """A pure decision over a set of facts: the order in which events arrive must not matter (R-ELIG-5)."""
    decision = run(PupilFacts("bao", extra_support=False, placements=placements))
    reference = run(PupilFacts("bao", extra_support=False, placements=tuple(sorted(placements, key=lambda p: p.start_on))))
    assert decision.required is True
    assert {r.as_dict()["rule"] for r in decision.reasons} == {"R-ELIG-2", "R-TIME-5"}
    assert sorted(r.text for r in decision.reasons) == sorted(r.text for r in reference.reasons)
    assert "berusten op een OPP" in texts(decision, "R-TIME-5")
    assert "geldt niet" not in texts(decision)


def test_R_ELIG_5_decision_changes_when_the_need_changes():
    before = run(PupilFacts("bao", extra_support=False, hoogbegaafd=True))
    after = run(PupilFacts("bao", extra_support=True, hoogbegaafd=True))
    assert (before.required, after.required) == (False, True)
    assert before.reasons != after.reasons


def test_decide_is_pure_and_repeatable():
    facts = PupilFacts("vo", extra_support=True, lwoo=True, placements=(opdc(), verwijdering()))
    assert run(facts) == run(facts)
