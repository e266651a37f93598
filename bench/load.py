"""Load test: the production processes under LOAD_USERS Locust users (bench/locustfile.py), then with Redis stopped.

    make bench-load                          # 50 users; or: .venv/bin/python bench/load.py
    LOAD_USERS=100 make bench-load           # the second figure
    LOAD_SECONDS=20 LOAD_USERS=10 make bench-load   # a short trial

Not part of CI. Needs the machine's PostgreSQL (127.0.0.1:5432, user postgres, trust) and `redis-server`
on PATH (`apt-get install redis-server`). This script is the orchestration; who the users are and what they do
is bench/locustfile.py, which it runs headless through Locust's library API (Environment + local runner) so that it
can stop Redis halfway through run 2 and read Locust's statistics per page group. Everything it starts is its own
and is stopped at the end, also on Ctrl-C or an error:

1. drops and creates database `opp_load`; starts a private `redis-server` on port 6390 (never the shared one);
2. migrates, runs `seed_demo`, and adds the benchmarks' rich world from bench/seed.py for one board of 5 bao
   schools with LOAD_PUPILS pupils (plans in mixed states with texts and items, guardians, consultations,
   consent requests, evaluations), plus the load accounts: half the users are staff, per school two begeleiders,
   two leerkrachten and a schoolleider in turn, the last one the bestuurder (each with their own TOTP device: a
   code is good once per device per 30 s), the other half parents with a portal account whose child's OPP is
   before them;
3. starts `bin/web` (gunicorn, WEB_CONCURRENCY=3 as in the compose file), `bin/worker` and `bin/beat` with
   production settings (DEBUG=0, OPP_REQUIRE_2FA=1; only the TLS switches are off: there is no TLS on
   loopback), the private Redis as broker and `filemail://` as email backend, so every email can be counted;
4. per run, hands every account to its Locust class (Begeleider, Leerkracht, Schoolleider, Bestuurder, Ouder),
   lets them all log in for real (password, then TOTP for staff), then rings the bell and measures LOAD_SECONDS
   of their working day (think time LOAD_THINK); the logins are not in the tables. A parent's reaction writes
   one outbox row per begeleider of the school, a begeleider's answer one for the parent. Errors (the
   locustfile's rules): any status outside 2xx/3xx, any connection error or timeout, a redirect to the login or
   2FA page (a lost session), a write that is not accepted; an exception in a user's task counts as well;
5. run 2 does the same but stops the private Redis at half time and starts it again LOAD_OUTAGE_SECONDS later
   (at most a quarter of the run);
6. after each run waits (bounded) until every outbox row written during the run is sent, and counts the
   emails in the file backend; prints a table per page group (Locust's percentiles: exact below 100 ms, to 10 ms
   below 1 s) with gunicorn's CPU per request (from /proc: master and workers) and per page group (each worker's own
   count per request, opp_portal/gunicorn_config.py with OPP_GUNICORN_CPU_LOG), and a final PASS/FAIL table
   (exit code 1 on FAIL): zero errors, p95 of all pages at most LOAD_P95_MS (300 ms at up to 50 users; above that
   only reported), zero errors while Redis is down, every message delivered, the heartbeat back.

Knobs (environment): LOAD_SECONDS (120), LOAD_USERS (50: half staff, half parents), LOAD_PUPILS (3000),
LOAD_THINK ("0.5-2.0" seconds between a user's pages), LOAD_OUTAGE_SECONDS (20), LOAD_P95_MS (300 up to 50 users,
else 0: reported without a target),
WEB_CONCURRENCY (3), CELERY_CONCURRENCY (2), LOAD_PORT (8790), LOAD_REDIS_PORT (6390), LOAD_DB (opp_load),
LOAD_PG (postgres://postgres@127.0.0.1:5432), LOAD_DRAIN_WAIT (seconds; default from the number of messages).
Logs, the emails and the failed requests land in artifacts/load/.
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

# Locust patches the standard library for gevent on import: before anything opens a socket or starts a thread.
import gevent
from locust import between
from locust.env import Environment

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "artifacts" / "load"

from bench.locustfile import PAGES, PASSWORD, REQUEST_TIMEOUT, ROSTER, Account  # noqa: E402 - needs ROOT on the path


def env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        sys.exit(f"{name} must be a whole number")


SECONDS = env_int("LOAD_SECONDS", 120)
USERS = env_int("LOAD_USERS", 50)
PUPILS = env_int("LOAD_PUPILS", 3000)
OUTAGE = env_int("LOAD_OUTAGE_SECONDS", 20)
# The target is for 50 users (0.5–2 s think time); above that the p95 is reported (LOAD_P95_MS=0: report only).
P95_TARGET_MS = env_int("LOAD_P95_MS", 300 if USERS <= 50 else 0)
PORT = env_int("LOAD_PORT", 8790)
REDIS_PORT = env_int("LOAD_REDIS_PORT", 6390)
WEB_CONCURRENCY = env_int("WEB_CONCURRENCY", 3)
DB_NAME = os.environ.get("LOAD_DB", "opp_load")
PG = os.environ.get("LOAD_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
THINK = tuple(float(x) for x in os.environ.get("LOAD_THINK", "0.5-2.0").split("-", 1))
SCHOOLS = 5
MAIL_DOMAIN = "load.opp-portaal.nl"
HOST = f"http://127.0.0.1:{PORT}"

if not re.fullmatch(r"[a-z_][a-z0-9_]*", DB_NAME):
    sys.exit("LOAD_DB must be a plain lower-case database name")
if USERS < 2:
    sys.exit("LOAD_USERS must be at least 2 (half staff, half parents)")

# The processes' environment: production settings, only the TLS switches relaxed (no TLS on loopback).
APP_ENV = {
    "DATABASE_URL": f"{PG}/{DB_NAME}",
    "CELERY_BROKER_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
    "CELERY_TASK_ALWAYS_EAGER": "0",
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(60),
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "SECURE_HSTS_SECONDS": "0",
    "OPP_REQUIRE_2FA": "1",
    # django-environ drops the first slash of the path: filemail:/// + /abs/path.
    "EMAIL_URL": f"filemail:///{OUT / 'mail'}",
    "STATIC_ROOT": str(OUT / "static"),
    "PRIVATE_MEDIA_ROOT": str(OUT / "private"),
    "BIND": f"127.0.0.1:{PORT}",
    "WEB_CONCURRENCY": str(WEB_CONCURRENCY),
    "OPP_MIGRATE_ON_START": "0",
    "DJANGO_SETTINGS_MODULE": "opp_portal.settings",
    # Each gunicorn worker appends the CPU time of every request here (opp_portal/gunicorn_config.py): CPU per page.
    "OPP_GUNICORN_CPU_LOG": str(OUT / "logs" / "request-cpu.log"),
}
os.environ.update(APP_ENV)
# Log times in the app's zone from the start (django.setup() switches the process to TIME_ZONE anyway).
os.environ["TZ"] = "Europe/Amsterdam"
time.tzset()


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- processes ---------------------------------------------------------------------------------------


class Processes:
    """Everything this script starts, each in its own session (= process group); stopped beat first, Redis last."""

    def __init__(self):
        self.procs: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, object] = {}

    def start(self, name: str, cmd: list[str]) -> subprocess.Popen:
        logfile = open(OUT / "logs" / f"{name}.log", "ab")  # noqa: SIM115 - closed in stop()
        proc = subprocess.Popen(  # noqa: S603 - our own fixed commands
            cmd, cwd=ROOT, env=os.environ.copy(), stdout=logfile, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
        self.procs[name], self.logs[name] = proc, logfile
        log(f"started {name} (process group {proc.pid})")
        return proc

    def alive(self, name: str) -> bool:
        proc = self.procs.get(name)
        return proc is not None and proc.poll() is None

    def stop(self, name: str, grace: float = 20) -> None:
        proc = self.procs.pop(name, None)
        if proc is None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            log(f"{name} did not stop within {grace:.0f} s: SIGKILL")
        # The group may hold children (gunicorn and celery workers) that outlive the leader.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self.logs.pop(name).close()

    def stop_all(self) -> None:
        # The broker last, so that worker and beat shut down cleanly instead of chasing a lost connection.
        for name in sorted(self.procs, key=lambda n: ["beat", "worker", "web", "redis"].index(n)
                           if n in ("beat", "worker", "web", "redis") else -1):
            self.stop(name)


PROCS = Processes()


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU time of the live processes in a process group (gunicorn's master and workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # after the ")" of the name: state, ppid, pgrp, …, utime (12), stime (13)
            total += int(fields[11]) + int(fields[12])
    return total / tick


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy (all cores, every process: also what else runs meanwhile)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds() -> float:
    """CPU seconds of this machine's PostgreSQL server: its processes and the backends it has reaped (with
    CONN_MAX_AGE=0 every request has its own, short-lived backend). Every database's, so other jobs' queries count
    too; 0 when PostgreSQL runs elsewhere."""
    procs = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        procs[int(stat.parent.name)] = (text[text.index("(") + 1:text.rindex(")")], text.rsplit(")", 1)[1].split())
    total = 0
    for name, fields in procs.values():
        if name == "postgres":  # utime + stime; the postmaster (its parent is no postgres) also its reaped children
            total += int(fields[11]) + int(fields[12])
            if procs.get(int(fields[1]), ("",))[0] != "postgres":
                total += int(fields[13]) + int(fields[14])
    return total / os.sysconf("SC_CLK_TCK")


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def redis_ping() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", REDIS_PORT), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def wait_until(what: str, seconds: float, check, *, alive: tuple[str, ...] = ()) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for name in alive:
            if not PROCS.alive(name):
                raise RuntimeError(f"{name} exited; see {OUT / 'logs' / (name + '.log')}")
        if check():
            return
        time.sleep(0.5)
    raise RuntimeError(f"{what} not ready within {seconds:.0f} s")


def start_redis() -> None:
    PROCS.start("redis", ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "",
                          "--appendonly", "no", "--daemonize", "no"])
    wait_until(f"redis-server on port {REDIS_PORT}", 15, redis_ping, alive=("redis",))


def manage(*args: str) -> None:
    with open(OUT / "logs" / "setup.log", "ab") as out:
        subprocess.run(  # noqa: S603 - fixed arguments
            [sys.executable, "manage.py", *args], cwd=ROOT, env=os.environ.copy(), stdout=out, stderr=subprocess.STDOUT,
            check=True)


def recreate_database() -> None:
    import psycopg2

    parsed = urllib.parse.urlparse(PG)
    conn = psycopg2.connect(host=parsed.hostname, port=parsed.port or 5432, user=parsed.username or "postgres",
                            password=parsed.password, dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{DB_NAME}"')
    conn.close()


# --- load data ---------------------------------------------------------------------------------------


def seed_load_data() -> dict[str, list[Account]]:
    """The benchmarks' rich world (bench/seed.py) for one board of 5 bao schools, plus the load accounts.

    bench/seed.py brings the pupils with plans in mixed states, section texts and items, guardians (a fifth with
    a portal account), consultations, consent requests, evaluations. Added here: per school two begeleiders, two
    leerkrachten and a schoolleider, one bestuurder (each with their own TOTP device, the demo password), and
    the demo password for portal accounts of parents whose child's OPP is before them. Returns the accounts per
    Locust class name.
    """
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import Membership, Role, User
    from bench.seed import ensure_org, ensure_pupils
    from opp.models import Plan, PlanVersion
    from portal.selectors import PORTAL_STATES
    from students.models import Guardian, Student

    n_staff, n_parents = USERS - USERS // 2, USERS // 2
    schools = ensure_org(boards_n=1, schools_per_board=SCHOOLS)
    ensure_pupils(schools, PUPILS, timezone.localdate(), rich=True)
    board = schools[0].board
    password = make_password(PASSWORD)  # hashed once: the same password for every load account

    with transaction.atomic():
        # Staff: per school two begeleiders, two leerkrachten, a schoolleider; the last account is the bestuurder.
        cycle = [Role.BEGELEIDER, Role.LEERKRACHT, Role.SCHOOLLEIDER, Role.BEGELEIDER, Role.LEERKRACHT]
        staff_specs = []
        for i in range(n_staff):
            if i == n_staff - 1 and n_staff > SCHOOLS:
                staff_specs.append((Role.BESTUURDER, None))
            else:
                staff_specs.append((cycle[(i // SCHOOLS) % len(cycle)], schools[i % SCHOOLS]))
        staff_users = User.objects.bulk_create([
            User(username=f"load.{role}.{i + 1:02d}", first_name="Load", last_name=f"{role} {i + 1}",
                 email=f"load.{role}.{i + 1:02d}@{MAIL_DOMAIN}", password=password, managed_by=board)
            for i, (role, _school) in enumerate(staff_specs)])
        # A leerkracht reads only their own group (need to know): one group of the seeded 1a–8c each.
        staff_groups = [[f"{i % 8 + 1}{'abc'[i % 3]}"] if role == Role.LEERKRACHT else []
                        for i, (role, _school) in enumerate(staff_specs)]
        Membership.objects.bulk_create([
            Membership(user=u, role=role, school=school, board=None if school else board, approved_at=timezone.now(),
                       groups=groups)
            for u, (role, school), groups in zip(staff_users, staff_specs, staff_groups, strict=True)])
        keys = [secrets.token_hex(20) for _u in staff_users]
        TOTPDevice.objects.bulk_create([TOTPDevice(user=u, name="Authenticator-app", confirmed=True, key=k)
                                        for u, k in zip(staff_users, keys, strict=True)])

        # Parents: portal accounts of bench/seed.py whose (enrolled) child has an active OPP with a version
        # before the parents, spread over the schools; they get the demo password.
        plans = (Plan.objects.filter(student__school__in=schools, student__left_on__isnull=True, state="actief",
                                     versions__state__in=PORTAL_STATES)
                 .order_by("pk").values_list("pk", "student_id", "student__school_id"))
        guardian_of = {}
        for g in (Guardian.objects.filter(school__in=schools, user__isnull=False)
                  .order_by("pk").values("user_id", "links__student_id")):
            guardian_of.setdefault(g["links__student_id"], g["user_id"])
        per_school = defaultdict(list)
        for plan_id, student_id, school_id in plans:
            if student_id in guardian_of:
                per_school[school_id].append((plan_id, student_id, guardian_of[student_id]))
        chosen, used = [], set()
        while len(chosen) < n_parents and any(per_school.values()):
            for school in schools:
                while per_school[school.pk] and len(chosen) < n_parents:
                    item = per_school[school.pk].pop(0)
                    if item[2] not in used:
                        used.add(item[2])
                        chosen.append(item)
                        break
        if len(chosen) < n_parents:
            raise RuntimeError(f"only {len(chosen)} parents with a portal account and a visible OPP; raise LOAD_PUPILS")
        User.objects.filter(pk__in=[u for _p, _s, u in chosen]).update(password=password)

    latest_version = {}
    for pk, plan_id in PlanVersion.objects.filter(plan__student__school__in=schools).order_by("number").values_list(
            "pk", "plan_id"):
        latest_version[plan_id] = pk
    visible_version = {}
    for pk, plan_id in (PlanVersion.objects.filter(plan_id__in=[p for p, _s, _u in chosen], state__in=PORTAL_STATES)
                        .order_by("number").values_list("pk", "plan_id")):
        visible_version[plan_id] = pk
    pupil_rows = list(Student.objects.filter(school__in=schools).values_list("pk", "school_id", "group_name"))
    plan_rows = list(Plan.objects.filter(student__school__in=schools)
                     .values_list("pk", "student__school_id", "student__group_name"))
    student_school = {pk: school_id for pk, school_id, _g in pupil_rows}
    school_parent_plans = defaultdict(list)
    for plan_id, student_id, _u in chosen:
        school_parent_plans[student_school[student_id]].append(plan_id)

    def reach(rows, school_id, groups):
        """What a staff account may open: its school's (the board: all schools'), a leerkracht's own groups only."""
        return [pk for pk, sid, group in rows if school_id in (None, sid) and (not groups or group in groups)]

    staff_class = {Role.BEGELEIDER: "Begeleider", Role.LEERKRACHT: "Leerkracht", Role.SCHOOLLEIDER: "Schoolleider",
                   Role.BESTUURDER: "Bestuurder"}
    accounts = defaultdict(list)
    for u, (role, school), key, groups in zip(staff_users, staff_specs, keys, staff_groups, strict=True):
        sid = school.pk if school else None
        plans_here = reach(plan_rows, sid, groups)
        accounts[staff_class[role]].append(Account(
            username=u.username, totp_key=key, pupils=reach(pupil_rows, sid, groups), plans=plans_here,
            versions=[latest_version[p] for p in plans_here if p in latest_version],
            parent_plans=school_parent_plans[sid] if sid else [p for ps in school_parent_plans.values() for p in ps]))
    usernames = dict(User.objects.filter(pk__in=[u for _p, _s, u in chosen]).values_list("pk", "username"))
    for plan_id, student_id, user_id in chosen:
        accounts["Ouder"].append(Account(username=usernames[user_id], child_id=student_id,
                                         version_id=visible_version[plan_id]))
    # Who can receive the run's messages: begeleiders of these schools (reactions) and the parents (answers).
    RECIPIENTS.update(User.objects.filter(memberships__school__in=schools).values_list("email", flat=True))
    RECIPIENTS.update(User.objects.filter(pk__in=[u for _p, _s, u in chosen]).values_list("email", flat=True))
    log(f"load data: {len(schools)} schools, {len(student_school):,} pupils, "
        f"{len(plan_rows):,} plans, {n_staff} staff accounts (own TOTP devices), "
        f"{len(chosen)} parent accounts")
    return dict(accounts)


