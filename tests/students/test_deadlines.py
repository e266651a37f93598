"""The six-week setting deadline (R-TIME-1): start of the term and the status at its boundaries. Pure."""

import datetime

import pytest
from django.utils.translation import override

from students.deadlines import (
    SETTING_TERM_DAYS,
    START_BASIS_LABELS,
    STATUS_LABELS,
    Start,
    StartBasis,
    Status,
    days_left,
    start_of_term,
    status,
)

D = datetime.date
ENROLLED = D(2023, 9, 1)


def day(n: int, start: datetime.date = ENROLLED) -> datetime.date:
    return start + datetime.timedelta(days=n)


# --- Start of the term ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("soort", "placed_on", "need_on", "expected"),
    [
        pytest.param("bao", None, None, Start(ENROLLED, StartBasis.ENROLMENT), id="R-TIME-1-enrolment"),
        pytest.param("vso", None, None, Start(ENROLLED, StartBasis.ENROLMENT), id="R-TIME-1-enrolment-vso"),
        pytest.param("so", D(2023, 10, 2), None, Start(D(2023, 10, 2), StartBasis.PLACEMENT),
                     id="R-TIME-1-definitive-placement-later-than-enrolment"),
        pytest.param("bao", None, D(2024, 3, 12), Start(D(2024, 3, 12), StartBasis.NEED),
                     id="R-TIME-1-regular-pupil-need-established-later"),
        pytest.param("vo", None, D(2024, 3, 12), Start(D(2024, 3, 12), StartBasis.NEED),
                     id="R-TIME-1-regular-vo-pupil-need-established-later"),
        pytest.param("bao", D(2023, 10, 2), D(2024, 3, 12), Start(D(2024, 3, 12), StartBasis.NEED),
                     id="R-TIME-1-need-after-placement"),
        pytest.param("bao", D(2023, 10, 2), D(2023, 9, 15), Start(D(2023, 10, 2), StartBasis.PLACEMENT),
                     id="R-TIME-1-need-between-enrolment-and-placement"),
        pytest.param("sbo", None, D(2024, 3, 12), Start(ENROLLED, StartBasis.ENROLMENT),
                     id="R-TIME-1-special-school-ignores-need-date"),
        pytest.param("vso", D(2023, 10, 2), D(2024, 3, 12), Start(D(2023, 10, 2), StartBasis.PLACEMENT),
                     id="R-TIME-1-special-school-placement-ignores-need-date"),
        pytest.param("bao", None, D(2023, 6, 1), Start(ENROLLED, StartBasis.ENROLMENT),
                     id="R-TIME-1-need-before-enrolment-counts-from-enrolment"),
        pytest.param("bao", None, ENROLLED, Start(ENROLLED, StartBasis.ENROLMENT),
                     id="R-TIME-1-need-on-enrolment-day-counts-as-enrolment"),
    ],
)
def test_start_of_term(soort, placed_on, need_on, expected):
    start = start_of_term(onderwijssoort=soort, enrolled_on=ENROLLED, placed_on=placed_on, support_need_on=need_on)
    assert start == expected
    assert start.due_on == expected.on + datetime.timedelta(days=42)


def test_R_TIME_1_term_is_six_weeks_of_calendar_days():
    assert SETTING_TERM_DAYS == 42
    assert Start(ENROLLED, StartBasis.ENROLMENT).due_on == D(2023, 10, 13)


def test_R_TIME_1_start_basis_labels_in_dutch():
    with override("nl"):
        assert str(START_BASIS_LABELS[StartBasis.ENROLMENT]) == "inschrijving"
        assert str(START_BASIS_LABELS[StartBasis.PLACEMENT]) == "definitieve plaatsing"
        assert "extra ondersteuning" in str(START_BASIS_LABELS[StartBasis.NEED])


# --- Status at the boundaries -------------------------------------------------------------------------

DUE = Start(ENROLLED, StartBasis.ENROLMENT).due_on


