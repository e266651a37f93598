"""The deadlines' panels on the staff start page (accounts.panels; registered in DeadlinesConfig.ready()):
"Mijn taken", the school and board overviews, and the (v)so commission's work and reports."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext_lazy as _

from accounts.access import Cap
from evaluations.schoolyear import school_year_label

from . import selectors


def tasks(user, caps, today: datetime.date) -> dict | None:
    if Cap.PLAN_EDIT not in caps:
        return None
    rows, total = selectors.tasks_for(user, today)
    return {"id": "taken", "title": _("Mijn taken"), "wide": True, "rows": rows, "total": total,
            "can_list_pupils": Cap.PUPIL_VIEW in caps,
            "empty": _("U heeft op dit moment geen openstaande taken.")}


def school_overview(user, caps, today: datetime.date) -> dict | None:
    if Cap.SCHOOL_OVERVIEW not in caps:
        return None
    return {"id": "school", "title": _("Schooloverzicht"), "wide": True,
            "overview": selectors.school_overview(user, today),
            "empty": _("Nog geen gegevens voor het overzicht.")}


def board_overview(user, caps, today: datetime.date) -> dict | None:
    if Cap.BOARD_OVERVIEW not in caps:
        return None
    return {"id": "bestuur", "title": _("Bestuursoverzicht"), "wide": True,
            "overview": selectors.board_overview(user, today),
            "empty": _("Nog geen gegevens voor het overzicht.")}


def commission_reports(user, caps, today: datetime.date) -> dict | None:
    if Cap.BOARD_OVERVIEW not in caps:
        return None
    return {"id": "commissieverslagen", "title": _("Verslagen van de commissie"), "wide": True,
            "rows": selectors.commission_reports(user),
            "empty": _("De commissies van uw scholen hebben nog geen evaluaties vastgelegd.")}


def commission_open(user, caps, today: datetime.date) -> dict | None:
    if Cap.COMMISSION_EDIT not in caps:
        return None
    rows, total = selectors.commission_open(user, today)
    return {"id": "commissie", "title": _("Adviezen en evaluaties van de commissie"), "wide": True,
            "rows": rows, "total": total, "school_year": school_year_label(today),
            "empty": _("Alle lopende OPP's van het (v)so van uw school zijn dit schooljaar door de "
                       "commissie geëvalueerd.")}

