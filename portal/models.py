"""Invitations to the parent portal. Only the token's hash is stored."""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Invitation(models.Model):
    class Problem(models.TextChoices):
        UNKNOWN = "unknown", _("onbekend")
        USED = "used", _("al gebruikt")
        EXPIRED = "expired", _("verlopen")
        REVOKED = "revoked", _("ingetrokken")

    token_hash = models.CharField(max_length=64, unique=True)
    email = models.EmailField(_("e-mailadres"))
    # How the invitee is addressed: pre-filled from the guardian record (or the pupil), it pre-fills the account form.
    name = models.CharField(_("naam"), max_length=200, blank=True)
    guardian = models.ForeignKey("students.Guardian", verbose_name=_("ouder/verzorger"), on_delete=models.CASCADE,
                                 null=True, blank=True, related_name="invitations")
    pupil = models.ForeignKey("students.Student", verbose_name=_("meerderjarige leerling"), on_delete=models.CASCADE,
                              null=True, blank=True, related_name="invitations")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uitgenodigd door"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("verstuurd op"), auto_now_add=True)
    expires_at = models.DateTimeField(_("geldig tot"))
    used_at = models.DateTimeField(_("gebruikt op"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("ingetrokken op"), null=True, blank=True)
    accepted_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("uitnodiging")
        verbose_name_plural = _("uitnodigingen")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(guardian__isnull=True) ^ Q(pupil__isnull=True), name="invitation_one_invitee"),
        ]

    def __str__(self):
        return f"Uitnodiging {self.email} ({self.created_at:%Y-%m-%d})"

    def problem(self, now=None) -> str | None:
        now = now or timezone.now()
        if self.revoked_at:
            return self.Problem.REVOKED
        if self.used_at:
            return self.Problem.USED
        if self.expires_at <= now:
            return self.Problem.EXPIRED
        return None

    @property
    def school_id(self):
        return self.guardian.school_id if self.guardian_id else self.pupil.school_id

    def audit_school_id(self):
        return self.school_id
