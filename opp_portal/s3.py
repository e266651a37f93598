"""The private storage on an S3-compatible object store (django-storages), with the portal's promises on top:
no URL is ever made, and a store that cannot be reached is StorageUnavailable (a 503, like a database outage)."""

from __future__ import annotations

import functools

from botocore.exceptions import BotoCoreError, ClientError
from storages.backends.s3 import S3Storage

from opp_portal.files import NoPublicURL, StorageUnavailable

_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}


def _reachable(method):
    """Connection errors and the store's own 5xx answers become StorageUnavailable; a missing key FileNotFoundError;
    other client errors (wrong keys, no such bucket) stay errors: they are a configuration fault to see in the log."""

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            if code in _NOT_FOUND:
                raise FileNotFoundError(args[1] if len(args) > 1 else "") from exc
            if status >= 500 or code in {"SlowDown", "ServiceUnavailable", "InternalError"}:
                raise StorageUnavailable(f"object store: {code}") from exc
            raise
        except BotoCoreError as exc:  # endpoint unreachable, timeouts, connection closed
            raise StorageUnavailable(f"object store: {type(exc).__name__}") from exc

    return wrapper


class PrivateS3Storage(S3Storage):
    _save = _reachable(S3Storage._save)
    delete = _reachable(S3Storage.delete)
    exists = _reachable(S3Storage.exists)
    size = _reachable(S3Storage.size)
    listdir = _reachable(S3Storage.listdir)

    @_reachable
    def _open(self, name, mode="rb"):
        # Fetched here, not on the first read(): an unreachable store is StorageUnavailable before a response starts.
        # Larger files spool to a temporary file instead of memory (max_memory_size).
        opened = super()._open(name, mode)
        _ = opened.file
        return opened

    def url(self, name, parameters=None, expire=None, http_method=None):
        raise NoPublicURL(name)
