"""Benchmark of the daily deadline sweep: 100,000 pupils, PostgreSQL.

    psql -h 127.0.0.1 -U postgres -c 'create database opp_bench'     # once
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/opp_bench DEBUG=1 .venv/bin/python bench/sweep.py [--pupils 100000]

The script migrates the database, then creates (first run only; later runs reuse them) 50 boards with
4 schools each, one begeleider and one schoolleider per school and one bestuurder per board, and the
pupils: every one with extra support and a six-week deadline spread from 60 days ago to 60 days after
the benchmark day, plans in mixed states (about 15 % adopted, 30 % with an open version, the rest
none yet), 2 % already left. Rows are bulk-inserted with the derived fields set directly.

It then times `deadlines.services.sweep()` for the benchmark day: computing what is due and writing
the reminder rows, then `fan_out()` writing their outbox rows (messages of one shape share one rendering;
sending is the drain's job, not timed). The benchmark's own reminders and
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

from bench.seed import SPREAD, ensure_org, log  # noqa: E402
from bench.seed import ensure_pupils as _ensure_pupils  # noqa: E402
from deadlines import registry, services  # noqa: E402
from deadlines.models import Reminder  # noqa: E402
from notifications.models import Notification  # noqa: E402
from students.models import Student  # noqa: E402

TODAY = datetime.date(2026, 11, 2)  # the benchmark day: a Monday in term time


def ensure_pupils(schools, pupils: int) -> int:
    """The sweep's pupils (bench/seed.py), due dates spread around TODAY."""
    return _ensure_pupils(schools, pupils, TODAY)


def timed_sweep(label: str, profile: bool = False, *, today: datetime.date | None = None, fan_out: bool = True):
    """One sweep for `today` (default TODAY), timed and its queries counted; then (unless fan_out=False) the
    fan-out of its reminders into outbox rows, timed apart. Returns (SweepResult, seconds of the sweep)."""
    today = today or TODAY
    queries = []
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    with connection.execute_wrapper(lambda execute, *a: queries.append(1) or execute(*a)):
        if profiler:
            profiler.enable()
        # As the Celery task does it: the sweep writes the reminder rows; the messages follow (fan_out).
        result = services.sweep(today=today, notify=False)
        if profiler:
            profiler.disable()
    seconds = time.perf_counter() - started
    result.queries = len(queries)
    log(f"{label}: computing what is due + writing {len(result.created):,} reminder rows: {seconds:.2f} s "
        f"({len(result.errors)} errors, {len(queries)} queries)")
    if fan_out:
        fan_started = time.perf_counter()
        while True:
            stats = services.fan_out(today=today)
            result.notifications += stats["notifications"]
            if not stats["reminders"]:
                break
        fan_seconds = time.perf_counter() - fan_started
        result.fan_out_seconds = fan_seconds
        log(f"  then fan_out: {result.notifications:,} outbox rows (rendering once per shape + inserting): "
            f"{fan_seconds:.2f} s")
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
    fan_s = first.fan_out_seconds
    log(f"\nsummary: first sweep {first_s:.2f} s ({len(first.created):,} reminders); their {first.notifications:,} "
        f"outbox rows written by fan_out in {fan_s:.2f} s; re-run {second_s:.2f} s (0 reminders); "
        f"target sweep < 10 s: {'met' if first_s < 10 else 'NOT met'}; target fan-out <= 15 s: "
        f"{'met' if fan_s <= 15 else 'NOT met'}")


if __name__ == "__main__":
    main()
