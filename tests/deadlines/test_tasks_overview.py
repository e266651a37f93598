"""The staff start page (issue 5): "Mijn taken", the school overview, the board overview, and the
daily-digest preference. Pupils are made with students.services.student_create so that the six-week
term is computed as in real use; `today` is frozen with time-machine.
"""

import datetime
import itertools
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from deadlines import registry, selectors
from notifications.models import Preference
from opp.models import Plan, PlanVersion
from students import services
from students.models import Student
from tests.factories import refresh_standing

TODAY = datetime.date(2026, 11, 28)
NOON = datetime.datetime(2026, 11, 28, 12, 0, tzinfo=datetime.UTC)
_numbers = itertools.count(1000)


pytestmark = [pytest.mark.clock(NOON), pytest.mark.usefixtures("clock")]  # every test here: today is TODAY


@pytest.fixture(autouse=True)
def _dutch():
    with override("nl"):
        yield


def pupil(school, actor, *, days_into_term=None, first="Anna", last="Alfa", **extra) -> Student:
    """A pupil at a regular school; with `days_into_term` the need for extra support was established
    that many days ago (the six-week term runs from then, R-TIME-1); without it no OPP is needed."""
    data = {
        "first_name": first, "last_name": last, "date_of_birth": datetime.date(2016, 1, 1),
        "pupil_number": str(next(_numbers)), "onderwijssoort": school.onderwijssoorten[0],
        "enrolled_on": datetime.date(2020, 8, 24), "support_level": "basis", **extra,
    }
    if days_into_term is not None:
        data.update(support_level="extra", extra_support_description="Kleine groep voor rekenen",
                    support_need_on=TODAY - datetime.timedelta(days=days_into_term))
    student = services.student_create(actor=actor, school=school, data=data, today=TODAY)
    student.refresh_from_db()
    return student


def vso_pupil(school, actor, *, days_into_term, first="Vera", last="Vso") -> Student:
    """At a vso school every pupil needs an OPP; the term runs from enrolment."""
    data = {
        "first_name": first, "last_name": last, "date_of_birth": datetime.date(2012, 1, 1),
        "pupil_number": str(next(_numbers)), "onderwijssoort": "vso",
        "enrolled_on": TODAY - datetime.timedelta(days=days_into_term), "support_level": "basis",
    }
    student = services.student_create(actor=actor, school=school, data=data, today=TODAY)
    student.refresh_from_db()
    return student


def plan_with_version(student, actor, *, state="concept") -> Plan:
    plan = Plan.objects.create(student=student, created_by=actor)
    version = PlanVersion.objects.create(plan=plan, number=1, created_by=actor)
    if state != "concept":
        PlanVersion.objects.filter(pk=version.pk).update(state=state)
    return plan


def adopt(student, actor) -> Plan:
    """An adopted version, made the way the models allow: created as a concept (no items), then the
    concept row is moved to "vastgesteld" with a queryset update."""
    plan = Plan.objects.create(student=student, created_by=actor)
    version = PlanVersion.objects.create(plan=plan, number=1, created_by=actor)
    PlanVersion.objects.filter(pk=version.pk, state="concept").update(
        state="vastgesteld", adopted_at=timezone.now(), adopted_by=actor)
    refresh_standing(student)  # as the adoption service does
    return plan


def start_page(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("staff_start"))
    assert response.status_code == 200
    return response.content.decode()


def panel(html: str, panel_id: str) -> str:
    """The HTML of one panel of the start page ('' when it is absent)."""
    match = re.search(rf'<section[^>]*aria-labelledby="panel-{panel_id}".*?</section>', html, re.S)
    return match.group(0) if match else ""


def text(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))


# --- Mijn taken -------------------------------------------------------------------------------------


def test_my_tasks_lists_due_pupils_most_overdue_first_with_days_left(client, org, personas):
    ib = personas.begeleider_a
    soon = pupil(org.school_a, ib, days_into_term=40, first="Bram", last="de Boer")  # due 30 Nov: 2 days left
    late = pupil(org.school_a, ib, days_into_term=50, first="Lotte", last="Laat")  # due 20 Nov: 8 days overdue
    later = pupil(org.school_a, ib, days_into_term=10, first="Olaf", last="Ruim")  # due 30 Dec: not yet a task
    assert soon.opp_due_on == datetime.date(2026, 11, 30)

    html = panel(start_page(client, ib), "taken")
    body = text(html)

    assert "Mijn taken" in body
    assert "Lotte Laat" in body and "Bram de Boer" in body and "Olaf Ruim" not in body
    assert body.index("Lotte Laat") < body.index("Bram de Boer")  # the overdue one first
    assert "nog 2 dagen" in body and "8 dagen te laat" in body
    assert "30 november 2026" in body and "20 november 2026" in body
    assert "(B.B.)" in body and "(L.L.)" in body  # initials next to the name
    assert 'class="badge status-te_laat"' in html and 'class="badge status-binnenkort"' in html
    assert "School A" in body and "OPP vaststellen (zes weken)" in body
    assert reverse("students:detail", args=[late.pk]) in html and reverse("students:detail", args=[later.pk]) not in html
    # An accessible table: a caption and header cells with a scope.
    assert "<caption" in html and '<th scope="col">' in html and '<th scope="row">' in html
    assert "2 openstaande taken" in body


