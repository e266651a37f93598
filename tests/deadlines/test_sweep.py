"""The daily deadline sweep (issue 5, parts 3, 4, 6 and "Bad input"), walked day by day with time-machine.

One bao pupil with extra support established on day 0 must have an adopted OPP by day 42 (R-TIME-1).
The sweep writes one reminder per step and its outbox messages; nothing is sent here (that is the
drain's job, see tests/notifications), so the outbox rows are what a user would receive.
"""

import datetime
import zoneinfo
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from deadlines import registry, services
from deadlines.models import Reminder, SweepRun
from notifications.models import Notification
from opp.models import Plan, PlanVersion
from students import services as student_services
from students.models import Student
from tests.factories import refresh_standing

D = datetime.date
AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")
DAY0 = D(2026, 9, 1)  # the day the need for extra support was established
DUE = D(2026, 10, 13)  # six weeks later
NAME = ("Fenna", "de Vries")
DESCRIPTION = "Dagelijks 30 minuten remedial teaching bij ernstige dyslexie"


def day(n: int) -> datetime.date:
    return DAY0 + datetime.timedelta(days=n)


def at(d: datetime.date):
    """The beat runs the sweep at 06:00 Amsterdam time."""
    return time_machine.travel(datetime.datetime(d.year, d.month, d.day, 6, 0, tzinfo=AMS), tick=False)


def make_pupil(actor, school, *, number="2001", first=NAME[0], last=NAME[1], need_on=DAY0) -> Student:
    with at(need_on):
        return student_services.student_create(actor=actor, school=school, today=need_on, data={
            "first_name": first, "last_name": last, "date_of_birth": D(2017, 5, 4), "pupil_number": number,
            "onderwijssoort": "bao", "group_name": "3b", "enrolled_on": D(2025, 8, 20), "support_need_on": need_on,
            "support_level": "extra", "extra_support_description": DESCRIPTION,
        })


def run(d: datetime.date, **kwargs):
    with at(d):
        return services.sweep(today=d, **kwargs)


def reminders_for(student) -> list[Reminder]:
    return list(Reminder.objects.filter(subject_type="students.student", subject_id=str(student.pk)).order_by("pk"))


def mails_for(student):
    return Notification.objects.filter(subject_type="students.student", subject_id=str(student.pk)).order_by("pk")


def adopt(student, by) -> None:
    """An adopted version, made the way the models allow: a concept moved to vastgesteld by update."""
    plan = Plan.objects.create(student=student, created_by=by)
    version = PlanVersion.objects.create(plan=plan, number=1, created_by=by)
    PlanVersion.objects.filter(pk=version.pk).update(state="vastgesteld", adopted_at=timezone.now(), adopted_by=by)
    refresh_standing(student)  # as the adoption service does


@pytest.fixture
def pupil(personas, org):
    student = make_pupil(personas.begeleider_a, org.school_a)
    assert (student.opp_required, student.opp_due_on) == (True, DUE)
    return student


# --- The walk ---------------------------------------------------------------------------------------


