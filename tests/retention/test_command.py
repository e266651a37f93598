"""`manage.py retention_sweep`, the nightly task and its beat schedule, the run record in the admin, the demo,
and the purge of import files."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from audit.models import AuditEvent
from opp.models import Plan
from opp_portal import celery_app
from retention import services
from retention.models import RetentionRun
from students.models import ImportBatch, Student

from .world import DAY, ENROLMENT_DUE, FILE_DUE, D, frozen, left_pupil


@pytest.fixture(autouse=True)
def _private_media(private):
    """Every test here stores files: each in its own folder (the `private` fixture of tests/conftest.py)."""


def sweep(day, *args):
    out = io.StringIO()
    with frozen(day):
        call_command("retention_sweep", *args, stdout=out)
    return out.getvalue()


# --- The command -------------------------------------------------------------------------------------------------


def test_dry_run_prints_references_schools_categories_and_totals_but_no_names(org, personas):
    roos = left_pupil(org, personas)
    held = left_pupil(org, personas, first_name="Thijs", last_name="Brouwer", mother="Els Brouwer",
                      dispute_state="zitting")
    out = sweep(ENROLMENT_DUE, "--dry-run")
    assert "Bewaartermijnen op 15 maart 2029 – proef: er is niets verwijderd." in out
    assert "Termijnen na uitschrijving: leerlingdossier 2 jaar, plaatsingsgegevens 3 jaar, inschrijvingsgegevens 5 jaar." in out
    assert "Gaat weg (1 leerling):" in out
    line = next(x for x in out.splitlines() if services.pupil_ref(roos.pupil.pk) in x)
    assert "School A" in line and "leerlingdossier, plaatsingsgegevens, inschrijvingsgegevens" in line
    assert "OPP-versies 2" in out and "portaalaccounts (geanonimiseerd) 1" in out
    assert "Aangehouden wegens een lopend geschil (1 leerling)" in out
    assert services.pupil_ref(held.pupil.pk) in out
    assert "  leerlingdossier        1 leerling, " in out
    assert "  plaatsingsgegevens     1 leerling, 1 rij: plaatsingsgebeurtenissen 1" in out
    assert not any(name in out for name in roos.names + held.names)
    assert Student.objects.filter(pk=roos.pupil.pk).exists()
    assert RetentionRun.objects.get().dry_run


def test_without_dry_run_it_deletes_and_says_so(org, personas):
    roos = left_pupil(org, personas)
    out = sweep(FILE_DUE)
    assert "Verwijderd (1 leerling):" in out and "Elke verwijdering staat in het auditlogboek." in out
    assert not Plan.objects.filter(student=roos.pupil).exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.RETENTION_DELETE).count() == 1


def test_with_nothing_due_it_says_so(db):
    out = sweep(FILE_DUE, "--dry-run")
    assert "Gaat weg (0 leerlingen):\n  (geen)" in out
    assert "Aangehouden" not in out


def test_a_date_lets_the_operator_look_ahead(org, personas):
    roos = left_pupil(org, personas)
    out = sweep(FILE_DUE - DAY, "--dry-run", "--date", "2029-03-15")
    assert "Bewaartermijnen op 15 maart 2029" in out and services.pupil_ref(roos.pupil.pk) in out
    assert RetentionRun.objects.get().run_date == ENROLMENT_DUE


def test_a_future_date_without_dry_run_is_refused(org, personas):
    roos = left_pupil(org, personas)
    with pytest.raises(CommandError, match="alleen met --dry-run"):
        sweep(FILE_DUE - DAY, "--date", "2029-03-15")
    assert Student.objects.filter(pk=roos.pupil.pk).exists() and not RetentionRun.objects.exists()


def test_a_malformed_date_is_refused_with_a_dutch_message(db):
    with pytest.raises(CommandError, match="geen datum; schrijf JJJJ-MM-DD"):
        sweep(FILE_DUE, "--date", "15-03-2029")


# --- The task and its schedule -------------------------------------------------------------------------------------


def test_the_nightly_task_runs_the_job(org, personas):
    import retention.tasks  # noqa: F401 - registers the task with the app

    roos = left_pupil(org, personas)
    with frozen(FILE_DUE):
        result = celery_app.tasks["retention.nightly"].delay().get()
    assert result == {"pupils": 1, "held": 0, "errors": 0, "imports": {"blanked": 0, "deleted": 0}}
    assert not Plan.objects.filter(student=roos.pupil).exists()
    assert not RetentionRun.objects.get().dry_run


@pytest.mark.django_db(transaction=True)
def test_the_migration_registers_the_nightly_run_at_half_past_two_amsterdam_time():
    """Unapply and reapply the data migration, so the test does not depend on the database's history."""
    call_command("migrate", "retention", "0001", verbosity=0)
    assert not PeriodicTask.objects.filter(task="retention.nightly").exists()
    call_command("migrate", "retention", verbosity=0)
    task = PeriodicTask.objects.get(task="retention.nightly")
    assert task.enabled and task.interval is None
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_week) == ("30", "2", "*")
    assert str(task.crontab.timezone) == "Europe/Amsterdam"


