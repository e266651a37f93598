"""DOMAIN.md "Retention and privacy": which categories are due, on which day. Pure; no database."""

import datetime

import pytest

from retention import rules
from retention.rules import DOSSIER, INSCHRIJVING, PLAATSING, Terms

D = datetime.date
DAY = datetime.timedelta(days=1)
TERMS = Terms()


def test_default_terms_are_those_of_the_domain():
    assert (TERMS.dossier, TERMS.plaatsing, TERMS.inschrijving) == (2, 3, 5)


@pytest.mark.parametrize(("category", "due"), [
    (DOSSIER, D(2026, 3, 15)), (PLAATSING, D(2027, 3, 15)), (INSCHRIJVING, D(2029, 3, 15)),
])
def test_each_term_ends_on_the_anniversary_of_leaving(category, due):
    left = D(2024, 3, 15)
    assert rules.due_on(left, category, TERMS) == due
    assert category not in rules.due_categories(left, due - DAY, TERMS)
    assert category in rules.due_categories(left, due, TERMS)
    assert category in rules.due_categories(left, due + DAY, TERMS)


def test_categories_become_due_one_after_another():
    left = D(2024, 3, 15)
    assert rules.due_categories(left, D(2026, 3, 14), TERMS) == ()
    assert rules.due_categories(left, D(2026, 3, 15), TERMS) == (DOSSIER,)
    assert rules.due_categories(left, D(2027, 3, 15), TERMS) == (DOSSIER, PLAATSING)
    assert rules.due_categories(left, D(2029, 3, 15), TERMS) == (DOSSIER, PLAATSING, INSCHRIJVING)


def test_a_pupil_who_has_not_left_or_leaves_later_has_nothing_due():
    assert rules.due_categories(None, D(2040, 1, 1), TERMS) == ()
    assert rules.due_categories(D(2030, 1, 1), D(2029, 1, 1), TERMS) == ()


def test_leaving_on_29_february_is_due_on_1_march_in_a_common_year():
    left = D(2024, 2, 29)
    assert rules.due_on(left, DOSSIER, TERMS) == D(2026, 3, 1)
    assert rules.due_categories(left, D(2026, 2, 28), TERMS) == ()
    assert rules.due_categories(left, D(2026, 3, 1), TERMS) == (DOSSIER,)


def test_leaving_on_29_february_is_due_on_29_february_in_a_leap_year():
    terms = Terms(dossier=4, plaatsing=5, inschrijving=6)
    assert rules.due_on(D(2024, 2, 29), DOSSIER, terms) == D(2028, 2, 29)
    assert rules.due_categories(D(2024, 2, 29), D(2028, 2, 28), terms) == ()
    assert rules.due_categories(D(2024, 2, 29), D(2028, 2, 29), terms) == (DOSSIER,)


def test_terms_are_configurable():
    terms = Terms(dossier=1, plaatsing=1, inschrijving=10)
    assert rules.due_categories(D(2024, 3, 15), D(2025, 3, 15), terms) == (DOSSIER, PLAATSING)


def test_when_enrolment_is_due_everything_is_even_with_odd_terms():
    # The pupil row cannot go while its file points at it.
    terms = Terms(dossier=7, plaatsing=8, inschrijving=5)
    assert rules.due_categories(D(2024, 3, 15), D(2029, 3, 15), terms) == (DOSSIER, PLAATSING, INSCHRIJVING)
    assert rules.due_categories(D(2024, 3, 15), D(2029, 3, 14), terms) == ()


@pytest.mark.parametrize("years", [0, -1, 2.5, "2", True, None])
def test_a_term_must_be_a_whole_number_of_years_of_at_least_one(years):
    with pytest.raises(ValueError, match="Bewaartermijn"):
        Terms(dossier=years)


@pytest.mark.parametrize("years", [1, 2, 3, 4, 5])
def test_the_query_cutoff_selects_exactly_the_due_pupils(years):
    """Every leaving date over eight years (leap days included), against every run day around the boundary."""
    terms = Terms(dossier=years, plaatsing=max(years, 3), inschrijving=max(years, 5))
    for today in [D(2028, 2, 28), D(2028, 2, 29), D(2028, 3, 1), D(2027, 2, 28), D(2027, 3, 1), D(2029, 12, 31)]:
        cutoff = rules.left_on_cutoff(today, years)
        left = D(2020, 1, 1)
        while left <= today:
            assert (left <= cutoff) == (DOSSIER in rules.due_categories(left, today, terms)), (today, left)
            left += DAY