RECIPIENTS: set[str] = set()


@dataclass
class Sample:
    """One request of the measured window, for the outage window's count (Locust's statistics hold the rest)."""

    start: float  # seconds since the run's start
    seconds: float
    failed: bool


@dataclass
class RunResult:
    label: str
    stats: object = None  # locust.stats.RequestStats of the measured window
    samples: list[Sample] = field(default_factory=list)
    user_errors: list[str] = field(default_factory=list)  # exceptions inside a user's task
    seconds: float = 0.0
    started_at: datetime.datetime | None = None
    ended_at: datetime.datetime | None = None
    logins: str = ""
    outage: tuple[float, float] | None = None  # run-relative seconds
    outage_wall: tuple[datetime.datetime, datetime.datetime] | None = None
    web_cpu: float = 0.0  # CPU seconds gunicorn (master and workers) used during the run
    locust_cpu: float = 0.0  # CPU seconds this process (Locust) used during the run
    machine_cpu: float = 0.0  # CPU seconds the machine was busy during the run (everything)
    postgres_cpu: float = 0.0  # CPU seconds of the machine's PostgreSQL server during the run
    # Page group → (requests, CPU ms) from the workers' request log: what each page costs gunicorn
    request_cpu: dict[str, tuple[int, float]] = field(default_factory=dict)
    messages: dict = field(default_factory=dict)
    heartbeat: tuple[int, int] | None = None

    @property
    def requests(self) -> int:
        return self.stats.total.num_requests

    @property
    def errors(self) -> int:
        return self.stats.total.num_failures + len(self.user_errors)


