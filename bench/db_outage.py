"""PostgreSQL outage drill: the production web process while its database goes away and back.

    make bench-db-outage                     # or: .venv/bin/python bench/db_outage.py
    DRILL_SECONDS=60 DRILL_OUTAGE=20 make bench-db-outage

Not part of CI. Needs PostgreSQL's server binaries (/usr/lib/postgresql/<version>/bin, Debian's postgresql
package) and root or the postgres account to run them. It never touches the machine's shared cluster: it makes a
private cluster in a temporary folder on DRILL_PG_PORT (5440), and stops and removes it at the end.

1. initdb + start the private cluster; create `opp_drill`; migrate; seed_demo (2FA off: password logins);
2. start `bin/web` (gunicorn, production settings, DEBUG=0) on DRILL_PORT against that cluster;
3. log in demo staff and parents for real and let DRILL_USERS clients load their pages for DRILL_SECONDS;
   after a third of the run the cluster is stopped (`pg_ctl stop -m fast`: connections cut) for DRILL_OUTAGE
   seconds, then started again;
4. during the outage the bestuurder submits the adoption of Tess's OPP (waiting in the demo's queue); after the
   database is back the same form is sent twice more, as a user pressing "Vaststellen" again would;
5. prints per phase the answers (2xx/3xx, 503, 500, other, connection errors), the seconds until the first good
   page after the restart, and checks: no 500 and no traceback in any phase, only 503s (or refused connections)
   while the database is down, every page good again after recovery, and the adoption recorded exactly once.
   Exit code 1 on FAIL. Logs in artifacts/db_outage/.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "artifacts" / "db_outage"

SECONDS = int(os.environ.get("DRILL_SECONDS", "60"))
OUTAGE = int(os.environ.get("DRILL_OUTAGE", "20"))
USERS = int(os.environ.get("DRILL_USERS", "8"))
PG_PORT = int(os.environ.get("DRILL_PG_PORT", "5440"))
WEB_PORT = int(os.environ.get("DRILL_PORT", "8791"))
DB = "opp_drill"
DB_URL = f"postgres://postgres@127.0.0.1:{PG_PORT}/{DB}"
PASSWORD = "opp-demo-2026"  # security.demo.DEMO_PASSWORD
STAFF = ["ib.debron", "ib.kompas", "directeur.debron", "zc.horizon"]
PARENTS = ["ouder.jansen", "ouder.elbaz", "ouder.devries"]
PAGES = {"staff": ["/start/", "/leerlingen/", "/leerlingen/?termijn=te_laat"], "parent": ["/portaal/"]}
TRACE = re.compile(r"Traceback|OperationalError|psycopg2|File \"/")

ENV = {
    **os.environ, "DATABASE_URL": DB_URL, "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECRET_KEY": "drill-" + "x" * 60, "SECURE_SSL_REDIRECT": "0", "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0", "SECURE_HSTS_SECONDS": "0", "OPP_REQUIRE_2FA": "0",
    # The broker is never needed for a page (ARCHITECTURE.md); an unused port keeps the drill off the shared Redis.
    "CELERY_BROKER_URL": "redis://127.0.0.1:6399/0", "BIND": f"127.0.0.1:{WEB_PORT}", "WEB_CONCURRENCY": "2",
    "STATIC_ROOT": str(OUT / "static"), "OPP_MIGRATE_ON_START": "0", "DJANGO_SETTINGS_MODULE": "opp_portal.settings",
}
from bench import load as http  # noqa: E402  (its Client: cookies, one connection per request)

http.PORT = WEB_PORT
# After that import (it sets its own database in the environment): this process reads the drill's database.
os.environ.update({k: ENV[k] for k in ("DATABASE_URL", "DEBUG", "ALLOWED_HOSTS", "SECRET_KEY", "OPP_REQUIRE_2FA",
                                       "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")})


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def pg_bin() -> Path:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not versions:
        sys.exit("db_outage: PostgreSQL's server binaries are missing (apt-get install postgresql)")
    return versions[-1].parent


def as_postgres(args: list[str], **kw) -> subprocess.CompletedProcess:
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run(prefix + args, check=True, capture_output=True, text=True, **kw)  # noqa: S603 - our own args


class Cluster:
    """A private PostgreSQL cluster in a temporary folder: never the machine's shared one."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="opp-drill-pg-"))
        shutil.chown(self.dir, "postgres") if os.geteuid() == 0 else None
        self.data = self.dir / "data"
        self.bin = pg_bin()

    def init(self) -> None:
        as_postgres([str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8"])

    def start(self) -> None:
        as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "pg.log"), "-w", "-o",
                     f"-p {PG_PORT} -c listen_addresses=127.0.0.1 -k {self.dir}", "start"])

    def stop(self) -> None:
        as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])

    def remove(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


def manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=ENV, check=True,  # noqa: S603
                   capture_output=True)


