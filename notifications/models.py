"""The outbox: one row per message, written in the same transaction as the change that causes it.

A Celery task drains pending rows; a failure marks the row and schedules a retry, never loses it.
Web requests never talk to the broker: beat runs the drain every minute (and the embedded default
drains in-process right after the commit).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("wacht")
        SENDING = "sending", _("wordt verzonden")
        SENT = "sent", _("verzonden")
        FAILED = "failed", _("mislukt")

    class Channel(models.TextChoices):
        EMAIL = "email", _("e-mail")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("ontvanger"), on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="notifications")
    to_email = models.EmailField(_("e-mailadres"))
    channel = models.CharField(_("kanaal"), max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    kind = models.CharField(_("soort"), max_length=50, db_index=True)
    # The subject object, by label and id: messages outlive what they are about.
    subject_type = models.CharField(_("soort onderwerp"), max_length=100, blank=True)
    subject_id = models.CharField(_("onderwerp-id"), max_length=64, blank=True)
    school = models.ForeignKey("accounts.School", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    subject_line = models.CharField(_("onderwerpregel"), max_length=200)
    body_text = models.TextField(_("tekst"))
    body_html = models.TextField(_("html"), blank=True)
    # Part of the recipient's daily digest instead of its own email.
    digest = models.BooleanField(_("in dagelijks overzicht"), default=False)
    state = models.CharField(_("status"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("pogingen"), default=0)
    last_error = models.CharField(_("laatste fout"), max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(_("volgende poging"), null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Which drain run claimed the row: with several drainers at once each sends only the rows it claimed.
    claim_token = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)
    sent_at = models.DateTimeField(_("verzonden op"), null=True, blank=True)

    class Meta:
        verbose_name = _("bericht")
        verbose_name_plural = _("berichten")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="notification_due_idx",
                         condition=Q(state__in=["pending", "sending"])),
            models.Index(fields=["subject_type", "subject_id"], name="notification_subject_idx"),
        ]

    def __str__(self):
        return f"{self.kind} → {self.to_email} ({self.state})"


class Preference(models.Model):
    """Per user: one email per reminder, or one daily digest."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference")
    daily_digest = models.BooleanField(
        _("dagelijks één overzicht in plaats van een e-mail per herinnering"), default=False)

    class Meta:
        verbose_name = _("berichtvoorkeur")
        verbose_name_plural = _("berichtvoorkeuren")

    def __str__(self):
        return f"{self.user}: {'overzicht' if self.daily_digest else 'per bericht'}"
