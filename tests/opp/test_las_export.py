"""The LAS export (opp.las_export): a school's OPP facts as a semicolon file for its pupil administration, which passes
them to DUO (ROD/BRON). Rows per pupil with a plan (running, ended, withdrawn), the dates of first and current
adoption in Amsterdam time, the uitstroomprofiel and LDGM of the adopted version only; a formula-safe CSV with a BOM
and the documented header; access for the school's begeleider and schoolleider only; the audit row; a constant
number of queries."""

from __future__ import annotations

import csv
import datetime
import io
import pathlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from audit.models import AuditEvent
from opp import las_export
from opp.models import Plan, PlanVersion
from tests.auth import login
from tests.conftest import AMS
from tests.factories import PlanFactory, PlanVersionFactory, StudentFactory, approved_membership

NOW = datetime.datetime(2027, 3, 20, 10, 0, tzinfo=AMS)
pytestmark = [pytest.mark.clock(NOW), pytest.mark.usefixtures("clock")]

DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs" / "las-export.md"


def _plan(student, *, by, started: datetime.datetime) -> Plan:
    plan = PlanFactory(student=student, created_by=by)
    Plan.objects.filter(pk=plan.pk).update(created_at=started)
    plan.created_at = started
    return plan


def _adopt(plan, *, at: datetime.datetime, **fields) -> PlanVersion:
    """A further adopted version of `plan`; the one adopted before it is superseded (as the adoption service does)."""
    PlanVersion.objects.filter(plan=plan, state="vastgesteld").update(state="vervangen", superseded_at=at)
    return PlanVersionFactory(plan=plan, adopted=True, adopted__at=at, **fields)


def _end(plan, *, state: str, on: datetime.date) -> None:
    Plan.objects.filter(pk=plan.pk).update(state=state, ended_on=on, end_reason="Vertrouwelijke toelichting")


@pytest.fixture
def pupils(org, personas):
    by = personas.begeleider_a
    result = {"none": StudentFactory(school=org.school_a, last_name="Zonder", pupil_number="1001")}

    draft = StudentFactory(school=org.school_a, last_name="Concept", pupil_number="1002")
    PlanVersionFactory(plan=_plan(draft, by=by, started=datetime.datetime(2027, 1, 11, 9, tzinfo=AMS)),
                       uitstroom_profiel="havo")
    result["draft"] = draft

    twice = StudentFactory(school=org.school_a, last_name="Tweemaal", pupil_number="1003")
    plan = _plan(twice, by=by, started=datetime.datetime(2026, 9, 1, 9, tzinfo=AMS))
    # Half past midnight in Amsterdam on 7 October is still the 6th in UTC: the file names the Amsterdam day.
    _adopt(plan, at=datetime.datetime(2026, 10, 7, 0, 30, tzinfo=AMS), uitstroom_profiel="vmbo_bb")
    _adopt(plan, at=datetime.datetime(2027, 3, 15, 14, 0, tzinfo=AMS), uitstroom_profiel="vmbo_kb")
    PlanVersionFactory(plan=plan, uitstroom_profiel="havo")  # an open revision: not passed on
    result["twice"] = twice

    ended = StudentFactory(school=org.school_a, last_name="Klaar", pupil_number="1004")
    old = _plan(ended, by=by, started=datetime.datetime(2025, 9, 1, 9, tzinfo=AMS))
    _adopt(old, at=datetime.datetime(2025, 10, 1, 10, tzinfo=AMS), uitstroom_profiel="vmbo_kb")
    _end(old, state="beeindigd", on=datetime.date(2026, 7, 10))
    result["ended"] = ended

    withdrawn = StudentFactory(school=org.school_a, last_name="Ingetrokken", pupil_number="1005")
    _end(_plan(withdrawn, by=by, started=datetime.datetime(2026, 11, 2, 9, tzinfo=AMS)), state="ingetrokken",
         on=datetime.date(2026, 12, 1))
    result["withdrawn"] = withdrawn

    vso = StudentFactory(school=org.school_a2, last_name="Vso", pupil_number="2001")
    _adopt(_plan(vso, by=by, started=datetime.datetime(2026, 9, 7, 9, tzinfo=AMS)),
           at=datetime.datetime(2026, 10, 12, 11, tzinfo=AMS), uitstroom_profiel="mbo_2", ldgm_leerroute="6",
           ldgm_bestemming="mbo_2")
    result["vso"] = vso
    return result