def test_one_pupil_from_enrolment_through_every_reminder_to_escalation(pupil, personas, org):
    begeleider, bestuurder = personas.begeleider_a, personas.bestuurder_a
    schoolleiders = {personas.schoolleider_a.email, personas.schoolleider_mandaat_a.email}
    mails_by_day: dict[int, list[Notification]] = {}
    for n in range(71):
        seen = set(Notification.objects.values_list("pk", flat=True))
        first = run(day(n))
        assert first.errors == []
        second = run(day(n))  # the same day again: nothing new
        assert second.created == [] and second.notifications == 0
        new = list(Notification.objects.exclude(pk__in=seen).order_by("pk"))
        assert first.notifications == len(new)
        if new:
            mails_by_day[n] = new

    # One reminder per step, each on the day its step came.
    assert [(r.step, r.created_at.astimezone(AMS).date()) for r in reminders_for(pupil)] == [
        ("-14", day(28)), ("-7", day(35)), ("0", day(42)), ("+7", day(49)), ("+14", day(56)), ("+21", day(63)),
        ("+28", day(70)),
    ]
    assert sorted(mails_by_day) == [28, 35, 42, 49, 56, 63, 70]
    assert Reminder.objects.count() == 7
    assert all(r.period == DUE.isoformat() and r.due_on == DUE and r.school_id == org.school_a.pk
               for r in reminders_for(pupil))

    # Who gets each: the begeleider always, the schoolleiders from a week late, the bestuurder from three.
    def to(n):
        return sorted(m.to_email for m in mails_by_day[n])

    for n in (28, 35, 42):
        assert to(n) == [begeleider.email]
    for n in (49, 56):
        assert to(n) == sorted({begeleider.email} | schoolleiders)
    for n in (63, 70):
        assert to(n) == sorted({begeleider.email, bestuurder.email} | schoolleiders)
    everyone = {m.to_email for mails in mails_by_day.values() for m in mails}
    assert personas.leerkracht_a.email not in everyone
    assert personas.begeleider_b.email not in everyone and personas.bestuurder_b.email not in everyone
    assert Notification.objects.filter(to_email=begeleider.email).count() == 7

    # What the emails say: initials, school, the Dutch date; no name, no description.
    [first_mail] = mails_by_day[28]
    assert first_mail.subject_line == "OPP vaststellen (zes weken): F.V. (School A) – uiterlijk 13 oktober 2026"
    assert "leerling F.V. van School A" in first_mail.body_text
    assert "Uiterste datum: 13 oktober 2026 (nog 14 dagen)" in first_mail.body_text
    assert f"/leerlingen/{pupil.pk}/" in first_mail.body_text
    assert first_mail.state == Notification.State.PENDING and first_mail.kind == "reminder:opp_vaststellen"
    assert first_mail.recipient == begeleider
    on_the_day = mails_by_day[42][0]
    assert on_the_day.subject_line.endswith("– vandaag")
    late = {m.to_email: m for m in mails_by_day[63]}
    assert late[bestuurder.email].subject_line == "[Escalatie] OPP vaststellen (zes weken): F.V. (School A) – 21 dagen te laat"
    assert "Uiterste datum: 13 oktober 2026 (21 dagen verstreken)" in late[bestuurder.email].body_text
    assert "de termijn verstreken is" in late[bestuurder.email].body_text
    for mails in mails_by_day.values():
        for m in mails:
            text = f"{m.subject_line}\n{m.body_text}\n{m.body_html}"
            for secret in ("Fenna", "de Vries", "Vries", DESCRIPTION, "dyslexie"):
                assert secret not in text, f"{secret!r} in the email to {m.to_email}"

    # Every run is on record.
    assert SweepRun.objects.count() == 71 * 2
    assert sum(SweepRun.objects.values_list("created", flat=True)) == 7


def test_a_sweep_that_did_not_run_for_days_catches_up_with_one_reminder(pupil):
    run(DUE - datetime.timedelta(days=8))  # the -14 step
    assert [r.step for r in reminders_for(pupil)] == ["-14"]
    # Down on the -7 day, the day before and the due date itself: one reminder ("0"), not three.
    result = run(DUE + datetime.timedelta(days=1))
    assert [r["step"] for r in result.created] == ["0"]
    assert [r.step for r in reminders_for(pupil)] == ["-14", "0"]
    assert mails_for(pupil).count() == 2


def test_catch_up_across_three_missed_steps_gives_only_the_latest(pupil, settings):
    settings.OPP_REMINDER_STEPS = {"opp_vaststellen": {"before": [3, 2, 1]}}
    assert run(DUE - datetime.timedelta(days=4)).created == []
    result = run(DUE)  # the -3, -2 and -1 sweeps never ran
    assert [r["step"] for r in result.created] == ["0"]
    assert [r.step for r in reminders_for(pupil)] == ["0"]
    assert mails_for(pupil).count() == 1


def test_an_adopted_opp_gets_no_further_reminders(pupil, personas):
    for n in range(50):
        run(day(n))
    assert [r.step for r in reminders_for(pupil)] == ["-14", "-7", "0", "+7"]
    mails_before = mails_for(pupil).count()
    with at(day(50)):
        adopt(pupil, personas.begeleider_a)
    for n in range(50, 71):
        assert run(day(n)).created == []
    assert [r.step for r in reminders_for(pupil)] == ["-14", "-7", "0", "+7"]
    assert mails_for(pupil).count() == mails_before


def test_a_concept_plan_does_not_stop_the_reminders(pupil, personas):
    plan = Plan.objects.create(student=pupil, created_by=personas.begeleider_a)
    PlanVersion.objects.create(plan=plan, number=1, created_by=personas.begeleider_a)
    assert [r["step"] for r in run(DUE).created] == ["0"]


def test_a_pupil_who_left_gets_no_reminders(pupil, personas):
    run(day(28))
    assert [r.step for r in reminders_for(pupil)] == ["-14"]
    with at(day(30)):
        student_services.student_update(actor=personas.begeleider_a, student=pupil, today=day(30),
                                        data={"left_on": day(30), "destination": "Verhuisd"})
    for n in range(30, 71):
        run(day(n))
    assert [r.step for r in reminders_for(pupil)] == ["-14"]
    assert mails_for(pupil).count() == 1


