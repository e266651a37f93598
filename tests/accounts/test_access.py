"""accounts.access, role by role (ARCHITECTURE.md role table).

The expectations are written out from the role table, not derived from access.ROLE_CAPS, so that a
change to the mapping shows up here as a deliberate edit.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from accounts import access
from accounts.access import Cap
from accounts.models import Membership, Role
from tests.factories import approved_membership, fresh, member

ALL_CAPS = frozenset(Cap)
READ = {Cap.PUPIL_VIEW, Cap.PLAN_VIEW}
SCHOOL_WRITE = READ | {Cap.PUPIL_EDIT, Cap.PLAN_EDIT}
# The pupil's disputes read-only; withdrawing (like adopting) only with the board's mandate (R-SET-5).
# Four eyes (issue 16): the schoolleider approves new roles at the school, the bestuurder every role of the board.
# The goal bank: the schoolleider keeps the school's, the bestuurder the board's (opp.bank).
SCHOOLLEIDER = SCHOOL_WRITE | {Cap.SCHOOL_OVERVIEW, Cap.AUDIT_VIEW, Cap.DISPUTE_VIEW, Cap.ACCESS_APPROVE,
                               Cap.TEXTBANK_MANAGE}
BOARD = {Cap.PLAN_VIEW, Cap.PLAN_ADOPT, Cap.PLAN_WITHDRAW, Cap.BOARD_OVERVIEW, Cap.AUDIT_VIEW,
         Cap.DISPUTE_VIEW, Cap.DISPUTE_EDIT, Cap.ACCESS_APPROVE, Cap.ACCESS_APPROVE_BOARD, Cap.TEXTBANK_MANAGE}

# persona -> (capabilities, the schools (org attribute names) where they hold them)
EXPECTED = {
    "begeleider_a": (SCHOOL_WRITE, {"school_a"}),
    "begeleider_b": (SCHOOL_WRITE, {"school_b"}),
    "leerkracht_a": (READ, {"school_a"}),
    "schoolleider_a": (SCHOOLLEIDER, {"school_a"}),
    "schoolleider_mandaat_a": (SCHOOLLEIDER | {Cap.PLAN_ADOPT, Cap.PLAN_WITHDRAW}, {"school_a"}),
    "commissie_a2": (READ | {Cap.COMMISSION_EDIT}, {"school_a2"}),
    "bestuurder_a": (BOARD, {"school_a", "school_a2"}),
    "bestuurder_b": (BOARD, {"school_b"}),
    "geschillen_a": ({Cap.DISPUTE_VIEW, Cap.DISPUTE_EDIT}, {"school_a", "school_a2"}),
    "beheerder_a": ({Cap.ACCOUNTS_MANAGE}, {"school_a", "school_a2"}),
    "outsider": (set(), set()),
}
SCHOOLS = ("school_a", "school_a2", "school_b")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_capabilities_per_persona(personas, name):
    caps, _ = EXPECTED[name]
    assert access.capabilities(getattr(personas, name)) == caps


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_schools_with_and_has_cap_per_persona(personas, org, name):
    user = getattr(personas, name)
    caps, school_names = EXPECTED[name]
    expected_schools = {getattr(org, s).pk for s in school_names}
    for cap in ALL_CAPS:
        want = expected_schools if cap in caps else set()
        got = set(access.schools_with(user, cap).values_list("pk", flat=True))
        assert got == want, f"{name}: schools_with({cap}) = {got}, expected {want}"
        for school_name in SCHOOLS:
            school = getattr(org, school_name)
            assert access.has_cap(user, cap, school) is (school.pk in want), f"{name}: has_cap({cap}, {school_name})"
            # Views sometimes only have the id at hand; the answer must not change.
            assert access.has_cap(user, cap, school.pk) is (school.pk in want), f"{name}: has_cap({cap}, {school_name}.pk)"


def test_leerkracht_reads_but_never_writes(personas, org):
    user = personas.leerkracht_a
    assert access.has_cap(user, Cap.PUPIL_VIEW, org.school_a)
    assert access.has_cap(user, Cap.PLAN_VIEW, org.school_a)
    for cap in (Cap.PUPIL_EDIT, Cap.PLAN_EDIT, Cap.PLAN_WITHDRAW, Cap.PLAN_ADOPT):
        assert not access.has_cap(user, cap, org.school_a)
    with pytest.raises(PermissionDenied):
        access.require_cap(user, Cap.PUPIL_EDIT, org.school_a)


def test_require_cap_passes_for_the_begeleider_of_the_school(personas, org):
    access.require_cap(personas.begeleider_a, Cap.PUPIL_EDIT, org.school_a)  # no exception
    with pytest.raises(PermissionDenied):
        access.require_cap(personas.begeleider_a, Cap.PUPIL_EDIT, org.school_b)


@pytest.mark.parametrize("school_name", SCHOOLS)
def test_beheerder_never_reaches_pupil_data(personas, org, school_name):
    school = getattr(org, school_name)
    for cap in ALL_CAPS - {Cap.ACCOUNTS_MANAGE}:
        assert not access.has_cap(personas.beheerder_a, cap, school), cap
    assert not access.schools_with(personas.beheerder_a, Cap.PUPIL_VIEW).exists()
    assert not access.schools_with(personas.beheerder_a, Cap.PLAN_VIEW).exists()


def test_beheerder_manages_only_own_board(personas, org):
    assert list(access.boards_managed_by(personas.beheerder_a)) == [org.board_a]
    assert not access.boards_managed_by(personas.bestuurder_a).exists()
    assert not access.boards_managed_by(personas.outsider).exists()


# persona -> the schools where adoption_mandate_of returns a membership
MANDATES = {
    "schoolleider_mandaat_a": {"school_a"},
    "bestuurder_a": {"school_a", "school_a2"},
    "bestuurder_b": {"school_b"},
    "schoolleider_a": set(),
    "begeleider_a": set(),
    "leerkracht_a": set(),
    "commissie_a2": set(),
    "geschillen_a": set(),
    "beheerder_a": set(),
    "outsider": set(),
}


@pytest.mark.parametrize("name", sorted(MANDATES))
def test_adoption_mandate_of(personas, org, name):
    user = getattr(personas, name)
    for school_name in SCHOOLS:
        school = getattr(org, school_name)
        mandate = access.adoption_mandate_of(user, school)
        if school_name in MANDATES[name]:
            assert mandate is not None, f"{name} should be able to adopt for {school_name}"
            assert mandate.user_id == user.pk
            assert mandate.role in (Role.BESTUURDER, Role.SCHOOLLEIDER)
            if mandate.role == Role.SCHOOLLEIDER:
                assert mandate.adoption_mandate and mandate.school_id == school.pk
            else:
                assert mandate.board_id == school.board_id
        else:
            assert mandate is None, f"{name} must not adopt for {school_name}"


def test_schoolleider_mandate_does_not_travel_to_another_school(org):
    """Mandate at school A plus a plain schoolleider role at A2: adopting only at A."""
    user = member(Role.SCHOOLLEIDER, school=org.school_a, mandate=True, username="leider_twee_scholen")
    approved_membership(user, Role.SCHOOLLEIDER, school=org.school_a2)
    access.clear_cache(user)
    assert access.has_cap(user, Cap.PLAN_ADOPT, org.school_a)
    assert not access.has_cap(user, Cap.PLAN_ADOPT, org.school_a2)
    assert access.adoption_mandate_of(user, org.school_a2) is None
    assert set(access.schools_with(user, Cap.PLAN_ADOPT)) == {org.school_a}
    assert set(access.schools_with(user, Cap.PLAN_EDIT)) == {org.school_a, org.school_a2}


def test_write_rights_do_not_leak_between_memberships(org):
    """Begeleider at A and leerkracht at B: writes at A only, reads at both."""
    user = member(Role.BEGELEIDER, school=org.school_a, username="twee_petten")
    approved_membership(user, Role.LEERKRACHT, school=org.school_b)
    access.clear_cache(user)
    assert set(access.schools_with(user, Cap.PUPIL_EDIT)) == {org.school_a}
    assert set(access.schools_with(user, Cap.PUPIL_VIEW)) == {org.school_a, org.school_b}
    assert not access.has_cap(user, Cap.PLAN_EDIT, org.school_b)


def test_inactive_user_has_nothing(org):
    user = member(Role.BESTUURDER, board=org.board_a, username="oud_bestuurder")
    user.is_active = False
    user.save()
    access.clear_cache(user)
    assert access.capabilities(user) == set()
    assert access.roles(user) == set()
    assert not access.is_staff_member(user)
    for cap in ALL_CAPS:
        assert not access.schools_with(user, cap).exists()
        assert not access.has_cap(user, cap, org.school_a)
    assert access.adoption_mandate_of(user, org.school_a) is None


def test_anonymous_has_nothing(org):
    anon = AnonymousUser()
    assert access.capabilities(anon) == set()
    assert not access.is_staff_member(anon)
    assert not access.schools_with(anon, Cap.PUPIL_VIEW).exists()
    assert not access.has_cap(anon, Cap.PLAN_VIEW, org.school_a)


def test_outsider_is_not_staff(personas):
    assert not access.is_staff_member(personas.outsider)
    assert access.roles(personas.outsider) == set()
    assert access.roles(personas.begeleider_a) == {Role.BEGELEIDER}


def test_revoked_role_is_gone_after_clear_cache(personas, org):
    user = personas.begeleider_a
    assert access.has_cap(user, Cap.PUPIL_VIEW, org.school_a)
    Membership.objects.filter(user=user).delete()
    access.clear_cache(user)
    assert not access.has_cap(user, Cap.PUPIL_VIEW, org.school_a)


def test_membership_lookups_are_cached_per_user_object(personas, org, django_assert_num_queries):
    user = personas.begeleider_a
    access.clear_cache(user)
    with django_assert_num_queries(1):
        access.has_cap(user, Cap.PUPIL_VIEW, org.school_a)
        access.has_cap(user, Cap.PLAN_EDIT, org.school_a)
        access.capabilities(user)


def test_has_cap_with_an_unknown_school_id_is_false_for_every_role(personas):
    unknown = 987654
    assert access.has_cap(personas.begeleider_a, Cap.PUPIL_VIEW, unknown) is False
    assert access.has_cap(personas.bestuurder_a, Cap.PLAN_VIEW, unknown) is False


@pytest.mark.parametrize(("role", "held", "problem"), [
    ("begeleider", set(), None),
    ("begeleider", {"leerkracht"}, None),
    ("begeleider", {"beheerder"}, "beheerder_account"),
    ("beheerder", {"beheerder"}, None),
    ("beheerder", {"schoolleider"}, "beheerder_separate"),
])
def test_a_beheerder_account_holds_no_other_role(role, held, problem):
    assert access.role_combination_problem(role, held) == problem


def test_only_a_schoolleider_holds_the_mandate():
    assert [r for r in Role if access.may_hold_mandate(r)] == [Role.SCHOOLLEIDER]


# --- Need to know: a leerkracht reads only the pupils of their own groups ----------------------------------------


def _pupils_reached(user, cap=Cap.PUPIL_VIEW):
    from students.access import students_reached

    access.clear_cache(user)
    return set(students_reached(user, cap).values_list("last_name", flat=True))


@pytest.fixture
def groups_world(org):
    from tests.factories import StudentFactory

    return {
        name: StudentFactory(school=school, last_name=name, group_name=group)
        for name, school, group in (("Vijf", org.school_a, "5"), ("Zes", org.school_a, "6"),
                                    ("Vijfb", org.school_b, "5"), ("Vso", org.school_a2, "5"))
    }


def test_a_leerkracht_reaches_only_the_pupils_of_their_own_groups(org, groups_world):
    teacher = member(Role.LEERKRACHT, school=org.school_a, groups=["5"])
    reach = access.pupil_reach(teacher, Cap.PLAN_VIEW)
    assert (reach.school_ids, reach.board_ids, reach.groups) == (frozenset(), frozenset(), {org.school_a.pk: {"5"}})
    assert _pupils_reached(teacher) == {"Vijf"}  # not group 6, not group 5 of another school
    assert _pupils_reached(teacher, Cap.PLAN_VIEW) == {"Vijf"}
    # The school-level capability is unchanged: the pages know the school, the rows are filtered.
    assert access.has_cap(teacher, Cap.PUPIL_VIEW, org.school_a)


def test_a_leerkracht_without_groups_reaches_no_pupil(org, groups_world):
    """Fail closed: no group named, no pupil read."""
    teacher = member(Role.LEERKRACHT, school=org.school_a)
    assert not access.pupil_reach(teacher, Cap.PUPIL_VIEW)
    assert _pupils_reached(teacher) == set()


def test_groups_add_up_and_a_whole_school_role_wins(org, groups_world):
    teacher = member(Role.LEERKRACHT, school=org.school_a, groups=["5", "6"])
    approved_membership(teacher, Role.LEERKRACHT, school=org.school_b, groups=["5"])
    assert _pupils_reached(teacher) == {"Vijf", "Zes", "Vijfb"}
    both = member(Role.LEERKRACHT, school=org.school_a, groups=["5"])
    approved_membership(both, Role.BEGELEIDER, school=org.school_a)
    assert _pupils_reached(both) == {"Vijf", "Zes"}
    assert access.pupil_reach(both, Cap.PUPIL_VIEW).groups == {}


def test_other_roles_reach_whole_schools_and_boards_as_before(org, personas, groups_world):
    assert _pupils_reached(personas.begeleider_a) == {"Vijf", "Zes"}
    assert _pupils_reached(personas.bestuurder_a, Cap.PLAN_VIEW) == {"Vijf", "Zes", "Vso"}
    assert _pupils_reached(personas.bestuurder_a, Cap.PUPIL_VIEW) == set()  # the board reads plans, not the register
    assert _pupils_reached(personas.beheerder_a) == set()


def test_a_pending_leerkracht_membership_reaches_nothing(org, groups_world):
    teacher = member(Role.LEERKRACHT, school=org.school_a, groups=["5"], approved=False)
    assert _pupils_reached(teacher) == set()


def test_plans_evaluations_and_disputes_follow_the_pupils(org, personas, groups_world):
    """opp.access, evaluations.access and disputes.access derive from the same pupil filter."""
    from disputes import access as dispute_access
    from evaluations import access as evaluation_access
    from opp import access as plan_access
    from tests.factories import PlanFactory, PlanVersionFactory

    by = personas.begeleider_a
    own = PlanVersionFactory(plan=PlanFactory(student=groups_world["Vijf"], created_by=by), with_actions=1)
    other = PlanVersionFactory(plan=PlanFactory(student=groups_world["Zes"], created_by=by), with_actions=1)
    teacher = member(Role.LEERKRACHT, school=org.school_a, groups=["5"])
    assert set(plan_access.plans_visible_to(teacher)) == {own.plan}
    assert set(plan_access.versions_visible_to(teacher)) == {own}
    assert plan_access.plan_for_user(teacher, own.plan.pk) == own.plan
    with pytest.raises(Exception) as refused:
        plan_access.version_for_user(teacher, other.pk)
    assert refused.value.__class__.__name__ == "Http404" and refused.value.audit_school_id == org.school_a.pk
    assert not evaluation_access.evaluations_visible_to(teacher).filter(plan=other.plan).exists()
    assert set(plan_access.plans_visible_to(personas.begeleider_a)) == {own.plan, other.plan}
    assert not dispute_access.disputes_visible_to(teacher).exists()


def test_the_beheerder_names_a_leerkrachts_groups_in_the_admin(client, org, personas):
    """Beheer → Rollen: "5, 6a" is stored as two groups, audited, and at once what the leerkracht reads."""
    from django.urls import reverse

    from audit.models import AuditEvent
    from tests.auth import login
    from tests.factories import StudentFactory

    StudentFactory(school=org.school_a, last_name="Zesa", group_name="6a")
    membership = Membership.objects.get(user=personas.leerkracht_a)
    login(client, personas.beheerder_a)
    url = reverse("admin:accounts_membership_change", args=[membership.pk])
    assert 'name="groups" value="4a"' in client.get(url).content.decode()
    response = client.post(url, {"user": personas.leerkracht_a.pk, "role": Role.LEERKRACHT, "school": org.school_a.pk,
                                 "groups": " 5, 6a ,5"})
    assert response.status_code == 302, response.content.decode()[:2000]
    membership.refresh_from_db()
    assert membership.groups == ["5", "6a"] and membership.is_approved  # fewer pupils than the school: no new approval
    assert AuditEvent.objects.filter(object_type="accounts.membership", object_id=str(membership.pk),
                                     details__groups=["5", "6a"]).exists()
    assert _pupils_reached(personas.leerkracht_a) == {"Zesa"}


@pytest.mark.parametrize("role", ["begeleider", "leerkracht"])
def test_the_schoolleiders_grant_gives_school_staff_the_goal_bank_of_their_school_only(personas, org, role):
    user = getattr(personas, f"{role}_a")
    Membership.objects.filter(user=user).update(textbank_grant=True)
    user = fresh(user)
    assert Cap.TEXTBANK_MANAGE in access.capabilities(user)
    assert access.has_cap(user, Cap.TEXTBANK_MANAGE, org.school_a)
    assert not access.has_cap(user, Cap.TEXTBANK_MANAGE, org.school_a2)
    assert access.textbank_grant_schools(user) == frozenset()  # managing the bank is not granting it


def test_only_school_staff_besides_the_schoolleider_can_hold_the_goal_bank_grant(personas):
    membership = Membership.objects.get(user=personas.schoolleider_a)
    membership.textbank_grant = True
    with pytest.raises(ValidationError) as exc:
        membership.clean()
    assert "textbank_grant" in exc.value.message_dict
    assert access.may_hold_textbank_grant("commissie") and not access.may_hold_textbank_grant("schoolleider")
