"""The pupil list: Dutch sorting, the OPP-status column, pupils who left, the CSV export, print, and the leerkracht
who reads only their own groups (need to know) — also on the start page."""

import csv
import datetime
import importlib
import io

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.urls import reverse

from accounts.models import Membership, Role
from audit.models import AuditEvent
from opp.models import ConsentRequest, Plan
from students import names, pupil_csv, services
from students.models import Student
from tests.factories import PlanFactory, PlanVersionFactory, StudentFactory, member

pytestmark = pytest.mark.usefixtures("clock")  # 25 September 2026 (tests/conftest.py CLOCK_ANCHOR)
TODAY = datetime.date(2026, 9, 25)


def _listed(client, **params):
    return [row["student"].last_name for row in client.get(reverse("students:list"), params).context["rows"]]


# --- Dutch sorting ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("surname", "key"), [
    ("de Wit", "wit de"),
    ("van den Berg", "berg van den"),
    ("Van Den Berg", "berg van den"),
    ("Berg, van den", "berg van den"),
    ("in 't Veld", "veld in 't"),
    ("d'Ancona", "ancona d'"),
    ("Öztürk", "ozturk"),
    ("Jansen", "jansen"),
    ("Van", "van"),  # only a tussenvoegsel: it is the name itself
    ("ter Haar Romeny", "haar romeny ter"),
])
def test_the_sort_key_is_the_surnames_main_part_without_case_or_accents(surname, key):
    assert names.sort_key(surname) == key


def test_the_list_name_puts_the_tussenvoegsel_after_the_first_name():
    assert names.list_name("Jan", "van den Berg") == "Berg, Jan van den"
    assert names.list_name("Eva", "de Wit") == "Wit, Eva de"
    assert names.list_name("Sanne", "Jansen") == "Jansen, Sanne"


def test_save_keeps_the_sort_key_in_step_also_with_update_fields(org):
    pupil = StudentFactory(school=org.school_a, last_name="de Wit")
    assert Student.objects.get(pk=pupil.pk).name_sort_key == "wit de"
    pupil.last_name = "van Dam"
    pupil.save(update_fields=["last_name"])
    assert Student.objects.get(pk=pupil.pk).name_sort_key == "dam van"


def test_the_services_and_so_the_csv_import_keep_the_sort_key(org, personas):
    """The CSV import writes through services.student_create/student_update (no bulk path that skips save())."""
    pupil = StudentFactory(school=org.school_a, last_name="Visser")
    services.student_update(actor=personas.begeleider_a, student=pupil, data={"last_name": "van der Veen"},
                            today=TODAY)
    assert Student.objects.get(pk=pupil.pk).name_sort_key == "veen van der"


def test_the_migration_fills_the_key_of_existing_pupils(org):
    pupil = StudentFactory(school=org.school_a, last_name="van den Berg")
    Student.objects.filter(pk=pupil.pk).update(name_sort_key="")
    migration = importlib.import_module("students.migrations.0005_student_name_sort_key")
    migration.fill_sort_keys(django_apps, None)
    assert Student.objects.get(pk=pupil.pk).name_sort_key == "berg van den"


def test_the_list_sorts_dutch_names_on_their_main_part(client, personas, org):
    for last in ("Visser", "de Wit", "Bakker", "van den Berg", "Willems", "berg"):
        StudentFactory(school=org.school_a, last_name=last, first_name="Kim")
    client.force_login(personas.begeleider_a)
    assert _listed(client) == ["Bakker", "berg", "van den Berg", "Visser", "Willems", "de Wit"]
    assert _listed(client, sorteer="-naam") == ["de Wit", "Willems", "Visser", "van den Berg", "berg", "Bakker"]
    page = client.get(reverse("students:list")).content.decode()
    assert "Berg, Kim van den" in page and "Wit, Kim de" in page


# --- Pupils who left ------------------------------------------------------------------------------------------


