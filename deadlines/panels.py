"""The deadlines' panels on the staff start page (accounts.panels; registered in DeadlinesConfig.ready()):
"Mijn taken", the school and board overviews, and the (v)so commission's work and reports."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from accounts.access import Cap
from opp_portal import charts, dates
from opp_portal.schoolyear import school_year_label
from students import deadlines as term
from students import destinations

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
    overview = selectors.school_overview(user, today)
    return {"id": "school", "title": _("Schooloverzicht"), "wide": True,
            "overview": overview, "charts": overview_charts(overview, "school"),
            "ldgm_chart": ldgm_chart(overview.get("ldgm"), "school"),
            "empty": _("Nog geen gegevens voor het overzicht.")}


def board_overview(user, caps, today: datetime.date) -> dict | None:
    if Cap.BOARD_OVERVIEW not in caps:
        return None
    overview = selectors.board_overview(user, today)
    return {"id": "bestuur", "title": _("Bestuursoverzicht"), "wide": True,
            "overview": overview, "charts": overview_charts(overview, "bestuur"),
            "ldgm_chart": ldgm_chart(overview.get("ldgm"), "bestuur"),
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



# --- The overviews' charts (opp_portal.charts), from the numbers their tables show -------------------------


#: Series colours: the status badges' (static/css/app.css) for the six-week states.
_STATE_COLOURS = {
    term.Status.ON_TRACK: charts.GREEN, term.Status.DUE_SOON: charts.AMBER,
    term.Status.OVERDUE: charts.RED, term.Status.MET: charts.BLUE,
}


def overview_charts(overview: dict, key: str) -> dict | None:
    """Three charts for an overview (key: the panel's id, to keep the SVG ids unique on the page): the six-week
    states per school (R-TIME-1), the evaluations held vs due this school year per school (R-EVAL-1), and the
    monthly trend of plans first adopted within six weeks or later (R-TIME-1). The same counts as the tables."""
    schools = overview["schools"]
    if not schools:
        return None
    names = [row.school_name for row in schools]
    terms = charts.stacked_bars(
        chart_id=f"grafiek-{key}-termijnen",
        title=gettext_now("Zes-wekentermijn per school"),
        desc=gettext_now("Gestapelde staven: per school het aantal leerlingen op schema, binnen 14 dagen, met een "
                         "verstreken termijn en met een vastgesteld OPP. De tabel hieronder geeft dezelfde cijfers."),
        categories=names,
        series=[charts.Series(str(term.STATUS_LABELS[st]), [row.pupils[st] for row in schools],
                              colour=_STATE_COLOURS[st], pattern=pattern)
                for st, pattern in zip(selectors.PUPIL_COUNTS, ("solid", "dots", "diagonal", "horizontal"), strict=True)],
    )
    evaluations = charts.stacked_bars(
        chart_id=f"grafiek-{key}-evaluaties",
        title=gettext_now("Evaluaties met de ouders in schooljaar %(year)s") % {"year": overview["school_year"]},
        desc=gettext_now("Gestapelde staven: per school de OPP's die dit schooljaar geëvalueerd moeten worden, "
                         "verdeeld in geëvalueerd, nog niet geëvalueerd en te laat; de lengte van de staaf is het "
                         "aantal te evalueren OPP's. De tabel hieronder geeft dezelfde cijfers."),
        categories=names,
        series=[
            charts.Series(gettext_now("geëvalueerd"), [row.evaluations["held"] for row in schools],
                          colour=charts.BLUE, pattern="solid"),
            charts.Series(gettext_now("nog niet geëvalueerd"),
                          [row.evaluations["due"] - row.evaluations["held"] - row.evaluations["overdue"]
                           for row in schools], colour=charts.GREY, pattern="dots"),
            charts.Series(gettext_now("te laat"), [row.evaluations["overdue"] for row in schools],
                          colour=charts.RED, pattern="diagonal"),
        ],
    )
    months = overview["adoptions"]
    trend = charts.stacked_columns(
        chart_id=f"grafiek-{key}-vaststellingen",
        title=gettext_now("Vastgestelde OPP's per maand"),
        desc=gettext_now("Gestapelde kolommen: per maand van de laatste twaalf maanden de OPP's die toen voor het "
                         "eerst zijn vastgesteld (ook als ze inmiddels zijn beëindigd of ingetrokken), binnen de "
                         "zes-wekentermijn of later. De tabel onder de "
                         "grafiek geeft dezelfde cijfers."),
        categories=[f"{dates.formatted(m.month, 'b')}\n{m.month.year}" for m in months],
        series=[
            charts.Series(gettext_now("binnen zes weken"), [m.in_time for m in months],
                          colour=charts.GREEN, pattern="solid"),
            charts.Series(gettext_now("later"), [m.late for m in months], colour=charts.RED, pattern="diagonal"),
        ],
    )
    return {"terms": terms, "evaluations": evaluations, "trend": trend, "months": months}


def ldgm_chart(ldgm: dict | None, key: str):
    """*(practice)* The Landelijk Doelgroepenmodel (opp.ldgm): two stacked bars, the expected uitstroomprofielen of
    the running sbo/so/vso plans and where the pupils who left went, split by dagbesteding / arbeid /
    vervolgonderwijs / other. The same numbers as the table under it."""
    if not ldgm:
        return None
    groups = list(destinations.GROUP_LABELS)
    expected = {p.key: p.expected for p in ldgm["profielen"]}
    actual = {p.key: p.actual for p in ldgm["profielen"]}
    patterns = ("solid", "diagonal", "dots", "horizontal", "cross")
    series = [charts.Series(str(destinations.GROUP_LABELS[g]), [expected.get(g, 0), actual.get(g, 0)],
                            colour=charts.PALETTE[i], pattern=patterns[i]) for i, g in enumerate(groups)]
    series.append(charts.Series(gettext_now("niet vastgelegd"), [ldgm["no_bestemming"], ldgm["no_destination"]],
                                colour=charts.GREY, pattern="vertical"))
    return charts.stacked_bars(
        chart_id=f"grafiek-{key}-doelgroepenmodel",
        title=gettext_now("Verwachte en werkelijke uitstroom (sbo, so, vso)"),
        desc=gettext_now("Twee gestapelde staven: de verwachte uitstroombestemming in de lopende OPP's en de "
                         "bestemming van de leerlingen die sinds %(since)s zijn uitgeschreven, verdeeld in "
                         "dagbesteding, arbeid, vervolgonderwijs, een andere school en overig. De tabel eronder geeft "
                         "dezelfde cijfers.") % {"since": dates.formatted(ldgm["since"])},
        categories=[gettext_now("Verwacht (lopende OPP's)"), gettext_now("Uitgestroomd")],
        series=series,
    )
