"""The SWV overviews of the school and the board (swv.overviews, swv.overview_views, swv.charts): who reads them, what
they list, their chart and their fixed number of queries."""

import datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import panels
from accounts.access import capabilities
from accounts.models import Role
from swv import charts, overview_views, overviews
from swv.models import AdmissionDecision, LeadTime, SwvRequest
from tests.auth import login
from tests.factories import SchoolFactory, StudentFactory, member, parent_of

D = datetime.date
TODAY = D(2026, 9, 25)  # tests.conftest.CLOCK_ANCHOR
SCHOOL_URL = reverse("swv:overview_school")
BOARD_URL = reverse("swv:overview_board")


def tlv(student, ends_on, *, category=None, starts_on=D(2024, 8, 1), by, withdrawn=False, **fields):
    soort = student.onderwijssoort
    values = {"student": student, "kind": "tlv", "samenwerkingsverband": student.school.samenwerkingsverband,
              "decision_number": f"TLV-{student.pk}-{ends_on:%Y%m%d}", "decided_on": starts_on, "onderwijssoort": soort,
              "category": category if category is not None else ("midden" if soort in ("so", "vso") else ""),
              "starts_on": starts_on, "ends_on": ends_on, "recorded_by": by}
    if withdrawn:
        values |= {"withdrawn_at": timezone.now(), "withdrawn_by": by, "withdrawn_reason": "Vergissing"}
    return AdmissionDecision.objects.create(**(values | fields))


def request_for(student, *, kind="verlenging", state="ingediend", days_ago=10, by, extends=None):
    handed_in = timezone.now() - datetime.timedelta(days=days_ago) if state in ("ingediend", "toegekend") else None
    return SwvRequest.objects.create(student=student, kind=kind, state=state, extends=extends,
                                     samenwerkingsverband=student.school.samenwerkingsverband, created_by=by,
                                     handed_in_at=handed_in, channel="kindkans" if handed_in else "")


@pytest.fixture
def ov(clock, org, personas):
    """School A2 (vso, cluster 4) and an sbo school of board A, a pupil of school B's board; the schoolleider of A2."""
    a2 = org.school_a2
    sbo = SchoolFactory(board=org.board_a, name="SBO De Brug", brin="01AC", onderwijssoorten=["sbo"],
                        samenwerkingsverband=a2.samenwerkingsverband)
    vso_b = SchoolFactory(board=org.board_b, name="VSO B", brin="02BC", onderwijssoorten=["vso"], cluster=3)
    by = member(Role.BEGELEIDER, school=a2, username="begeleider_a2_ov")
    leider = member(Role.SCHOOLLEIDER, school=a2, username="schoolleider_a2")
    return SimpleNamespace(a2=a2, sbo=sbo, vso_b=vso_b, by=by, leider=leider)


def pupil(school, name, **fields):
    return StudentFactory(school=school, first_name=name, last_name="Testpersoon", **fields)


@pytest.fixture
def story(ov):
    """Seven pupils of school A2, each one case of the lists."""
    p = SimpleNamespace(
        soon=pupil(ov.a2, "Sanne"),  # ends within 3 months
        later=pupil(ov.a2, "Lars"),  # within 6, extension handed in
        far=pupil(ov.a2, "Fleur"),  # beyond 6 months
        none=pupil(ov.a2, "Noah"),  # no decision: a finding
        expired=pupil(ov.a2, "Eva"),  # expired: a finding
        extended=pupil(ov.a2, "Ties"),  # ends soon, but a longer TLV is recorded: not listed
        gone=pupil(ov.a2, "Gijs", left_on=D(2026, 9, 1)),  # left: not counted
    )
    tlv(p.soon, D(2026, 11, 30), category="hoog", by=ov.by)
    later = tlv(p.later, D(2027, 2, 15), category="laag", by=ov.by)
    request_for(p.later, by=ov.by, extends=later, days_ago=10)
    tlv(p.far, D(2027, 6, 1), by=ov.by)
    tlv(p.expired, D(2026, 8, 31), by=ov.by)
    tlv(p.extended, D(2026, 10, 31), by=ov.by)
    tlv(p.extended, D(2028, 7, 31), starts_on=D(2026, 11, 1), by=ov.by)
    tlv(p.gone, D(2026, 10, 15), by=ov.by)
    return p


def _names(rows, attr="student"):
    return {getattr(r, attr).first_name if attr == "student" else r.decision.student.first_name for r in rows}


