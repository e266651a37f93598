"""The school year: 1 August – 31 July (ARCHITECTURE.md "Time"). Pure: a date in, dates or a label out.

It stands on the ground floor: the plans (the stepper, the goal charts), the evaluations (one per plan and school
year, R-EVAL-1), the deadlines and the overviews all count in school years and read it from here.
"""

from __future__ import annotations

import datetime


def school_year(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day of the school year that `day` falls in."""
    start_year = day.year if day.month >= 8 else day.year - 1
    return datetime.date(start_year, 8, 1), datetime.date(start_year + 1, 7, 31)


def school_year_label(day: datetime.date) -> str:
    """The label that Evaluation.school_year stores and the pages show, e.g. "2026-2027"."""
    start, end = school_year(day)
    return f"{start.year}-{end.year}"
