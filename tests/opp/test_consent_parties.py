"""opp.consent: who must consent to the handelingsdeel, and what their answers add up to. Pure (no database).

ARCHITECTURE.md "Consent parties": every guardian with gezag by default (a school setting may let one
suffice); for an adult, handelingsbekwame pupil the pupil in their own name, or the pupil together with
the parents (R-TIME-4). One refusal means no consent.
"""

import pytest

from opp.consent import GuardianFact, Party, outcome, required_parties

MOEDER = GuardianFact(11, "Mirjam Jansen", has_gezag=True)
VADER = GuardianFact(12, "Pieter Jansen", has_gezag=True)
STIEFVADER = GuardianFact(13, "Karel de Boer", has_gezag=False)
PUPIL = Party("pupil", 7, "Lotte Horizon")


def parties(*, guardians, handelingsbekwaam=False, consent_party="", one_guardian_suffices=False):
    return required_parties(pupil_id=7, pupil_name="Lotte Horizon", handelingsbekwaam=handelingsbekwaam,
                            consent_party=consent_party, guardians=guardians, one_guardian_suffices=one_guardian_suffices)


def keys(requirement):
    return [(p.kind, p.id) for p in requirement.parties]


# --- required_parties ------------------------------------------------------------------------------------


def test_two_guardians_with_gezag_must_both_consent():
    req = parties(guardians=[MOEDER, VADER])
    assert keys(req) == [("guardian", 11), ("guardian", 12)]
    assert [p.name for p in req.parties] == ["Mirjam Jansen", "Pieter Jansen"]
    assert req.any_one_suffices is False


def test_a_guardian_without_gezag_is_no_consent_party():
    req = parties(guardians=[MOEDER, STIEFVADER])
    assert keys(req) == [("guardian", 11)]
    assert req.any_one_suffices is False


@pytest.mark.parametrize(("guardians", "any_one"), [
    ([MOEDER, VADER], True),  # two with gezag: the school lets one of them suffice
    ([MOEDER], False),  # one with gezag: nothing to choose between
    ([MOEDER, STIEFVADER], False),  # the one without gezag does not count
    ([], False),
])
def test_school_setting_one_guardian_suffices_only_matters_with_more_than_one_guardian(guardians, any_one):
    req = parties(guardians=guardians, one_guardian_suffices=True)
    assert req.any_one_suffices is any_one
    assert keys(req) == [("guardian", g.id) for g in guardians if g.has_gezag]


@pytest.mark.parametrize("consent_party", ["leerling", ""])
def test_adult_handelingsbekwame_pupil_consents_alone_by_default(consent_party):
    req = parties(guardians=[MOEDER, VADER], handelingsbekwaam=True, consent_party=consent_party,
                  one_guardian_suffices=True)
    assert req.parties == (PUPIL,)
    assert req.any_one_suffices is False


def test_adult_pupil_together_with_the_parents_who_have_gezag():
    req = parties(guardians=[MOEDER, STIEFVADER, VADER], handelingsbekwaam=True, consent_party="leerling_en_ouders")
    assert keys(req) == [("pupil", 7), ("guardian", 11), ("guardian", 12)]


def test_a_pupil_who_is_not_handelingsbekwaam_never_consents_even_if_a_consent_party_is_left_over():
    req = parties(guardians=[MOEDER], handelingsbekwaam=False, consent_party="leerling")
    assert keys(req) == [("guardian", 11)]


def test_no_guardian_with_gezag_means_nobody_can_consent():
    assert parties(guardians=[STIEFVADER]).parties == ()
    assert parties(guardians=[]).parties == ()


# --- outcome ----------------------------------------------------------------------------------------------

TWO = [{"kind": "guardian", "id": 11, "name": "M"}, {"kind": "guardian", "id": 12, "name": "P"}]
WITH_PUPIL = [{"kind": "pupil", "id": 7, "name": "L"}, *TWO]


@pytest.mark.parametrize(("answers", "expected"), [
    ({}, "open"),
    ({("guardian", 11): "ja"}, "open"),  # one of two: still waiting for the other
    ({("guardian", 11): "ja", ("guardian", 12): "ja"}, "gegeven"),
    ({("guardian", 11): "nee"}, "geweigerd"),  # one refusal is enough, even before the other answered
    ({("guardian", 11): "ja", ("guardian", 12): "nee"}, "geweigerd"),
    ({("guardian", 11): "ja", ("guardian", 99): "ja"}, "open"),  # an answer from someone who is no party counts for nothing
    ({("guardian", 11): "ja", ("guardian", 12): "ja", ("guardian", 99): "nee"}, "gegeven"),
])
def test_every_party_must_say_yes_and_one_no_refuses(answers, expected):
    assert outcome(TWO, False, answers) == expected


@pytest.mark.parametrize(("answers", "expected"), [
    ({}, "open"),
    ({("guardian", 12): "ja"}, "gegeven"),  # one guardian suffices
    ({("guardian", 11): "nee"}, "geweigerd"),  # still: one refusal means no consent
])
def test_any_one_guardian_suffices_when_the_school_allows_it(answers, expected):
    assert outcome(TWO, True, answers) == expected


@pytest.mark.parametrize(("answers", "expected"), [
    ({("guardian", 11): "ja", ("guardian", 12): "ja"}, "open"),  # the pupil has not answered
    ({("pupil", 7): "ja", ("guardian", 11): "ja"}, "gegeven"),
    ({("pupil", 7): "ja"}, "open"),
    ({("pupil", 7): "nee", ("guardian", 11): "ja"}, "geweigerd"),
])
def test_any_one_rule_never_skips_the_adult_pupil(answers, expected):
    assert outcome(WITH_PUPIL, True, answers) == expected


def test_no_parties_is_never_consent():
    assert outcome([], False, {}) == "open"
    assert outcome([], True, {("guardian", 11): "ja"}) == "open"
