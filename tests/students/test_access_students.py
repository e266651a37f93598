"""Who reaches which pupil: students.access.students_visible_to and student_for_user per persona.

Need-to-know (DOMAIN "Retention and privacy", ARCHITECTURE.md role table): a school role reaches its own
school's pupils, a pupil outside reach is 404 (existence not revealed), a write by a read-only role is 403.
The board reads plans, not the pupil register; the disputes officer and the beheerder never reach pupils.
"""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts import access as accounts_access
from accounts.models import Role
from students import access

from ..factories import StudentFactory, approved_membership, member

OK, NOT_FOUND, FORBIDDEN = "ok", "404", "403"


@pytest.fixture
def pupils(org):
    return SimpleNamespace(
        a=StudentFactory(school=org.school_a, pupil_number="A-1"),
        a2=StudentFactory(school=org.school_a2, pupil_number="A2-1"),
        b=StudentFactory(school=org.school_b, pupil_number="B-1"),
    )


VISIBLE = [
    pytest.param("begeleider_a", {"a"}, id="begeleider-A-sees-school-A-only"),
    pytest.param("leerkracht_a", {"a"}, id="leerkracht-A-reads-school-A"),
    pytest.param("schoolleider_a", {"a"}, id="schoolleider-A"),
    pytest.param("schoolleider_mandaat_a", {"a"}, id="schoolleider-with-mandate-A"),
    pytest.param("commissie_a2", {"a2"}, id="commissie-vso-A2-reads-A2-only"),
    pytest.param("begeleider_b", {"b"}, id="begeleider-B-sees-school-B-only"),
    pytest.param("bestuurder_a", set(), id="bestuurder-no-register-access"),
    pytest.param("bestuurder_b", set(), id="bestuurder-B-no-register-access"),
    pytest.param("geschillen_a", set(), id="geschillen-no-pupils"),
    pytest.param("beheerder_a", set(), id="beheerder-no-pupils"),
    pytest.param("outsider", set(), id="user-without-membership"),
]


@pytest.mark.parametrize(("persona", "expected"), VISIBLE)
def test_students_visible_to(personas, pupils, persona, expected):
    user = getattr(personas, persona)
    visible = set(access.students_visible_to(user).values_list("pk", flat=True))
    assert visible == {getattr(pupils, key).pk for key in expected}


ONE = [
    # begeleider A: reads and writes school A; other schools are 404, also on the same board.
    ("begeleider_a", "a", False, OK), ("begeleider_a", "a", True, OK),
    ("begeleider_a", "a2", False, NOT_FOUND), ("begeleider_a", "b", False, NOT_FOUND), ("begeleider_a", "b", True, NOT_FOUND),
    # leerkracht A: reads, 403 on a write; still 404 (not 403) outside the school.
    ("leerkracht_a", "a", False, OK), ("leerkracht_a", "a", True, FORBIDDEN), ("leerkracht_a", "b", True, NOT_FOUND),
    # schoolleider A writes.
    ("schoolleider_a", "a", False, OK), ("schoolleider_a", "a", True, OK), ("schoolleider_a", "a2", False, NOT_FOUND),
    ("schoolleider_mandaat_a", "a", True, OK),
    # commissie of the vso school A2 reads A2 pupils only and does not edit the register.
    ("commissie_a2", "a2", False, OK), ("commissie_a2", "a2", True, FORBIDDEN), ("commissie_a2", "a", False, NOT_FOUND),
    # bestuurder A: the board reads plans, not the register.
    ("bestuurder_a", "a", False, NOT_FOUND), ("bestuurder_a", "a2", False, NOT_FOUND), ("bestuurder_a", "a", True, NOT_FOUND),
    # geschillen and beheerder never reach pupil data.
    ("geschillen_a", "a", False, NOT_FOUND), ("beheerder_a", "a", False, NOT_FOUND), ("beheerder_a", "a", True, NOT_FOUND),
    # another school's begeleider.
    ("begeleider_b", "a", False, NOT_FOUND), ("begeleider_b", "a", True, NOT_FOUND), ("begeleider_b", "b", True, OK),
    ("outsider", "a", False, NOT_FOUND),
]


@pytest.mark.parametrize(
    ("persona", "pupil", "write", "outcome"), ONE,
    ids=[f"{p}-{s}-{'write' if w else 'read'}-{o}" for p, s, w, o in ONE],
)
def test_student_for_user(personas, pupils, persona, pupil, write, outcome):
    user = getattr(personas, persona)
    student = getattr(pupils, pupil)
    if outcome == OK:
        assert access.student_for_user(user, student.pk, write=write) == student
    elif outcome == NOT_FOUND:
        with pytest.raises(Http404):
            access.student_for_user(user, student.pk, write=write)
    else:
        with pytest.raises(PermissionDenied):
            access.student_for_user(user, student.pk, write=write)


def test_pk_may_arrive_as_a_string_from_the_url(personas, pupils):
    assert access.student_for_user(personas.begeleider_a, str(pupils.a.pk)) == pupils.a


@pytest.mark.parametrize("pk", ["abc", "1 OR 1=1", "", None, "1.5", [1], 999_999_999], ids=repr)
def test_bad_or_unknown_pk_is_404(personas, pupils, pk):
    with pytest.raises(Http404):
        access.student_for_user(personas.begeleider_a, pk)


def test_anonymous_user_reaches_nothing(pupils):
    anonymous = AnonymousUser()
    assert not access.students_visible_to(anonymous).exists()
    with pytest.raises(Http404):
        access.student_for_user(anonymous, pupils.a.pk)


def test_deactivated_user_reaches_nothing(personas, pupils):
    user = personas.begeleider_a
    user.is_active = False
    user.save()
    accounts_access.clear_cache(user)
    assert not access.students_visible_to(user).exists()
    with pytest.raises(Http404):
        access.student_for_user(user, pupils.a.pk)


def test_rights_are_per_school_not_per_user(org, pupils):
    """Begeleider at school A and leerkracht at school B: writes at A, reads only at B."""
    user = member(Role.BEGELEIDER, school=org.school_a)
    # approved (issue 16: pending gives nothing); the leerkracht of group 4a (StudentFactory's group)
    approved_membership(user, Role.LEERKRACHT, school=org.school_b, groups=["4a"])
    accounts_access.clear_cache(user)
    assert set(access.students_visible_to(user)) == {pupils.a, pupils.b}
    assert access.student_for_user(user, pupils.a.pk, write=True) == pupils.a
    assert access.student_for_user(user, pupils.b.pk) == pupils.b
    with pytest.raises(PermissionDenied):
        access.student_for_user(user, pupils.b.pk, write=True)


def test_visible_queryset_stays_in_the_database(personas, pupils, django_assert_max_num_queries):
    """The register filters in SQL: one query for the memberships, one for the pupils, whatever the count."""
    StudentFactory.create_batch(5, school=pupils.a.school)
    user = personas.begeleider_a
    accounts_access.clear_cache(user)
    with django_assert_max_num_queries(2):
        assert len(list(access.students_visible_to(user))) == 6