def _by_number(school):
    return {r.leerlingnummer: r for r in las_export.rows(school)}


# --- Rows ----------------------------------------------------------------------------------------------------------


def test_a_pupil_without_any_plan_is_not_in_the_file_and_another_schools_pupil_neither(org, pupils):
    numbers = set(_by_number(org.school_a))
    assert numbers == {"1002", "1003", "1004", "1005"}
    assert set(_by_number(org.school_a2)) == {"2001"}


def test_a_plan_not_yet_adopted_has_its_start_date_and_nothing_decided(org, pupils):
    row = _by_number(org.school_a)["1002"]
    assert row.achternaam == "Concept" and row.voornaam == pupils["draft"].first_name
    assert row.onderwijssoort == "bao"
    assert row.opp_startdatum == datetime.date(2027, 1, 11)
    assert (row.datum_eerste_vaststelling, row.vastgestelde_versie, row.datum_vaststelling) == (None, None, None)
    assert row.uitstroomprofiel == "" and row.uitstroomprofiel_omschrijving == ""  # the draft's "havo" is not decided
    assert (row.einddatum, row.reden_einde) == (None, "")


def test_adopted_twice_gives_the_first_adoption_day_and_the_current_version(org, pupils):
    row = _by_number(org.school_a)["1003"]
    assert row.opp_startdatum == datetime.date(2026, 9, 1)
    assert row.datum_eerste_vaststelling == datetime.date(2026, 10, 7)  # the Amsterdam day, not UTC's
    assert row.vastgestelde_versie == 2
    assert row.datum_vaststelling == datetime.date(2027, 3, 15)
    # From the version in force, not from the first one nor from the open revision.
    assert (row.uitstroomprofiel, row.uitstroomprofiel_omschrijving) == ("vmbo_kb", "Vmbo kaderberoepsgerichte leerweg")


def test_an_ended_and_a_withdrawn_plan_have_their_end_date_and_kind_but_not_the_reason_text(org, pupils):
    rows = _by_number(org.school_a)
    ended, withdrawn = rows["1004"], rows["1005"]
    assert (ended.einddatum, ended.reden_einde) == (datetime.date(2026, 7, 10), "beeindigd")
    assert ended.vastgestelde_versie == 1 and ended.datum_vaststelling == datetime.date(2025, 10, 1)
    assert (withdrawn.einddatum, withdrawn.reden_einde) == (datetime.date(2026, 12, 1), "ingetrokken")
    assert "Vertrouwelijke" not in las_export.to_csv(list(rows.values())).decode("utf-8")


def test_the_newest_plan_of_a_pupil_is_the_one_described(org, pupils, personas):
    student = pupils["ended"]
    _plan(student, by=personas.begeleider_a, started=datetime.datetime(2027, 2, 1, 9, tzinfo=AMS))
    row = _by_number(org.school_a)["1004"]
    assert row.opp_startdatum == datetime.date(2027, 2, 1)
    assert (row.einddatum, row.reden_einde, row.vastgestelde_versie) == (None, "", None)