def test_the_whole_fourteen_day_window_shows_also_with_shorter_reminder_steps(org, personas, settings):
    settings.OPP_REMINDER_STEPS = {"opp_vaststellen": {"before": [7]}}
    ib = personas.begeleider_a
    pupil(org.school_a, ib, days_into_term=29)  # due in 13 days
    rows, total = selectors.tasks_for(ib, TODAY)
    assert total == 1 and rows[0].days_left == 13 and rows[0].status == "binnenkort"


def test_a_pupil_of_another_school_never_appears(client, org, personas):
    pupil(org.school_b, personas.begeleider_b, days_into_term=50, first="Bert", last="Buiten")
    pupil(org.school_a, personas.begeleider_a, days_into_term=41, first="Anna", last="Alfa")

    body_a = text(panel(start_page(client, personas.begeleider_a), "taken"))
    assert "Anna Alfa" in body_a and "Bert Buiten" not in body_a and "School B" not in body_a
    rows, total = selectors.tasks_for(personas.begeleider_b, TODAY)
    assert [r.name for r in rows] == ["Bert Buiten"] and total == 1


def test_an_adopted_pupil_disappears_from_my_tasks(client, org, personas):
    ib = personas.begeleider_a
    student = pupil(org.school_a, ib, days_into_term=45, first="Daan", last="Dekker")
    assert "Daan Dekker" in text(panel(start_page(client, ib), "taken"))

    adopt(student, ib)
    html = panel(start_page(client, ib), "taken")
    assert "Daan Dekker" not in text(html)
    assert "U heeft op dit moment geen openstaande taken." in text(html)


def test_a_pupil_who_left_is_no_task(org, personas):
    ib = personas.begeleider_a
    pupil(org.school_a, ib, days_into_term=50, left_on=TODAY - datetime.timedelta(days=1))
    assert selectors.tasks_for(ib, TODAY) == ([], 0)


def test_leerkracht_and_bestuurder_have_no_task_panel(client, org, personas):
    pupil(org.school_a, personas.begeleider_a, days_into_term=50)
    assert "Mijn taken" not in start_page(client, personas.leerkracht_a)
    assert "Mijn taken" not in start_page(client, personas.bestuurder_a)


def test_the_task_list_is_cut_at_the_limit_but_counts_everything(client, org, personas):
    ib = personas.begeleider_a
    for n in range(23):
        pupil(org.school_a, ib, days_into_term=43 + n, first=f"Kind{n:02d}", last="Telling")
    rows, total = selectors.tasks_for(ib, TODAY)
    assert len(rows) == 20 and total == 23
    assert [r.days_overdue for r in rows] == sorted((r.days_overdue for r in rows), reverse=True)
    body = text(panel(start_page(client, ib), "taken"))
    assert "23 openstaande taken" in body and "De eerste 20 staan hieronder." in body


def test_a_failing_deadline_kind_does_not_break_the_start_page(client, org, personas, monkeypatch):
    def broken(today, school_ids):
        raise RuntimeError("kapot")

    monkeypatch.setitem(registry.REGISTRY, "kapot", registry.Kind("kapot", "Kapot", broken))
    pupil(org.school_a, personas.begeleider_a, days_into_term=41, first="Anna", last="Alfa")
    assert "Anna Alfa" in text(panel(start_page(client, personas.begeleider_a), "taken"))


# --- School overview --------------------------------------------------------------------------------


def _mixed_school_a(ib):
    school = ib.memberships.get().school
    pupil(school, ib, days_into_term=10)  # op schema
    pupil(school, ib, days_into_term=20)  # op schema (22 days left)
    pupil(school, ib, days_into_term=28)  # binnen 14 dagen: exactly 14 days left
    pupil(school, ib, days_into_term=42)  # binnen 14 dagen: today is the last day
    pupil(school, ib, days_into_term=43)  # termijn verstreken
    adopt(pupil(school, ib, days_into_term=60), ib)  # vastgesteld
    adopt(pupil(school, ib, days_into_term=5), ib)  # vastgesteld (early)
    pupil(school, ib)  # no OPP needed
    pupil(school, ib, dyslexie=True)  # no OPP needed either
    pupil(school, ib, days_into_term=50, left_on=TODAY)  # left today: not counted at all
    plan_with_version(pupil(school, ib, days_into_term=30), ib)  # binnen 14 dagen, concept
    plan_with_version(pupil(school, ib, days_into_term=44), ib, state="in_overleg")  # verstreken, in overleg
    plan_with_version(pupil(school, ib, days_into_term=38), ib, state="ter_vaststelling")  # binnen 14 dagen


