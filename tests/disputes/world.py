"""The disputes tests' cast (a module, not a conftest: tests/disputes is shared with the dossier tests).

Sanne Jansen (school A, board A) has an adopted version made known on 1 October 2026; her mother has a portal
account (`ouder`). Today is 15 October 2026.
"""

import datetime
import zoneinfo
from types import SimpleNamespace

import time_machine

from accounts.models import Role
from tests.factories import PlanFactory, PlanVersionFactory, StudentFactory, member, parent_of
from tests.pdfs import MINIMAL_PDF

D = datetime.date
AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
TODAY = D(2026, 10, 15)
NOW = datetime.datetime(2026, 10, 15, 10, 0, tzinfo=AMS)  # where the disputes tests' `clock` stands (TODAY, 10:00)
MADE_KNOWN = D(2026, 10, 1)
PDF = MINIMAL_PDF  # a real PDF: the upload check parses every PDF (issue 16)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def frozen(day: datetime.date = TODAY, hour: int = 10):
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, hour, 0, tzinfo=AMS), tick=False)


def adopted_version(student, *, by, made_known_on=MADE_KNOWN):
    """An adopted version, made known on `made_known_on` through the portal to the parents who have an account
    (a row per party, as opp.adoption writes it: issue 15)."""
    from opp import bekendmaking

    plan = PlanFactory(student=student, created_by=by)
    version = PlanVersionFactory(plan=plan, with_actions=1, uitstroom_profiel="vmbo_kb", made_known_on=made_known_on,
                                 adopted=True)
    if made_known_on is not None:
        bekendmaking.record_portal(version_or_plan=version, on=made_known_on)
    return version


def make_world(org, personas):
    sanne = StudentFactory(school=org.school_a, first_name="Sanne", last_name="Jansen")
    moeder = parent_of(sanne, name="Mirjam Jansen", username="ouder")
    version = adopted_version(sanne, by=personas.begeleider_a)
    bram = StudentFactory(school=org.school_b, first_name="Bram", last_name="Bakker")
    version_b = adopted_version(bram, by=personas.begeleider_b)
    return SimpleNamespace(
        sanne=sanne, ouder=moeder.user, version=version, plan=version.plan, bram=bram, version_b=version_b,
        geschillen_b=member(Role.GESCHILLEN, board=org.board_b, username="geschillen_b"),
    )