def test_a_vso_pupil_has_the_uitstroomprofiel_and_the_ldgm_fields(org, pupils):
    row = _by_number(org.school_a2)["2001"]
    assert row.onderwijssoort == "vso"
    assert (row.uitstroomprofiel, row.uitstroomprofiel_omschrijving) == ("mbo_2", "Vervolgonderwijs: mbo niveau 2")
    assert (row.ldgm_leerroute, row.ldgm_bestemming, row.ldgm_bestemming_omschrijving) == ("6", "mbo_2", "Mbo niveau 2")
    assert row.ldgm_uitstroomprofiel == "vervolgonderwijs"
    assert row.datum_eerste_vaststelling == row.datum_vaststelling == datetime.date(2026, 10, 12)


# --- The file ------------------------------------------------------------------------------------------------------


def _parse(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_the_file_has_a_bom_semicolons_the_documented_header_and_iso_dates(org, pupils):
    data = las_export.to_csv(las_export.rows(org.school_a))
    assert data.startswith("\ufeff".encode())
    lines = _parse(data)
    assert lines[0] == list(las_export.HEADER)
    assert lines[0][:4] == ["Leerlingnummer", "Achternaam", "Voornaam", "Onderwijssoort"]
    assert data.decode("utf-8").splitlines()[0].count(";") == len(las_export.HEADER) - 1
    twice = next(line for line in lines if line[0] == "1003")
    assert dict(zip(lines[0], twice, strict=True)) == {
        "Leerlingnummer": "1003", "Achternaam": "Tweemaal", "Voornaam": pupils["twice"].first_name,
        "Onderwijssoort": "bao", "OPP startdatum": "2026-09-01", "Datum eerste vaststelling": "2026-10-07", "Vastgestelde versie": "2",
        "Datum vaststelling": "2027-03-15", "Einddatum OPP": "", "Reden einde": "",
        "Uitstroomprofiel": "vmbo_kb", "Uitstroomprofiel omschrijving": "Vmbo kaderberoepsgerichte leerweg",
        "LDGM leerroute": "", "LDGM bestemming": "", "LDGM bestemming omschrijving": "", "LDGM uitstroomprofiel": "",
    }


def test_a_name_that_a_spreadsheet_would_run_is_defused(org, personas):
    student = StudentFactory(school=org.school_a, last_name="=HYPERLINK(\"http://x\")", first_name="+Jan",
                             pupil_number="3001")
    _plan(student, by=personas.begeleider_a, started=datetime.datetime(2027, 1, 4, 9, tzinfo=AMS))
    line = _parse(las_export.to_csv(las_export.rows(org.school_a)))[1]
    assert line[1] == "'=HYPERLINK(\"http://x\")" and line[2] == "'+Jan"


def test_the_file_is_dutch_whatever_the_users_language(org, pupils):
    with translation.override("en"):
        row = _by_number(org.school_a)["1003"]
    assert row.uitstroomprofiel_omschrijving == "Vmbo kaderberoepsgerichte leerweg"


def test_the_docs_describe_every_column_under_its_exact_name_in_order():
    text = DOCS.read_text(encoding="utf-8")
    positions = [text.find(f"`{name}`") for name in las_export.HEADER]
    assert -1 not in positions, [n for n, p in zip(las_export.HEADER, positions, strict=True) if p == -1]
    assert positions == sorted(positions)
    assert "niet bevestigd" in text


# --- Access, audit ---------------------------------------------------------------------------------------------------


def _urls(school):
    return reverse("opp:las_export", args=[school.pk]), reverse("opp:las_export_csv", args=[school.pk])


@pytest.mark.parametrize("who", ["begeleider_a", "schoolleider_a"])
def test_the_schools_begeleider_and_schoolleider_get_the_page_and_the_file(client, org, personas, pupils, who):
    login(client, getattr(personas, who))
    page_url, csv_url = _urls(org.school_a)
    page = client.get(page_url, secure=True)
    assert page.status_code == 200
    body = page.content.decode()
    assert csv_url in body and "Datum eerste vaststelling" in body and "4 leerlingen" in body
    download = client.get(csv_url, secure=True)
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    assert download["Content-Disposition"] == 'attachment; filename="opp-las-export-01AA-2027-03-20.csv"'
    assert "no-store" in download["Cache-Control"]
    assert [line[0] for line in _parse(download.content)[1:]] == ["1002", "1005", "1004", "1003"]  # by name


@pytest.mark.parametrize("who", ["leerkracht_a", "bestuurder_a", "commissie_a2"])
def test_who_only_reads_the_schools_plans_is_refused(client, org, personas, who):
    login(client, getattr(personas, who))
    school = org.school_a2 if who == "commissie_a2" else org.school_a
    for url in _urls(school):
        assert client.get(url, secure=True).status_code == 403
    assert not AuditEvent.objects.filter(action="export").exists()


@pytest.mark.parametrize("who", ["begeleider_b", "bestuurder_b", "beheerder_a", "outsider"])
def test_another_schools_staff_and_outsiders_do_not_see_the_school(client, org, personas, who):
    login(client, getattr(personas, who))
    for url in _urls(org.school_a):
        assert client.get(url, secure=True).status_code == 404


def test_an_unknown_school_is_not_found(client, personas):
    login(client, personas.begeleider_a)
    assert client.get(reverse("opp:las_export_csv", args=[999999]), secure=True).status_code == 404


def test_anonymous_goes_to_the_login(client, org):
    for url in _urls(org.school_a):
        response = client.get(url, secure=True)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_download_is_audited_with_the_count_and_no_names(client, org, personas, pupils):
    login(client, personas.schoolleider_a)
    client.get(_urls(org.school_a)[0], secure=True)
    assert not AuditEvent.objects.filter(action="export").exists()  # the page alone exports nothing
    client.get(_urls(org.school_a)[1], secure=True)
    event = AuditEvent.objects.get(action="export")
    assert event.actor == personas.schoolleider_a and event.school == org.school_a
    assert event.details == {"export": "las", "count": 4}
    text = str(event.details) + event.object_type + event.object_id
    for student in pupils.values():
        assert student.last_name not in text and student.first_name not in text


def test_a_post_is_not_allowed(client, org, personas):
    login(client, personas.begeleider_a)
    for url in _urls(org.school_a):
        assert client.post(url, secure=True).status_code == 405


def test_the_page_offers_the_users_other_schools(client, org, personas):
    approved_membership(personas.begeleider_a, "begeleider", school=org.school_a2)
    login(client, personas.begeleider_a)
    body = client.get(_urls(org.school_a)[0], secure=True).content.decode()
    assert reverse("opp:las_export", args=[org.school_a2.pk]) in body
    assert reverse("opp:las_export", args=[org.school_b.pk]) not in body


# --- Queries ---------------------------------------------------------------------------------------------------------


def _school_with(org, personas, n: int):
    by = personas.begeleider_a
    for i in range(n):
        plan = _plan(StudentFactory(school=org.school_a), by=by, started=datetime.datetime(2026, 9, 1, 9, tzinfo=AMS))
        _adopt(plan, at=datetime.datetime(2026, 10, 1, 10, tzinfo=AMS), ldgm_bestemming="mbo_2")
        _adopt(plan, at=datetime.datetime(2027, 1, 5, 10, tzinfo=AMS))
        PlanVersionFactory(plan=plan)
        if i % 2:
            _end(plan, state="beeindigd", on=datetime.date(2027, 2, 1))
            _plan(plan.student, by=by, started=datetime.datetime(2027, 2, 2, 9, tzinfo=AMS))


def _queries(org) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        count = len(las_export.to_csv(las_export.rows(org.school_a)).splitlines())
    return len(captured), count


def test_the_number_of_queries_does_not_grow_with_pupils_plans_or_versions(org, personas):
    _school_with(org, personas, 1)
    few, lines = _queries(org)
    assert lines == 2
    _school_with(org, personas, 9)
    many, lines = _queries(org)
    assert lines == 11
    assert few == many == 3
