"""Backups that restore (issue 16, point 7): `bin/backup` of a seeded PostgreSQL database and its private files,
`bin/restore` into a new database and folder, and the restored copy is the same: every table's row count, every
archived PDF against its recorded hash, and a demo user logs in. A changed backup and a non-empty target are refused.

The end-to-end test runs the very scripts `make backup` / `make restore` run, in subprocesses with production
settings, on two scratch databases of their own (dropped in a finally) — never the suite's test database.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from psycopg2 import sql

from backups import services
from security.demo import DEMO_PASSWORD
from tests.services import require_postgres

BASE_DIR = Path(settings.BASE_DIR)
LOGIN_AS = "ib.debron"
TIMEOUT = 120


def _server():
    db = settings.DATABASES["default"]
    return {"host": db.get("HOST") or None, "port": db.get("PORT") or None, "user": db.get("USER") or None,
            "password": db.get("PASSWORD") or None}


def _connect(dbname: str):
    conn = psycopg2.connect(dbname=dbname, **_server())
    conn.autocommit = True
    return conn


def _admin(statement: sql.Composable) -> None:
    conn = _connect("postgres")
    try:
        with conn.cursor() as cursor:
            cursor.execute(statement)
    finally:
        conn.close()


def _url(dbname: str) -> str:
    s = _server()
    auth = s["user"] + (f":{s['password']}" if s["password"] else "") + "@" if s["user"] else ""
    return f"postgres://{auth}{s['host'] or '127.0.0.1'}:{s['port'] or 5432}/{dbname}"


def _env(dbname: str, media: Path, **extra) -> dict:
    """Production settings against one scratch database; eager tasks and no broker, so that nothing this test
    does reaches the Redis database of the suite's worker tests; no mail leaves."""
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "opp_portal.settings", "DEBUG": "0", "SECRET_KEY": "backup-test-" + "k" * 50,
        "DATABASE_URL": _url(dbname), "PRIVATE_MEDIA_ROOT": str(media), "CELERY_BROKER_URL": "",
        "CELERY_TASK_ALWAYS_EAGER": "1", "EMAIL_URL": "dummymail://", "PYTHON_BIN": str(Path(sys.executable).parent),
        "LOG_LEVEL": "WARNING", **extra,
    })
    return env


def _run(args: list[str], env: dict, *, ok: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(args, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    if ok:
        assert done.returncode == 0, f"{args} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done


def _manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return _run([sys.executable, "manage.py", *args], env)


def _row_counts(dbname: str) -> dict[str, int]:
    conn = _connect(dbname)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT table_name FROM information_schema.tables "
                           "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name")
            tables = [name for (name,) in cursor.fetchall()]
            counts = {}
            for table in tables:
                cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
                counts[table] = cursor.fetchone()[0]
            return counts
    finally:
        conn.close()


def _archived_pdfs(dbname: str) -> list[tuple[str, str]]:
    conn = _connect(dbname)
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT archived_pdf, archived_pdf_hash FROM opp_planversion "
                           "WHERE archived_pdf <> '' ORDER BY id")
            return cursor.fetchall()
    finally:
        conn.close()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


LOGIN_CHECK = f"""
from django.contrib.auth import authenticate
from django.test import RequestFactory
request = RequestFactory().post("/accounts/login/")
good = authenticate(request, username={LOGIN_AS!r}, password={DEMO_PASSWORD!r})
bad = authenticate(request, username={LOGIN_AS!r}, password="not-the-password")
print("LOGIN", good.get_username() if good else None, bad)
"""


@pytest.mark.services
def test_a_backup_of_a_seeded_database_restores_into_a_new_one(tmp_path):
    require_postgres()
    tag = uuid.uuid4().hex[:10]
    source_db, target_db = f"opp_backup_{tag}_src", f"opp_backup_{tag}_dst"
    source_files, target_files, backups = tmp_path / "private-src", tmp_path / "private-dst", tmp_path / "backups"
    source_env, target_env = _env(source_db, source_files), _env(target_db, target_files)
    created = []
    try:
        for name in (source_db, target_db):
            _admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            created.append(name)
        # Checks are other tests' business; here they would only make this one fail for an unrelated reason.
        _manage(source_env, "migrate", "--noinput", "-v0", "--skip-checks")
        _manage(source_env, "seed_demo", "--skip-checks")

        made = _run(["bin/backup"], {**source_env, "BACKUP_DIR": str(backups)})
        folder = Path(made.stdout.strip().splitlines()[-1])
        assert folder.parent == backups and folder.name.startswith("opp-")
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["database"]["sha256"] == _sha256(folder / "db.dump")
        assert {f["path"] for f in manifest["files"]} == {p.relative_to(source_files).as_posix()
                                                          for p in source_files.rglob("*") if p.is_file()}
        assert oct((folder / "db.dump").stat().st_mode & 0o777) == "0o600"  # pupil data: owner only

        restored = _run(["bin/restore", str(folder)], target_env)
        assert "Teruggezet" in restored.stdout

        # Every table, every row.
        source_counts, target_counts = _row_counts(source_db), _row_counts(target_db)
        assert target_counts == source_counts
        assert source_counts["opp_planversion"] > 0 and source_counts["accounts_user"] > 0

        # Every archived PDF is back, byte for byte what the adoption recorded.
        pdfs = _archived_pdfs(target_db)
        assert pdfs, "the demo has adopted versions with an archived PDF"
        assert pdfs == _archived_pdfs(source_db)
        for name, recorded in pdfs:
            assert _sha256(target_files / name) == recorded, name

        # A demo user logs in against the restored database with the demo password (and not with another).
        login = _manage(target_env, "shell", "-c", LOGIN_CHECK)
        assert f"LOGIN {LOGIN_AS} None" in login.stdout

        # Restoring again over the now filled database is refused, and nothing is changed.
        before = _row_counts(target_db)
        again = _run(["bin/restore", str(folder)], target_env, ok=False)
        assert again.returncode != 0
        assert "niet leeg" in again.stderr and "FORCE=1" in again.stderr

        # A backup whose archived PDF was changed is refused before anything is touched.
        tampered = tmp_path / "tampered"
        shutil.copytree(folder, tampered)
        with open(tampered / "files" / pdfs[0][0], "ab") as fh:
            fh.write(b"%")
        refused = _run(["bin/restore", str(tampered), "--force"], target_env, ok=False)
        assert refused.returncode != 0
        assert "beschadigd of gewijzigd" in refused.stderr and pdfs[0][0] in refused.stderr
        assert _row_counts(target_db) == before
    finally:
        for name in created:
            _admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


