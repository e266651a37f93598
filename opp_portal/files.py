"""Every stored file of pupil data — uploads, archived OPP PDFs, dossiers — goes through one private storage,
STORAGES["private"] (opp_portal.storage_config): the file system under PRIVATE_MEDIA_ROOT in the embedded default, an
S3-compatible object store when OPP_STORAGE_URL says so. Nothing else opens a path under PRIVATE_MEDIA_ROOT, so a second
web server or worker reads what the first one wrote.

Names are always made here or by the caller from server-side values (never from the client): `folder/year/random.ext`.
A file is never served by URL; views stream it (opp_portal.uploads.response) after the access check and the audit row.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils import timezone

logger = logging.getLogger(__name__)

ALIAS = "private"


class StorageUnavailable(OSError):
    """The object store cannot be reached: like a database outage, a 503 "even niet beschikbaar", never a 500."""


class Damaged(Exception):
    """A stored file is missing or no longer has the hash recorded when it was written (the archived OPP, a dossier)."""


class NoPublicURL(Exception):
    """Private files have no URL: they are streamed through the access-checked views."""


class PrivateFileSystemStorage(FileSystemStorage):
    """FileSystemStorage under PRIVATE_MEDIA_ROOT (followed when a test changes it), owner-only permissions."""

    def __init__(self, **kwargs):
        kwargs.setdefault("file_permissions_mode", 0o600)
        kwargs.setdefault("directory_permissions_mode", 0o700)
        super().__init__(**kwargs)

    @property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise NoPublicURL(name)


def storage() -> Storage:
    return storages[ALIAS]


def new_name(folder: str, ext: str) -> str:
    """A fresh server-made name: `folder/2026/<32 hex>.ext`."""
    return f"{folder}/{timezone.localdate():%Y}/{secrets.token_hex(16)}.{ext}"


def save(name: str, content: bytes | File) -> str:
    """Store bytes or a (uploaded) file under `name`; returns the name actually stored (never overwrites)."""
    if isinstance(content, bytes):
        content = ContentFile(content)
    return storage().save(name, content)


def open_file(name: str) -> File:
    """The stored file, opened for reading (the caller closes it; FileResponse does). FileNotFoundError when absent
    or when the name points outside the storage."""
    try:
        if not storage().exists(name):
            raise FileNotFoundError(name)
        return storage().open(name, "rb")
    except SuspiciousFileOperation as exc:
        raise FileNotFoundError(name) from exc


def read(name: str) -> bytes:
    with open_file(name) as fh:
        return fh.read()


def read_verified(name: str, sha256: str) -> bytes:
    """The stored bytes, checked against the SHA-256 recorded when they were written. Damaged when the file is gone or
    differs: logged as an error (the beheerder restores it from the backup), never served as if nothing happened."""
    try:
        data = read(name)
    except FileNotFoundError:
        logger.error("Stored file missing: %s (expected sha256 %s)", name, sha256)
        raise Damaged(name) from None
    if hashlib.sha256(data).hexdigest() != sha256:
        logger.error("Stored file does not match its hash: %s (expected sha256 %s)", name, sha256)
        raise Damaged(name)
    return data


def delete(name: str) -> None:
    """Remove a stored file; a name that is absent or outside the storage is ignored."""
    try:
        storage().delete(name)
    except SuspiciousFileOperation:
        logger.warning("Refused to delete a name outside the private storage")


def names(folder: str = "") -> list[str]:
    """Every stored name under `folder` (all of them by default), sorted: what a backup copies."""
    try:
        dirs, found = storage().listdir(folder)
    except FileNotFoundError:  # the file system's root before anything was stored (a new installation)
        return []
    out = [f"{folder}/{name}" if folder else name for name in found]
    for sub in dirs:
        out += names(f"{folder}/{sub}" if folder else sub)
    return sorted(out)


def exists(name: str) -> bool:
    try:
        return storage().exists(name)
    except SuspiciousFileOperation:
        return False
