"""One validator and one store for every upload: PDF, JPEG and PNG, checked by content, size-limited,
stored outside the web root under server-made names, served only through access-checked views."""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

SIGNATURES = {
    "pdf": (b"%PDF-", "application/pdf"),
    "png": (b"\x89PNG\r\n\x1a\n", "image/png"),
    "jpg": (b"\xff\xd8\xff", "image/jpeg"),
}


@dataclass(frozen=True)
class StoredFile:
    name: str  # relative to PRIVATE_MEDIA_ROOT
    content_type: str
    size: int


def sniff(head: bytes) -> tuple[str, str] | None:
    for ext, (magic, content_type) in SIGNATURES.items():
        if head.startswith(magic):
            return ext, content_type
    return None


def validate(upload, *, max_bytes: int | None = None) -> tuple[str, str]:
    """Refuse anything but a real PDF, JPEG or PNG within the size limit. Returns (ext, content type)."""
    max_bytes = max_bytes or settings.OPP_UPLOAD_MAX_BYTES
    if upload is None or upload.size == 0:
        raise ValidationError(_("Het bestand is leeg."))
    if upload.size > max_bytes:
        raise ValidationError(_("Het bestand is te groot (%(size)s MB); het maximum is %(max)s MB.") % {
            "size": f"{upload.size / 1_048_576:.1f}".replace(".", ","), "max": max_bytes // 1_048_576})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind = sniff(head)
    if kind is None:
        raise ValidationError(_("Alleen PDF, JPEG en PNG zijn toegestaan; de inhoud van dit bestand is geen van drieën, "
                                "ongeacht de naam."))
    if kind[0] == "pdf":
        upload.seek(0)
        tail = upload.read()[-2048:]
        upload.seek(0)
        if b"%%EOF" not in tail:
            raise ValidationError(_("Dit PDF-bestand is onvolledig of beschadigd."))
    return kind


def store(upload, *, folder: str, max_bytes: int | None = None) -> StoredFile:
    ext, content_type = validate(upload, max_bytes=max_bytes)
    today = datetime.date.today()
    relative = Path(folder) / f"{today:%Y}" / f"{secrets.token_hex(16)}.{ext}"
    target = Path(settings.PRIVATE_MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(target, "xb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    target.chmod(0o600)
    return StoredFile(str(relative), content_type, upload.size)


def discard(name: str) -> None:
    """Remove a stored file whose record was not written after all."""
    root = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    path = (root / name).resolve()
    if root in path.parents:
        path.unlink(missing_ok=True)


def response(name: str, content_type: str, download_name: str) -> FileResponse:
    """Serve a stored file as an attachment; the caller has already checked access and audited."""
    root = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    path = (root / name).resolve()
    if root not in path.parents or not path.is_file():
        raise Http404
    resp = FileResponse(open(path, "rb"), content_type=content_type, as_attachment=True, filename=download_name)  # noqa: SIM115
    resp["Cache-Control"] = "no-store"
    resp["X-Content-Type-Options"] = "nosniff"
    return resp