def test_pupils_of_other_schools_remind_their_own_staff(pupil, personas, org):
    other = make_pupil(personas.begeleider_b, org.school_b, number="3001", first="Ahmed", last="Yilmaz")
    run(DUE)
    assert [m.to_email for m in mails_for(other)] == [personas.begeleider_b.email]
    assert [m.to_email for m in mails_for(pupil)] == [personas.begeleider_a.email]
    assert "A.Y. (School B)" in mails_for(other).get().subject_line


# --- Two sweeps at once -----------------------------------------------------------------------------


def test_two_sweeps_at_once_remind_once(pupil, personas, monkeypatch):
    """Sweep B has checked for existing reminders; before it inserts, sweep A runs completely.

    B's insert then meets A's row in the unique constraint: B must neither fail nor send anything.
    """
    real_bulk_create = Reminder.objects.bulk_create
    competing = []

    def race(objs, *args, **kwargs):
        if not competing:
            monkeypatch.setattr(Reminder.objects, "bulk_create", real_bulk_create)
            competing.append(services.sweep(today=DUE))  # sweep A, in between B's check and B's insert
        return real_bulk_create(objs, *args, **kwargs)

    monkeypatch.setattr(Reminder.objects, "bulk_create", race)
    with at(DUE):
        second = services.sweep(today=DUE)
    [first] = competing
    assert [r["step"] for r in first.created] == ["0"]
    assert second.created == [] and second.notifications == 0 and second.errors == []
    assert len(reminders_for(pupil)) == 1
    assert [m.to_email for m in mails_for(pupil)] == [personas.begeleider_a.email]


def test_a_reminder_row_of_another_sweep_is_not_sent_again(pupil, personas):
    with at(DUE):
        Reminder.objects.create(subject_type="students.student", subject_id=str(pupil.pk), kind="opp_vaststellen",
                                period=DUE.isoformat(), step="0", due_on=DUE, school=pupil.school, sweep_token="other")
    result = run(DUE)
    assert result.created == []
    assert len(reminders_for(pupil)) == 1
    assert mails_for(pupil).count() == 0


# --- Bad input --------------------------------------------------------------------------------------


def test_a_pupil_without_a_start_date_is_skipped_without_error(pupil, personas, org):
    broken = make_pupil(personas.begeleider_a, org.school_a, number="2002", first="Bram", last="Bos")
    Student.objects.filter(pk=broken.pk).update(opp_required=True, opp_start_on=None, opp_due_on=None)
    result = run(DUE)
    assert result.errors == []
    assert reminders_for(broken) == [] and mails_for(broken).count() == 0
    assert [r.step for r in reminders_for(pupil)] == ["0"]


@pytest.fixture
def broken_kind(monkeypatch):
    """A kind that fails as a whole, registered before the real ones (and gone after the test)."""

    def items(today, school_ids):
        raise RuntimeError("database says no")

    kind = registry.Kind("kapot", "Kapotte termijn", items)
    monkeypatch.setattr(registry, "REGISTRY", {"kapot": kind} | registry.REGISTRY)
    return kind


def test_a_kind_that_raises_is_recorded_and_the_other_kinds_still_run(pupil, broken_kind):
    result = run(DUE)
    assert result.errors == [{"kind": "kapot", "error": "RuntimeError: database says no"}]
    assert [r.step for r in reminders_for(pupil)] == ["0"]
    assert mails_for(pupil).count() == 1
    sweep_run = SweepRun.objects.get()
    assert sweep_run.errors == result.errors and sweep_run.created == 1


def test_the_temporary_kind_is_gone_after_the_test():
    assert "kapot" not in registry.REGISTRY
    assert set(registry.REGISTRY) >= {"opp_vaststellen", "evaluatie"}


def test_a_subject_whose_due_date_cannot_be_computed_is_recorded_and_the_others_are_reminded(
        pupil, personas, org, monkeypatch):
    bad = make_pupil(personas.begeleider_a, org.school_a, number="2002", first="Bram", last="Bos", need_on=day(1))
    real_due_step = services.due_step

    def due_step(due_on, today, config):
        if due_on == bad.opp_due_on:
            raise ValueError("onmogelijke datum")
        return real_due_step(due_on, today, config)

    monkeypatch.setattr(services, "due_step", due_step)
    result = run(DUE + datetime.timedelta(days=1))
    assert result.errors == [{"kind": "opp_vaststellen", "subject": bad.pk, "error": "ValueError: onmogelijke datum"}]
    assert reminders_for(bad) == [] and mails_for(bad).count() == 0
    assert [r.step for r in reminders_for(pupil)] == ["0"]
    assert SweepRun.objects.get().errors == result.errors
    # Once the cause is gone, the next sweep reminds that pupil too.
    monkeypatch.setattr(services, "due_step", real_due_step)
    assert [r["initials"] for r in run(DUE + datetime.timedelta(days=2)).created] == ["B.B."]