# --- Without a database -----------------------------------------------------------------------------------------


def _fake_backup(folder: Path, files: dict[str, bytes], *, listed: list[dict] | None = None) -> Path:
    (folder / "files").mkdir(parents=True)
    (folder / "db.dump").write_bytes(b"PGDMP fake")
    for name, content in files.items():
        (folder / "files" / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / "files" / name).write_bytes(content)
    entries = listed if listed is not None else [
        {"path": name, "sha256": hashlib.sha256(content).hexdigest(), "bytes": len(content)}
        for name, content in files.items()]
    manifest = {"format": services.FORMAT, "database": {"file": "db.dump", "sha256": _sha256(folder / "db.dump")},
                "files": entries}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def test_verify_accepts_an_intact_backup(tmp_path):
    folder = _fake_backup(tmp_path / "b", {"archief/2026/a.pdf": b"%PDF-1.7 a"})
    assert services.verify(folder)["files"][0]["path"] == "archief/2026/a.pdf"


@pytest.mark.parametrize("damage, message", [
    (lambda f: (f / "db.dump").write_bytes(b"PGDMP other"), "db.dump is gewijzigd"),
    (lambda f: (f / "files" / "archief/2026/a.pdf").unlink(), "ontbreekt"),
    (lambda f: (f / "files" / "extra.pdf").write_bytes(b"x"), "staat niet in het manifest"),
    (lambda f: (f / "manifest.json").write_text("{"), "onleesbaar"),
    (lambda f: (f / "manifest.json").unlink(), "geen manifest.json"),
])
def test_verify_refuses_a_changed_or_incomplete_backup(tmp_path, damage, message):
    folder = _fake_backup(tmp_path / "b", {"archief/2026/a.pdf": b"%PDF-1.7 a"})
    damage(folder)
    with pytest.raises(services.BackupError, match=message):
        services.verify(folder)


def test_verify_refuses_a_manifest_that_points_outside_the_backup(tmp_path):
    folder = _fake_backup(tmp_path / "b", {}, listed=[{"path": "../../etc/cron.d/x", "sha256": "0" * 64}])
    with pytest.raises(services.BackupError, match="ongeldig pad"):
        services.verify(folder)


def test_backup_on_sqlite_says_it_needs_postgresql(tmp_path):
    done = _run(["bin/backup"], _env("unused", tmp_path / "private", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
                                     BACKUP_DIR=str(tmp_path / "backups")), ok=False)
    assert done.returncode != 0
    assert "alleen met PostgreSQL" in done.stderr
    assert not (tmp_path / "backups").exists() or not any((tmp_path / "backups").iterdir())


def test_prune_keeps_the_newest_complete_backups_and_drops_partial_ones(tmp_path):
    names = ["opp-20260101T033000Z", "opp-20260102T033000Z", "opp-20260103T033000Z", "opp-20260103T033000Z-2"]
    for name in names:
        _fake_backup(tmp_path / name, {"a.pdf": b"%PDF"})
    (tmp_path / ".opp-20260104T033000Z.partial").mkdir()
    os.utime(tmp_path / ".opp-20260104T033000Z.partial", (1, 1))  # left by a run that crashed long ago
    (tmp_path / ".opp-20260105T033000Z.partial").mkdir()  # another run at work right now: left alone
    os.utime(tmp_path / ".opp-20260105T033000Z.partial", (time.time(), time.time()))  # "now" as the code sees it
    (tmp_path / "opp-notes").mkdir()  # no manifest: not a backup, left alone
    gone = services.prune(dest_root=tmp_path, keep=2)
    assert sorted(p.name for p in gone) == [".opp-20260104T033000Z.partial", "opp-20260101T033000Z", "opp-20260102T033000Z"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".opp-20260105T033000Z.partial", "opp-20260103T033000Z",
                                                          "opp-20260103T033000Z-2", "opp-notes"]
    with pytest.raises(services.BackupError):
        services.prune(dest_root=tmp_path, keep=0)
