"""Invariants of the organisation models: database constraints, clean() and their Dutch messages."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from accounts.models import Membership, Role, School, brin_validator
from security.admin import SchoolForm
from tests.factories import SchoolFactory, UserFactory


@pytest.fixture(autouse=True)
def _dutch():
    with translation.override("nl"):
        yield


# --- Membership: the database refuses what clean() would refuse ---------------------------------


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        (Role.BEGELEIDER, "both"),  # school role with a board as well
        (Role.LEERKRACHT, "board"),  # school role at a board
        (Role.SCHOOLLEIDER, "none"),
        (Role.BESTUURDER, "school"),  # board role at a school
        (Role.BEHEERDER, "both"),
        (Role.GESCHILLEN, "none"),
    ],
)
def test_membership_scope_must_match_role_in_the_database(org, role, scope):
    user = UserFactory()
    kwargs = {
        "both": {"school": org.school_a, "board": org.board_a},
        "board": {"board": org.board_a},
        "school": {"school": org.school_a},
        "none": {},
    }[scope]
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, role=role, **kwargs)
    assert not Membership.objects.filter(user=user).exists()


@pytest.mark.parametrize("role", [Role.BEGELEIDER, Role.LEERKRACHT, Role.COMMISSIE])
def test_mandate_on_a_non_schoolleider_is_refused_by_the_database(org, role):
    user = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, role=role, school=org.school_a, adoption_mandate=True)


def test_mandate_on_a_board_role_is_refused_by_the_database(org):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=UserFactory(), role=Role.BESTUURDER, board=org.board_a, adoption_mandate=True)


def test_schoolleider_may_hold_a_mandate(org):
    m = Membership.objects.create(user=UserFactory(), role=Role.SCHOOLLEIDER, school=org.school_a, adoption_mandate=True)
    m.full_clean()  # no error
    assert Membership.objects.get(pk=m.pk).adoption_mandate is True


def test_same_role_twice_at_the_same_school_is_refused(org):
    user = UserFactory()
    Membership.objects.create(user=user, role=Role.BEGELEIDER, school=org.school_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, role=Role.BEGELEIDER, school=org.school_a)
    # The same role at another school, or another role at the same school, is fine.
    Membership.objects.create(user=user, role=Role.BEGELEIDER, school=org.school_b)
    Membership.objects.create(user=user, role=Role.SCHOOLLEIDER, school=org.school_a)
    assert Membership.objects.filter(user=user).count() == 3


def test_same_role_twice_at_the_same_board_is_refused(org):
    user = UserFactory()
    Membership.objects.create(user=user, role=Role.BESTUURDER, board=org.board_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, role=Role.BESTUURDER, board=org.board_a)


# --- Membership.full_clean: the messages a beheerder reads in the admin -------------------------


def test_full_clean_school_role_at_a_board_says_so_in_dutch(org):
    m = Membership(user=UserFactory(), role=Role.BEGELEIDER, board=org.board_a)
    with pytest.raises(ValidationError) as exc:
        m.full_clean()
    assert exc.value.message_dict["school"] == ["Deze rol hoort bij een school: kies een school en geen bestuur."]


def test_full_clean_board_role_at_a_school_says_so_in_dutch(org):
    m = Membership(user=UserFactory(), role=Role.BESTUURDER, school=org.school_a)
    with pytest.raises(ValidationError) as exc:
        m.full_clean()
    assert exc.value.message_dict["board"] == ["Deze rol hoort bij een bestuur: kies een bestuur en geen school."]


def test_full_clean_mandate_for_a_leerkracht_says_so_in_dutch(org):
    m = Membership(user=UserFactory(), role=Role.LEERKRACHT, school=org.school_a, adoption_mandate=True)
    with pytest.raises(ValidationError) as exc:
        m.full_clean()
    assert exc.value.message_dict["adoption_mandate"] == [
        "Alleen een schoolleider kan mandaat krijgen om vast te stellen."
    ]


def test_full_clean_refuses_a_duplicate_role(org):
    user = UserFactory()
    Membership.objects.create(user=user, role=Role.BEGELEIDER, school=org.school_a)
    with pytest.raises(ValidationError):
        Membership(user=user, role=Role.BEGELEIDER, school=org.school_a).full_clean()


def test_duplicate_role_message_is_understandable_dutch(org):
    user = UserFactory()
    Membership.objects.create(user=user, role=Role.BEGELEIDER, school=org.school_a)
    with pytest.raises(ValidationError) as exc:
        Membership(user=user, role=Role.BEGELEIDER, school=org.school_a).full_clean()
    text = " ".join(exc.value.messages)
    assert "membership_unique" not in text  # a constraint name means nothing to a beheerder
    assert "rol" in text.lower()  # e.g. "Deze gebruiker heeft deze rol al op deze school."


# --- School.clean -------------------------------------------------------------------------------


def _school(**kwargs):
    defaults = {"onderwijssoorten": ["bao"], "cluster": None, "samenwerkingsverband": None}
    defaults.update(kwargs)
    return SchoolFactory.build(**defaults)


@pytest.mark.parametrize("soorten", [["so"], ["vso"], ["so", "vso"]])
def test_school_for_so_or_vso_needs_a_cluster(db, soorten):
    with pytest.raises(ValidationError) as exc:
        _school(onderwijssoorten=soorten, cluster=None).clean()
    assert exc.value.message_dict == {"cluster": ["Een school voor so of vso hoort bij cluster 1, 2, 3 of 4."]}
    _school(onderwijssoorten=soorten, cluster=3).clean()  # with a cluster it is fine


@pytest.mark.parametrize("soorten", [["bao"], ["sbo"], ["vo", "pro"]])
def test_school_without_so_or_vso_has_no_cluster(db, soorten):
    with pytest.raises(ValidationError) as exc:
        _school(onderwijssoorten=soorten, cluster=2).clean()
    assert exc.value.message_dict == {"cluster": ["Alleen scholen voor so of vso hebben een cluster."]}
    _school(onderwijssoorten=soorten, cluster=None).clean()


def test_school_with_unknown_onderwijssoort_names_it(db):
    with pytest.raises(ValidationError) as exc:
        _school(onderwijssoorten=["bao", "havo"]).clean()
    assert exc.value.message_dict == {"onderwijssoorten": ["Onbekende onderwijssoort: havo."]}


@pytest.mark.parametrize("soorten", [[], None, "bao"])
def test_school_needs_at_least_one_onderwijssoort(db, soorten):
    with pytest.raises(ValidationError) as exc:
        _school(onderwijssoorten=soorten).clean()
    assert exc.value.message_dict == {"onderwijssoorten": ["Kies minstens één onderwijssoort."]}


def test_school_lists_each_onderwijssoort_once(db):
    with pytest.raises(ValidationError) as exc:
        _school(onderwijssoorten=["bao", "bao"]).clean()
    assert exc.value.message_dict == {"onderwijssoorten": ["Elke onderwijssoort mag maar één keer voorkomen."]}


def test_school_cluster_outside_1_to_4_is_refused(org):
    school = _school(onderwijssoorten=["so"], cluster=5, board=org.board_a)
    with pytest.raises(ValidationError) as exc:
        school.full_clean()
    assert "cluster" in exc.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        school.save()


def test_school_offers_and_display(org):
    assert org.school_a2.offers("vso") and not org.school_a2.offers("bao")
    assert org.school_a2.get_onderwijssoorten_display() == "Voortgezet speciaal onderwijs (vso)"


# --- BRIN ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("brin", ["12AB", "00ZZ", "99XY"])
def test_brin_validator_accepts(org, brin):
    """A well-formed BRIN passes the validator and the School model's own checks, and is stored exactly as given."""
    brin_validator(brin)
    school = _school(brin=brin, board=org.board_a)
    school.full_clean()
    school.save()
    assert School.objects.get(pk=school.pk).brin == brin


