"""Backups that restore: the database as a pg_dump custom-format file, the private files as they are,
and a manifest with the SHA-256 of each, in one timestamped folder. Restoring verifies the manifest first.

PostgreSQL only: the client tools (pg_dump/pg_restore of the server's major version) must be on PATH. The
connection comes from DATABASE_URL through the settings; the password goes to the tools in PGPASSWORD, never
on a command line. Nothing here names a pupil: the output is paths, counts and hashes.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import OperationalError, connection
from django.db.migrations.recorder import MigrationRecorder

from opp_portal import files as private_files

FORMAT = "opp-backup/1"
MANIFEST = "manifest.json"
DUMP = "db.dump"
FILES = "files"
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that must not go on; the message says why and what to do, in Dutch (operators)."""


@dataclass(frozen=True)
class Result:
    folder: Path
    files: int
    bytes: int


# --- Database connection ------------------------------------------------------------------------------------


def _database() -> dict:
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise BackupError(
            "Back-up en terugzetten werken alleen met PostgreSQL (DATABASE_URL=postgres://…). De SQLite-database "
            "van `make run` is alleen om te kijken: stop de app en kopieer db.sqlite3 en de map PRIVATE_MEDIA_ROOT "
            "als u die wilt bewaren.")
    return db


def _pg_env(db: dict) -> dict:
    env = dict(os.environ)
    for var, value in (("PGHOST", db.get("HOST")), ("PGPORT", db.get("PORT")), ("PGUSER", db.get("USER")),
                       ("PGPASSWORD", db.get("PASSWORD")), ("PGSSLMODE", db.get("OPTIONS", {}).get("sslmode"))):
        if value:
            env[var] = str(value)
    return env