def test_pupils_who_left_are_hidden_unless_asked_for(client, personas, org):
    StudentFactory(school=org.school_a, last_name="Blijft")
    StudentFactory(school=org.school_a, last_name="Vertrokken", enrolled_on=datetime.date(2020, 8, 20),
                   left_on=datetime.date(2026, 7, 10))
    StudentFactory(school=org.school_a, last_name="Gaatweg", left_on=datetime.date(2026, 12, 20))  # still here
    client.force_login(personas.begeleider_a)
    assert _listed(client) == ["Blijft", "Gaatweg"]
    assert _listed(client, vertrokken="1") == ["Blijft", "Gaatweg", "Vertrokken"]
    assert _listed(client, termijn="uitgeschreven") == ["Vertrokken"]
    page = client.get(reverse("students:list")).content.decode()
    assert "ook vertrokken leerlingen tonen" in page and 'name="vertrokken"' in page


# --- The OPP-status column ----------------------------------------------------------------------------------------


def _pupils_in_every_state(school, by):
    made = {}
    made["geen"] = StudentFactory(school=school, last_name="Geen")
    made["nodig"] = StudentFactory(school=school, last_name="Nodig", opp_required=True)
    made["concept"] = StudentFactory(school=school, last_name="Concept", opp_required=True)
    PlanVersionFactory(plan=PlanFactory(student=made["concept"], created_by=by), with_actions=1)
    made["gevraagd"] = StudentFactory(school=school, last_name="Gevraagd", opp_required=True)
    PlanVersionFactory(plan=PlanFactory(student=made["gevraagd"], created_by=by), state="instemming_gevraagd",
                       with_actions=1)
    made["vast"] = StudentFactory(school=school, last_name="Vast", opp_required=True)
    PlanVersionFactory(plan=PlanFactory(student=made["vast"], created_by=by), with_actions=1, adopted=True)
    made["bijstelling"] = StudentFactory(school=school, last_name="Bijstelling", opp_required=True)
    v1 = PlanVersionFactory(plan=PlanFactory(student=made["bijstelling"], created_by=by), with_actions=1, adopted=True)
    PlanVersionFactory(plan=v1.plan, based_on=v1, state="in_overleg", with_actions=1)
    made["eind"] = StudentFactory(school=school, last_name="Eind")
    PlanFactory(student=made["eind"], created_by=by, state=Plan.State.BEEINDIGD, ended_on=datetime.date(2026, 7, 1))
    return made


def test_the_list_shows_where_each_pupils_opp_stands(client, personas, org):
    _pupils_in_every_state(org.school_a, personas.begeleider_a)
    client.force_login(personas.begeleider_a)
    rows = client.get(reverse("students:list")).context["rows"]
    status = {row["student"].last_name: row["opp_status"] for row in rows}
    assert status == {
        "Geen": "geen OPP nodig", "Nodig": "OPP nodig, nog niet gestart", "Concept": "concept",
        "Gevraagd": "instemming gevraagd", "Vast": "vastgesteld", "Bijstelling": "vastgesteld, bijstelling in voorbereiding",
        "Eind": "beëindigd",
    }
    assert _listed(client, oppstatus="vastgesteld") == ["Vast"]


def test_given_consent_reads_as_given(client, personas, org):
    pupil = StudentFactory(school=org.school_a, last_name="Gegeven", opp_required=True)
    version = PlanVersionFactory(plan=PlanFactory(student=pupil, created_by=personas.begeleider_a),
                                 state="instemming_gevraagd", with_actions=1)
    ConsentRequest.objects.create(version=version, requested_by=personas.begeleider_a, state="gegeven",
                                  handelingsdeel_hash=version.handelingsdeel_hash())
    client.force_login(personas.begeleider_a)
    assert client.get(reverse("students:list")).context["rows"][0]["opp_status"] == "instemming gegeven"


def _list_queries(client, django_assert_max_num_queries, n):
    with django_assert_max_num_queries(n) as ctx:
        assert client.get(reverse("students:list"), {"vertrokken": "1"}).status_code == 200
    return len(ctx.captured_queries)


