"""Which evaluation counts as the yearly evaluation with the parents (R-EVAL-1). Pure: no ORM, no clock.

The school evaluates the OPP *with the parents* at least once per school year. An evaluation counts when
the parents took part, or when they were invited (the date is recorded) and did not come (the reason is
recorded): a school cannot be held to parents who stay away, but it must show that it asked them.
Any other evaluation is still a real meeting and stays on record; it just does not count.

evaluations.models.EvaluationQuerySet.counting() is the same rule as a database filter;
tests/evaluations/test_counting.py holds the two equal on every combination.
"""

from __future__ import annotations

import datetime
import enum


class YearlyHow(enum.StrEnum):
    """How an evaluation relates to the yearly evaluation with the parents."""

    WITH_PARENTS = "met_ouders"  # the parents took part
    INVITED_NOT_CAME = "uitgenodigd_niet_gekomen"  # invited (date), did not come (reason): counts, with a warning
    NOT_COUNTED = "telt_niet"  # without the parents and no invitation on record


def has_text(value: str | None) -> bool:
    return bool((value or "").strip())


def yearly_how(*, parents_present: bool, parents_invited_on: datetime.date | None,
               parents_absence_reason: str | None) -> YearlyHow:
    if parents_present:
        return YearlyHow.WITH_PARENTS
    if parents_invited_on is not None and has_text(parents_absence_reason):
        return YearlyHow.INVITED_NOT_CAME
    return YearlyHow.NOT_COUNTED


def counts_as_yearly(*, parents_present: bool, parents_invited_on: datetime.date | None,
                     parents_absence_reason: str | None) -> bool:
    """R-EVAL-1: does this evaluation count as the school year's evaluation with the parents?"""
    return yearly_how(parents_present=parents_present, parents_invited_on=parents_invited_on,
                      parents_absence_reason=parents_absence_reason) is not YearlyHow.NOT_COUNTED


# --- The commission's advice (R-EVAL-3) -----------------------------------------------------------------------
# The (v)so commission advises on revision — or on terugplaatsing: the pupil's return out of special education.
# Where to depends on the pupil's onderwijssoort: from the so to the regular or special primary school (bao/sbo),
# from the vso to regular secondary education (vo) — never "back to the basisonderwijs" for a vso pupil. Any other
# soort has no commission and so no terugplaatsing. The values are CommissionEvaluation.Advice's; this is the one
# place that says which fit which pupil (the form offers only these, the service refuses the rest).

ADVICE_GEEN = "geen"
ADVICE_BIJSTELLING = "bijstelling"
ADVICE_TERUGPLAATSING = "terugplaatsing"  # naar het regulier of speciaal basisonderwijs (from the so)
ADVICE_TERUGPLAATSING_VO = "terugplaatsing_vo"  # naar het regulier voortgezet onderwijs (from the vso)

#: R-EVAL-3: the terugplaatsing that fits a pupil of this onderwijssoort.
TERUGPLAATSING_BY_SOORT = {"so": ADVICE_TERUGPLAATSING, "vso": ADVICE_TERUGPLAATSING_VO}
_ALL_TERUGPLAATSINGEN = frozenset(TERUGPLAATSING_BY_SOORT.values())


def advice_fits(advice: str, soort: str) -> bool:
    """R-EVAL-3: may the commission give this advice for a pupil of this onderwijssoort?"""
    return advice not in _ALL_TERUGPLAATSINGEN or TERUGPLAATSING_BY_SOORT.get(soort) == advice


def advice_choices(soort: str, choices) -> list[tuple[str, str]]:
    """R-EVAL-3: of these (value, label) choices, the ones that fit a pupil of this onderwijssoort, in order."""
    return [(value, label) for value, label in choices if advice_fits(value, soort)]