def request_cpu_by_group(start: float, end: float) -> dict[str, tuple[int, float]]:
    """The workers' CPU per page group for requests that ended in [start, end] (opp_portal/gunicorn_config.py writes
    one line per request: end time, CPU ms, path). A path outside the locustfile's groups counts under its URL name."""
    from django.urls import Resolver404, resolve

    groups = {url_name: group for group, url_name in PAGES.items()}
    totals: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    cpu_log = Path(os.environ["OPP_GUNICORN_CPU_LOG"])
    if not cpu_log.exists():
        return {}
    for line in cpu_log.read_text(encoding="utf-8").splitlines():
        ended, cpu_ms, path = line.split(" ", 2)
        if not start <= float(ended) <= end:
            continue
        try:
            url_name = resolve(path).view_name
        except Resolver404:
            url_name = "(404)"
        entry = totals[groups.get(url_name, url_name)]
        entry[0] += 1
        entry[1] += float(cpu_ms)
    return {group: (int(n), ms) for group, (n, ms) in totals.items()}


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_load(label: str, accounts: dict[str, list[Account]], *, outage: bool) -> RunResult:
    """One run: every user logs in, the bell rings, LOAD_SECONDS of the users' day, Redis stopped halfway in run 2."""
    from django.utils import timezone

    result = RunResult(label)
    ramp = min(10.0, SECONDS / 10)
    classes = ROSTER.hand_out(accounts, ramp=ramp)
    for cls in classes:
        cls.wait_time = between(*THINK)
    users = sum(cls.fixed_count for cls in classes)
    env = Environment(user_classes=classes, host=HOST, stop_timeout=REQUEST_TIMEOUT + 5)
    measuring = [False]
    error_log = open(OUT / "errors.log", "a", encoding="utf-8")  # noqa: SIM115 - closed below
    error_log.write(f"===== {label} =====\n")

    def on_request(request_type, name, response_time, exception, start_time=None, response=None, **_kw):
        if exception is not None:
            body = getattr(response, "text", None) or ""
            location = (getattr(response, "headers", None) or {}).get("Location") or ""
            error_log.write(f"--- {time.strftime('%H:%M:%S', time.localtime(start_time))} {request_type} {name}: "
                            f"{exception} {location}\n{body[:3000]}\n")
        if measuring[0]:
            result.samples.append(Sample(start_time - t0_wall[0], response_time / 1000, exception is not None))

    def on_user_error(user_instance, exception, tb, **_kw):
        message = f"{type(user_instance).__name__}: {type(exception).__name__}: {exception}"
        (result.user_errors if measuring[0] else ROSTER.failures).append(message)
        error_log.write(f"--- user error {message}\n")

    t0_wall = [time.time()]
    env.events.request.add_listener(on_request)
    env.events.user_error.add_listener(on_user_error)
    runner = env.create_local_runner()
    try:
        # The logins: spread a little (password hashing is the costliest request there is), then wait for all.
        started = time.monotonic()
        runner.start(users, spawn_rate=max(5.0, users / 5))
        deadline = started + 60 + 3 * users
        while ROSTER.logged_in + len(ROSTER.failures) < users:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{label}: only {ROSTER.logged_in} of {users} users logged in within "
                                   f"{deadline - started:.0f} s")
            gevent.sleep(0.2)
        if ROSTER.failures:
            raise RuntimeError(f"{label}: {len(ROSTER.failures)} logins failed: " + "; ".join(ROSTER.failures[:5]))
        login = env.stats.total
        result.logins = (f"{users} users logged in ({', '.join(f'{c.fixed_count} {c.__name__}' for c in classes)}; "
                         f"password + TOTP for staff) with {login.num_requests} requests in "
                         f"{time.monotonic() - started:.1f} s, {login.num_failures} failed")
        log(f"{label}: {result.logins}")

        # The measured window starts with the bell.
        env.stats.reset_all()
        web_pgid = PROCS.procs["web"].pid
        cpu_before, own_before, machine_before = group_cpu_seconds(web_pgid), own_cpu_seconds(), machine_busy_seconds()
        postgres_before = postgres_cpu_seconds()
        t0 = time.monotonic()
        t0_wall[0] = time.time()
        result.started_at = timezone.now()
        measuring[0] = True
        ROSTER.bell.set()
        log(f"{label}: {users} users for {SECONDS} s (first pages spread over {ramp:.0f} s, think time "
            f"{THINK[0]}–{THINK[1]} s)")
        if outage:
            stop_at, back_at = SECONDS / 2, SECONDS / 2 + min(OUTAGE, SECONDS / 4)
            sleep_until(t0 + stop_at, label, t0, env)
            stop_wall, stopped = timezone.now(), time.monotonic() - t0
            PROCS.stop("redis", grace=10)
            log(f"{label}: private Redis stopped at t={stopped:.0f} s")
            sleep_until(t0 + back_at, label, t0, env)
            back = time.monotonic() - t0
            start_redis()
            log(f"{label}: private Redis started again at t={back:.0f} s (empty: nothing was persisted)")
            result.outage, result.outage_wall = (stopped, back), (stop_wall, timezone.now())
        sleep_until(t0 + SECONDS, label, t0, env)
        # Users finish the page in hand (up to gunicorn's timeout) and start no new one.
        runner.stop()
        measuring[0] = False
        result.seconds = time.monotonic() - t0
        result.ended_at = timezone.now()
        result.web_cpu = group_cpu_seconds(web_pgid) - cpu_before
        result.locust_cpu = own_cpu_seconds() - own_before
        result.machine_cpu = machine_busy_seconds() - machine_before
        result.postgres_cpu = postgres_cpu_seconds() - postgres_before
        result.request_cpu = request_cpu_by_group(t0_wall[0], time.time())
        result.stats = env.stats
    finally:
        runner.quit()
        error_log.close()
    return result


