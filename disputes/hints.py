"""Admissibility hints for a dispute (R-GPO-2, R-GPO-6). Pure: hints, not verdicts — the commission decides."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from opp.rules import gpo_last_day
from opp_portal import dates

#: The dispute page's forms a hint belongs beside: admissibility is what the board raises in its defence (the
#: commission's dates) and what the commission's advice decides (niet-ontvankelijk).
ADMISSIBILITY_FORMS = ("dates", "advice")


@dataclass(frozen=True)
class Hint:
    code: str
    text: str
    rule: str
    gpo: tuple[str, ...] = ()
    forms: tuple[str, ...] = ADMISSIBILITY_FORMS


def hints(*, filed_on: datetime.date, made_known_on: datetime.date | None, left_school_on: datetime.date | None,
          plan_withdrawn: bool) -> list[Hint]:
    found: list[Hint] = []
    if made_known_on is not None and filed_on > (last := gpo_last_day(made_known_on)):
        found.append(Hint("late", _("Te laat: de ouders moeten redenen opgeven (de termijn liep tot en met %(d)s).")
                          % {"d": dates.formatted(last)}, "R-GPO-2"))
    if left_school_on is not None and left_school_on <= filed_on:
        found.append(Hint("other_school", _("Mogelijk niet-ontvankelijk: geen belang — de leerling stond bij indiening "
                                            "niet meer op deze school ingeschreven."), "R-GPO-6", ("108029",)))
    if plan_withdrawn:
        found.append(Hint("withdrawn", _("Mogelijk niet-ontvankelijk: geen belang — de school heeft het OPP ingetrokken."),
                          "R-GPO-6", ("108928",)))
    return found
