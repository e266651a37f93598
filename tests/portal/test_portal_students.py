"""portal.access.portal_students: whom a portal user reaches (their children, R-TIME-4 applied, and an adult pupil
themself), asked so that PostgreSQL finds each half by its index. As an OR across the guardians' LEFT JOIN with
DISTINCT it read every pupil of every school: the portal start and version pages took 144 and 154 ms at 100,000
pupils (bench/pages.py portal_home, portal_version; README "Performance")."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal import access
from tests.factories import GuardianFactory, GuardianLinkFactory


def _guardian(user, student) -> None:
    GuardianLinkFactory(student=student, guardian=GuardianFactory(school=student.school, user=user))


def test_each_portal_user_reaches_exactly_their_own(world):
    assert set(access.portal_students(world.ouder_a)) == {world.sanne}
    assert set(access.portal_students(world.stief_a)) == {world.sanne}  # a guardian without gezag still reads
    assert set(access.portal_students(world.ouder_b)) == {world.bram}
    assert set(access.portal_students(world.leerling_c)) == {world.lotte}
    assert set(access.portal_students(world.ouder_c)) == set()  # R-TIME-4: not informed by the adult pupil


def test_a_parent_of_two_and_an_adult_pupil_who_is_also_a_parent(world):
    _guardian(world.ouder_a, world.bram)
    assert set(access.portal_students(world.ouder_a)) == {world.sanne, world.bram}
    _guardian(world.leerling_c, world.sanne)
    assert set(access.portal_students(world.leerling_c)) == {world.lotte, world.sanne}


def test_the_pupils_are_one_set_of_ids_without_an_or_across_the_guardians(world):
    with CaptureQueriesContext(connection) as captured:
        students = list(access.portal_students(world.ouder_a))
    assert students == [world.sanne] and len(captured) == 1
    sql = captured[0]["sql"].upper()
    assert " UNION " in sql and "DISTINCT" not in sql and "LEFT OUTER JOIN" not in sql