def sleep_until(moment: float, label: str, t0: float, env: Environment) -> None:
    """Let the users run until `moment` (monotonic), with a progress line every 20 s."""
    while (left := moment - time.monotonic()) > 0:
        gevent.sleep(min(left, 20 - (time.monotonic() - t0) % 20))
        if time.monotonic() < moment - 0.5:
            total = env.stats.total
            log(f"{label}: t={time.monotonic() - t0:.0f} s, {total.num_requests:,} requests, "
                f"{total.num_failures} errors")


def wait_for_delivery(result: RunResult) -> None:
    """Every outbox row written during the run must become sent (bounded); count the emails as well."""
    from notifications.models import Notification

    # The messages the run's writes cause (a parent's reaction, the school's answer), nothing else that a
    # periodic task might write meanwhile.
    rows = Notification.objects.filter(created_at__gte=result.started_at, created_at__lte=result.ended_at,
                                       kind__in=["reaction_new", "reaction_response"])
    created = rows.count()
    # beat drains every 60 s, 100 rows a time (notifications.services.BATCH_SIZE): allow for that and a margin.
    limit = env_int("LOAD_DRAIN_WAIT", 150 + 60 * math.ceil(created / 100))
    log(f"{result.label}: {created} outbox rows written during the run; waiting up to {limit} s for them to be sent")
    started = time.monotonic()
    while True:
        pending = rows.exclude(state=Notification.State.SENT).count()
        failed = rows.filter(state=Notification.State.FAILED).count()
        if not pending or failed or time.monotonic() - started > limit:
            break
        time.sleep(5)
    waited = time.monotonic() - started
    m = {"created": created, "sent": rows.filter(state=Notification.State.SENT).count(), "failed": failed,
         "pending": pending, "waited": waited, "emails": count_emails() - EMAILS_BEFORE[0]}
    if result.outage_wall:
        stop_wall, back_wall = result.outage_wall
        m["during_outage"] = rows.filter(created_at__gte=stop_wall, created_at__lte=back_wall).count()
        m["sent_after_back"] = rows.filter(state=Notification.State.SENT, sent_at__gte=back_wall).count()
        m["sent_before_stop"] = rows.filter(state=Notification.State.SENT, sent_at__lt=stop_wall).count()
    EMAILS_BEFORE[0] += m["emails"]
    result.messages = m
    log(f"{result.label}: {m['sent']} of {created} sent after {waited:.0f} s ({failed} failed); "
        f"{m['emails']} emails to load accounts in the file backend")


