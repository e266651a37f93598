"""PostgreSQL: the frozen-version triggers (opp migrations 0002, 0006) still refuse every ordinary delete and
update of an adopted version and its items; the retention job, and only inside its own transaction, may delete."""

import pytest
from django.db import DatabaseError, connection, transaction

from opp.models import ActionItem, PlanVersion
from retention import services
from tests.factories import PlanFactory, PlanVersionFactory, StudentFactory
from tests.services import require_postgres

from .world import FILE_DUE, frozen, left_pupil

pytestmark = pytest.mark.services


@pytest.fixture(autouse=True)
def postgres(settings, tmp_path):
    require_postgres()
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def adopted(org):
    plan = PlanFactory(student=StudentFactory(school=org.school_a))
    return PlanVersionFactory(plan=plan, adopted=True, with_actions=2, uitstroom_profiel="vmbo_kb")


def raw(*statements, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql, params if "%s" in sql else None)
        return cursor.rowcount


@pytest.mark.parametrize("sql", [
    "DELETE FROM opp_planversion WHERE id = %s",
    "DELETE FROM opp_actionitem WHERE version_id = %s",
    "UPDATE opp_planversion SET uitstroom_onderbouwing = 'x' WHERE id = %s",
    "UPDATE opp_actionitem SET goal = 'x' WHERE version_id = %s",
])
def test_an_ordinary_delete_or_update_is_refused(adopted, sql):
    with pytest.raises(DatabaseError, match="adopted"):
        raw(sql, params=[adopted.pk])
    assert PlanVersion.objects.filter(pk=adopted.pk).exists() and adopted.actions.count() == 2


@pytest.mark.parametrize("sql", [
    "UPDATE opp_planversion SET uitstroom_onderbouwing = 'x' WHERE id = %s",
    "UPDATE opp_actionitem SET goal = 'x' WHERE version_id = %s",
    "UPDATE opp_planversion SET state = 'concept' WHERE id = %s",
])
def test_even_with_the_retention_flag_an_adopted_version_never_changes(adopted, sql):
    with pytest.raises(DatabaseError, match="adopted"):
        raw("SET LOCAL opp.retention = 'on'", sql, params=[adopted.pk])
    assert PlanVersion.objects.get(pk=adopted.pk).uitstroom_onderbouwing == ""


@pytest.mark.django_db(transaction=True)
def test_the_flag_lets_a_delete_through_and_ends_with_its_transaction(adopted):
    """A real transaction each (not the test's savepoints): SET LOCAL lasts until the end of the transaction."""
    assert raw("SET LOCAL opp.retention = 'on'", "DELETE FROM opp_actionitem WHERE version_id = %s",
               params=[adopted.pk]) == 2
    with pytest.raises(DatabaseError, match="adopted"):
        raw("DELETE FROM opp_planversion WHERE id = %s", params=[adopted.pk])


def test_the_retention_job_deletes_adopted_versions(org, personas, django_capture_on_commit_callbacks):
    roos = left_pupil(org, personas)
    with frozen(FILE_DUE), django_capture_on_commit_callbacks(execute=True):
        [item] = services.run().pupils
    assert item.counts["dossier"]["opp.planversion"] == 2
    assert not PlanVersion.objects.filter(plan=roos.plan).exists()
    assert not ActionItem.objects.filter(version__plan=roos.plan).exists()


def test_after_the_job_the_triggers_refuse_again_in_the_same_transaction(org, personas, adopted):
    """The job switches the flag off after each pupil: a wider transaction (here the test's) gains nothing."""
    left_pupil(org, personas)
    with frozen(FILE_DUE):
        assert len(services.run().pupils) == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(current_setting('opp.retention', true), '')")
        assert cursor.fetchone()[0] != "on"
    with pytest.raises(DatabaseError, match="adopted"):
        raw("DELETE FROM opp_planversion WHERE id = %s", params=[adopted.pk])
    assert PlanVersion.objects.filter(pk=adopted.pk).exists()
