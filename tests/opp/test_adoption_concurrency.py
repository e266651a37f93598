"""Two adopters at once (issue 7, part 2): exactly one succeeds, the other is told clearly; PostgreSQL only.

Each thread has its own database connection (Django's connections are per thread) and closes it at the end.
The row lock in opp.adoption.adopt (select_for_update) makes the second adopter wait for the first and
then see that the version no longer awaits adoption.
"""

import threading
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import connection

from audit.models import AuditEvent
from notifications.models import Notification
from opp import adoption
from opp.models import PlanVersion
from tests.conftest import PASSWORD
from tests.factories import StudentFactory, parent_of, ter_vaststelling, version_for_consent
from tests.services import require_postgres

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def waiting(private, org, personas):
    require_postgres()
    student = StudentFactory(school=org.school_a, first_name="Sanne", last_name="Jansen", opp_required=True,
                             support_level="extra")
    parent_of(student, name="Mirjam Jansen", username="ouder_a")
    version = version_for_consent(student, by=personas.begeleider_a)
    return ter_vaststelling(version, by=personas.begeleider_a)


def race(version_pk, users):
    """Let every user adopt the same version at the same moment; returns [(user, result or exception)]."""
    barrier = threading.Barrier(len(users))
    results = [None] * len(users)

    def run(i, user):
        try:
            version = PlanVersion.objects.get(pk=version_pk)
            barrier.wait(timeout=30)
            results[i] = (user, adoption.adopt(actor=user, version=version, password=PASSWORD))
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test asserts
            results[i] = (user, exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, u)) for i, u in enumerate(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "an adopter hung"
    return results


@pytest.mark.parametrize("pair", [("bestuurder_a", "schoolleider_mandaat_a"), ("bestuurder_a", "bestuurder_a")])
def test_two_adopters_at_once_exactly_one_succeeds(waiting, personas, pair):
    users = [type(getattr(personas, name)).objects.get(pk=getattr(personas, name).pk) for name in pair]
    results = race(waiting.pk, users)

    wins = [(u, r) for u, r in results if isinstance(r, PlanVersion)]
    losses = [(u, r) for u, r in results if not isinstance(r, PlanVersion)]
    assert len(wins) == 1, results
    assert len(losses) == 1, results
    loser, error = losses[0]
    assert isinstance(error, ValidationError), repr(error)
    message = " ".join(error.messages)
    assert "wacht niet (meer) op vaststelling" in message and "Vastgesteld" in message

    winner = wins[0][0]
    row = PlanVersion.objects.get(pk=waiting.pk)
    assert row.state == "vastgesteld" and row.adopted_by == winner
    assert PlanVersion.objects.filter(plan=waiting.plan, state="vastgesteld").count() == 1
    adopted_events = [e for e in AuditEvent.objects.filter(action="transition", object_type="opp.planversion",
                                                           object_id=str(waiting.pk))
                      if e.details.get("to") == "vastgesteld"]
    assert len(adopted_events) == 1 and adopted_events[0].actor == winner
    # One archived PDF, one bekendmaking.
    archive = Path(django_settings.PRIVATE_MEDIA_ROOT) / "archief"
    assert len([p for p in archive.rglob("*") if p.is_file()]) == 1
    assert Notification.objects.filter(kind="bekendmaking").count() == 1
