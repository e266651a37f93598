"""Benchmark of the daily deadline sweep (issue 5, part 8): 100,000 pupils, PostgreSQL.

    psql -h 127.0.0.1 -U postgres -c 'create database opp_bench'     # once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/opp_bench DEBUG=1 .venv/bin/python bench/sweep.py [--pupils 100000]

The script migrates the database, then creates (first run only; later runs reuse them) 50 boards with
4 schools each, one begeleider and one schoolleider per school and one bestuurder per board, and the
pupils: every one with extra support and a six-week deadline spread from 60 days ago to 60 days after
the benchmark day, plans in mixed states (about 15 % adopted, 30 % with an open version, the rest
none yet), 2 % already left. Rows are bulk-inserted with the derived fields set directly.

It then times `deadlines.services.sweep()` for the benchmark day: computing what is due and writing
the reminder and outbox rows (sending is the drain's job, not timed). The benchmark's own reminders and
messages are deleted first, so every run measures a full sweep. A second sweep must create nothing.
Finally it prints the query plan of the main due-items query (the pupil query of the opp_vaststellen kind).
Options: --pupils N, --profile (cProfile of the first sweep, top 25 by cumulative time).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import os
import pstats
import random
import string
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opp_portal.settings")
os.environ.setdefault("DEBUG", "1")
# Production has a broker, so the sweep only writes the outbox; without one (the embedded default)
# enqueue_many would also send every message in-process after each commit, which is not the sweep's cost.
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "0")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Board, Membership, Role, School, User  # noqa: E402
from deadlines import registry, services  # noqa: E402
from deadlines.models import Reminder  # noqa: E402
from notifications.models import Notification  # noqa: E402
from opp.models import Plan, PlanVersion  # noqa: E402
from students.models import Student  # noqa: E402

PREFIX = "Bench sweep"
BOARDS = 50
SCHOOLS_PER_BOARD = 4
TODAY = datetime.date(2026, 11, 2)  # the benchmark day: a Monday in term time
SPREAD = 60  # due dates from TODAY - 60 to TODAY + 60
FIRST = ["Sem", "Noah", "Liam", "Lucas", "Daan", "Finn", "Emma", "Julia", "Mila", "Tess", "Noëlle", "Zoë", "Yara",
         "Mehmet", "Fatima", "Aylin", "Bram", "Sanne", "Jesse", "Lotte"]
LAST = ["de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "Çelik", "El Amrani",
        "Yılmaz", "Mulder", "de Boer", "Bos", "Peters", "Hendriks", "van Dijk", "Dekker", "Verbeek", "Kok"]
OPEN_STATES = ["concept", "in_overleg", "instemming_gevraagd", "ter_vaststelling"]


def log(message: str) -> None:
    print(message, flush=True)


def free_brins(n: int) -> list[str]:
    taken = set(School.objects.values_list("brin", flat=True))
    codes = (f"{d:02d}{a}{b}" for d in range(99, -1, -1) for a in string.ascii_uppercase for b in string.ascii_uppercase)
    return [c for c in codes if c not in taken][:n]


def user(username: str, first: str, last: str, board: Board) -> User:
    return User(username=username, first_name=first, last_name=last, email=f"{username}@bench.example.nl",
                password="!", managed_by=board)  # noqa: S106 - an unusable password


def ensure_org() -> list[School]:
    boards = list(Board.objects.filter(name__startswith=f"{PREFIX} bestuur").order_by("name"))
    schools = list(School.objects.filter(name__startswith=f"{PREFIX} school").order_by("name"))
    if len(boards) == BOARDS and len(schools) == BOARDS * SCHOOLS_PER_BOARD:
        return schools
    if boards or schools:
        sys.exit(f"Half-made benchmark organisation in this database ({len(boards)} boards, {len(schools)} schools): "
                 "use a fresh database.")
    log(f"creating {BOARDS} boards, {BOARDS * SCHOOLS_PER_BOARD} schools and their staff …")
    with transaction.atomic():
        boards = Board.objects.bulk_create([Board(name=f"{PREFIX} bestuur {b:02d}") for b in range(1, BOARDS + 1)])
        brins = free_brins(BOARDS * SCHOOLS_PER_BOARD)
        schools = School.objects.bulk_create([
            School(board=boards[i // SCHOOLS_PER_BOARD], brin=brins[i], name=f"{PREFIX} school {i + 1:03d}",
                   onderwijssoorten=["bao"])
            for i in range(BOARDS * SCHOOLS_PER_BOARD)
        ])
        staff = []
        for i, school in enumerate(schools):
            staff.append((user(f"bench-sweep-ib-{i + 1:03d}", "Ina", f"Begeleider {i + 1}", school.board), Role.BEGELEIDER, school))
            staff.append((user(f"bench-sweep-sl-{i + 1:03d}", "Sam", f"Schoolleider {i + 1}", school.board), Role.SCHOOLLEIDER, school))
        for b, board in enumerate(boards):
            staff.append((user(f"bench-sweep-bb-{b + 1:02d}", "Bo", f"Bestuurder {b + 1}", board), Role.BESTUURDER, board))
        users = User.objects.bulk_create([u for u, _r, _s in staff])
        Membership.objects.bulk_create([
            Membership(user=u, role=role, school=where if role != Role.BESTUURDER else None,
                       board=where if role == Role.BESTUURDER else None)
            for u, (_u, role, where) in zip(users, staff, strict=True)
        ])
    return schools


def ensure_pupils(schools: list[School], pupils: int) -> int:
    existing = Student.objects.filter(school__in=schools).count()
    if existing == pupils:
        return existing
    if existing:
        sys.exit(f"The benchmark schools hold {existing} pupils, not {pupils}: use a fresh database or the same --pupils.")
    log(f"creating {pupils:,} pupils with plans in mixed states …")
    rnd = random.Random(2026)  # noqa: S311 - test data
    begeleiders = dict(Membership.objects.filter(school__in=schools, role=Role.BEGELEIDER).values_list("school_id", "user_id"))
    bestuurders = dict(Membership.objects.filter(board__in={s.board_id for s in schools}, role=Role.BESTUURDER)
                       .values_list("board_id", "user_id"))
    started = time.perf_counter()
    adopted_at = timezone.make_aware(datetime.datetime.combine(TODAY - datetime.timedelta(days=20), datetime.time(10)))
    with transaction.atomic():
        for chunk_start in range(0, pupils, 10_000):
            students, fates = [], []
            for n in range(chunk_start, min(pupils, chunk_start + 10_000)):
                school = schools[n % len(schools)]
                due = TODAY + datetime.timedelta(days=rnd.randint(-SPREAD, SPREAD))
                born = datetime.date(2013, 1, 1) + datetime.timedelta(days=rnd.randrange(6 * 365))
                left = rnd.random() < 0.02
                students.append(Student(
                    school=school, first_name=rnd.choice(FIRST), last_name=rnd.choice(LAST), date_of_birth=born,
                    pupil_number=f"{n:07d}", onderwijssoort="bao", group_name=f"{rnd.randint(1, 8)}{rnd.choice('abc')}",
                    enrolled_on=datetime.date(2024, 8, 20), support_need_on=due - datetime.timedelta(days=42),
                    support_level="extra", extra_support_description="Extra begeleiding bij lezen en rekenen",
                    opp_required=True, opp_start_on=due - datetime.timedelta(days=42), opp_start_basis="behoefte",
                    opp_due_on=due, left_on=TODAY - datetime.timedelta(days=10) if left else None,
                ))
                r = rnd.random()
                fates.append("adopted" if r < 0.15 else rnd.choice(OPEN_STATES) if r < 0.45 else None)
            Student.objects.bulk_create(students, batch_size=5000)
            with_plan = [(s, fate) for s, fate in zip(students, fates, strict=True) if fate]
            plans = Plan.objects.bulk_create(
                [Plan(student=s, created_by_id=begeleiders[s.school_id]) for s, _f in with_plan], batch_size=5000)
            # An adopted version is inserted already frozen: the PostgreSQL guard (opp 0002) fires on
            # UPDATE and DELETE of a version only, so an INSERT of a vastgesteld row is allowed.
            PlanVersion.objects.bulk_create([
                PlanVersion(plan=p, number=1, state="vastgesteld" if fate == "adopted" else fate,
                            created_by_id=p.created_by_id,
                            adopted_at=adopted_at if fate == "adopted" else None,
                            adopted_by_id=bestuurders[s.school.board_id] if fate == "adopted" else None)
                for p, (s, fate) in zip(plans, with_plan, strict=True)
            ], batch_size=5000)
            log(f"  {chunk_start + len(students):,} pupils")
    log(f"created in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return pupils


def timed_sweep(label: str, profile: bool = False):
    queries = []
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    with connection.execute_wrapper(lambda execute, *a: queries.append(1) or execute(*a)):
        if profiler:
            profiler.enable()
        # As the Celery task does it: the sweep writes the reminder rows; the messages follow (fan_out).
        result = services.sweep(today=TODAY, notify=False)
        if profiler:
            profiler.disable()
    seconds = time.perf_counter() - started
    fan_started = time.perf_counter()
    while True:
        stats = services.fan_out(today=TODAY)
        result.notifications += stats["notifications"]
        if not stats["reminders"]:
            break
    fan_seconds = time.perf_counter() - fan_started
    log(f"{label}: computing what is due + writing {len(result.created):,} reminder rows: {seconds:.2f} s "
        f"({len(result.errors)} errors, {len(queries)} queries)")
    log(f"  then fan_out: {result.notifications:,} outbox rows (rendering + inserting): {fan_seconds:.2f} s")
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        log(out.getvalue())
    return result, seconds


def explain_due_query(day: datetime.date) -> str:
    """EXPLAIN ANALYZE of the pupil query of the opp_vaststellen kind, exactly as the kind sends it for `day`."""
    sent = []

    def record(execute, sql, params, many, context):
        sent.append((sql, params))
        return execute(sql, params, many, context)

    items = iter(registry.REGISTRY["opp_vaststellen"].items(day, None))
    with connection.execute_wrapper(record):
        next(items, None)
    items.close()
    sql, params = next((q, p) for q, p in sent if f'FROM "{Student._meta.db_table}"' in q)
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        shown = cursor.cursor.mogrify(sql, params).decode()
    return f"{shown}\n\n{plan}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pupils", type=int, default=100_000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run against PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/opp_bench")

    call_command("migrate", verbosity=0)
    schools = ensure_org()
    ensure_pupils(schools, args.pupils)
    school_ids = [s.pk for s in schools]
    # Every run measures a full sweep: the benchmark's own reminders and messages from earlier runs go.
    with transaction.atomic():
        gone_n, _ = Notification.objects.filter(school_id__in=school_ids).delete()
        gone_r, _ = Reminder.objects.filter(school_id__in=school_ids).delete()
    if gone_r:
        log(f"removed {gone_r:,} reminders and {gone_n:,} outbox rows of an earlier run")
    total = Student.objects.count()
    log(f"database: PostgreSQL {connection.pg_version // 10000}; {total:,} pupils in all "
        f"({args.pupils:,} in {len(schools)} benchmark schools); benchmark day {TODAY}")

    first, first_s = timed_sweep("first sweep", args.profile)
    by_step: dict[str, int] = {}
    for r in first.created:
        if r["school_id"] in school_ids:
            by_step[r["step"]] = by_step.get(r["step"], 0) + 1
    log("  reminders per step (benchmark schools): "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(by_step.items(), key=lambda kv: int(kv[0]))))
    second, second_s = timed_sweep("second sweep (same day)")
    log(f"re-run created {len(second.created)} reminders and {second.notifications} outbox rows in {second_s:.2f} s")
    assert not second.created and not second.notifications, "the re-run must create nothing"

    due_share = Student.objects.filter(opp_required=True, opp_due_on__lte=TODAY + datetime.timedelta(days=14)).count() / total
    log(f"\nQuery plan on the benchmark day ({due_share:.0%} of all pupils fall in the window, so a sequential scan "
        "of the pupils is the cheaper plan):")
    log(explain_due_query(TODAY))
    early = TODAY - datetime.timedelta(days=SPREAD + 15)
    log(f"\nThe same query on {early} (few pupils due yet: the index on opp_due_on is used):")
    log(explain_due_query(early))
    log(f"\nsummary: first sweep {first_s:.2f} s ({len(first.created):,} reminders; their {first.notifications:,} "
        f"outbox rows are written by fan_out, timed above); re-run {second_s:.2f} s (0 reminders); "
        f"target sweep < 10 s: {'met' if first_s < 10 else 'NOT met'}")


if __name__ == "__main__":
    main()