def test_school_overview_counts_a_mix_of_statuses(client, org, personas):
    _mixed_school_a(personas.begeleider_a)
    pupil(org.school_b, personas.begeleider_b, days_into_term=50)  # another board: never counted

    overview = selectors.school_overview(personas.schoolleider_a, TODAY)
    [row] = overview["schools"]
    assert row.school_name == "School A"
    assert row.pupils == {"op_schema": 2, "binnenkort": 4, "te_laat": 2, "voldaan": 2}
    assert row.no_opp == 2
    assert row.versions == {"concept": 1, "in_overleg": 1, "instemming_gevraagd": 0, "ter_vaststelling": 1,
                            "vastgesteld": 2}

    html = start_page(client, personas.schoolleider_a)
    school = panel(html, "school")
    assert "Schooloverzicht" in school and "School A" in school and "School B" not in school
    cells = re.findall(r'<td class="text-end">(?:<a href="[^"]*">)?(\d+)', school)
    assert cells == ["2", "4", "2", "2", "2", "1", "1", "0", "1", "2"]
    # The overdue count is a link to those pupils (the schoolleider reads the school's pupil register).
    school_id = org.school_a.pk
    assert f'href="{reverse("students:list")}?termijn=te_laat&amp;school={school_id}"' in school
    assert "stand op 28 november 2026" in text(school)
    # The schoolleider also writes plans: they have their own task list.
    assert "Mijn taken" in html


def test_begeleider_and_leerkracht_have_no_school_overview(client, org, personas):
    assert "Schooloverzicht" not in start_page(client, personas.begeleider_a)
    assert "Schooloverzicht" not in start_page(client, personas.leerkracht_a)


# --- Board overview ---------------------------------------------------------------------------------


def test_board_overview_shows_the_boards_schools_and_the_overdue_list(client, org, personas):
    ib = personas.begeleider_a
    ib_a2 = personas.commissie_a2  # any actor will do for student_create
    long_late = pupil(org.school_a, ib, days_into_term=70, first="Karel", last="van Kampen")  # 28 days overdue
    with_plan = pupil(org.school_a, ib, days_into_term=45, first="Mila", last="Mol")  # 3 days overdue
    plan = plan_with_version(with_plan, ib)
    vso_pupil(org.school_a2, ib_a2, days_into_term=52, first="Vera", last="Vos")  # 10 days overdue
    vso_pupil(org.school_a2, ib_a2, days_into_term=3)  # op schema
    adopt(pupil(org.school_a, ib, days_into_term=90, first="Ada", last="Aangenomen"), ib)
    pupil(org.school_b, personas.begeleider_b, days_into_term=80, first="Bert", last="Buiten")

    overview = selectors.board_overview(personas.bestuurder_a, TODAY)
    assert [r.school_name for r in overview["schools"]] == ["School A", "School A2 (vso)"]
    assert overview["overdue_total"] == 3
    assert [(r.initials, r.school_name, r.days_overdue) for r in overview["overdue"]] == [
        ("K.K.", "School A", 28), ("V.V.", "School A2 (vso)", 10), ("M.M.", "School A", 3)]
    assert overview["overdue"][0].plan_url == "" and overview["overdue"][2].plan_url == reverse("opp:plan", args=[plan.pk])
    assert overview["totals"].pupils == {"op_schema": 1, "binnenkort": 0, "te_laat": 3, "voldaan": 1}

    html = panel(start_page(client, personas.bestuurder_a), "bestuur")
    body = text(html)
    assert "Bestuursoverzicht" in body and "Stichting A" in body
    assert "School A2 (vso)" in body and "School B" not in body and "Stichting B" not in body
    assert "28 dagen te laat" in body and "3 dagen te laat" in body
    assert body.index("K.K.") < body.index("V.V.") < body.index("M.M.")
    # Initials only: the bestuurder has no pupil register; a plan, when there is one, is linked.
    assert "Karel" not in body and "Mila" not in body and "Bert" not in body
    assert reverse("opp:plan", args=[plan.pk]) in html
    assert reverse("students:detail", args=[long_late.pk]) not in html
    assert "Totaal" in body

    other = text(panel(start_page(client, personas.bestuurder_b), "bestuur"))
    assert "School B" in other and "School A" not in other and "B.B." in other