def test_the_lists_of_a_school(ov, story):
    ids = [ov.a2.pk]
    six = overviews.ending_tlvs(ids, TODAY, overviews.add_months(TODAY, 6))
    assert [d.student.first_name for d in six] == ["Sanne", "Lars"]
    three = overviews.ending_tlvs(ids, TODAY, overviews.add_months(TODAY, 3))
    assert [d.student.first_name for d in three] == ["Sanne"]
    rows = {r.decision.student.first_name: r for r in overviews.ending_rows(six, TODAY)}
    assert rows["Sanne"].within_3 and not rows["Lars"].within_3
    assert rows["Lars"].open_request_label == "Verlenging van de TLV: ingediend bij het samenwerkingsverband"
    assert rows["Sanne"].open_request_label == ""
    # The default lead time (12 weeks before the end): Sanne's request was due on 7 September, and none is open.
    assert rows["Sanne"].request_due_on == D(2026, 9, 7) and rows["Sanne"].overdue
    pending = list(overviews.pending_requests(ids, TODAY))
    assert [r.student.first_name for r in pending] == ["Lars"]
    assert overviews.age_in_days(pending[0], TODAY) == 10
    found = {r.student.first_name: r.finding for r in overviews.findings(ids, TODAY)}
    assert found == {"Noah": "Geen geldige toelaatbaarheidsverklaring",
                     "Eva": "Toelaatbaarheidsverklaring verlopen op 31 augustus 2026"}


def test_the_lead_time_of_the_swv_gives_the_due_date(ov, story):
    LeadTime.objects.create(samenwerkingsverband=ov.a2.samenwerkingsverband, rule="vaste_datum", day=15, month=4)
    six = overviews.ending_tlvs([ov.a2.pk], TODAY, overviews.add_months(TODAY, 6))
    rows = {r.decision.student.first_name: r for r in overviews.ending_rows(six, TODAY)}
    assert rows["Sanne"].request_due_on == D(2026, 4, 15)
    assert rows["Lars"].request_due_on == D(2026, 4, 15) and not rows["Lars"].overdue  # its extension is handed in


def test_a_withdrawn_or_decided_request_is_not_pending(ov, story):
    SwvRequest.objects.filter(student=story.later).update(state="toegekend", decided_on=TODAY)
    assert not overviews.pending_requests([ov.a2.pk], TODAY).exists()
    six = overviews.ending_tlvs([ov.a2.pk], TODAY, overviews.add_months(TODAY, 6))
    assert {d.student.first_name: d.open_request_state for d in six} == {"Sanne": None, "Lars": None}


def test_the_schoolleider_reads_the_school_overview(client, ov, story):
    login(client, ov.leider)
    page = client.get(SCHOOL_URL)
    assert page.status_code == 200
    body = page.content.decode()
    for name in ("Sanne", "Lars", "Noah", "Eva"):
        assert name in body
    for name in ("Fleur", "Ties", "Gijs"):
        assert name not in body
    assert "10 dagen" in body and "via Kindkans" in body
    assert reverse("swv:pupil", args=[story.soon.pk]) in body
    # Within 3 months: Sanne only; Lars stays among the pending requests.
    three = client.get(SCHOOL_URL, {"termijn": "3"})
    assert [r.decision.student.first_name for r in three.context["ending_rows"]] == ["Sanne"]


def test_the_board_overview_covers_the_boards_schools(client, ov, story, personas):
    sbo_pupil = pupil(ov.sbo, "Daan", onderwijssoort="sbo")
    tlv(sbo_pupil, D(2026, 12, 31), by=ov.by)
    b_pupil = pupil(ov.vso_b, "Bente")
    tlv(b_pupil, D(2026, 12, 31), by=ov.by)
    login(client, personas.bestuurder_a)
    body = client.get(BOARD_URL).content.decode()
    assert "Daan" in body and "Sanne" in body and "Bente" not in body
    only_sbo = client.get(BOARD_URL, {"school": ov.sbo.pk})
    assert [r.decision.student.first_name for r in only_sbo.context["ending_rows"]] == ["Daan"]
    assert client.get(BOARD_URL, {"school": ov.vso_b.pk}).status_code == 404  # another board's school
    assert client.get(BOARD_URL, {"school": "x"}).status_code == 404
    login(client, personas.bestuurder_b)
    body = client.get(BOARD_URL).content.decode()
    assert "Bente" in body and "Daan" not in body and "Sanne" not in body


def test_who_may_not_read_the_overviews(client, ov, story, personas):
    assert client.get(SCHOOL_URL)["Location"].startswith("/accounts/login/")
    parent = parent_of(story.soon, username="ouder_sanne").user
    for user in (ov.by, personas.leerkracht_a, personas.beheerder_a, personas.outsider, personas.commissie_a2,
                 parent):
        login(client, user)
        assert client.get(SCHOOL_URL).status_code == 403, user
        assert client.get(BOARD_URL).status_code == 403, user
    login(client, ov.leider)
    assert client.get(BOARD_URL).status_code == 403
    assert client.get(SCHOOL_URL, {"school": ov.sbo.pk}).status_code == 404  # not the schoolleider's school
    assert client.post(SCHOOL_URL).status_code == 405
    login(client, personas.bestuurder_a)
    assert client.get(SCHOOL_URL).status_code == 403