# --- The run record --------------------------------------------------------------------------------------------


def test_the_operator_sees_the_last_runs(org, personas):
    left_pupil(org, personas)
    sweep(FILE_DUE, "--dry-run")
    sweep(FILE_DUE)
    out = sweep(FILE_DUE, "--runs")
    lines = out.splitlines()
    assert lines[0] == "Laatste rondes van de bewaartermijnen:"
    assert "15 maart 2026" in lines[2] and "echt" in lines[2] and "1 leerling" in lines[2]
    assert "proef" in lines[3]
    assert RetentionRun.objects.count() == 2  # looking does not run


# --- The demo ----------------------------------------------------------------------------------------------------------


def test_the_demo_shows_one_file_due_and_one_pupil_gone_whole(db):
    from retention.demo import seed_retention
    from security.demo import seed_organisations_and_accounts

    seed_organisations_and_accounts()
    out = io.StringIO()
    made = seed_retention(out)
    assert [s.pupil_number for s in made] == ["R001", "R002"] and "retention_sweep --dry-run" in out.getvalue()
    assert seed_retention() == []  # idempotent
    due = {item.student_id: item.categories for item in services.plan().pupils}
    assert due == {made[0].pk: ("dossier",), made[1].pk: ("dossier", "inschrijving")}


# --- Import files -------------------------------------------------------------------------------------------------


def batch(org, personas, *, age: datetime.timedelta, **fields):
    fields = {"content": "leerlingnummer;voornaam\n1;Roos\n"} | fields
    row = ImportBatch.objects.create(school=org.school_a, uploaded_by=personas.begeleider_a, filename="leerlingen.csv",
                                     sha256="0" * 64, delimiter=";", encoding="utf-8", **fields)
    ImportBatch.objects.filter(pk=row.pk).update(created_at=timezone.now() - age)
    return row


def test_an_abandoned_import_loses_its_content_and_old_imports_go(org, personas, settings):
    with frozen(D(2026, 11, 28), hour=2):
        fresh = batch(org, personas, age=datetime.timedelta(hours=20))
        abandoned = batch(org, personas, age=datetime.timedelta(hours=30))
        old = batch(org, personas, age=datetime.timedelta(days=91), state="discarded", content="")
        dry = services.run(dry_run=True)
        assert dry.imports == {"blanked": 1, "deleted": 1}
        assert ImportBatch.objects.get(pk=abandoned.pk).content and ImportBatch.objects.filter(pk=old.pk).exists()
        result = services.run()
    assert result.imports == {"blanked": 1, "deleted": 1}
    assert ImportBatch.objects.get(pk=fresh.pk).content.startswith("leerlingnummer")
    gone = ImportBatch.objects.get(pk=abandoned.pk)
    assert (gone.state, gone.content) == ("discarded", "")
    assert not ImportBatch.objects.filter(pk=old.pk).exists()
    audited = dict(AuditEvent.objects.filter(action=AuditEvent.Action.RETENTION_DELETE, object_type="students.importbatch")
                   .values_list("object_id", "details"))
    assert audited == {str(abandoned.pk): {"import": "content_blanked"}, str(old.pk): {"import": "deleted"}}


def test_the_import_retention_is_a_setting(org, personas, settings):
    settings.OPP_RETENTION_IMPORT_DAYS = 10
    applied = batch(org, personas, age=datetime.timedelta(days=11), state="applied", applied_at=timezone.now(),
                    content="")
    assert services.run().imports == {"blanked": 0, "deleted": 1}
    assert not ImportBatch.objects.filter(pk=applied.pk).exists()