@pytest.mark.parametrize(
    ("today", "expected", "left"),
    [
        pytest.param(day(0), Status.ON_TRACK, 42, id="R-TIME-1-day-0"),
        pytest.param(day(27), Status.ON_TRACK, 15, id="R-TIME-1-15-days-before-due-on-track"),
        pytest.param(day(28), Status.DUE_SOON, 14, id="R-TIME-1-14-days-before-due-due-soon"),
        pytest.param(day(40), Status.DUE_SOON, 2, id="R-TIME-1-day-40"),
        pytest.param(day(41), Status.DUE_SOON, 1, id="R-TIME-1-day-41"),
        pytest.param(day(42), Status.DUE_SOON, 0, id="R-TIME-1-day-42-last-day"),
        pytest.param(day(43), Status.OVERDUE, -1, id="R-TIME-1-day-43-overdue"),
        pytest.param(day(400), Status.OVERDUE, -358, id="R-TIME-1-long-overdue"),
    ],
)
def test_status_at_the_boundaries(today, expected, left):
    assert status(due_on=DUE, today=today) is expected
    assert days_left(DUE, today) == left


@pytest.mark.parametrize(
    ("start", "due"),
    [
        pytest.param(D(2028, 2, 15), D(2028, 3, 28), id="R-TIME-1-leap-day-inside-term"),
        pytest.param(D(2028, 1, 20), D(2028, 3, 2), id="R-TIME-1-leap-day-late-in-term"),
        pytest.param(D(2028, 2, 29), D(2028, 4, 11), id="R-TIME-1-start-on-leap-day"),
        pytest.param(D(2027, 2, 15), D(2027, 3, 29), id="R-TIME-1-no-leap-year"),
        pytest.param(D(2023, 12, 1), D(2024, 1, 12), id="R-TIME-1-over-new-year"),
    ],
)
def test_leap_day_and_calendar_edges(start, due):
    assert Start(start, StartBasis.ENROLMENT).due_on == due
    assert status(due_on=due, today=due) is Status.DUE_SOON
    assert status(due_on=due, today=due + datetime.timedelta(days=1)) is Status.OVERDUE


@pytest.mark.parametrize("today", [day(10), day(42), day(43), day(500)], ids=["early", "last-day", "overdue", "long-overdue"])
def test_R_TIME_1_adopted_plan_is_met_even_when_late(today):
    assert status(due_on=DUE, today=today, adopted=True) is Status.MET


def test_R_TIME_1_adopted_wins_over_left():
    assert status(due_on=DUE, today=day(60), adopted=True, left_on=day(50)) is Status.MET


@pytest.mark.parametrize(
    ("left_on", "today", "expected"),
    [
        pytest.param(day(20), day(50), Status.LEFT, id="R-TIME-1-left-before-today-overdue-otherwise"),
        pytest.param(day(50), day(50), Status.LEFT, id="R-TIME-1-left-today"),
        pytest.param(day(10), day(11), Status.LEFT, id="R-TIME-1-left-early"),
        pytest.param(day(51), day(50), Status.OVERDUE, id="R-TIME-1-leaves-tomorrow-still-overdue"),
        pytest.param(day(90), day(5), Status.ON_TRACK, id="R-TIME-1-leaving-later-still-on-track"),
        pytest.param(day(90), day(42), Status.DUE_SOON, id="R-TIME-1-leaving-later-still-due-soon"),
    ],
)
def test_pupil_who_left(left_on, today, expected):
    assert status(due_on=DUE, today=today, left_on=left_on) is expected


def test_R_TIME_1_term_is_configurable(settings):
    settings.OPP_SETTING_TERM_DAYS = 56
    start = start_of_term(onderwijssoort="bao", enrolled_on=ENROLLED, placed_on=None, support_need_on=None)
    assert start.due_on == D(2023, 10, 27)
    assert status(due_on=start.due_on, today=day(50)) is Status.DUE_SOON


def test_R_TIME_1_default_term_is_six_weeks(settings):
    """settings.py declares the term (OPP_SETTING_TERM_DAYS) with the six weeks of the law as its default."""
    assert settings.OPP_SETTING_TERM_DAYS == SETTING_TERM_DAYS == 42
    assert Start(ENROLLED, StartBasis.ENROLMENT).due_on == DUE == day(42)


def test_status_labels_in_dutch():
    with override("nl"):
        assert str(STATUS_LABELS[Status.ON_TRACK]) == "op schema"
        assert str(STATUS_LABELS[Status.DUE_SOON]) == "binnen 14 dagen"
        assert str(STATUS_LABELS[Status.OVERDUE]) == "termijn verstreken"
        assert str(STATUS_LABELS[Status.LEFT]) == "uitgeschreven"
        assert set(STATUS_LABELS) == set(Status)
