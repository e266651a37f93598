"""The six-week setting deadline per pupil (R-TIME-1). Pure: dates in, dates and a status out."""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .eligibility import REGULAR

SETTING_TERM_DAYS = 42  # R-TIME-1: six weeks, calendar days; the default of settings.OPP_SETTING_TERM_DAYS
DUE_SOON_DAYS = 14


class StartBasis(enum.StrEnum):
    """What started the running term (stored in Student.opp_start_basis, max 20 characters)."""

    ENROLMENT = "inschrijving"
    PLACEMENT = "plaatsing"
    NEED = "behoefte"
    # R-TIME-1 after an ended or withdrawn plan: the need for an OPP stayed (sbo/so/vso/pro, or extra support
    # that did not stop), so a new plan is due six weeks after the previous one ended.
    AFTER_PLAN = "na_vorig_opp"
    # R-TIME-5: an OPDC placement must rest on an OPP (GPO 109370): due by the placement's start.
    OPDC = "opdc"
    # R-TIME-5: a temporary observation placement in the sbo (GPO 109137): six weeks from its start.
    OBSERVATION = "observatie"


START_BASIS_LABELS = {
    StartBasis.ENROLMENT: _("inschrijving"),
    StartBasis.PLACEMENT: _("definitieve plaatsing"),
    StartBasis.NEED: _("vaststelling dat extra ondersteuning nodig is"),
    StartBasis.AFTER_PLAN: _("einde van het vorige OPP (de ondersteuningsbehoefte bleef)"),
    StartBasis.OPDC: _("plaatsing in een OPDC (het OPP moet er vóór de start liggen)"),
    StartBasis.OBSERVATION: _("tijdelijke observatieplaatsing in het sbo"),
}


class Status(enum.StrEnum):
    ON_TRACK = "op_schema"
    DUE_SOON = "binnenkort"
    OVERDUE = "te_laat"
    MET = "voldaan"
    LEFT = "uitgeschreven"


STATUS_LABELS = {
    Status.ON_TRACK: _("op schema"),
    Status.DUE_SOON: _("binnen 14 dagen"),
    Status.OVERDUE: _("termijn verstreken"),
    Status.MET: _("vastgesteld"),
    Status.LEFT: _("uitgeschreven"),
}


@dataclass(frozen=True)
class Start:
    on: datetime.date
    basis: StartBasis

    @property
    def due_on(self) -> datetime.date:
        return self.on + datetime.timedelta(days=term_days(self.basis))


def term_days(basis: StartBasis | None = None) -> int:
    """Days from the start to the last day of the term: six weeks (R-TIME-1), except an OPDC placement, whose
    OPP must be in place when it starts (R-TIME-5, GPO 109370)."""
    if basis == StartBasis.OPDC:
        return 0
    return settings.OPP_SETTING_TERM_DAYS


def start_of_term(
    *,
    onderwijssoort: str,
    enrolled_on: datetime.date,
    placed_on: datetime.date | None,
    support_need_on: datetime.date | None,
) -> Start:
    """Six weeks run from enrolment or definitive placement; for a regular pupil already at school
    from the day the need for extra support was established (R-TIME-1, practice)."""
    start = Start(placed_on, StartBasis.PLACEMENT) if placed_on else Start(enrolled_on, StartBasis.ENROLMENT)
    if onderwijssoort in REGULAR and support_need_on and support_need_on > start.on:
        start = Start(support_need_on, StartBasis.NEED)
    return start


def status(
    *,
    due_on: datetime.date,
    today: datetime.date,
    adopted: bool = False,
    left_on: datetime.date | None = None,
) -> Status:
    if adopted:
        return Status.MET
    if left_on is not None and left_on <= today:
        return Status.LEFT
    if today > due_on:
        return Status.OVERDUE
    if (due_on - today).days <= DUE_SOON_DAYS:
        return Status.DUE_SOON
    return Status.ON_TRACK


def days_left(due_on: datetime.date, today: datetime.date) -> int:
    """Positive: days to go; 0: today is the last day; negative: days overdue."""
    return (due_on - today).days