def test_the_lists_are_paginated_each_on_its_own(client, ov, story, monkeypatch):
    monkeypatch.setattr(overview_views, "PAGE_SIZE", 1)
    login(client, ov.leider)
    first = client.get(SCHOOL_URL)
    assert first.context["ending_page"].paginator.num_pages == 2
    assert "pagina_afloop=2" in first.content.decode()
    second = client.get(SCHOOL_URL, {"pagina_afloop": "2", "pagina_bevindingen": "2"})
    assert [r.decision.student.first_name for r in second.context["ending_rows"]] == ["Lars"]
    assert [r.student.first_name for r in second.context["findings_page"].object_list] == ["Noah"]


def _build(ov, n):
    for i in range(n):
        p = pupil(ov.a2, f"Tim{i}")
        d = tlv(p, D(2026, 11, 1) + datetime.timedelta(days=i), by=ov.by)
        request_for(p, by=ov.by, extends=d)
        pupil(ov.a2, f"Zonder{i}")  # a finding
        LeadTime.objects.get_or_create(samenwerkingsverband=ov.a2.samenwerkingsverband,
                                       defaults={"rule": "weken", "weeks": 10})


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def test_the_query_count_does_not_grow_with_the_pupils(client, ov):
    login(client, ov.leider)
    _build(ov, 1)
    client.get(SCHOOL_URL)  # warm the session and the content types
    one, response = _queries(client, SCHOOL_URL)
    assert len(response.context["ending_rows"]) == 1
    _build(ov, 9)
    ten, response = _queries(client, SCHOOL_URL)
    assert len(response.context["ending_rows"]) == 10
    assert len(response.context["pending_rows"]) == 10
    assert response.context["findings_page"].paginator.count == 10
    assert one == ten


def test_the_chart_counts_tlvs_by_category_and_month(ov, story):
    months = overviews.chart_months([ov.a2.pk], TODAY)
    assert len(months) == 12 and months[0].month == D(2026, 9, 1) and months[-1].month == D(2027, 8, 1)
    by_month = {m.month: m.counts for m in months if m.total}
    assert by_month == {
        D(2026, 11, 1): {"laag": 0, "midden": 0, "hoog": 1, "": 0},
        D(2027, 2, 1): {"laag": 1, "midden": 0, "hoog": 0, "": 0},
        D(2027, 6, 1): {"laag": 0, "midden": 1, "hoog": 0, "": 0},
    }
    chart = charts.expiry_chart(months, "school")
    svg = str(chart.svg)
    assert '<title id="grafiek-school-tlv-afloop-title">' in svg and 'role="img"' in svg
    assert chart.headers[0] == "Maand" and chart.headers[-1] == "Totaal"
    assert ("november 2026", "0", "0", "1", "0", "1") in chart.rows
    assert len(chart.rows) == 12


def test_the_chart_and_its_table_on_the_page(client, ov, story):
    login(client, ov.leider)
    body = client.get(SCHOOL_URL).content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart"' in body
    assert "De waarden als tabel" in body and "<th scope=\"row\" class=\"fw-normal\">november 2026</th>" in body


def test_no_chart_without_ending_tlvs(client, ov):
    login(client, ov.leider)
    page = client.get(SCHOOL_URL)
    assert page.context["chart"] is None
    assert "Er lopen de komende twaalf maanden geen toelaatbaarheidsverklaringen af." in page.content.decode()


def test_the_start_page_panel(ov, story, personas):
    panel = overviews.panel(ov.leider, capabilities(ov.leider), TODAY)
    assert panel["summary"] == overviews.Summary(ending_3=1, ending_6=2, pending=1, findings=2)
    html = render_to_string("swv/overview_panel.html", {"panel": panel})
    assert SCHOOL_URL in html and BOARD_URL not in html
    assert "1 toelaatbaarheidsverklaring loopt binnen 3 maanden af" in html
    board = overviews.panel(personas.bestuurder_a, capabilities(personas.bestuurder_a), TODAY)
    assert board["scope"] == "bestuur" and BOARD_URL in render_to_string("swv/overview_panel.html", {"panel": board})
    for user in (ov.by, personas.leerkracht_a, personas.beheerder_a):
        assert overviews.panel(user, capabilities(user), TODAY) is None


def test_the_panel_on_the_start_page(client, ov, story, monkeypatch):
    """As SwvConfig.ready() registers it (the lead adds that line): the schoolleider's start page links the overview."""
    monkeypatch.setattr(panels, "_panels", dict(panels._panels))
    panels.register("swv", overviews.panel, order=45)
    login(client, ov.leider)
    body = client.get(reverse("staff_start")).content.decode()
    assert "Samenwerkingsverband: toelaatbaarheid" in body and SCHOOL_URL in body
    login(client, ov.by)
    assert SCHOOL_URL not in client.get(reverse("staff_start")).content.decode()


@pytest.mark.parametrize(("day", "months", "expected"), [
    (D(2026, 8, 31), 6, D(2027, 2, 28)), (D(2027, 8, 31), 6, D(2028, 2, 29)), (D(2026, 9, 25), 3, D(2026, 12, 25)),
    (D(2026, 11, 30), 3, D(2027, 2, 28)), (D(2026, 1, 31), 12, D(2027, 1, 31))])
def test_add_months(day, months, expected):
    assert overviews.add_months(day, months) == expected