EMAILS_BEFORE = [0]
TO_RE = re.compile(r"^To: (.+?)\s*$", re.MULTILINE)


def count_emails() -> int:
    """Emails to the load schools' begeleiders and the load parents that the worker handed to the file backend
    (one file per connection); the demo's own messages go elsewhere."""
    total = 0
    for path in (OUT / "mail").glob("*.log"):
        total += sum(1 for to in TO_RE.findall(path.read_text("utf-8", "replace")) if to in RECIPIENTS)
    return total


def beat_send_failures() -> int:
    """Scheduled sends that beat could not hand to the broker (it logs them and carries on)."""
    path = OUT / "logs" / "beat.log"
    if not path.exists():
        return 0
    return len(re.findall(r"^\[.*ERROR.*Couldn't apply scheduled task", path.read_text("utf-8", "replace"), re.MULTILINE))


def heartbeats() -> int:
    from health.models import Heartbeat

    beat = Heartbeat.objects.filter(name="celery").first()
    return beat.beats if beat else 0




# --- report ------------------------------------------------------------------------------------------


def group_table(result: RunResult) -> str:
    """Locust's statistics per page group (the requests' names), staff first, then the portal."""
    entries = sorted((e for e in result.stats.entries.values() if e.num_requests),
                     key=lambda e: (not e.name.startswith("staff:"), e.name))
    cpu = result.request_cpu
    cpu_total = sum(ms for _n, ms in cpu.values())
    lines = [f"{'page group':<22}{'requests':>9}{'errors':>8}{'median ms':>11}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}"
             f"{'CPU ms':>8}{'CPU %':>7}"]
    for entry in [*entries, None]:
        if entry is None:
            lines.append("-" * 92)
            entry, name = result.stats.total, "all"
            served, spent = sum(n for n, _ms in cpu.values()), cpu_total
        else:
            name = entry.name
            served, spent = cpu.get(name, (0, 0.0))
        share = f"{spent / served:>8.1f}{100 * spent / cpu_total:>7.1f}" if served and cpu_total else f"{'–':>8}{'–':>7}"
        lines.append(f"{name:<22}{entry.num_requests:>9,}{entry.num_failures:>8}{entry.median_response_time:>11.0f}"
                     f"{entry.get_response_time_percentile(0.95):>9.0f}{entry.get_response_time_percentile(0.99):>9.0f}"
                     f"{entry.max_response_time or 0:>9.0f}" + share)
    for name in sorted(set(cpu) - {e.name for e in entries}):  # requests Locust did not name (redirect targets)
        served, spent = cpu[name]
        lines.append(f"  {name:<20}{served:>9,}{'':>46}{spent / served:>8.1f}{100 * spent / cpu_total:>7.1f}")
    rate = result.requests / result.seconds if result.seconds else 0
    lines.append(f"{result.requests:,} requests in {result.seconds:.0f} s = {rate:.1f} requests/s")
    if result.requests:
        # On a busy machine the latencies measure the queue; the CPU gunicorn got says how much work a page is.
        lines.append(f"gunicorn used {result.web_cpu:.1f} CPU s in {result.seconds:.0f} s "
                     f"({result.web_cpu / result.seconds:.2f} of {os.cpu_count()} cores): "
                     f"{1000 * result.web_cpu / result.requests:.0f} ms CPU per request (PostgreSQL not counted); "
                     f"{cpu_total / 1000:.1f} CPU s of it inside requests (the CPU ms column: the workers' own count "
                     f"per request, from reading the request to writing the answer's last byte)")
        rest = result.machine_cpu - result.web_cpu - result.locust_cpu - result.postgres_cpu
        lines.append(f"the machine was busy {result.machine_cpu / result.seconds:.2f} of {os.cpu_count()} cores: gunicorn "
                     f"{result.web_cpu / result.seconds:.2f}, PostgreSQL {result.postgres_cpu / result.seconds:.2f} "
                     f"({1000 * result.postgres_cpu / result.requests:.0f} ms per request; the whole server), Locust "
                     f"{result.locust_cpu / result.seconds:.2f}, the rest (worker, beat, and any other job on the "
                     f"machine) {rest / result.seconds:.2f}")
    for error in sorted(result.stats.errors.values(), key=lambda e: -e.occurrences)[:10]:
        lines.append(f"  error ×{error.occurrences}: {error.name}: {error.error}")
    for message in result.user_errors[:10]:
        lines.append(f"  error in a task: {message}")
    return "\n".join(lines)