def login(username: str) -> http.Client:
    client = http.Client()
    page = client.request("GET", "/accounts/login/")
    token = http.CSRF_RE.search(page.text)
    r = client.request("POST", "/accounts/login/", {"csrfmiddlewaretoken": token.group(1), "username": username,
                                                    "password": PASSWORD, "next": ""})
    if r.status != 302:
        raise RuntimeError(f"{username}: login answered {r.status}")
    return client


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.rows: list[tuple[float, str, int, bool]] = []  # (time, phase, status or -1, traceback seen)

    def add(self, t: float, phase: str, status: int, trace: bool) -> None:
        with self.lock:
            self.rows.append((t, phase, status, trace))


def adopt_form(client: http.Client, pk: int) -> int:
    """The bestuurder presses "Vaststellen" on the review page; returns the HTTP status (or -1: no connection)."""
    try:
        page = client.request("GET", f"/opp/vaststellen/{pk}/")
        token = http.CSRF_RE.search(page.text)
        csrf = token.group(1) if token else client.csrf
        r = client.request("POST", f"/opp/vaststellen/{pk}/", {"csrfmiddlewaretoken": csrf, "action": "vaststellen",
                                                              "password": PASSWORD})
        return r.status
    except OSError:
        return -1


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    cluster = Cluster()
    web = None
    try:
        log(f"private PostgreSQL cluster on port {PG_PORT} in {cluster.dir}")
        cluster.init()
        cluster.start()
        as_postgres([str(cluster.bin / "psql"), "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "postgres", "-q", "-c",
                     f"CREATE DATABASE {DB}"])
        log("migrate + seed_demo")
        manage("migrate", "--noinput")
        manage("seed_demo")

        import django

        django.setup()
        from opp.models import PlanVersion

        tess = PlanVersion.objects.get(plan__student__pupil_number="K002", state="ter_vaststelling")

        log(f"bin/web on port {WEB_PORT}")
        web = subprocess.Popen([str(ROOT / "bin" / "web")], cwd=ROOT, env=ENV, start_new_session=True,  # noqa: S603
                               stdout=open(OUT / "web.log", "w"), stderr=subprocess.STDOUT)  # noqa: SIM115
        for _ in range(60):
            try:
                if http.Client().request("GET", "/health/").status in (200, 503):
                    break
            except OSError:
                time.sleep(1)
        users = [(name, "staff") for name in STAFF] + [(name, "parent") for name in PARENTS]
        clients = [(login(name), kind) for name, kind in (users * USERS)[:USERS]]
        bestuurder = login("bestuurder")

        tally = Tally()
        t0 = time.monotonic()
        down_at, up_at = SECONDS / 3, SECONDS / 3 + OUTAGE
        phase = {"now": "voor"}
        stop = threading.Event()

        def run(client: http.Client, kind: str, n: int) -> None:
            i = n
            while not stop.is_set():
                path = PAGES[kind][i % len(PAGES[kind])]
                i += 1
                t = time.monotonic() - t0
                try:
                    r = client.request("GET", path)
                    tally.add(t, phase["now"], r.status, bool(TRACE.search(r.text)))
                except OSError:
                    tally.add(t, phase["now"], -1, False)
                time.sleep(0.2)

        threads = [threading.Thread(target=run, args=(c, kind, n), daemon=True) for n, (c, kind) in enumerate(clients)]
        for th in threads:
            th.start()
        time.sleep(down_at)
        log("stopping the private PostgreSQL (fast: connections cut)")
        phase["now"] = "storing"
        cluster.stop()
        time.sleep(2)
        during = adopt_form(bestuurder, tess.pk)
        log(f"adoption submitted during the outage: HTTP {during}")
        time.sleep(max(0.0, up_at - (time.monotonic() - t0)))
        log("starting it again")
        cluster.start()
        restarted = time.monotonic() - t0
        phase["now"] = "na"
        after = [adopt_form(bestuurder, tess.pk) for _ in range(2)]
        log(f"the same adoption form sent twice after recovery: HTTP {after}")
        time.sleep(max(0.0, SECONDS - (time.monotonic() - t0)))
        stop.set()
        for th in threads:
            th.join(timeout=15)

        from django.db import connection

        connection.close()  # the drill's own connection died with the outage
        from audit.models import AuditEvent

        tess.refresh_from_db()
        adoptions = AuditEvent.objects.filter(object_type="opp.planversion", object_id=str(tess.pk),
                                              action="transition", details__to="vastgesteld").count()
        return report(tally, restarted, during, after, tess.state, adoptions)
    finally:
        if web is not None:
            try:
                os.killpg(web.pid, 15)
                web.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(web.pid, 9)
        cluster.remove()


