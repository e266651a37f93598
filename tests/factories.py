"""factory_boy factories shared by every test module."""

import factory
from factory.django import DjangoModelFactory

from accounts.models import Board, Membership, Role, Samenwerkingsverband, School, User


class BoardFactory(DjangoModelFactory):
    class Meta:
        model = Board
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Stichting Test {n}")


class SwvFactory(DjangoModelFactory):
    class Meta:
        model = Samenwerkingsverband
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"PO 9{n % 10}-{n % 90 + 1:02d}")
    name = factory.Sequence(lambda n: f"SWV Test {n}")


def _brin(n):
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return f"{n % 100:02d}{letters[(n // 100) % 26]}{letters[(n // 2600) % 26 if n >= 2600 else n % 26]}"


class SchoolFactory(DjangoModelFactory):
    class Meta:
        model = School

    board = factory.SubFactory(BoardFactory)
    brin = factory.Sequence(_brin)
    name = factory.Sequence(lambda n: f"Testschool {n}")
    onderwijssoorten = factory.LazyFunction(lambda: ["bao"])
    cluster = None
    samenwerkingsverband = factory.SubFactory(SwvFactory)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Gebruiker{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.nl")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.BEGELEIDER
    school = factory.SubFactory(SchoolFactory)
    board = None


def member(role, *, school=None, board=None, mandate=False, username=None):
    """A user holding one role at a school or board."""
    user = UserFactory(**({"username": username} if username else {}))
    Membership.objects.create(user=user, role=role, school=school, board=board, adoption_mandate=mandate)
    return user