def outage_errors(result: RunResult) -> tuple[int, int]:
    lo, hi = result.outage
    during = [s for s in result.samples if s.start <= hi and s.start + s.seconds >= lo]
    return sum(1 for s in during if s.failed), len(during)


def final_table(runs: list[RunResult]) -> bool:
    rows = []
    for r in runs:
        total, m = r.stats.total, r.messages
        rows.append((f"{r.label}: zero errors", f"{r.errors} of {r.requests:,} requests", r.errors == 0 and r.requests > 0))
        cpu_ms = 1000 * r.web_cpu / max(1, r.requests)
        p95 = total.get_response_time_percentile(0.95)
        rows.append((f"{r.label}: p95 of all pages" + (f" ≤ {P95_TARGET_MS} ms" if P95_TARGET_MS else ""),
                     f"p95 {p95:.0f} ms, p99 {total.get_response_time_percentile(0.99):.0f} ms at "
                     f"{r.requests / r.seconds:.1f} requests/s (gunicorn: {cpu_ms:.0f} ms CPU per request, "
                     f"{r.web_cpu / r.seconds:.2f} cores)", p95 <= P95_TARGET_MS if P95_TARGET_MS else None))
        if r.outage:
            e, n = outage_errors(r)
            rows.append((f"{r.label}: zero errors while Redis is down (t={r.outage[0]:.0f}–{r.outage[1]:.0f} s)",
                         f"{e} of {n:,} requests", e == 0 and n > 0))
            rows.append((f"{r.label}: every message delivered after Redis is back",
                         f"{m['sent']} of {m['created']} sent ({m['during_outage']} written during the outage, "
                         f"{m['sent_after_back']} sent after the restart; beat could not send {m['beat_missed']} "
                         f"scheduled tasks); {m['emails']} emails",
                         m["created"] > 0 and m["sent"] == m["created"] == m["emails"] and not m["failed"]))
            rows.append((f"{r.label}: heartbeat resumes after the restart", f"beats {r.heartbeat[0]} → {r.heartbeat[1]}",
                         r.heartbeat[1] > r.heartbeat[0]))
        else:
            rows.append((f"{r.label}: every message delivered", f"{m['sent']} of {m['created']} sent in "
                         f"{m['waited']:.0f} s; {m['emails']} emails",
                         m["created"] > 0 and m["sent"] == m["created"] == m["emails"] and not m["failed"]))
    width = max(len(t) for t, _m, _ok in rows) + 2
    mwidth = max(len(m) for _t, m, _ok in rows) + 2
    print(f"\n{'target':<{width}}{'measured':<{mwidth}}result")
    print("-" * (width + mwidth + 8))
    for target, measured, ok in rows:
        print(f"{target:<{width}}{measured:<{mwidth}}{'(report)' if ok is None else 'PASS' if ok else 'FAIL'}")
    return all(ok for _t, _m, ok in rows if ok is not None)


