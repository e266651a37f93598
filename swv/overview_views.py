"""The SWV overviews (swv.overviews): the schoolleider's of their school, the bestuurder's of the board's schools.

A user without the overview's capability gets 403 (the page exists for every school: that reveals nothing); a school
filter outside the user's scope is a 404 naming that school (accounts.access). Lists only: nothing is written.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.access import forbidden, out_of_reach
from accounts.models import School

from . import charts, overviews

#: Rows per page of each list.
PAGE_SIZE = 25
#: The query-string parameter of each list's page (three lists on one page, each paginated on its own).
PAGE_PARAMS = {"ending": "pagina_afloop", "pending": "pagina_aanvragen", "findings": "pagina_bevindingen"}


def _school_filter(request, schools):
    """The school chosen in the filter, or None for all of the scope; a school outside the scope: 404."""
    wanted = request.GET.get("school", "")
    if not wanted:
        return None
    school = next((s for s in schools if str(s.pk) == wanted), None)
    if school is None:
        raise out_of_reach(School, wanted, "pk")
    return school


def _querystring(request, drop: str) -> str:
    query = request.GET.copy()
    query.pop(drop, None)
    return query.urlencode()


def _overview(request, scope: str):
    if not overviews.has_scope(request.user, scope):
        raise forbidden()
    today = timezone.localdate()
    schools = list(overviews.schools_in_scope(request.user, scope))
    school = _school_filter(request, schools)
    school_ids = [school.pk] if school else [s.pk for s in schools]
    horizon = 3 if request.GET.get("termijn") == "3" else 6
    until = overviews.add_months(today, horizon)

    ending_page = Paginator(overviews.ending_tlvs(school_ids, today, until), PAGE_SIZE).get_page(
        request.GET.get(PAGE_PARAMS["ending"]))
    pending_page = Paginator(overviews.pending_requests(school_ids, today), PAGE_SIZE).get_page(
        request.GET.get(PAGE_PARAMS["pending"]))
    findings_page = Paginator(overviews.findings(school_ids, today), PAGE_SIZE).get_page(
        request.GET.get(PAGE_PARAMS["findings"]))
    months = overviews.chart_months(school_ids, today)
    return render(request, "swv/overview_page.html", {
        "scope": scope, "today": today, "schools": schools, "school": school, "horizon": horizon,
        "horizons": overviews.HORIZONS, "until": until,
        "ending_page": ending_page, "ending_rows": overviews.ending_rows(ending_page.object_list, today),
        "pending_page": pending_page,
        "pending_rows": [(r, overviews.age_in_days(r, today)) for r in pending_page.object_list],
        "findings_page": findings_page,
        "chart": charts.expiry_chart(months, scope), "months": months,
        "page_params": PAGE_PARAMS,
        "querystrings": {key: _querystring(request, param) for key, param in PAGE_PARAMS.items()},
    })


@login_required
@require_GET
def school_overview(request):
    """The schoolleider's overview of their school (Cap.SCHOOL_OVERVIEW)."""
    return _overview(request, overviews.SCOPE_SCHOOL)


@login_required
@require_GET
def board_overview(request):
    """The bestuurder's overview of the board's schools (Cap.BOARD_OVERVIEW)."""
    return _overview(request, overviews.SCOPE_BOARD)
