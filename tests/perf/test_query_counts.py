"""The OPP editor (opp:version) and the portal child page (portal:child) read a pupil in a fixed number of queries:
the same with 1 and with 10 items per section, consultations, reactions and earlier versions (bench/pages.py measures
their time; here only what a test can hold, the query count)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from opp.models import ConsentRequest, PlanVersion, Reaction
from students.models import Guardian
from tests.factories import (
    ConsultationFactory,
    PlanFactory,
    PlanVersionFactory,
    StudentFactory,
    parent_of,
)

pytestmark = pytest.mark.usefixtures("clock")

#: Today's counts under the test settings (they were 39, 41 and 20 before the pages read a pupil once). bench/pages.py
#: holds the editor to 15 and the portal child page to 20 on its production setup (README "Performance").
EDITOR_QUERIES = 22
PORTAL_QUERIES = 24
PORTAL_VERSION_QUERIES = 17
PORTAL_HOME_QUERIES = 6


def pupil_with(n: int, *, school, by, name: str):
    """A pupil whose plan has `n` earlier versions (the last adopted, the others superseded), then an open revision
    in overleg; every version with `n` factors, items and yields; `n` consultations, `n` parent reactions on the open
    version and `n` consent requests (all but the last withdrawn); a parent with a portal account."""
    student = StudentFactory(school=school, first_name=name, last_name="Teller", opp_required=True,
                             support_level="extra")
    parent = parent_of(student, name=f"Ouder {name}", username=f"ouder_{name.lower()}")
    plan = PlanFactory(student=student, created_by=by)
    start = timezone.now() - datetime.timedelta(days=400)
    previous = None
    for number in range(1, n + 1):
        previous = PlanVersionFactory(plan=plan, based_on=previous, with_factors=n, with_actions=n, with_yields=n,
                                      uitstroom_profiel="vmbo_kb", adopted=True,
                                      adopted__at=start + datetime.timedelta(days=number), adopted__by=by)
        if number < n:
            PlanVersion.objects.filter(pk=previous.pk).update(state="vervangen")
    revision = PlanVersionFactory(plan=plan, based_on=previous, with_factors=n, with_actions=n, with_yields=n,
                                  uitstroom_profiel="vmbo_kb")
    PlanVersion.objects.filter(pk=revision.pk).update(state="in_overleg")
    for day in range(n):
        ConsultationFactory(plan=plan, version=revision, held_on=datetime.date(2026, 9, 1) + datetime.timedelta(days=day))
        Reaction.objects.create(version=revision, author=parent.user, author_name=parent.name, text=f"Reactie {day}")
        ConsentRequest.objects.create(
            version=revision, handelingsdeel_hash="0" * 64, requested_by=by,
            state="open" if day == n - 1 else "ingetrokken",
            parties=[{"kind": "guardian", "id": parent.pk, "name": parent.name}])
    return student, revision, parent.user


@pytest.fixture
def pupils(org, personas):
    return {n: pupil_with(n, school=org.school_a, by=personas.begeleider_a, name=f"Kind{n}") for n in (1, 10)}


def test_the_editor_reads_a_pupil_in_a_fixed_number_of_queries(client, personas, pupils, django_assert_num_queries):
    client.force_login(personas.begeleider_a)
    client.get(reverse("opp:version", args=[pupils[1][1].pk]))  # warm: content types, translations
    for n, (_student, revision, _parent) in pupils.items():
        with django_assert_num_queries(EDITOR_QUERIES):
            page = client.get(reverse("opp:version", args=[revision.pk]))
        html = page.content.decode()
        assert page.status_code == 200
        # Every stored row is on the page as a form (plus the empty row and the <template> row).
        assert html.count('name="handelingsdeel-') and f'name="handelingsdeel-{n - 1}-goal"' in html
        assert f'name="factoren-{n - 1}-text"' in html and f'name="leerrendement-{n - 1}-expectation"' in html
        assert f'name="handelingsdeel-{n}-goal"' in html  # the new, empty row


def test_the_portal_child_page_reads_a_pupil_in_a_fixed_number_of_queries(client, pupils, django_assert_num_queries):
    for n, (student, revision, parent) in pupils.items():
        client.force_login(parent)
        client.get(reverse("portal:child", args=[student.pk]))  # warm
        with django_assert_num_queries(PORTAL_QUERIES):
            page = client.get(reverse("portal:child", args=[student.pk]))
        html = page.content.decode()
        assert page.status_code == 200
        assert f"Reactie {n - 1}" in html  # every reaction
        assert html.count("Het OPP is besproken.") == n  # every consultation


def test_the_portal_version_page_reads_a_pupil_in_a_fixed_number_of_queries(client, pupils, django_assert_num_queries):
    for n, (_student, revision, parent) in pupils.items():
        client.force_login(parent)
        client.get(reverse("portal:version", args=[revision.pk]))  # warm
        with django_assert_num_queries(PORTAL_VERSION_QUERIES):
            page = client.get(reverse("portal:version", args=[revision.pk]))
        assert page.status_code == 200
        assert page.content.decode().count("Doel ") >= n  # every handelingsdeel item


def test_the_portal_start_page_lists_any_number_of_children_in_a_fixed_number_of_queries(
        client, org, personas, django_assert_num_queries):
    """A parent of one child and a parent of ten (each child with a plan whose version is in overleg): the same
    person is the guardian of every child, with one account."""
    parents = {}
    for n in (1, 10):
        children = [pupil_with(1, school=org.school_a, by=personas.begeleider_a, name=f"Gezin{n}x{k}") for k in range(n)]
        parents[n] = children[0][2]
        Guardian.objects.filter(user__in=[parent for _s, _v, parent in children]).update(user=parents[n])
    for n, account in parents.items():
        client.force_login(account)
        client.get(reverse("portal:home"))  # warm
        with django_assert_num_queries(PORTAL_HOME_QUERIES):
            page = client.get(reverse("portal:home"))
        assert page.status_code == 200
        assert page.content.decode().count(f"Gezin{n}x") >= n  # every child is listed