# --- main --------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["normal", "outage"], help="run only one of the two runs (for trials)")
    args = parser.parse_args()
    if shutil.which("redis-server") is None:
        sys.exit("redis-server is not installed: apt-get install redis-server")
    for port, what in ((PORT, "LOAD_PORT"), (REDIS_PORT, "LOAD_REDIS_PORT")):
        if port_open(port):
            sys.exit(f"something already listens on 127.0.0.1:{port}; choose another {what}")
    if OUT.exists():
        shutil.rmtree(OUT)
    for sub in ("logs", "mail", "static", "private"):
        (OUT / sub).mkdir(parents=True)

    load_avg = os.getloadavg()
    log(f"machine: {os.cpu_count()} cores, load average {load_avg[0]:.1f} / {load_avg[1]:.1f} / {load_avg[2]:.1f}")
    log(f"database {DB_NAME}: drop and create")
    recreate_database()
    start_redis()
    log("migrate + seed_demo …")
    manage("migrate", "--noinput")
    manage("seed_demo")

    import django

    django.setup()
    accounts = seed_load_data()

    PROCS.start("web", ["bin/web"])
    wait_until("bin/web /health/", 120, lambda: _health_ok(), alive=("web",))
    PROCS.start("worker", ["bin/worker"])
    PROCS.start("beat", ["bin/beat"])
    log("waiting for the first heartbeat (beat → Redis → worker → PostgreSQL) …")
    wait_until("the Celery heartbeat", 150, lambda: heartbeats() >= 1, alive=("web", "worker", "beat"))
    EMAILS_BEFORE[0] = count_emails()

    runs = []
    if args.only in (None, "normal"):
        result = run_load("run 1", accounts, outage=False)
        print("\n" + group_table(result) + "\n", flush=True)
        wait_for_delivery(result)
        runs.append(result)
    if args.only in (None, "outage"):
        beats_before, missed_before = heartbeats(), beat_send_failures()
        result = run_load("run 2 (Redis stopped)", accounts, outage=True)
        print("\n" + group_table(result) + "\n", flush=True)
        wait_for_delivery(result)
        # The heartbeat runs every 60 s: give it one interval beyond the wait for the messages.
        deadline = time.monotonic() + 75
        while heartbeats() <= beats_before and time.monotonic() < deadline:
            time.sleep(3)
        result.heartbeat = (beats_before, heartbeats())
        result.messages["beat_missed"] = beat_send_failures() - missed_before
        runs.append(result)
    for name in ("web", "worker", "beat"):
        if not PROCS.alive(name):
            log(f"WARNING: {name} is no longer running; see {OUT / 'logs' / (name + '.log')}")
    load_avg = os.getloadavg()
    print(f"\nload test (Locust): {USERS} users, {SECONDS} s per run, WEB_CONCURRENCY={WEB_CONCURRENCY}, {os.cpu_count()} cores, "
          f"load average at the end {load_avg[0]:.1f}; logs and errors in {OUT.relative_to(ROOT)}/")
    ok = final_table(runs)
    return 0 if ok else 1


def _health_ok() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", PORT), timeout=5) as s:
            s.sendall(b"GET /health/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            return s.recv(64).split(b"\r\n", 1)[0].split()[1:2] == [b"200"]
    except OSError:
        return False


def _terminate(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    # Also when started from a script that ignores SIGINT for background jobs (Python would inherit that).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    code = 1
    try:
        code = main()
    except KeyboardInterrupt:
        log("interrupted")
        code = 130
    except Exception:  # noqa: BLE001 - printed, then everything is stopped
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        log("stopping everything this script started …")
        PROCS.stop_all()
    sys.exit(code)
