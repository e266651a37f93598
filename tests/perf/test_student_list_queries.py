"""The pupil list (students:list) reads a page in a fixed number of queries: the same with one pupil in every OPP
state and with pages full of them, for every role that reads the register, filtered or not (bench/pages.py list_ib,
list_sl, list_*_search measure its time at 100,000 pupils). What changed to get there is held here too: the register's rights
come from the memberships (no query), the page reads only the columns it shows, and the OPP status's helper
subqueries stay out of the select list."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.access import ROLE_CAPS, Cap
from opp.models import Plan
from students import access, selectors
from tests.factories import PlanFactory, PlanVersionFactory, StudentFactory, approved_membership, member

pytestmark = pytest.mark.usefixtures("clock")  # 25 September 2026 (tests/conftest.py CLOCK_ANCHOR)
TODAY = datetime.date(2026, 9, 25)

#: Under the test settings: session, user, memberships, the register's schools, the count, the page, the groups
#: (8 before the register's rights were read from the memberships instead of a query).
LIST_QUERIES = 7

FILTERS = [{}, {"q": "e", "termijn": "te_laat"}, {"oppstatus": "vastgesteld"}, {"vertrokken": "1", "sorteer": "-termijn"},
           {"groep": "4a", "opp": "ja", "pagina": "2"}]


def _pupils(school, by, n: int) -> None:
    """`n` pupils in turn without an OPP, needing one, with a concept, adopted, in revision, ended, and one who left."""
    for i in range(n):
        kind = i % 7
        pupil = StudentFactory(school=school, last_name=f"Leerling {i}", opp_required=kind > 0,
                               opp_due_on=TODAY + datetime.timedelta(days=i % 40 - 10) if kind > 0 else None,
                               left_on=TODAY - datetime.timedelta(days=1) if kind == 6 else None)
        if kind in (2, 3, 4):
            v1 = PlanVersionFactory(plan=PlanFactory(student=pupil, created_by=by), with_actions=1, adopted=kind > 2)
            if kind == 4:
                PlanVersionFactory(plan=v1.plan, based_on=v1, state="in_overleg", with_actions=1)
        elif kind == 5:
            PlanFactory(student=pupil, created_by=by, state=Plan.State.BEEINDIGD, ended_on=datetime.date(2026, 7, 1))


def _queries(client, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("students:list"), params)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("who", ["begeleider_a", "schoolleider_a", "leerkracht_a"])
def test_the_list_costs_the_same_queries_with_few_pupils_and_full_pages(client, personas, org, who):
    client.force_login(getattr(personas, who))
    _pupils(org.school_a, personas.begeleider_a, 7)  # one of each: every filter finds one
    few = {str(f): _queries(client, f) for f in FILTERS}
    _pupils(org.school_a, personas.begeleider_a, 60)
    assert {str(f): _queries(client, f) for f in FILTERS} == few
    assert set(few.values()) == {LIST_QUERIES}


def test_a_user_of_two_schools_sees_the_school_column_in_the_same_queries(client, personas, org):
    approved_membership(personas.begeleider_a, "begeleider", school=org.school_a2)
    client.force_login(personas.begeleider_a)
    _pupils(org.school_a, personas.begeleider_a, 3)
    _pupils(org.school_a2, personas.begeleider_a, 3)
    page = client.get(reverse("students:list"))
    assert f"<td>{org.school_a2.name}</td>" in page.content.decode()
    assert _queries(client, {}) == LIST_QUERIES


def test_every_role_that_changes_pupils_reads_them():
    """register_rights(user, schools) looks for the schools where the user changes pupils among the ones they read."""
    assert all(Cap.PUPIL_VIEW in caps for caps in ROLE_CAPS.values() if Cap.PUPIL_EDIT in caps)


def test_the_register_rights_from_the_schools_are_the_rights_from_the_database(personas, org, django_assert_num_queries):
    both = member("begeleider", school=org.school_b)
    approved_membership(both, "leerkracht", school=org.school_a, groups=["4a"])
    pending = member("begeleider", school=org.school_a, approved=False)
    approved_membership(pending, "leerkracht", school=org.school_a, groups=["4a"])
    users = [*vars(personas).values(), both, pending]
    for user in users:
        try:
            schools = access.register_schools(user)
        except PermissionDenied:  # a user who reads no register never gets to the rights
            continue
        with django_assert_num_queries(0):
            from_schools = access.register_rights(user, schools)
        assert from_schools == {"can_edit": access.editable_schools(user).exists()}, user.username
    assert access.register_rights(both, access.register_schools(both)) == {"can_edit": True}
    assert access.register_rights(pending, access.register_schools(pending)) == {"can_edit": False}


def test_the_page_reads_only_the_columns_it_shows(personas, org):
    qs = selectors.list_page_columns(selectors.student_list(personas.begeleider_a, today=TODAY))
    sql = str(qs.query)
    assert '"students_student"."first_name"' in sql and '"accounts_school"."name"' in sql
    assert '"students_student"."extra_support_description"' not in sql and '"accounts_school"."brin"' not in sql


def test_the_opp_status_helpers_stay_out_of_the_select_list(personas, org):
    _pupils(org.school_a, personas.begeleider_a, 7)
    qs = selectors.student_list(personas.begeleider_a, today=TODAY, show_left=True)
    select = str(qs.query).split(" FROM ", 1)[0]
    assert '"opp_status"' in str(qs.query) and " AS \"_opp" not in str(qs.query), select[-300:]
    assert len([s for s in qs if s.opp_status]) == 7
    assert selectors.student_list(personas.begeleider_a, today=TODAY, opp_status="vastgesteld").count() == 1
