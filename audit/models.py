"""The append-only audit log: who, what, which object, when — never content (DOMAIN "Retention and privacy").

The table keeps its name and its PostgreSQL append-only trigger from when this lived in accounts.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import School, User


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Het auditlogboek kan niet worden gewijzigd.")

    def delete(self):
        raise PermissionError("Het auditlogboek kan niet worden verwijderd.")


class AuditEvent(models.Model):
    """One append-only row per read or write of pupil data, login and refusal: who, what, when — never content."""

    class Action(models.TextChoices):
        VIEW = "view", _("bekeken")
        CREATE = "create", _("aangemaakt")
        UPDATE = "update", _("gewijzigd")
        DELETE = "delete", _("verwijderd")
        EXPORT = "export", _("geëxporteerd")
        IMPORT = "import", _("geïmporteerd")
        LOGIN = "login", _("ingelogd")
        LOGIN_FAILED = "login_failed", _("mislukte inlogpoging")
        LOGOUT = "logout", _("uitgelogd")
        DENIED = "denied", _("toegang geweigerd")
        TRANSITION = "transition", _("status gewijzigd")
        # Second factor, lockout, sessions, retention, inzage, the log itself.
        OTP_ENROLLED = "otp_enrolled", _("tweestapsverificatie ingesteld")
        OTP_VERIFIED = "otp_verified", _("tweede stap geslaagd")
        OTP_FAILED = "otp_failed", _("tweede stap mislukt")
        OTP_BACKUP_CODES = "otp_backup_codes", _("herstelcodes aangemaakt")
        OTP_BACKUP_USED = "otp_backup_used", _("herstelcode gebruikt")
        OTP_REMOVED = "otp_removed", _("tweestapsverificatie verwijderd")
        LOCKED_OUT = "locked_out", _("tijdelijk geblokkeerd")
        SESSION_EXPIRED = "session_expired", _("sessie verlopen")
        SESSIONS_ENDED = "sessions_ended", _("alle sessies beëindigd")
        PASSWORD_CHANGED = "password_changed", _("wachtwoord gewijzigd")
        # Single sign-on (security.sso): an account linked to a provider identity, a link removed, a refusal.
        SSO_LINKED = "sso_linked", _("gekoppeld aan schoolaccount")
        SSO_UNLINKED = "sso_unlinked", _("koppeling met schoolaccount verwijderd")
        SSO_REFUSED = "sso_refused", _("inloggen met schoolaccount geweigerd")
        RETENTION_DELETE = "retention_delete", _("verwijderd na bewaartermijn")
        # Four eyes on access to pupil data.
        APPROVAL_REQUESTED = "approval_requested", _("goedkeuring gevraagd")
        APPROVED = "approved", _("goedgekeurd")
        REFUSED = "refused", _("afgewezen")

    at = models.DateTimeField(_("tijdstip"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User, verbose_name=_("wie"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The username as typed (failed logins) or at the time; never a pupil's name.
    actor_label = models.CharField(_("gebruikersnaam"), max_length=150, blank=True)
    action = models.CharField(_("handeling"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("soort object"), max_length=100, blank=True)
    object_id = models.CharField(_("object-id"), max_length=64, blank=True)
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ip_address = models.GenericIPAddressField(_("IP-adres"), null=True, blank=True)
    # Structured facts only (field names, states, counts) — callers must never pass content.
    details = models.JSONField(_("details"), default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        db_table = "accounts_auditevent"  # the table and its trigger keep their names (accounts 0002)
        verbose_name = _("auditregel")
        verbose_name_plural = _("auditlogboek")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "-at"], name="audit_object_idx"),
            models.Index(fields=["school", "-at"], name="audit_school_idx"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}#{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None or not self._state.adding:
            raise PermissionError("Een auditregel kan niet worden gewijzigd.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Een auditregel kan niet worden verwijderd.")
