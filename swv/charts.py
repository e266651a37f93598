"""The SWV overview's chart: the TLVs in force by the month they end and their category (opp_portal.charts: SVG
under the strict CSP, a <title> and <desc>, patterns besides colours, and a table with the same numbers beside it)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from opp_portal import charts, dates

from . import overviews
from .models import Category

#: Colour and pattern per category (laag → hoog darkening towards red; none: grey), never colour alone.
_STYLE = {
    Category.LAAG: (charts.BLUE, "solid"),
    Category.MIDDEN: (charts.AMBER, "dots"),
    Category.HOOG: (charts.RED, "diagonal"),
    overviews.NO_CATEGORY: (charts.GREY, "horizontal"),
}


def _label(category: str) -> str:
    if category == overviews.NO_CATEGORY:
        return _("zonder categorie (sbo, pro)")
    return _("categorie %(name)s") % {"name": str(Category(category).label).lower()}


def expiry_chart(months: list[overviews.MonthCounts], key: str) -> charts.Chart | None:
    """Stacked columns per month (this month and the eleven after it), one segment per category; None when no TLV
    ends in those months (the page then says so instead of drawing empty columns)."""
    if not any(m.total for m in months):
        return None
    title = _("Toelaatbaarheidsverklaringen per maand waarin ze aflopen")
    desc = _("Gestapelde kolommen: per maand, van deze maand tot en met over elf maanden, het aantal "
             "toelaatbaarheidsverklaringen in werking dat dan afloopt, verdeeld naar categorie (laag, midden, hoog; "
             "sbo en pro hebben geen categorie). De tabel naast de grafiek geeft dezelfde cijfers.")
    series = [charts.Series(_label(c), [m.counts[c] for m in months], colour=_STYLE[c][0], pattern=_STYLE[c][1])
              for c in overviews.CHART_CATEGORIES]
    chart_id = f"grafiek-{key}-tlv-afloop"
    svg = charts.stacked_columns(
        chart_id=chart_id, title=title, desc=desc,
        categories=[f"{dates.formatted(m.month, 'b')}\n{m.month.year}" for m in months], series=series)
    headers = (_("Maand"), *(_label(c) for c in overviews.CHART_CATEGORIES), _("Totaal"))
    rows = tuple((dates.formatted(m.month, "F Y"), *(str(m.counts[c]) for c in overviews.CHART_CATEGORIES), str(m.total))
                 for m in months)
    return charts.Chart(charts.safe_id(chart_id), svg, title, desc, title, headers, rows)
