"""Where the private files live, from one setting: OPP_STORAGE_URL (read by settings.py into STORAGES["private"]).

* empty (the embedded default, `make run`, the tests): the file system under PRIVATE_MEDIA_ROOT;
* `s3://BUCKET[/PREFIX]?endpoint=https://host:port&region=eu-central-1&sse=AES256` — any S3-compatible object store
  (MinIO in the compose file, AWS S3, a Dutch provider's S3): django-storages' S3 backend. The keys come from
  AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or the machine's IAM role), never from the URL.

The rules here are the deployment's promises and hold for every backend: the files are private (no public ACL is
ever sent; the bucket's own default — private — applies), encrypted at rest by the store (`sse`, on by default:
AES256, or `aws:kms` with `kms_key`), never reachable by URL (no signed or public links: downloads stream through the
access-checked, audited views), and never overwritten (every name is new).
This module is pure: settings.py imports it before Django is set up.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

FILESYSTEM_BACKEND = "opp_portal.files.PrivateFileSystemStorage"
S3_BACKEND = "opp_portal.s3.PrivateS3Storage"
#: Server-side encryption modes an S3 store accepts; "AES256" is S3-managed keys (MinIO: SSE-S3 with KMS configured).
SSE_MODES = ("AES256", "aws:kms")
_KNOWN = {"endpoint", "region", "sse", "kms_key", "addressing"}


class StorageURLError(ValueError):
    """OPP_STORAGE_URL cannot be used; the message says why (shown at start-up)."""


def private_storage(url: str) -> dict:
    """The STORAGES entry for the private files."""
    if not url:
        return {"BACKEND": FILESYSTEM_BACKEND}
    parts = urlsplit(url)
    if parts.scheme != "s3":
        raise StorageURLError(f"OPP_STORAGE_URL: alleen s3://BUCKET?endpoint=… of leeg (bestandssysteem), niet {parts.scheme}://")
    if not parts.netloc or parts.username or parts.password:
        raise StorageURLError("OPP_STORAGE_URL: noem de bucket (s3://BUCKET); sleutels horen in AWS_ACCESS_KEY_ID/"
                              "AWS_SECRET_ACCESS_KEY, niet in de URL")
    query = {key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
    unknown = set(query) - _KNOWN
    if unknown:
        raise StorageURLError(f"OPP_STORAGE_URL: onbekende optie(s) {', '.join(sorted(unknown))}")
    sse = query.get("sse") or "AES256"
    if sse not in SSE_MODES:
        raise StorageURLError(f"OPP_STORAGE_URL: sse moet {' of '.join(SSE_MODES)} zijn")
    object_parameters = {"ServerSideEncryption": sse}
    if sse == "aws:kms" and query.get("kms_key"):
        object_parameters["SSEKMSKeyId"] = query["kms_key"]
    options = {
        "bucket_name": parts.netloc,
        "location": parts.path.strip("/"),
        "endpoint_url": query.get("endpoint") or None,
        "region_name": query.get("region") or None,
        "addressing_style": query.get("addressing") or ("path" if query.get("endpoint") else None),
        "object_parameters": object_parameters,
        "default_acl": None,  # no ACL header at all: the bucket's private default, and stores that refuse ACLs work
        "querystring_auth": True,  # should a URL ever be made it would be a signed one; PrivateS3Storage makes none
        "file_overwrite": False,
        "signature_version": "s3v4",
        "max_memory_size": 4 * 1024 * 1024,  # larger downloads spool to a temporary file
    }
    return {"BACKEND": S3_BACKEND, "OPTIONS": options}
