"""Load test: the production processes under 50 simulated users, then with Redis stopped.

    make bench-load                          # or: .venv/bin/python bench/load.py
    LOAD_SECONDS=40 make bench-load          # a shorter trial

Not part of CI. Needs the machine's PostgreSQL (127.0.0.1:5432, user postgres, trust) and `redis-server`
on PATH (`apt-get install redis-server`). Everything it starts is its own and is stopped at the end, also on
Ctrl-C or an error:

1. drops and creates database `opp_load`; starts a private `redis-server` on port 6390 (never the shared one);
2. migrates, runs `seed_demo`, and adds the benchmarks' rich world from bench/seed.py for one board of 5 bao
   schools with LOAD_PUPILS pupils (plans in mixed states with texts and items, guardians, consultations,
   consent requests, evaluations), plus the load accounts: per school two begeleiders, two leerkrachten and a
   schoolleider, one bestuurder (25 staff accounts, each with its own TOTP device: a code is good once per
   device per 30 s), and 25 parents with a portal account whose child's OPP is before them;
3. starts `bin/web` (gunicorn, WEB_CONCURRENCY=3 as in the compose file), `bin/worker` and `bin/beat` with
   production settings (DEBUG=0, OPP_REQUIRE_2FA=1; only the TLS switches are off: there is no TLS on
   loopback), the private Redis as broker and `filemail://` as email backend, so every email can be counted;
4. logs every simulated user in for real (password at /accounts/login/, then a TOTP code computed in-process
   for staff) and runs them for LOAD_SECONDS: staff pages (start page, pupil list, pupil, plan, version, now
   and then the PDF; begeleiders answer parents' reactions; the bestuurder has the adoption queue instead of
   the pupil register) and portal pages (home, child, version, now and then a reaction or the PDF). A
   reaction writes one outbox row per begeleider of the school, an answer one for the parent. Errors: any
   status outside 2xx/3xx, any connection error or timeout, a redirect to the login or 2FA page (a lost
   session), a write that is not accepted;
5. run 2 does the same but stops the private Redis at half time and starts it again LOAD_OUTAGE_SECONDS later
   (at most a quarter of the run);
6. after each run waits (bounded) until every outbox row written during the run is sent, and counts the
   emails in the file backend; prints a table per page group and a final PASS/FAIL table (exit code 1 on FAIL).

Knobs (environment): LOAD_SECONDS (120), LOAD_USERS (50: half staff, half parents), LOAD_PUPILS (3000),
LOAD_THINK ("0.5-2.0" seconds between a user's requests), LOAD_OUTAGE_SECONDS (20), WEB_CONCURRENCY (3),
CELERY_CONCURRENCY (2), LOAD_PORT (8790), LOAD_REDIS_PORT (6390), LOAD_DB (opp_load),
LOAD_PG (postgres://postgres@127.0.0.1:5432), LOAD_DRAIN_WAIT (seconds; default from the number of messages).
Logs, the emails and the error samples land in artifacts/load/.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import math
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "artifacts" / "load"


def env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        sys.exit(f"{name} must be a whole number")


SECONDS = env_int("LOAD_SECONDS", 120)
USERS = env_int("LOAD_USERS", 50)
PUPILS = env_int("LOAD_PUPILS", 3000)
OUTAGE = env_int("LOAD_OUTAGE_SECONDS", 20)
PORT = env_int("LOAD_PORT", 8790)
REDIS_PORT = env_int("LOAD_REDIS_PORT", 6390)
WEB_CONCURRENCY = env_int("WEB_CONCURRENCY", 3)
DB_NAME = os.environ.get("LOAD_DB", "opp_load")
PG = os.environ.get("LOAD_PG", "postgres://postgres@127.0.0.1:5432").rstrip("/")
THINK = tuple(float(x) for x in os.environ.get("LOAD_THINK", "0.5-2.0").split("-", 1))
SCHOOLS = 5
PASSWORD = "opp-demo-2026"  # the demo password (security.demo.DEMO_PASSWORD)
MAIL_DOMAIN = "load.opp-portaal.nl"
REQUEST_TIMEOUT = 60  # gunicorn's own --timeout in bin/web

if not re.fullmatch(r"[a-z_][a-z0-9_]*", DB_NAME):
    sys.exit("LOAD_DB must be a plain lower-case database name")

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


@dataclass
class SimUser:
    username: str
    kind: str  # "staff" | "parent"
    role: str = ""
    key: str = ""  # TOTP key (hex) for staff
    school_id: int | None = None
    pupils: list[int] = field(default_factory=list)
    plans: list[int] = field(default_factory=list)
    versions: list[int] = field(default_factory=list)
    parent_plans: list[int] = field(default_factory=list)
    child_id: int | None = None
    version_id: int | None = None


def seed_load_data() -> list[SimUser]:
    """The benchmarks' rich world (bench/seed.py) for one board of 5 bao schools, plus the load accounts.

    bench/seed.py brings the pupils with plans in mixed states, section texts and items, guardians (a fifth with
    a portal account), consultations, consent requests, evaluations. Added here: per school two begeleiders, two
    leerkrachten and a schoolleider, one bestuurder (each with their own TOTP device, the demo password), and
    the demo password for portal accounts of parents whose child's OPP is before them.
    """
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import Membership, Role, User
    from bench.seed import ensure_org, ensure_pupils
    from opp.models import Plan
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
        Membership.objects.bulk_create([
            # A leerkracht reads only their own group (need to know): one group of the seeded 1a–8c each.
            Membership(user=u, role=role, school=school, board=None if school else board, approved_at=timezone.now(),
                       groups=[f"{i % 8 + 1}{'abc'[i % 3]}"] if role == Role.LEERKRACHT else [])
            for i, (u, (role, school)) in enumerate(zip(staff_users, staff_specs, strict=True))])
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

    from opp.models import PlanVersion

    latest_version = {}
    for pk, plan_id in PlanVersion.objects.filter(plan__student__school__in=schools).order_by("number").values_list(
            "pk", "plan_id"):
        latest_version[plan_id] = pk
    visible_version = {}
    for pk, plan_id in (PlanVersion.objects.filter(plan_id__in=[p for p, _s, _u in chosen], state__in=PORTAL_STATES)
                        .order_by("number").values_list("pk", "plan_id")):
        visible_version[plan_id] = pk
    school_pupils, school_plans, school_parent_plans = defaultdict(list), defaultdict(list), defaultdict(list)
    for pk, school_id in Student.objects.filter(school__in=schools).values_list("pk", "school_id"):
        school_pupils[school_id].append(pk)
    for pk, school_id in Plan.objects.filter(student__school__in=schools).values_list("pk", "student__school_id"):
        school_plans[school_id].append(pk)
    student_school = dict(Student.objects.filter(school__in=schools).values_list("pk", "school_id"))
    for plan_id, student_id, _u in chosen:
        school_parent_plans[student_school[student_id]].append(plan_id)

    def scoped(d, school_id):
        return d[school_id] if school_id else [x for sc in schools for x in d[sc.pk]]

    sim = []
    for u, (role, school), key in zip(staff_users, staff_specs, keys, strict=True):
        sid = school.pk if school else None
        plans_here = scoped(school_plans, sid)
        sim.append(SimUser(username=u.username, kind="staff", role=role, key=key, school_id=sid,
                           pupils=scoped(school_pupils, sid), plans=plans_here,
                           versions=[latest_version[p] for p in plans_here if p in latest_version],
                           parent_plans=scoped(school_parent_plans, sid)))
    usernames = dict(User.objects.filter(pk__in=[u for _p, _s, u in chosen]).values_list("pk", "username"))
    for plan_id, student_id, user_id in chosen:
        sim.append(SimUser(username=usernames[user_id], kind="parent", child_id=student_id,
                           version_id=visible_version[plan_id], school_id=student_school[student_id]))
    # Who can receive the run's messages: begeleiders of these schools (reactions) and the parents (answers).
    RECIPIENTS.update(User.objects.filter(memberships__school__in=schools).values_list("email", flat=True))
    RECIPIENTS.update(User.objects.filter(pk__in=[u for _p, _s, u in chosen]).values_list("email", flat=True))
    log(f"load data: {len(schools)} schools, {len(student_school):,} pupils, "
        f"{sum(len(v) for v in school_plans.values()):,} plans, {n_staff} staff accounts (own TOTP devices), "
        f"{len(chosen)} parent accounts")
    return sim


RECIPIENTS: set[str] = set()


# --- HTTP client -------------------------------------------------------------------------------------


class Response:
    def __init__(self, status: int, headers, body: bytes):
        self.status, self.headers, self.body = status, headers, body

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Client:
    """One simulated browser: its own cookies, a new connection per request (gunicorn's sync workers close it)."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: dict | None = None) -> Response:
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=REQUEST_TIMEOUT)
        headers = {"User-Agent": "opp-bench-load", "Accept": "text/html,application/pdf"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            content = resp.read()
        finally:
            conn.close()
        for raw in resp.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(raw)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Response(resp.status, resp.headers, content)

    @property
    def csrf(self) -> str:
        return self.cookies.get("csrftoken", "")


CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def login(user: SimUser) -> Client:
    """The real login: password, then (staff) the TOTP code of the user's own device, computed here."""
    from django_otp.oath import totp

    client = Client()
    page = client.request("GET", "/accounts/login/")
    token = CSRF_RE.search(page.text)
    if page.status != 200 or not token:
        raise RuntimeError(f"{user.username}: login page answered {page.status}")
    r = client.request("POST", "/accounts/login/", {"csrfmiddlewaretoken": token.group(1), "username": user.username,
                                                    "password": PASSWORD, "next": ""})
    if r.status != 302:
        raise RuntimeError(f"{user.username}: password step answered {r.status}")
    if user.kind == "staff":
        for attempt in range(2):
            page = client.request("GET", "/account/tweestaps/controle/?next=/")
            token = CSRF_RE.search(page.text)
            if page.status != 200 or not token:
                raise RuntimeError(f"{user.username}: 2FA page answered {page.status}")
            code = f"{totp(bytes.fromhex(user.key)):06d}"
            r = client.request("POST", "/account/tweestaps/controle/",
                               {"csrfmiddlewaretoken": token.group(1), "token": code, "next": "/"})
            if r.status == 302:
                break
            if attempt == 0:  # a code is good once per 30-s window per device: wait for the next window
                time.sleep(31 - time.time() % 30)
        else:
            raise RuntimeError(f"{user.username}: the TOTP code was refused twice")
    r = client.request("GET", "/")
    expected = "/start/" if user.kind == "staff" else "/portaal/"
    if r.status != 302 or not r.location.endswith(expected):
        raise RuntimeError(f"{user.username}: after login / answered {r.status} → {r.location!r}, not {expected}")
    return client


def login_all(users: list[SimUser]) -> list[Client]:
    from concurrent.futures import ThreadPoolExecutor

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        clients = list(pool.map(login, users))
    log(f"{len(users)} users logged in (password{' + TOTP' if any(u.kind == 'staff' for u in users) else ''}) "
        f"in {time.monotonic() - started:.1f} s")
    return clients


# --- the load ----------------------------------------------------------------------------------------


@dataclass
class Sample:
    group: str
    start: float  # seconds since the run's start
    seconds: float
    error: str = ""


class Recorder:
    def __init__(self, t0: float):
        self.t0 = t0
        self.samples: list[Sample] = []
        self.lock = threading.Lock()
        self.error_log = open(OUT / "errors.log", "a", encoding="utf-8")  # noqa: SIM115 - closed in close()

    def add(self, sample: Sample, detail: str = "") -> None:
        with self.lock:
            self.samples.append(sample)
            if sample.error:
                self.error_log.write(f"--- t={sample.start:.1f}s {sample.group}: {sample.error}\n{detail[:3000]}\n")
                self.error_log.flush()

    def close(self) -> None:
        self.error_log.close()


LOGIN_PATHS = ("/accounts/login/", "/account/tweestaps/")
RESPOND_RE = re.compile(r'action="(/opp/reactie/\d+/)"')


class Sim:
    """One simulated user's loop: pick a page by weight, request it, think, until the deadline."""

    STAFF = [("staff:start", 12), ("staff:pupil_list", 18), ("staff:pupil", 22), ("staff:plan", 16),
             ("staff:version", 16), ("staff:pdf", 1), ("staff:respond", 8)]
    BOARD = [("staff:start", 15), ("staff:adoption_queue", 15), ("staff:plan", 30), ("staff:version", 30),
             ("staff:pdf", 1)]
    PARENT = [("portal:home", 20), ("portal:child", 40), ("portal:version", 30), ("portal:react", 6), ("portal:pdf", 1)]

    def __init__(self, user: SimUser, client: Client, rec: Recorder, deadline: float, seed: int):
        self.user, self.client, self.rec, self.deadline = user, client, rec, deadline
        self.rnd = random.Random(seed)  # noqa: S311 - load pattern, not security
        mix = self.STAFF if user.kind == "staff" else self.PARENT
        if user.role == "bestuurder":
            mix = self.BOARD  # no pupil register for the board (no PUPIL_VIEW): plans and the adoption queue
        elif user.role != "begeleider":
            mix = [(g, w) for g, w in mix if g != "staff:respond"]  # only begeleiders may answer
        self.groups, self.weights = zip(*mix, strict=True)

    def hit(self, group: str, method: str, path: str, data: dict | None = None, *, write: bool = False):
        started = time.monotonic()
        error, detail, resp = "", "", None
        try:
            resp = self.client.request(method, path, data)
        except Exception as exc:  # noqa: BLE001 - every failure of the request is a counted error
            error, detail = f"{type(exc).__name__}: {exc}"[:200], f"{self.user.username}: {method} {path}"
        else:
            if not 200 <= resp.status < 400:
                error, detail = f"HTTP {resp.status}", f"{self.user.username}: {method} {path}\n{resp.text}"
            elif 300 <= resp.status < 400 and urllib.parse.urlparse(resp.location).path.startswith(LOGIN_PATHS):
                error = "redirect to login/2FA (session lost)"
                detail = f"{self.user.username}: {method} {path} → {resp.location}"
            elif write and resp.status != 302:
                error = f"write not accepted (HTTP {resp.status})"
                detail = f"{self.user.username}: {method} {path}\n{resp.text}"
        self.rec.add(Sample(group, started - self.rec.t0, time.monotonic() - started, error), detail)
        return None if error else resp

    def run(self) -> None:
        while time.monotonic() < self.deadline:
            group = self.rnd.choices(self.groups, self.weights)[0]
            getattr(self, group.split(":")[1])(group)
            pause = self.rnd.uniform(*THINK)
            if time.monotonic() + pause >= self.deadline:
                break
            time.sleep(pause)

    # staff
    def start(self, group):
        self.hit(group, "GET", "/start/")

    def adoption_queue(self, group):
        self.hit(group, "GET", "/opp/vaststellen/")

    def pupil_list(self, group):
        pages = max(1, math.ceil(len(self.user.pupils) / 25))
        r = self.rnd.random()
        if r < 0.15:
            query = {"q": self.rnd.choice(["de", "Jansen", "Emma", "van", "Bos"])}
        elif r < 0.3:
            query = {"termijn": self.rnd.choice(["verlopen", "binnenkort", ""]), "opp": "ja"}
        else:
            query = {"pagina": str(self.rnd.randint(1, min(pages, 10)))}
        self.hit(group, "GET", "/leerlingen/?" + urllib.parse.urlencode(query))

    def pupil(self, group):
        self.hit(group, "GET", f"/leerlingen/{self.rnd.choice(self.user.pupils)}/")

    def plan(self, group):
        self.hit(group, "GET", f"/opp/{self.rnd.choice(self.user.plans)}/")

    def version(self, group):
        if self.user.kind == "parent":
            self.hit(group, "GET", f"/portaal/versie/{self.user.version_id}/")
        else:
            self.hit(group, "GET", f"/opp/versie/{self.rnd.choice(self.user.versions)}/")

    def pdf(self, group):
        if self.user.kind == "parent":
            self.hit(group, "GET", f"/portaal/versie/{self.user.version_id}/pdf/")
        else:
            self.hit(group, "GET", f"/opp/versie/{self.rnd.choice(self.user.versions)}/pdf/")

    def respond(self, group):
        """A begeleider opens a plan that parents react on and answers an open reaction (an outbox row)."""
        page = self.hit("staff:plan", "GET", f"/opp/{self.rnd.choice(self.user.parent_plans)}/")
        forms = RESPOND_RE.findall(page.text) if page is not None else []
        if forms:
            self.hit(group, "POST", self.rnd.choice(forms), {
                "csrfmiddlewaretoken": self.client.csrf,
                "response": "Dank voor uw reactie. We bespreken dit in het volgende overleg."}, write=True)

    # portal
    def home(self, group):
        self.hit(group, "GET", "/portaal/")

    def child(self, group):
        self.hit(group, "GET", f"/portaal/leerling/{self.user.child_id}/")

    def react(self, group):
        self.hit(group, "POST", f"/portaal/versie/{self.user.version_id}/reageren/", {
            "csrfmiddlewaretoken": self.client.csrf,
            "text": f"Wij willen graag weten hoe het lezen nu gaat ({self.rnd.randint(1, 10 ** 6)})."}, write=True)


@dataclass
class RunResult:
    label: str
    samples: list[Sample]
    seconds: float
    started_at: datetime.datetime
    ended_at: datetime.datetime
    outage: tuple[float, float] | None = None  # run-relative seconds
    outage_wall: tuple[datetime.datetime, datetime.datetime] | None = None
    web_cpu: float = 0.0  # CPU seconds gunicorn used during the run
    messages: dict = field(default_factory=dict)
    heartbeat: tuple[int, int] | None = None


def run_load(label: str, users: list[SimUser], *, outage: bool) -> RunResult:
    from django.utils import timezone

    clients = login_all(users)
    t0 = time.monotonic()
    rec = Recorder(t0)
    rec.error_log.write(f"===== {label} =====\n")
    deadline = t0 + SECONDS
    ramp = min(10.0, SECONDS / 10)
    started_at = timezone.now()
    web_pgid = PROCS.procs["web"].pid
    cpu_before = group_cpu_seconds(web_pgid)
    threads = []
    for i, (user, client) in enumerate(zip(users, clients, strict=True)):
        sim = Sim(user, client, rec, deadline, seed=hash((label, i)))

        delay = ramp * i / len(users)

        def body(sim=sim, delay=delay):
            time.sleep(delay)
            sim.run()

        threads.append(threading.Thread(target=body, name=user.username, daemon=True))
    for t in threads:
        t.start()
    log(f"{label}: {len(users)} users for {SECONDS} s (ramp-up {ramp:.0f} s, think time {THINK[0]}–{THINK[1]} s)")
    result = RunResult(label, [], SECONDS, started_at, started_at)
    if outage:
        stop_at, back_at = SECONDS / 2, SECONDS / 2 + min(OUTAGE, SECONDS / 4)
        time.sleep(max(0.0, t0 + stop_at - time.monotonic()))
        stop_wall = timezone.now()
        stopped = time.monotonic() - t0
        PROCS.stop("redis", grace=10)
        log(f"{label}: private Redis stopped at t={stopped:.0f} s")
        time.sleep(max(0.0, t0 + back_at - time.monotonic()))
        back = time.monotonic() - t0
        start_redis()
        back_wall = timezone.now()
        log(f"{label}: private Redis started again at t={back:.0f} s (empty: nothing was persisted)")
        result.outage, result.outage_wall = (stopped, back), (stop_wall, back_wall)
    progress_at = t0
    for t in threads:
        while t.is_alive():
            t.join(timeout=5)
            if time.monotonic() - progress_at >= 20:
                progress_at = time.monotonic()
                with rec.lock:
                    done, errors = len(rec.samples), sum(1 for s in rec.samples if s.error)
                log(f"{label}: t={progress_at - t0:.0f} s, {done:,} requests, {errors} errors")
    result.ended_at = timezone.now()
    result.seconds = time.monotonic() - t0
    result.web_cpu = group_cpu_seconds(web_pgid) - cpu_before
    result.samples = rec.samples
    rec.close()
    return result


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


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def group_table(result: RunResult) -> str:
    by_group = defaultdict(list)
    for s in result.samples:
        by_group[s.group].append(s)
    lines = [f"{'page group':<22}{'requests':>9}{'errors':>8}{'median ms':>11}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}"]
    for group in sorted(by_group, key=lambda g: (g.split(":")[0] != "staff", g)) + ["all"]:
        samples = result.samples if group == "all" else by_group[group]
        times = [s.seconds * 1000 for s in samples if not s.error]
        errors = sum(1 for s in samples if s.error)
        if group == "all":
            lines.append("-" * 77)
        lines.append(f"{group:<22}{len(samples):>9,}{errors:>8}{pct(times, 50):>11.0f}{pct(times, 95):>9.0f}"
                     f"{pct(times, 99):>9.0f}{max(times, default=float('nan')):>9.0f}")
    rate = len(result.samples) / result.seconds if result.seconds else 0
    lines.append(f"{len(result.samples):,} requests in {result.seconds:.0f} s = {rate:.1f} requests/s")
    if result.samples:
        # On a busy machine the latencies measure the queue; the CPU gunicorn got says how much work a page is.
        lines.append(f"gunicorn used {result.web_cpu:.1f} CPU s in {result.seconds:.0f} s "
                     f"({result.web_cpu / result.seconds:.2f} of {os.cpu_count()} cores): "
                     f"{1000 * result.web_cpu / len(result.samples):.0f} ms CPU per request (PostgreSQL not counted)")
    kinds = defaultdict(int)
    for s in result.samples:
        if s.error:
            kinds[f"{s.group}: {s.error}"] += 1
    for kind, n in sorted(kinds.items(), key=lambda kv: -kv[1])[:10]:
        lines.append(f"  error ×{n}: {kind}")
    return "\n".join(lines)


def outage_errors(result: RunResult) -> tuple[int, int]:
    lo, hi = result.outage
    during = [s for s in result.samples if s.start <= hi and s.start + s.seconds >= lo]
    return sum(1 for s in during if s.error), len(during)


def final_table(runs: list[RunResult]) -> bool:
    rows = []
    for r in runs:
        errors = sum(1 for s in r.samples if s.error)
        times = [s.seconds * 1000 for s in r.samples if not s.error]
        m = r.messages
        rows.append((f"{r.label}: zero errors", f"{errors} of {len(r.samples):,} requests", errors == 0 and bool(r.samples)))
        cpu_ms = 1000 * r.web_cpu / max(1, len(r.samples))
        rows.append((f"{r.label}: p95 / p99, all pages", f"{pct(times, 95):.0f} / {pct(times, 99):.0f} ms at "
                     f"{len(r.samples) / r.seconds:.1f} requests/s (gunicorn: {cpu_ms:.0f} ms CPU per request, "
                     f"{r.web_cpu / r.seconds:.2f} cores)", None))
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
    sim_users = seed_load_data()

    PROCS.start("web", ["bin/web"])
    wait_until("bin/web /health/", 120, lambda: _health_ok(), alive=("web",))
    PROCS.start("worker", ["bin/worker"])
    PROCS.start("beat", ["bin/beat"])
    log("waiting for the first heartbeat (beat → Redis → worker → PostgreSQL) …")
    wait_until("the Celery heartbeat", 150, lambda: heartbeats() >= 1, alive=("web", "worker", "beat"))
    EMAILS_BEFORE[0] = count_emails()

    runs = []
    if args.only in (None, "normal"):
        result = run_load("run 1", sim_users, outage=False)
        print("\n" + group_table(result) + "\n", flush=True)
        wait_for_delivery(result)
        runs.append(result)
    if args.only in (None, "outage"):
        beats_before, missed_before = heartbeats(), beat_send_failures()
        result = run_load("run 2 (Redis stopped)", sim_users, outage=True)
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
    print(f"\nload test: {USERS} users, {SECONDS} s per run, WEB_CONCURRENCY={WEB_CONCURRENCY}, {os.cpu_count()} cores, "
          f"load average at the end {load_avg[0]:.1f}; logs and errors in {OUT.relative_to(ROOT)}/")
    ok = final_table(runs)
    return 0 if ok else 1


def _health_ok() -> bool:
    try:
        return Client().request("GET", "/health/").status == 200
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
