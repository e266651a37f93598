"""Content hashes (ARCHITECTURE.md "Hashes"): SHA-256 over canonical JSON. Pure."""

import re

import pytest

from opp import hashing

ACTION_A = {"goal": "Leest AVI E4", "approach": "Duolezen", "who": "Leerkracht", "frequency": "Dagelijks",
            "evaluation_moment": "Na 12 weken", "evaluation_criterion": "AVI E4 behaald"}
ACTION_B = {"goal": "Rekent tot 100", "approach": "Rekenmuurtje", "who": "Onderwijsassistent", "frequency": "3x per week",
            "evaluation_moment": "Januari", "evaluation_criterion": "Toets M4 voldoende"}
FACTORS = [{"kind": "belemmerend", "domain": "kind", "text": "Snel afgeleid"},
           {"kind": "bevorderend", "domain": "omgeving", "text": "Betrokken ouders"}]
YIELDS = [{"subject": "rekenen", "expectation": "Eind groep 8 niveau 1F"}]
SCALARS = {"uitstroom_profiel": "vmbo_kb", "uitstroom_onderbouwing": "Past bij het leerrendement.",
           "programma_afwijking": "Geen afwijking", "doelen_nodig": False, "onderwijstijd_nodig": False,
           "leerling_mening": "Ik wil graag beter leren lezen."}


def vhash(**changes):
    args = {"plan_id": 7, "number": 1, "scalars": dict(SCALARS), "factors": list(FACTORS),
            "actions": [dict(ACTION_A), dict(ACTION_B)], "yields": list(YIELDS)}
    args.update(changes)
    return hashing.version_hash(**args)


def test_hashes_are_64_lowercase_hex_characters():
    for value in (vhash(), hashing.handelingsdeel_hash([ACTION_A])):
        assert re.fullmatch(r"[0-9a-f]{64}", value)


def test_same_content_gives_the_same_hash():
    assert vhash() == vhash()
    assert hashing.handelingsdeel_hash([ACTION_A, ACTION_B]) == hashing.handelingsdeel_hash([dict(ACTION_A), dict(ACTION_B)])


@pytest.mark.parametrize("variant", [
    "Leest AVI E4\r\nmet hulp",
    "  Leest AVI E4\nmet hulp  ",
    "\nLeest AVI E4\r\nmet hulp\n\n",
    "Leest AVI E4\rmet hulp",
])
def test_line_endings_and_outer_whitespace_do_not_change_the_hashes(variant):
    canonical = {**ACTION_A, "goal": "Leest AVI E4\nmet hulp"}
    variant_action = {**ACTION_A, "goal": variant}
    assert hashing.handelingsdeel_hash([variant_action]) == hashing.handelingsdeel_hash([canonical])
    assert vhash(actions=[variant_action]) == vhash(actions=[canonical])
    scalars = {**SCALARS, "uitstroom_onderbouwing": variant}
    assert vhash(scalars=scalars) == vhash(scalars={**SCALARS, "uitstroom_onderbouwing": "Leest AVI E4\nmet hulp"})


def test_inner_whitespace_does_change_the_hash():
    assert hashing.handelingsdeel_hash([{**ACTION_A, "goal": "Leest  AVI E4"}]) != hashing.handelingsdeel_hash([ACTION_A])


def test_item_order_changes_both_hashes():
    assert hashing.handelingsdeel_hash([ACTION_A, ACTION_B]) != hashing.handelingsdeel_hash([ACTION_B, ACTION_A])
    assert vhash(actions=[ACTION_A, ACTION_B]) != vhash(actions=[ACTION_B, ACTION_A])
    assert vhash(factors=list(reversed(FACTORS))) != vhash()


@pytest.mark.parametrize("field", hashing.ACTION_FIELDS)
def test_a_changed_handelingsdeel_changes_both_hashes(field):
    changed = {**ACTION_B, field: ACTION_B[field] + " (aangepast)"}
    assert hashing.handelingsdeel_hash([ACTION_A, changed]) != hashing.handelingsdeel_hash([ACTION_A, ACTION_B])
    assert vhash(actions=[ACTION_A, changed]) != vhash()


def test_a_removed_or_added_action_changes_both_hashes():
    assert hashing.handelingsdeel_hash([ACTION_A]) != hashing.handelingsdeel_hash([ACTION_A, ACTION_B])
    assert vhash(actions=[ACTION_A]) != vhash()


@pytest.mark.parametrize("change", [
    {"scalars": {**SCALARS, "uitstroom_onderbouwing": "Andere onderbouwing"}},
    {"scalars": {**SCALARS, "uitstroom_profiel": "havo"}},
    {"scalars": {**SCALARS, "doelen_nodig": True}},
    {"scalars": {**SCALARS, "for_swv_arrangement": True}},
    {"factors": FACTORS[:1]},
    {"yields": [{"subject": "rekenen", "expectation": "1S"}]},
    {"number": 2},
    {"plan_id": 8},
], ids=["onderbouwing", "profiel", "doelen_nodig", "swv", "factors", "yields", "number", "plan"])
def test_a_change_outside_the_handelingsdeel_changes_only_the_version_hash(change):
    actions = [ACTION_A, ACTION_B]
    handelingsdeel_before = hashing.handelingsdeel_hash(actions)
    assert vhash(**change) != vhash()
    # The handelingsdeel hash is computed from the actions alone: consent stays bound to the same text.
    assert hashing.handelingsdeel_hash(actions) == handelingsdeel_before


def test_missing_scalars_hash_like_none_and_empty_differs_from_none():
    assert vhash(scalars={}) == vhash(scalars={f: None for f in hashing.SCALAR_FIELDS})
    assert vhash(scalars={"doelen_nodig": False}) != vhash(scalars={"doelen_nodig": None})


def test_dates_are_hashed_by_their_iso_value():
    import datetime

    on = datetime.date(2026, 3, 2)
    assert vhash(scalars={**SCALARS, "commissie_advies_on": on}) == vhash(scalars={**SCALARS, "commissie_advies_on": "2026-03-02"})
    assert vhash(scalars={**SCALARS, "commissie_advies_on": on}) != vhash()
