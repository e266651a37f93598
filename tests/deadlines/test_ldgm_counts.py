"""The board and school overviews count the sbo/so/vso pupils per leerroute and expected uitstroombestemming of the
Landelijk Doelgroepenmodel (opp.ldgm, *(practice)*), against where the pupils who left went (Student.destination):
aggregated in the database, a fixed number of queries."""

import datetime
import zoneinfo

import pytest
from django.test import Client
from django.urls import reverse

from deadlines import panels, selectors
from opp.models import PlanVersion
from tests.auth import login
from tests.factories import PlanFactory, PlanVersionFactory, StudentFactory

TZ = zoneinfo.ZoneInfo("Europe/Amsterdam")
NOON = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=TZ)
TODAY = NOON.date()
pytestmark = [pytest.mark.clock(NOON), pytest.mark.usefixtures("clock")]


def vso_plan(school, *, route="", bestemming="", adopted=False, revision=None, left_on=None):
    student = StudentFactory(school=school, onderwijssoort="vso", support_level="extra", left_on=left_on)
    plan = PlanFactory(student=student)
    version = PlanVersionFactory(plan=plan, ldgm_leerroute=route, ldgm_bestemming=bestemming, adopted=adopted)
    if revision is not None:  # an open revision names another expectation: the latest version counts
        PlanVersionFactory(plan=plan, based_on=version, ldgm_leerroute=revision[0], ldgm_bestemming=revision[1])
    return version


def left(school, destination, on=datetime.date(2026, 7, 1), soort="vso"):
    return StudentFactory(school=school, onderwijssoort=soort, left_on=on, destination=destination,
                          enrolled_on=datetime.date(2021, 8, 20))


def populate(org, n):
    for i in range(n):
        vso_plan(org.school_a2, route=("3", "4", "6")[i % 3],
                 bestemming=("dagbesteding_arbeidsmatig", "arbeid_begeleid", "mbo_2")[i % 3])
        left(org.school_a2, ("arbeid_begeleid", "mbo_1", "")[i % 3])


def test_expected_against_actual_per_bestemming_and_leerroute(org, personas):
    vso_plan(org.school_a2, route="4", bestemming="arbeid_begeleid", adopted=True)
    vso_plan(org.school_a2, route="4", bestemming="arbeid_begeleid", adopted=True, revision=("3", "arbeid_beschut"))
    vso_plan(org.school_a2, route="6", bestemming="mbo_2")
    vso_plan(org.school_a2)  # no leerroute yet
    vso_plan(org.school_a2, route="7", bestemming="havo", left_on=datetime.date(2026, 10, 1))  # left: not running
    left(org.school_a2, "arbeid_begeleid")
    left(org.school_a2, "mbo_1", on=datetime.date(2025, 8, 1))  # the first day of last school year: counts
    left(org.school_a2, "mbo_2", on=datetime.date(2025, 7, 31))  # before last school year: does not
    left(org.school_a, "vmbo_kb", soort="bao")  # a regular school: not in the model
    left(org.school_b, "arbeid_regulier")  # another board

    overview = selectors.board_overview(personas.bestuurder_a, TODAY)["ldgm"]

    rows = {r.key: (r.expected, r.actual) for r in overview["rows"]}
    assert rows == {"arbeid_beschut": (1, 0), "arbeid_begeleid": (1, 1), "mbo_1": (0, 1), "mbo_2": (1, 0)}
    assert {p.key: (p.expected, p.actual) for p in overview["profielen"]} == {"arbeid": (2, 1), "vervolgonderwijs": (1, 1)}
    assert dict(overview["leerroutes"])["Leerroute 4 – arbeid"] == 1
    assert [n for _label, n in overview["leerroutes"]] == [0, 0, 1, 1, 0, 1, 0]
    assert (overview["no_route"], overview["no_bestemming"], overview["plans"]) == (1, 1, 4)
    # The pupil who left in October without a recorded destination counts as left, under "niet vastgelegd".
    assert (overview["left"], overview["no_destination"]) == (3, 1)
    assert overview["since"] == datetime.date(2025, 8, 1)


def test_no_sbo_so_or_vso_pupil_no_table(org, personas):
    left(org.school_a, "vmbo_kb", soort="bao")
    assert selectors.board_overview(personas.bestuurder_a, TODAY)["ldgm"] is None
    assert panels.ldgm_chart(None, "bestuur") is None


def test_the_count_takes_two_queries_however_many_pupils(org, personas, django_assert_max_num_queries):
    schools = [org.school_a, org.school_a2]
    populate(org, 3)
    with django_assert_max_num_queries(2):
        small = selectors.ldgm_overview(schools, TODAY)
    populate(org, 30)
    with django_assert_max_num_queries(2):
        large = selectors.ldgm_overview(schools, TODAY)
    assert (small["plans"], large["plans"]) == (3, 33)
    assert PlanVersion.objects.count() == 33


def test_the_board_page_shows_the_table_and_the_chart(org, personas):
    populate(org, 3)
    client = Client()
    login(client, personas.bestuurder_a)
    page = client.get(reverse("staff_start")).content.decode()
    assert "Doelgroepenmodel: verwachte en werkelijke uitstroom" in page
    assert 'id="grafiek-bestuur-doelgroepenmodel"' in page
    assert "Arbeid met ondersteuning (banenafspraak, begeleid werk)" in page