def test_a_school_without_a_begeleider_is_recorded(org, personas):
    pupil = make_pupil(personas.schoolleider_a, org.school_b, number="4001")  # school B: only begeleider_b
    personas.begeleider_b.is_active = False
    personas.begeleider_b.save()
    result = run(DUE)
    assert result.errors == [{"kind": "opp_vaststellen", "subject": pupil.pk, "error": "geen ontvanger op deze school"}]
    assert [r.step for r in reminders_for(pupil)] == ["0"]  # on record, and visible to the operator
    assert mails_for(pupil).count() == 0


# --- The management command -------------------------------------------------------------------------


def test_dry_run_prints_what_it_would_do_and_writes_nothing(pupil):
    out, err = StringIO(), StringIO()
    call_command("sweep_deadlines", "--dry-run", "--date", "2026-12-01", stdout=out, stderr=err)
    text = out.getvalue()
    assert "Sweep voor 2026-12-01: zou aanmaken 1 herinnering(en)" in text
    # 2026-12-01 is 49 days after the due date: the +49 step, escalated to schoolleider and bestuurder.
    assert "Zou aanmaken: opp_vaststellen F.V. (school" in text
    assert "uiterlijk 2026-10-13, stap +49 → escalatie: schoolleider, bestuurder" in text
    assert "Fenna" not in text
    assert err.getvalue() == ""
    assert not Reminder.objects.exists()
    assert not Notification.objects.exists()
    assert not SweepRun.objects.exists()


def test_the_command_without_dry_run_writes_the_reminders(pupil, personas):
    out = StringIO()
    call_command("sweep_deadlines", "--date", "2026-10-13", stdout=out, stderr=StringIO())
    assert "Aangemaakt: opp_vaststellen F.V." in out.getvalue()
    assert "stap 0" in out.getvalue()
    assert [r.step for r in reminders_for(pupil)] == ["0"]
    assert [m.to_email for m in mails_for(pupil)] == [personas.begeleider_a.email]
    out = StringIO()
    call_command("sweep_deadlines", "--date", "2026-10-13", stdout=out, stderr=StringIO())
    assert "aangemaakt 0 herinnering(en)" in out.getvalue()


def test_the_command_refuses_a_bad_date_in_dutch(db):
    with pytest.raises(CommandError, match=r"Ongeldige datum 'nonsense': gebruik JJJJ-MM-DD\."):
        call_command("sweep_deadlines", "--date", "nonsense", stdout=StringIO())
    assert not SweepRun.objects.exists()


# --- The beat schedule ------------------------------------------------------------------------------


def test_the_migration_registered_the_daily_sweep_and_the_drain(db):
    tasks = {t.task: t for t in PeriodicTask.objects.filter(task__in=["deadlines.sweep", "notifications.drain"])}
    if not tasks:
        pytest.skip("database was flushed by a transactional test in an earlier --reuse-db run; "
                    "test_the_beat_migration_registers_the_tasks covers the migration itself")
    assert_schedule(tasks)


@pytest.mark.django_db(transaction=True)
def test_the_beat_migration_registers_the_tasks():
    """Unapply and reapply the data migration, so the test does not depend on the database's history."""
    call_command("migrate", "deadlines", "0001", verbosity=0)
    assert not PeriodicTask.objects.filter(task__in=["deadlines.sweep", "notifications.drain"]).exists()
    call_command("migrate", "deadlines", verbosity=0)
    assert_schedule({t.task: t for t in PeriodicTask.objects.filter(task__in=["deadlines.sweep", "notifications.drain"])})


def assert_schedule(tasks):
    sweep = tasks["deadlines.sweep"]
    assert sweep.enabled and sweep.interval is None
    cron = sweep.crontab
    assert (cron.minute, cron.hour, cron.day_of_week, cron.day_of_month, cron.month_of_year) == ("0", "6", "*", "*", "*")
    assert str(cron.timezone) == "Europe/Amsterdam"
    drain = tasks["notifications.drain"]
    assert drain.enabled and drain.crontab is None
    assert (drain.interval.every, drain.interval.period) == (60, "seconds")
