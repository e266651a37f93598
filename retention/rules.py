"""Which retention categories of a pupil who left are due on a day (DOMAIN.md "Retention and privacy").

Pure functions, no ORM: the services feed them the leaving date (Student.left_on), today and the terms.

- dossier (leerlingdossier: OPP, consultations, consents, evaluations, disputes and documents): 2 years
- plaatsing (data on referral to special education: placement events): 3 years
- inschrijving (enrolment data: the pupil row, guardians and their links): 5 years

A term of N years ends on the N-th anniversary of the leaving date: on that day the category is due (not a
day earlier). A pupil who left on 29 February has, in a year without one, the anniversary on 1 March:
the full N years have passed only then, and deleting a day early would break the term.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

DOSSIER = "dossier"
PLAATSING = "plaatsing"
INSCHRIJVING = "inschrijving"
#: In the order the job deletes them: the pupil row (inschrijving) is the last to go.
CATEGORIES = (DOSSIER, PLAATSING, INSCHRIJVING)

LABELS = {
    DOSSIER: "leerlingdossier",
    PLAATSING: "plaatsingsgegevens",
    INSCHRIJVING: "inschrijvingsgegevens",
}


@dataclass(frozen=True)
class Terms:
    """Years after leaving, per category (settings OPP_RETENTION_*_YEARS)."""

    dossier: int = 2
    plaatsing: int = 3
    inschrijving: int = 5

    def __post_init__(self):
        for category in CATEGORIES:
            years = getattr(self, category)
            # A term of 0 would delete a file on the day the pupil leaves: always a configuration error.
            if not isinstance(years, int) or isinstance(years, bool) or years < 1:
                raise ValueError(f"Bewaartermijn {category!r} moet een geheel aantal jaren van minstens 1 zijn, niet {years!r}.")

    def years(self, category: str) -> int:
        return getattr(self, category)


def anniversary(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day `years` later; 29 February becomes 1 March in a year without it."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February → a year without one
        return datetime.date(day.year + years, 3, 1)


def due_on(left_on: datetime.date, category: str, terms: Terms) -> datetime.date:
    """The first day on which the category of a pupil who left on `left_on` may go."""
    return anniversary(left_on, terms.years(category))


def due_categories(left_on: datetime.date | None, today: datetime.date, terms: Terms) -> tuple[str, ...]:
    """The categories due on `today`, in deletion order. Nothing for a pupil who has not left (yet).

    Once the enrolment data is due, everything is: the pupil row cannot go while its file or placement
    events still point at it (this matters only if the terms are configured in an unusual order).
    """
    if left_on is None or left_on > today:
        return ()
    due = {c for c in CATEGORIES if due_on(left_on, c, terms) <= today}
    if INSCHRIJVING in due:
        due = set(CATEGORIES)
    return tuple(c for c in CATEGORIES if c in due)


def left_on_cutoff(today: datetime.date, years: int) -> datetime.date:
    """The latest leaving date for which a term of `years` has ended on `today`.

    For the database query: `left_on <= cutoff` selects exactly the pupils for whom the term is over
    (due_categories stays the judge; this only narrows the query).
    """
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # today is 29 February; the year `years` back has none, so its 28 February is the last
        return datetime.date(today.year - years, 2, 28)