def report(tally: Tally, restarted: float, during: int, after: list[int], state: str, adoptions: int) -> int:
    by_phase: dict[str, Counter] = defaultdict(Counter)
    traces = 0
    for _t, phase, status, trace in tally.rows:
        kind = ("ok" if status < 400 else str(status)) if status > 0 else "geen verbinding"
        by_phase[phase][kind] += 1
        traces += trace
    first_ok = min((t for t, phase, status, _tr in tally.rows if phase == "na" and 0 < status < 400), default=None)
    after_ok = [status for t, phase, status, _tr in tally.rows if phase == "na" and first_ok is not None
                and t >= first_ok]
    print(f"\n{'fase':<10}{'verzoeken':>10}{'ok':>8}{'503':>8}{'500':>8}{'anders':>8}{'geen verbinding':>17}")
    for phase in ("voor", "storing", "na"):
        c = by_phase[phase]
        other = sum(n for k, n in c.items() if k not in ("ok", "503", "500", "geen verbinding"))
        print(f"{phase:<10}{sum(c.values()):>10}{c['ok']:>8}{c['503']:>8}{c['500']:>8}{other:>8}"
              f"{c['geen verbinding']:>17}")
    recovery = f"{max(0.0, first_ok - restarted):.1f} s" if first_ok is not None else "nooit"
    print(f"\nherstel: eerste goede pagina {recovery} na de herstart; adoptie tijdens de storing: HTTP {during}, "
          f"daarna {after}; versie nu {state!r}, vastgesteld {adoptions}×")
    checks = [
        ("geen 500 in welke fase ook", all(by_phase[p]["500"] == 0 for p in by_phase)),
        ("geen traceback of databasefout in een pagina", traces == 0),
        ("tijdens de storing alleen 503 (of geen verbinding)",
         all(k in ("503", "geen verbinding") for k in by_phase["storing"])),
        ("na herstel elke pagina weer goed", bool(after_ok) and all(0 < s < 400 for s in after_ok)),
        ("de adoptie tijdens de storing: 503, niets opgeslagen", during == 503),
        ("precies één vaststelling na twee keer opnieuw versturen", state == "vastgesteld" and adoptions == 1),
    ]
    print()
    for label, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {label}")
    return 0 if all(ok for _l, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
