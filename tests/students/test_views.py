"""Pupil screens: scoping (404 outside the school, 403 for read-only), audit, query counts, bad input."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from audit.models import AuditEvent
from students import services
from students.models import GuardianLink, PlacementEvent, Student
from tests.factories import GuardianFactory, PlacementEventFactory, StudentFactory

TODAY = datetime.date(2026, 11, 28)


@pytest.fixture
def pupil_a(org):
    return StudentFactory(school=org.school_a, first_name="Anna", last_name="Alfa", pupil_number="A1")


@pytest.fixture
def pupil_urls(pupil_a):
    link = GuardianLink.objects.create(student=pupil_a, guardian=GuardianFactory(school=pupil_a.school))
    event = PlacementEventFactory(student=pupil_a)
    pk = pupil_a.pk
    return {
        "detail": ("GET", reverse("students:detail", args=[pk])),
        "edit": ("GET", reverse("students:edit", args=[pk])),
        "guardian_add": ("GET", reverse("students:guardian_add", args=[pk])),
        "guardian_edit": ("GET", reverse("students:guardian_edit", args=[pk, link.pk])),
        "guardian_remove": ("POST", reverse("students:guardian_remove", args=[pk, link.pk])),
        "placement_add": ("GET", reverse("students:placement_add", args=[pk])),
        "placement_edit": ("GET", reverse("students:placement_edit", args=[pk, event.pk])),
    }


WRITE_URLS = ["edit", "guardian_add", "guardian_edit", "guardian_remove", "placement_add", "placement_edit"]


def _call(client, method, url):
    return client.post(url) if method == "POST" else client.get(url)


@pytest.mark.parametrize("name", ["detail", *WRITE_URLS])
@pytest.mark.parametrize("persona", ["begeleider_b", "bestuurder_b", "geschillen_a", "beheerder_a", "outsider", "commissie_a2"])
def test_outsiders_get_404_on_every_pupil_url(client, personas, pupil_urls, name, persona):
    client.force_login(getattr(personas, persona))
    method, url = pupil_urls[name]
    assert _call(client, method, url).status_code == 404


@pytest.mark.parametrize("name", WRITE_URLS)
def test_leerkracht_reads_but_gets_403_on_writes(client, personas, pupil_urls, name):
    client.force_login(personas.leerkracht_a)
    assert client.get(pupil_urls["detail"][1]).status_code == 200
    method, url = pupil_urls[name]
    assert _call(client, method, url).status_code == 403


@pytest.mark.parametrize("name", ["detail", *WRITE_URLS])
def test_anonymous_goes_to_login(client, pupil_urls, name):
    method, url = pupil_urls[name]
    response = _call(client, method, url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_detail_is_audited_and_shows_decision_with_reasons(client, personas, org):
    with time_machine.travel(TODAY):
        s = services.student_create(actor=personas.begeleider_a, school=org.school_a, data={
            "first_name": "Bo", "last_name": "Beta", "date_of_birth": datetime.date(2016, 1, 1), "pupil_number": "B1",
            "onderwijssoort": "bao", "enrolled_on": datetime.date(2020, 8, 24), "support_level": "extra",
            "extra_support_description": "Kleine groep", "support_need_on": datetime.date(2026, 10, 19),
        })
        client.force_login(personas.begeleider_a)
        before = AuditEvent.objects.filter(action="view", object_id=str(s.pk)).count()
        html = client.get(reverse("students:detail", args=[s.pk])).content.decode()
    assert AuditEvent.objects.filter(action="view", object_id=str(s.pk), actor=personas.begeleider_a).count() == before + 1
    assert "OPP verplicht" in html and "R-ELIG-1" in html
    # 19 Oct + 42 days = 30 November 2026: two days left on 28 November.
    assert "30 november 2026" in html and "nog 2 dagen" in html


def test_detail_changes_when_the_data_change(client, personas, org):
    with time_machine.travel(TODAY):
        s = services.student_create(actor=personas.begeleider_a, school=org.school_a, data={
            "first_name": "Cas", "last_name": "Gamma", "date_of_birth": datetime.date(2016, 1, 1), "pupil_number": "C1",
            "onderwijssoort": "bao", "enrolled_on": datetime.date(2020, 8, 24), "dyslexie": True,
        })
        client.force_login(personas.begeleider_a)
        assert "Geen OPP nodig" in client.get(reverse("students:detail", args=[s.pk])).content.decode()
        url = reverse("students:placement_add", args=[s.pk])
        client.post(url, {"kind": "opdc", "start_on": "2026-11-20", "support_question": "Hulpvraag",
                          "expected_duration": "10 weken", "follows_whole_programme": "false"})
        html = client.get(reverse("students:detail", args=[s.pk])).content.decode()
    assert "OPP verplicht" in html
    assert "zonder vastgesteld OPP" in html  # flagged at once (R-TIME-5)


def test_list_query_count_does_not_grow_with_rows(client, personas, org, django_assert_max_num_queries):
    client.force_login(personas.begeleider_a)
    StudentFactory.create_batch(5, school=org.school_a)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as five:
        assert client.get(reverse("students:list")).status_code == 200
    StudentFactory.create_batch(45, school=org.school_a)
    with CaptureQueriesContext(connection) as fifty:
        response = client.get(reverse("students:list"))
    assert len(fifty) == len(five)
    assert response.context["page"].paginator.count == 50
    assert len(response.context["rows"]) == 25  # paginated


def test_list_search_and_filters(client, personas, org):
    StudentFactory(school=org.school_a, first_name="Zoë", last_name="Zoeker", pupil_number="Z9", group_name="7")
    StudentFactory(school=org.school_a, first_name="Piet", last_name="Anders", pupil_number="P1", group_name="8")
    StudentFactory(school=org.school_b, first_name="Zoë", last_name="Elders", pupil_number="Z8")
    client.force_login(personas.begeleider_a)
    names = lambda r: [row["student"].last_name for row in r.context["rows"]]  # noqa: E731
    # "zoe" is in Zoeker's last name whatever the database does with the ë of her first name.
    assert names(client.get(reverse("students:list"), {"q": "zoe"})) == ["Zoeker"]
    assert names(client.get(reverse("students:list"), {"q": "Z9"})) == ["Zoeker"]
    assert names(client.get(reverse("students:list"), {"groep": "8"})) == ["Anders"]
    # The Zoë of school B is not listed, the one of school A is (an empty list would prove nothing).
    response = client.get(reverse("students:list"), {"q": "Zoë"})
    assert names(response) == ["Zoeker"]
    assert "Elders" not in response.content.decode()


def test_create_with_bad_input_keeps_what_was_typed(client, personas, org):
    client.force_login(personas.begeleider_a)
    with time_machine.travel(TODAY):
        response = client.post(reverse("students:create"), {
            "school": org.school_a.pk, "first_name": "Mira", "last_name": "Toekomst", "date_of_birth": "01-01-2030",
            "pupil_number": "M1", "onderwijssoort": "bao", "enrolled_on": "31-02-2024", "support_level": "basis",
        })
    html = response.content.decode()
    assert response.status_code == 200
    assert "Vul een geldige datum in" in html  # 31 February
    assert 'value="Toekomst"' in html and 'value="M1"' in html
    assert not Student.objects.filter(pupil_number="M1").exists()


def test_create_future_birth_and_duplicate_number(client, personas, org):
    StudentFactory(school=org.school_a, pupil_number="DUP")
    client.force_login(personas.begeleider_a)
    with time_machine.travel(TODAY):
        response = client.post(reverse("students:create"), {
            "school": org.school_a.pk, "first_name": "Mira", "last_name": "Toekomst", "date_of_birth": "2027-01-01",
            "pupil_number": "DUP", "onderwijssoort": "bao", "enrolled_on": "2027-08-01", "support_level": "basis",
        })
    html = response.content.decode()
    assert "De geboortedatum ligt in de toekomst." in html
    assert "Dit leerlingnummer bestaat al op deze school." in html
    assert Student.objects.filter(pupil_number="DUP").count() == 1


def test_create_cannot_target_another_school(client, personas, org):
    client.force_login(personas.begeleider_a)
    response = client.post(reverse("students:create"), {
        "school": org.school_b.pk, "first_name": "X", "last_name": "Y", "date_of_birth": "2016-01-01",
        "pupil_number": "X1", "onderwijssoort": "bao", "enrolled_on": "2022-08-22", "support_level": "basis",
    })
    assert response.status_code == 200 and not Student.objects.filter(pupil_number="X1").exists()
    assert "school" in response.context["form"].errors


def test_create_happy_path_redirects_and_audits(client, personas, org):
    client.force_login(personas.begeleider_a)
    response = client.post(reverse("students:create"), {
        "school": org.school_a.pk, "first_name": "Eva", "last_name": "Echt", "date_of_birth": "12-03-2016",
        "pupil_number": "E1", "onderwijssoort": "bao", "enrolled_on": "2022-08-22", "support_level": "basis",
    })
    s = Student.objects.get(pupil_number="E1")
    assert response.status_code == 302 and response["Location"] == reverse("students:detail", args=[s.pk])
    assert AuditEvent.objects.filter(action="create", object_type="students.student", object_id=str(s.pk)).exists()


def test_guardian_add_edit_remove(client, personas, pupil_a):
    client.force_login(personas.begeleider_a)
    url = reverse("students:guardian_add", args=[pupil_a.pk])
    bad = client.post(url, {"name": "Ouder Een", "email": "geen-email", "relation": "ouder", "has_gezag": "on"})
    assert "Vul een geldig e-mailadres in." in bad.content.decode() and 'value="Ouder Een"' in bad.content.decode()
    client.post(url, {"name": "Ouder Een", "email": "o@example.nl", "relation": "ouder", "has_gezag": "on"})
    link = GuardianLink.objects.get(student=pupil_a)
    assert link.has_gezag
    client.post(reverse("students:guardian_edit", args=[pupil_a.pk, link.pk]),
                {"name": "Ouder Een", "email": "o@example.nl", "relation": "verzorger"})
    link.refresh_from_db()
    assert link.has_gezag is False and link.relation == "verzorger"
    assert client.get(reverse("students:guardian_remove", args=[pupil_a.pk, link.pk])).status_code == 405
    client.post(reverse("students:guardian_remove", args=[pupil_a.pk, link.pk]))
    assert not GuardianLink.objects.filter(pk=link.pk).exists()


def test_placement_opdc_requires_109370_fields(client, personas, pupil_a):
    client.force_login(personas.begeleider_a)
    response = client.post(reverse("students:placement_add", args=[pupil_a.pk]),
                           {"kind": "opdc", "start_on": "2026-11-01", "follows_whole_programme": "unknown"})
    html = response.content.decode()
    assert "ondersteuningsvraag aan het OPDC" in html and "verwachte duur" in html
    assert not PlacementEvent.objects.filter(student=pupil_a).exists()


def _listed(client, **params):
    return [row["student"].last_name for row in client.get(reverse("students:list"), params).context["rows"]]


def test_the_list_sorts_names_regardless_of_case(client, personas, org):
    """Issue 18.10: "de Wit" used to come after "Visser" (capitals sort before lower case). Dutch lists sort on the
    surname's main part: "de Wit" under W, "van Dam" under D (tests/students/test_pupil_list.py has the rest)."""
    for last in ("Visser", "de Wit", "Bakker", "van Dam"):
        StudentFactory(school=org.school_a, last_name=last)
    client.force_login(personas.begeleider_a)
    assert _listed(client, sorteer="naam") == ["Bakker", "van Dam", "Visser", "de Wit"]
    assert _listed(client, sorteer="-naam") == ["de Wit", "Visser", "van Dam", "Bakker"]


