"""Second factor: TOTP devices with QR enrolment and single-use backup codes, via django-otp.

One device of each kind per user: a TOTP device (the authenticator app) and a static device holding
the backup codes. Codes are checked against one device at a time so that django-otp's throttling
(a doubling wait after each wrong code) applies per device. Every event is audited, never the code.
"""

from __future__ import annotations

import base64
import re

import segno
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp import verify_token as otp_verify_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from audit import log as audit
from security import sso
from security.policy import index_session, start_session

BACKUP_CODE_COUNT = 10
TOTP_NAME = "Authenticator-app"
BACKUP_NAME = "Herstelcodes"
_TOTP_RE = re.compile(r"^\d{6}$")


def normalise(token: str) -> str:
    return re.sub(r"[\s-]", "", token or "").lower()[:32]


def confirmed_totp(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_totp(user: User) -> TOTPDevice:
    """The unconfirmed device being enrolled (a fresh secret per enrolment attempt that is not finished)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def secret_base32(device: TOTPDevice) -> str:
    """The key as authenticator apps want it typed in, in groups of four."""
    raw = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def qr_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// URL as an SVG QR code in a data: URI (allowed by the CSP's img-src; no third party)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


def check(user: User, token: str):
    """The device that accepts `token` (TOTP for six digits, a backup code otherwise), or None."""
    token = normalise(token)
    if not token:
        return None
    if _TOTP_RE.match(token):
        devices = TOTPDevice.objects.filter(user=user, confirmed=True)
    else:
        devices = StaticDevice.objects.filter(user=user, confirmed=True)
    for device in devices:
        verified = otp_verify_token(user, device.persistent_id, token)
        if verified is not None:
            return verified
    return None


def verify_login(request, token: str) -> bool:
    """Second step of the login: on success the session is verified (django-otp) and a new session id issued."""
    user = request.user
    device = check(user, token)
    if device is None:
        audit.record(user, audit.Action.OTP_FAILED, details={"step": "login"})
        return False
    request.session.cycle_key()  # a new id at each raise of the session's privilege
    start_session(request, user)
    otp_login(request, device)
    sso.complete_pending_link(request)  # a first single sign-on links the account once the second factor passed
    used_backup = isinstance(device, StaticDevice)
    audit.record(user, audit.Action.OTP_BACKUP_USED if used_backup else audit.Action.OTP_VERIFIED,
                 details={"step": "login", "remaining_backup_codes": remaining_codes(user)} if used_backup
                 else {"step": "login"})
    return True


def confirm_enrolment(request, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the pending TOTP device with a first code; returns fresh backup codes, or None if wrong."""
    token = normalise(token)
    if not _TOTP_RE.match(token) or not device.verify_token(token):
        audit.record(request.user, audit.Action.OTP_FAILED, details={"step": "enrol"})
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=request.user, confirmed=True).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = new_backup_codes(request.user, audited=False)
        audit.record(request.user, audit.Action.OTP_ENROLLED, details={"backup_codes": len(codes)})
    request.session.cycle_key()
    index_session(request, request.user)  # the new id, so that a later reset or new device reaches this session too
    otp_login(request, device)
    sso.complete_pending_link(request)
    return codes


def new_backup_codes(user: User, *, audited: bool = True) -> list[str]:
    """Replace all backup codes with BACKUP_CODE_COUNT new single-use ones (shown once, stored as given)."""
    device, _created = StaticDevice.objects.get_or_create(user=user, name=BACKUP_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _i in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    if audited:
        audit.record(user, audit.Action.OTP_BACKUP_CODES, details={"count": len(codes)})
    return codes


def remaining_codes(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def remove(user: User, *, by: User) -> None:
    """Remove every device (a parent switching 2FA off, or a beheerder resetting a lost phone)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit.record(by, audit.Action.OTP_REMOVED, user, details={"own": by.pk == user.pk})


def session_device_id(request) -> str | None:
    return request.session.get(DEVICE_ID_SESSION_KEY)


def reconfirm(user: User, token: str) -> str | None:
    """For a signature-like act (adoption): None if fine, else the Dutch error for the code field."""
    if check(user, token) is None:
        audit.record(user, audit.Action.OTP_FAILED, details={"step": "reconfirm"})
        return _("De code uit uw authenticator-app klopt niet (of is al gebruikt). Probeer de volgende code.")
    return None


def issuer() -> str:
    return settings.OTP_TOTP_ISSUER