def test_the_status_column_costs_no_query_per_pupil(client, personas, org, django_assert_max_num_queries):
    client.force_login(personas.begeleider_a)
    _pupils_in_every_state(org.school_a, personas.begeleider_a)
    few = _list_queries(client, django_assert_max_num_queries, 20)
    for n in range(18):  # a full page (25) of pupils in every state
        pupil = StudentFactory(school=org.school_a, last_name=f"Extra{n}", opp_required=True)
        PlanVersionFactory(plan=PlanFactory(student=pupil, created_by=personas.begeleider_a), with_actions=1,
                           adopted=n % 2 == 0)
    assert _list_queries(client, django_assert_max_num_queries, 20) == few


# --- CSV export ---------------------------------------------------------------------------------------------------


def _csv(response):
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


def test_the_export_streams_the_filtered_sorted_list_as_safe_csv(client, personas, org):
    StudentFactory(school=org.school_a, last_name="de Wit", first_name="=HYPERLINK(\"http://x\")", group_name="5",
                   date_of_birth=datetime.date(2017, 3, 4), pupil_number="@123")
    StudentFactory(school=org.school_a, last_name="Bakker", first_name="+Bo", group_name="5")
    StudentFactory(school=org.school_a, last_name="Anders", group_name="6")
    client.force_login(personas.begeleider_a)
    page = client.get(reverse("students:list"), {"groep": "5"}).content.decode()
    assert f'{reverse("students:export")}?groep=5' in page and "Exporteren als CSV" in page
    response = client.get(reverse("students:export"), {"groep": "5"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    rows = _csv(response)
    assert rows[0][:4] == ["Achternaam", "Voornaam", "Leerlingnummer", "Groep/klas"]
    assert "Geboortedatum (jjjj-mm-dd)" in rows[0] and "OPP-status" in rows[0]
    assert [r[0] for r in rows[1:]] == ["Bakker", "de Wit"]  # group 5 only, Dutch order
    wit = rows[2]
    assert wit[1] == "'=HYPERLINK(\"http://x\")" and wit[2] == "'@123" and rows[1][1] == "'+Bo"
    assert "2017-03-04" in wit and "geen OPP nodig" in wit


def test_the_export_is_audited_once_with_count_and_filters(client, personas, org):
    for n in range(3):
        StudentFactory(school=org.school_a, last_name=f"Kind{n}", group_name="5")
    client.force_login(personas.begeleider_a)
    b"".join(client.get(reverse("students:export"), {"groep": "5", "sorteer": "-naam"}).streaming_content)
    row = AuditEvent.objects.get(action="export")
    assert row.school_id == org.school_a.pk and row.actor == personas.begeleider_a
    assert row.details["count"] == 3 and row.details["filters"]["group"] == "5"


def test_the_export_holds_only_what_the_user_may_see(client, personas, org):
    StudentFactory(school=org.school_a, last_name="Eigen", group_name="4a")
    StudentFactory(school=org.school_a, last_name="Anderegroep", group_name="6")
    StudentFactory(school=org.school_b, last_name="Andereschool", group_name="4a")
    client.force_login(personas.leerkracht_a)  # the leerkracht of group 4a
    names_in_file = [r[0] for r in _csv(client.get(reverse("students:export")))[1:]]
    assert names_in_file == ["Eigen"]
    client.force_login(personas.bestuurder_a)  # the board reads plans, not the register
    assert client.get(reverse("students:export")).status_code == 403


def test_safe_cell_defuses_every_formula_start():
    for text in ("=1+1", "+31", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert pupil_csv.safe_cell(text) == "'" + text
    assert pupil_csv.safe_cell("Jansen") == "Jansen"
    assert pupil_csv.safe_cell(datetime.date(2026, 1, 2)) == "2026-01-02"


# --- Print -------------------------------------------------------------------------------------------------------


def test_every_page_links_the_print_stylesheet(client, personas):
    client.force_login(personas.begeleider_a)
    page = client.get(reverse("students:list")).content.decode()
    assert 'css/print.css" media="print"' in page
    css = (settings.BASE_DIR / "static" / "css" / "print.css").read_text()
    assert "@media print" in css and "break-inside: avoid" in css and "nav" in css


# --- The leerkracht reads only their own groups ------------------------------------------------------------------


def test_a_leerkracht_lists_only_the_pupils_of_their_groups(client, org):
    own = StudentFactory(school=org.school_a, last_name="Groepvijf", group_name="5")
    other = StudentFactory(school=org.school_a, last_name="Groepzes", group_name="6")
    teacher = member(Role.LEERKRACHT, school=org.school_a, username="juf_5", groups=["5"])
    client.force_login(teacher)
    assert _listed(client) == ["Groepvijf"]
    assert client.get(reverse("students:detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("students:detail", args=[other.pk])).status_code == 404


def test_a_leerkracht_without_groups_reads_no_pupils_and_is_told(client, org):
    pupil = StudentFactory(school=org.school_a, last_name="Niemand", group_name="5")
    teacher = member(Role.LEERKRACHT, school=org.school_a, username="juf_zonder_groep")
    client.force_login(teacher)
    response = client.get(reverse("students:list"))
    assert [row["student"] for row in response.context["rows"]] == []
    assert "nog geen groepen of klassen" in response.content.decode()
    assert client.get(reverse("students:detail", args=[pupil.pk])).status_code == 404
    start = client.get(reverse("staff_start")).content.decode()
    assert "nog geen groepen of klassen" in start


def _adopted_for(student, by):
    """An adopted version with one goal (the factory numbers the goals: each pupil's own text)."""
    version = PlanVersionFactory(plan=PlanFactory(student=student, created_by=by), with_actions=1, adopted=True)
    return version, version.actions.get().goal


def test_the_leerkrachts_start_page_lists_their_pupils_with_the_adopted_goals(client, org, personas):
    teacher = member(Role.LEERKRACHT, school=org.school_a, username="juf_5", groups=["5"])
    by = personas.begeleider_a
    version, goal = _adopted_for(
        StudentFactory(school=org.school_a, last_name="van Dijk", first_name="Mila", group_name="5"), by)
    _other, other_goal = _adopted_for(StudentFactory(school=org.school_a, last_name="Zesje", group_name="6"), by)
    StudentFactory(school=org.school_a, last_name="Zonderopp", group_name="5")
    client.force_login(teacher)
    page = client.get(reverse("staff_start")).content.decode()
    assert "Mijn leerlingen met een OPP" in page
    assert "Dijk, Mila van" in page and goal in page
    assert reverse("opp:version", args=[version.pk]) in page
    assert "Zesje" not in page and other_goal not in page and "Zonderopp" not in page
    row = AuditEvent.objects.get(action="view", details__page="start")
    assert row.details["versions"] == [version.pk] and row.school_id == org.school_a.pk


def test_the_leerkracht_panel_costs_no_query_per_pupil(client, org, personas, django_assert_max_num_queries):
    teacher = member(Role.LEERKRACHT, school=org.school_a, username="juf_5", groups=["5"])
    client.force_login(teacher)

    def queries():
        with django_assert_max_num_queries(40) as ctx:
            client.get(reverse("staff_start"))
        return len(ctx.captured_queries)

    _adopted_for(StudentFactory(school=org.school_a, group_name="5"), personas.begeleider_a)
    few = queries()
    for _n in range(10):
        _adopted_for(StudentFactory(school=org.school_a, group_name="5"), personas.begeleider_a)
    assert queries() == few


def test_other_roles_have_no_leerkracht_panel(client, personas):
    client.force_login(personas.begeleider_a)
    assert "Mijn leerlingen met een OPP" not in client.get(reverse("staff_start")).content.decode()


def test_groups_belong_to_a_leerkracht_only(org):
    membership = Membership(user=member(Role.BEGELEIDER, school=org.school_b), role=Role.BEGELEIDER,
                            school=org.school_a, groups=["5"])
    membership.clean()
    assert membership.groups == []
    teacher = Membership(role=Role.LEERKRACHT, school=org.school_a, groups=[" 5 ", "", "5", "6a"])
    teacher.clean()
    assert teacher.groups == ["5", "6a"]