def test_sorting_by_term_puts_pupils_without_one_last_both_ways(client, personas, org):
    """Issue 18.10: "niet nodig" (no term) came first; a term list starts with the terms, nearest first."""
    for last, due in (("Later", datetime.date(2026, 12, 20)), ("Geen", None), ("Eerst", datetime.date(2026, 12, 1))):
        pupil = StudentFactory(school=org.school_a, last_name=last)
        Student.objects.filter(pk=pupil.pk).update(opp_required=due is not None, opp_due_on=due, opp_in_force=False)
    client.force_login(personas.begeleider_a)
    assert _listed(client, sorteer="termijn") == ["Eerst", "Later", "Geen"]
    assert _listed(client, sorteer="-termijn") == ["Later", "Eerst", "Geen"]


def test_the_start_page_links_to_the_filtered_list(client, personas, org):
    """Issue 18.4: the start page's "verstreken termijn / binnen 14 dagen" links filtered nothing (?status= where the
    list reads ?termijn=)."""
    for last, due in (("Verstreken", TODAY - datetime.timedelta(days=3)), ("Binnenkort", TODAY + datetime.timedelta(days=5)),
                      ("Ruim", TODAY + datetime.timedelta(days=40))):
        pupil = StudentFactory(school=org.school_a, last_name=last)
        Student.objects.filter(pk=pupil.pk).update(opp_required=True, opp_due_on=due, opp_in_force=False)
    client.force_login(personas.begeleider_a)
    with time_machine.travel(datetime.datetime(2026, 11, 28, 10, tzinfo=datetime.UTC)):
        start = client.get(reverse("staff_start")).content.decode()
        overdue_link = reverse("students:list") + "?termijn=te_laat"
        soon_link = reverse("students:list") + "?termijn=binnenkort"
        assert overdue_link in start and soon_link in start
        assert _listed(client, termijn="te_laat") == ["Verstreken"]
        assert _listed(client, termijn="binnenkort") == ["Binnenkort"]