def _run(args: list[str], db: dict) -> str:
    try:
        done = subprocess.run(args, env=_pg_env(db), capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError:
        raise BackupError(f"{args[0]} is niet gevonden: installeer de PostgreSQL-clienttools van de versie van de "
                          "server (Debian: apt-get install postgresql-client).") from None
    if done.returncode != 0:
        raise BackupError(f"{args[0]} is mislukt (code {done.returncode}): {done.stderr.strip()}")
    return done.stdout


# --- Files and hashes ------------------------------------------------------------------------------------------


def _copy_hashing(src, target: Path) -> tuple[str, int]:
    """Copy one open file into the backup and return the SHA-256 and size of the bytes written."""
    digest, size = hashlib.sha256(), 0
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(target, "xb") as dst:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
            dst.write(chunk)
            size += len(chunk)
    target.chmod(0o600)
    return digest.hexdigest(), size


def _sha256(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _files_under(root: Path) -> list[Path]:
    """Every regular file under root, relative, sorted (symlinks are not followed: the store holds none)."""
    if not root.exists():
        return []
    found = []
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            path = Path(dirpath) / name
            if path.is_file() and not path.is_symlink():
                found.append(path.relative_to(root))
    return sorted(found)


def _safe_relative(name: str) -> PurePosixPath | None:
    """A manifest path that stays inside its folder; a tampered manifest must not write elsewhere."""
    path = PurePosixPath(name)
    if not name or path.is_absolute() or any(part in ("", ".", "..") for part in path.parts) or "\\" in name:
        return None
    return path


# --- Backup ------------------------------------------------------------------------------------------------


def _migrations() -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder.Migration.objects.order_by("app", "name").values_list("app", "name"):
        latest[app] = name
    return latest


def create(*, dest_root: Path | None = None, now: datetime.datetime | None = None) -> Result:
    """Write one backup folder under dest_root (BACKUP_DIR). The database is dumped first and the files copied
    after, so every file the dump refers to is in the backup. The folder gets its final name only when complete."""
    db = _database()
    dest_root = Path(dest_root or settings.BACKUP_DIR)
    now = now or datetime.datetime.now(tz=datetime.UTC)
    dest_root.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = f"opp-{now.astimezone(datetime.UTC):%Y%m%dT%H%M%SZ}"
    final, n = dest_root / name, 1
    while final.exists() or (dest_root / f".{final.name}.partial").exists():
        n += 1
        final = dest_root / f"{name}-{n}"
    work = dest_root / f".{final.name}.partial"
    work.mkdir(mode=0o700)
    try:
        version = _run(["pg_dump", "--version"], db).strip()
        _run(["pg_dump", "--format=custom", "--no-password", f"--file={work / DUMP}", db["NAME"]], db)
        (work / DUMP).chmod(0o600)
        files = []
        for stored in private_files.names():
            relative = _safe_relative(stored)
            if relative is None:
                raise BackupError(f"Een opgeslagen bestand heeft een onbruikbare naam: {stored!r}")
            with private_files.open_file(stored) as src:
                sha, size = _copy_hashing(src, work / FILES / relative)
            files.append({"path": relative.as_posix(), "sha256": sha, "bytes": size})
        manifest = {
            "format": FORMAT,
            "created_at": now.isoformat(),
            "database": {"file": DUMP, "sha256": _sha256(work / DUMP), "bytes": (work / DUMP).stat().st_size,
                         "name": db["NAME"], "pg_dump": version, "migrations": _migrations()},
            "files": files,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        (work / MANIFEST).chmod(0o600)
        work.rename(final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return Result(folder=final, files=len(files), bytes=manifest["database"]["bytes"] + sum(f["bytes"] for f in files))


def prune(*, dest_root: Path | None = None, keep: int) -> list[Path]:
    """Delete all but the newest `keep` complete backups in dest_root (by their timestamped names), and the partial
    ones a crashed run left over a day ago (a younger one may be another run at work). For the local copies only:
    the off-site store rotates by its own schedule."""
    if keep < 1:
        raise BackupError("--keep moet minstens 1 zijn: de nieuwste back-up blijft altijd staan.")
    dest_root = Path(dest_root or settings.BACKUP_DIR)
    complete = sorted((p for p in dest_root.glob("opp-*") if p.is_dir() and (p / MANIFEST).is_file()),
                      key=lambda p: p.name)
    stale = datetime.datetime.now(tz=datetime.UTC).timestamp() - 24 * 3600
    partial = [p for p in dest_root.glob(".opp-*.partial") if p.is_dir() and p.stat().st_mtime < stale]
    gone = complete[:-keep] + partial
    for path in gone:
        shutil.rmtree(path)
    return gone


# --- Verify ------------------------------------------------------------------------------------------------


def verify(folder: Path) -> dict:
    """The manifest, if the folder holds exactly what it lists with the listed hashes; else BackupError."""
    folder = Path(folder)
    if not folder.is_dir():
        raise BackupError(f"{folder} is geen map met een back-up.")
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{folder} heeft geen {MANIFEST}: dit is geen (volledige) back-up.") from None
    except (ValueError, UnicodeDecodeError):
        raise BackupError(f"{folder / MANIFEST} is onleesbaar: de back-up is beschadigd of gewijzigd.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{folder / MANIFEST} is geen manifest van het formaat {FORMAT}.")

    problems = []
    database = manifest.get("database") or {}
    dump = folder / DUMP
    if not dump.is_file():
        problems.append(f"{DUMP} ontbreekt")
    elif _sha256(dump) != database.get("sha256"):
        problems.append(f"{DUMP} is gewijzigd (SHA-256 klopt niet)")
    listed = set()
    for entry in manifest.get("files") or []:
        relative = _safe_relative(str(entry.get("path", "")))
        if relative is None:
            problems.append(f"ongeldig pad in het manifest: {entry.get('path')!r}")
            continue
        listed.add(relative.as_posix())
        path = folder / FILES / relative
        if not path.is_file():
            problems.append(f"{FILES}/{relative} ontbreekt")
        elif _sha256(path) != entry.get("sha256"):
            problems.append(f"{FILES}/{relative} is gewijzigd (SHA-256 klopt niet)")
    for relative in _files_under(folder / FILES):
        if relative.as_posix() not in listed:
            problems.append(f"{FILES}/{relative.as_posix()} staat niet in het manifest")
    for extra in sorted(p.name for p in folder.iterdir() if p.name not in (MANIFEST, DUMP, FILES)):
        problems.append(f"{extra} hoort niet bij de back-up")
    if problems:
        shown = "; ".join(problems[:10]) + (f"; en nog {len(problems) - 10}" if len(problems) > 10 else "")
        raise BackupError(f"De back-up in {folder} is beschadigd of gewijzigd en wordt NIET teruggezet: {shown}.")
    return manifest


# --- Restore -----------------------------------------------------------------------------------------------


def _tables() -> list[str]:
    try:
        with connection.cursor() as cursor:
            return connection.introspection.table_names(cursor)
    except OperationalError as exc:
        raise BackupError(f"De doeldatabase is niet bereikbaar ({str(exc).strip()}). Maak een nieuwe, lege database aan "
                          "(createdb <naam>) en zet DATABASE_URL daarop.") from None


def restore(folder: Path, *, force: bool = False) -> Result:
    """Verify, then restore the database into DATABASE_URL's database and the files into the private storage
    (PRIVATE_MEDIA_ROOT or the object store of OPP_STORAGE_URL: opp_portal.files).

    Both targets must be empty (a new database, an empty folder); with force, what is there is replaced: the
    database's public schema is dropped and the folder emptied. Nothing is touched before every check passed.
    """
    folder = Path(folder)
    manifest = verify(folder)
    db = _database()
    tables, present = _tables(), private_files.names()
    if (tables or present) and not force:
        what = []
        if tables:
            what.append(f"database {db['NAME']} heeft {len(tables)} tabellen")
        if present:
            what.append(f"de bestandsopslag bevat {len(present)} bestanden")
        raise BackupError(f"Het doel is niet leeg ({'; '.join(what)}). Zet terug in een nieuwe, lege database en een "
                          "lege map, of geef FORCE=1 (manage.py restore --force) om wat er staat te vervangen.")
    if tables:
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    connection.close()  # pg_restore works on its own connection; ours holds nothing it needs
    _run(["pg_restore", "--no-password", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
          f"--dbname={db['NAME']}", str(folder / DUMP)], db)

    for stored in present:
        private_files.delete(stored)
    total = 0
    for entry in manifest["files"]:
        relative = _safe_relative(entry["path"])
        data = (folder / FILES / relative).read_bytes()
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:  # the file changed between verify() and now
            raise BackupError(f"{FILES}/{relative} veranderde tijdens het terugzetten; zet de back-up opnieuw terug.")
        if private_files.save(relative.as_posix(), data) != relative.as_posix():
            raise BackupError(f"{relative} kon niet onder dezelfde naam worden teruggezet; de opslag was niet leeg.")
        total += len(data)
    return Result(folder=folder, files=len(manifest["files"]), bytes=manifest["database"]["bytes"] + total)
