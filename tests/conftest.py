"""Personas, one world and one clock shared by all tests (ARCHITECTURE.md "Tests").

Two boards. Board A has school A (bao) and school A2 (vso, cluster 4); board B has school B.
Persona names say who they are; parents of pupils A and B arrive with the pupils (issue 3).

- ``clock``: time frozen at CLOCK_ANCHOR, or where the module or test says with ``pytest.mark.clock(datetime)``.
- ``world``: the portal's cast (tests.factories.portal_world) on the personas, built on that frozen clock.
"""

import datetime
import os
import zoneinfo
from types import SimpleNamespace

import pytest
import time_machine

from accounts.models import Role

from .factories import BoardFactory, SchoolFactory, UserFactory, member, portal_world
from .s3 import s3_server, s3_storage  # noqa: F401 -- the S3 test server's fixtures, for every test directory

PASSWORD = "correct-horse-battery"

#: The suite must not age (a test that only passes today is a defect): CI runs it a second time with the clock
#: moved OPP_TEST_CLOCK_SHIFT_DAYS days ahead (`make test-shifted`). Tests that freeze time themselves still do;
#: everything else sees the moved, ticking clock from the first import on.
CLOCK_SHIFT_DAYS = int(os.environ.get("OPP_TEST_CLOCK_SHIFT_DAYS") or 0)


AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")

#: Where the `clock` fixture stops time unless told otherwise: Friday 25 September 2026, 10:00 in Amsterdam, the day
#: `world`'s dates are written around (its consultation was on 20 September, its OPPs are due on 13 October).
CLOCK_ANCHOR = datetime.datetime(2026, 9, 25, 10, 0, tzinfo=AMS)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "clock(at): the aware datetime where the `clock` fixture stops time (default: tests.conftest."
                   "CLOCK_ANCHOR); on a test, or for a whole module with `pytestmark = pytest.mark.clock(NOW)`")
    if CLOCK_SHIFT_DAYS:
        moved = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=CLOCK_SHIFT_DAYS)
        config._opp_clock = time_machine.travel(moved, tick=True)
        config._opp_clock.start()


def pytest_report_header(config):
    if CLOCK_SHIFT_DAYS:
        return f"clock moved {CLOCK_SHIFT_DAYS} days ahead: {datetime.date.today().isoformat()} (OPP_TEST_CLOCK_SHIFT_DAYS)"
    return None


@pytest.fixture
def clock(request):
    """Time stands still (tick=False) at the test's anchor for the whole test, whatever the session clock says.

    The anchor is the closest ``pytest.mark.clock(at)`` (test, class, then module ``pytestmark``), else
    CLOCK_ANCHOR. The mark alone freezes nothing: a test gets the clock by asking for `clock` (or `world`, or
    ``pytest.mark.usefixtures("clock")``). Yields the time_machine traveller: ``clock.shift(timedelta)`` moves
    time on, ``clock.move_to(datetime)`` sets it.
    """
    mark = request.node.get_closest_marker("clock")
    at = CLOCK_ANCHOR if mark is None else (mark.args or [None])[0]
    if not (isinstance(at, datetime.datetime) and at.tzinfo and (mark is None or len(mark.args) == 1)):
        raise TypeError(f"pytest.mark.clock takes one aware datetime, not {mark.args!r}")
    with time_machine.travel(at, tick=False) as traveller:
        yield traveller


@pytest.fixture
def org(db):
    board_a = BoardFactory(name="Stichting A")
    board_b = BoardFactory(name="Stichting B")
    school_a = SchoolFactory(board=board_a, name="School A", brin="01AA", onderwijssoorten=["bao"])
    school_a2 = SchoolFactory(board=board_a, name="School A2 (vso)", brin="01AB", onderwijssoorten=["vso"], cluster=4)
    school_b = SchoolFactory(board=board_b, name="School B", brin="02BB", onderwijssoorten=["bao"])
    return SimpleNamespace(board_a=board_a, board_b=board_b, school_a=school_a, school_a2=school_a2, school_b=school_b)


@pytest.fixture
def personas(org):
    return SimpleNamespace(
        begeleider_a=member(Role.BEGELEIDER, school=org.school_a, username="begeleider_a"),
        begeleider_b=member(Role.BEGELEIDER, school=org.school_b, username="begeleider_b"),
        # The leerkracht of group 4a (StudentFactory's group): a leerkracht reads only the own groups' pupils.
        leerkracht_a=member(Role.LEERKRACHT, school=org.school_a, username="leerkracht_a", groups=["4a"]),
        schoolleider_a=member(Role.SCHOOLLEIDER, school=org.school_a, username="schoolleider_a"),
        schoolleider_mandaat_a=member(Role.SCHOOLLEIDER, school=org.school_a, mandate=True, username="schoolleider_mandaat_a"),
        commissie_a2=member(Role.COMMISSIE, school=org.school_a2, username="commissie_a2"),
        bestuurder_a=member(Role.BESTUURDER, board=org.board_a, username="bestuurder_a"),
        bestuurder_b=member(Role.BESTUURDER, board=org.board_b, username="bestuurder_b"),
        geschillen_a=member(Role.GESCHILLEN, board=org.board_a, username="geschillen_a"),
        beheerder_a=member(Role.BEHEERDER, board=org.board_a, username="beheerder_a"),
        outsider=UserFactory(username="outsider"),
    )


@pytest.fixture
def world(clock, private, org, personas):
    """The portal's cast on the personas (tests.factories.portal_world: Sanne, Bram and Lotte with their parents and
    their versions 1 in overleg), built with time frozen by `clock`, which keeps standing for the test; uploads
    go to `private`. A module's scenario step builds on it (``def ready(world, personas): ...``)."""
    return portal_world(org, personas)


@pytest.fixture
def superuser(db):
    """The technical superuser (no membership): the only one who sees the audit log in the admin."""
    return UserFactory(username="technisch_beheer", is_superuser=True, is_staff=True)


@pytest.fixture
def login(client):
    """Log a persona in through the real login form (so auditing and redirects are exercised)."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def private(settings, tmp_path):
    """Uploads and archived PDFs of this test in its own folder (PRIVATE_MEDIA_ROOT), gone afterwards."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT
