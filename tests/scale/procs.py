"""Real processes for the scale-out proofs: Celery workers (`celery -A opp_portal worker`, what bin/worker runs) and
web processes (gunicorn, what bin/web runs) on the test's PostgreSQL database, one Redis and one private storage.

Each process gets production settings (DEBUG=0) from the environment, like a second machine would. Mail goes to
the file backend, one folder per process, so that the test reads across processes what each one sent. The broker
is Redis database 12 with a queue of this test's own, so a concurrent run on the same Redis cannot take our tasks.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
import warnings
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest
import redis
import requests
from celery.exceptions import AlwaysEagerIgnored
from django.db import connection
from kombu import Connection, Queue

from opp_portal import celery_app
from tests.services import redis_url, require_postgres

BASE_DIR = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS_DB = 12
START_TIMEOUT = 30  # seconds for a process to come up
WAIT_TIMEOUT = 40  # seconds for the work to be done


def database_url() -> str:
    """The test database (pytest-django's, committed data with transaction=True) as the processes reach it."""
    require_postgres()
    s = connection.settings_dict
    auth = quote(s["USER"] or "") + (f":{quote(s['PASSWORD'])}" if s["PASSWORD"] else "") + ("@" if s["USER"] else "")
    return f"postgres://{auth}{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def broker_url() -> str:
    """Redis database 12 of the Redis the suite uses (skips, or fails under OPP_REQUIRE_SERVICES=1, without one)."""
    parsed = urlparse(redis_url())
    return f"redis://{parsed.netloc}/{REDIS_DB}"


def process_env(**extra: str) -> dict:
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "opp_portal.settings", "DEBUG": "0", "SECRET_KEY": "scale-test-" + "s" * 50,
        "DATABASE_URL": database_url(), "CELERY_BROKER_URL": broker_url(), "CELERY_TASK_ALWAYS_EAGER": "0",
        "LOG_LEVEL": "INFO", "PYTHONUNBUFFERED": "1",
    })
    env.update(extra)
    return env


class Proc:
    def __init__(self, name: str, args: list[str], env: dict, log: Path):
        self.name, self.log = name, log
        self._file = log.open("wb")
        # Its own process group: stopping it stops its children (gunicorn's workers) and nothing else.
        self.popen = subprocess.Popen(args, cwd=BASE_DIR, env=env, stdout=self._file, stderr=subprocess.STDOUT,
                                      start_new_session=True)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_output(self, text: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if text in self.output():
                return
            if self.popen.poll() is not None:
                break
            time.sleep(0.1)
        pytest.fail(f"{self.name} did not say {text!r} within {START_TIMEOUT} s:\n{self.output()[-3000:]}")

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)  # warm shutdown: the task in hand is finished
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=5)
        self._file.close()


@contextmanager
def started(procs: list[Proc]):
    try:
        yield procs
    finally:
        for proc in procs:
            proc.stop()


class Broker:
    """This test's queue on Redis database 12: send tasks to it, see when the workers have done them all."""

    def __init__(self):
        self.url = broker_url()
        self.queue = f"opp-scale-{uuid.uuid4().hex}"
        self._redis = None

    def redis(self):
        if self._redis is None:
            self._redis = redis.Redis.from_url(self.url)
        return self._redis

    def send(self, task_name: str, times: int = 1, **kwargs) -> None:
        """Send a task by name, as beat does (twice: as two beats would)."""
        with Connection(self.url) as conn, warnings.catch_warnings():
            # The test process's own settings run tasks eagerly; these go to the broker, which is the point.
            warnings.simplefilter("ignore", AlwaysEagerIgnored)
            for _ in range(times):
                celery_app.send_task(task_name, kwargs=kwargs, queue=self.queue, connection=conn)

    def idle(self) -> bool:
        """Nothing waits in our queue and nothing of it is in a worker's hands (acks_late: delivered, not acked)."""
        r = self.redis()
        if r.llen(self.queue):
            return False
        for raw in r.hvals("unacked"):
            try:
                _message, _exchange, routing_key = json.loads(raw)
            except ValueError:
                continue
            if routing_key == self.queue:
                return False
        return True

    def wait_idle(self) -> None:
        wait_for("the workers to finish every task sent", self.idle)

    def close(self) -> None:
        with Connection(self.url) as conn:
            Queue(self.queue, channel=conn.default_channel).delete()
        if self._redis is not None:
            self._redis.close()


def wait_for(what: str, check, timeout: float = WAIT_TIMEOUT):
    """Bounded polling until check() is truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"waited {timeout} s for {what}")


def start_workers(broker: Broker, tmp_path: Path, count: int = 2, **env: str) -> list[Proc]:
    """`count` separate worker processes (`celery -A opp_portal worker`, solo pool), each with its own mail folder."""
    procs = []
    for i in range(1, count + 1):
        mail_dir = tmp_path / f"mail-worker{i}"
        mail_dir.mkdir()
        procs.append(Proc(f"worker{i}", [
            str(BIN / "celery"), "-A", "opp_portal", "worker", "--pool", "solo", "--loglevel", "INFO",
            "--hostname", f"scale{i}-{broker.queue[-8:]}@%h", "--queues", broker.queue,
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ], process_env(EMAIL_URL=f"filemail:///{mail_dir}", **env), tmp_path / f"worker{i}.log"))
    for proc in procs:
        proc.wait_for_output(" ready.")
    return procs


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_web(name: str, tmp_path: Path, **env: str) -> tuple[Proc, str]:
    """One web process: gunicorn on a free loopback port, as bin/web starts it (2 workers)."""
    port = free_port()
    mail_dir = tmp_path / f"mail-{name}"
    mail_dir.mkdir()
    proc = Proc(name, [
        str(BIN / "gunicorn"), "opp_portal.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "2",
        "--timeout", "60", "--no-control-socket", "--access-logfile", "-",
    ], process_env(EMAIL_URL=f"filemail:///{mail_dir}", ALLOWED_HOSTS="127.0.0.1", SECURE_SSL_REDIRECT="0",
                   SESSION_COOKIE_SECURE="0", CSRF_COOKIE_SECURE="0", **env), tmp_path / f"{name}.log")
    proc.wait_for_output("Booting worker")
    url = f"http://127.0.0.1:{port}"
    wait_for(f"{name} to answer /health/", lambda: _answers(url + "/health/"), timeout=START_TIMEOUT)
    return proc, url


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def mails(folder: Path) -> list[email.message.EmailMessage]:
    """Every message the file backend wrote to `folder` (one file per connection, messages separated by a rule)."""
    found = []
    for path in sorted(folder.glob("*.log")):
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                found.append(email.message_from_bytes(chunk, policy=email.policy.default))
    return found


def text_of(message: email.message.EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()