def test_the_overdue_list_stops_at_fifty(org, personas):
    ib = personas.begeleider_a
    for n in range(52):
        pupil(org.school_a, ib, days_into_term=43 + n)
    overview = selectors.board_overview(personas.bestuurder_a, TODAY)
    assert len(overview["overdue"]) == 50 and overview["overdue_total"] == 52
    assert overview["overdue"][0].days_overdue == 52


# --- Query counts -----------------------------------------------------------------------------------


def _populate(org, personas, n):
    """n pupils in a mix of states over both schools of board A."""
    ib = personas.begeleider_a
    states = ["concept", "in_overleg", "ter_vaststelling"]
    for i in range(n):
        if i % 5 == 4:
            vso_pupil(org.school_a2, personas.commissie_a2, days_into_term=(i * 7) % 70)
            continue
        student = pupil(org.school_a, ib, days_into_term=(i * 13 + 41) % 75 if i % 6 else None)
        if i % 7 == 3 and student.opp_required:
            adopt(student, ib)
        elif i % 3 == 1 and student.opp_required:
            plan_with_version(student, ib, state=states[i % 3])


@pytest.mark.parametrize("persona", ["begeleider_a", "schoolleider_a", "bestuurder_a"])
def test_start_page_query_count_does_not_grow_with_pupils(client, org, personas, persona):
    user = getattr(personas, persona)
    client.force_login(user)
    _populate(org, personas, 5)
    with CaptureQueriesContext(connection) as five:
        small = client.get(reverse("staff_start"))
    _populate(org, personas, 45)
    with CaptureQueriesContext(connection) as fifty:
        large = client.get(reverse("staff_start"))
    assert small.status_code == large.status_code == 200
    assert Student.objects.count() == 50
    assert len(fifty) == len(five), [q["sql"] for q in fifty.captured_queries]
    # Something was really shown at 50: the page is not trivially cheap because it is empty.
    assert "te laat" in large.content.decode()


@pytest.mark.parametrize("func", ["tasks_for", "school_overview", "board_overview"])
@pytest.mark.parametrize("persona", ["schoolleider_a", "bestuurder_a"])
def test_selectors_run_a_fixed_number_of_queries(org, personas, func, persona):
    user = getattr(personas, persona)
    _populate(org, personas, 5)
    user = type(user).objects.get(pk=user.pk)
    with CaptureQueriesContext(connection) as five:
        getattr(selectors, func)(user, TODAY)
    _populate(org, personas, 45)
    user = type(user).objects.get(pk=user.pk)
    with CaptureQueriesContext(connection) as fifty:
        getattr(selectors, func)(user, TODAY)
    # A few queries per registered deadline kind, and for "Mijn taken" the next step's fixed set (the plans with
    # their versions, handelingsdeel items, consent requests and answers, reactions and consultations: opp.selectors.
    # next_actions_for_students); never one per pupil.
    assert len(fifty) == len(five) <= (18 if func == "tasks_for" else 10)


# --- Notification preferences -----------------------------------------------------------------------


def test_preferences_page_saves_the_daily_digest(client, personas):
    url = reverse("notification_preferences")
    assert url == "/account/berichten/"
    client.force_login(personas.begeleider_a)
    page = client.get(url).content.decode()
    assert "Dagelijks één overzicht in plaats van een e-mail per herinnering" in page
    assert 'name="daily_digest"' in page and "csrfmiddlewaretoken" in page

    response = client.post(url, {"daily_digest": "on"}, follow=True)
    assert Preference.objects.get(user=personas.begeleider_a).daily_digest is True
    assert "Opgeslagen: u krijgt voortaan één dagelijks overzicht." in response.content.decode()
    assert 'checked' in client.get(url).content.decode()

    client.post(url, {})
    assert Preference.objects.get(user=personas.begeleider_a).daily_digest is False
    assert Preference.objects.filter(user=personas.begeleider_a).count() == 1


def test_preferences_page_is_for_every_logged_in_user(client, personas):
    client.force_login(personas.outsider)  # e.g. a parent: no staff role
    assert client.get(reverse("notification_preferences")).status_code == 200


def test_preferences_page_sends_anonymous_visitors_to_login(client, db):
    url = reverse("notification_preferences")
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(f"{reverse('login')}?next=")
    response = client.post(url, {"daily_digest": "on"})
    assert response.status_code == 302 and not Preference.objects.exists()


def test_start_page_and_navigation_link_to_the_preferences(client, personas):
    html = start_page(client, personas.begeleider_a)
    assert html.count(f'href="{reverse("notification_preferences")}"') == 2  # navigation and start page