@pytest.mark.parametrize("brin", ["12ab", "1AB", "123AB", "AB12", "12A1", "12 AB", "", "12ÄB"])
def test_brin_validator_refuses_with_dutch_message(brin):
    with pytest.raises(ValidationError) as exc:
        brin_validator(brin)
    assert exc.value.messages == ["Een BRIN-code bestaat uit twee cijfers en twee hoofdletters, bijvoorbeeld 12AB."]


def test_school_full_clean_rejects_a_bad_brin(org):
    school = _school(brin="1234", board=org.board_a)
    with pytest.raises(ValidationError) as exc:
        school.full_clean()
    assert "brin" in exc.value.message_dict


def test_brin_must_be_unique(org):
    with pytest.raises(IntegrityError), transaction.atomic():
        School.objects.create(board=org.board_b, brin=org.school_a.brin, name="Dubbel", onderwijssoorten=["bao"])


def test_school_form_normalises_a_typed_brin(org):
    """The admin form accepts ' 12ab ' as typed and stores the canonical 12AB."""
    form = SchoolForm(
        data={"board": org.board_a.pk, "brin": " 12ab ", "name": "Nieuwe school", "onderwijssoorten": ["bao"]}
    )
    assert form.is_valid(), form.errors
    school = form.save()
    assert School.objects.get(pk=school.pk).brin == "12AB"


def test_school_form_requires_cluster_for_vso(org):
    form = SchoolForm(data={"board": org.board_a.pk, "brin": "13AB", "name": "VSO X", "onderwijssoorten": ["vso"]})
    assert not form.is_valid()
    assert form.errors["cluster"] == ["Een school voor so of vso hoort bij cluster 1, 2, 3 of 4."]
