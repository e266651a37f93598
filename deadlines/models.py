from django.db import models
from django.utils.translation import gettext_lazy as _


class Reminder(models.Model):
    """One reminder step for one deadline instance. Unique per (subject, kind, period, step): a sweep
    that runs twice, or two sweeps at once, cannot remind twice (ARCHITECTURE.md "Exactly-once")."""

    subject_type = models.CharField(_("soort onderwerp"), max_length=100)
    subject_id = models.CharField(_("onderwerp-id"), max_length=64)
    kind = models.CharField(_("soort termijn"), max_length=40)
    # The deadline instance: its due date (ISO) or school year ("2026-2027").
    period = models.CharField(_("periode"), max_length=20)
    step = models.CharField(_("stap"), max_length=20)
    due_on = models.DateField(_("uiterste datum"))
    school = models.ForeignKey("accounts.School", on_delete=models.PROTECT, related_name="+")
    escalated_to = models.CharField(_("geëscaleerd naar"), max_length=40, blank=True)
    # Which sweep inserted the row: with bulk inserts that skip conflicts, this tells a sweep which
    # reminders are its own to send when two sweeps run at once.
    sweep_token = models.CharField(max_length=32, db_index=True)
    # What the message needs, so that writing the outbox rows can follow the sweep (fan_out): the
    # pupil's initials (all an email may name), the link, and the item's state (e.g. geen_instemming).
    initials = models.CharField(max_length=20, blank=True)
    url = models.CharField(max_length=200, blank=True)
    item_state = models.CharField(max_length=20, blank=True)
    # Set when its messages were written to the outbox; claimed with a conditional update (exactly once).
    notified_at = models.DateTimeField(null=True, blank=True)
    notify_token = models.CharField(max_length=32, blank=True, db_index=True)
    created_at = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    class Meta:
        verbose_name = _("herinnering")
        verbose_name_plural = _("herinneringen")
        constraints = [
            models.UniqueConstraint(fields=["subject_type", "subject_id", "kind", "period", "step"],
                                    name="reminder_unique_step"),
        ]
        indexes = [
            models.Index(fields=["kind", "due_on"], name="reminder_kind_due_idx"),
            models.Index(fields=["id"], condition=models.Q(notified_at__isnull=True), name="reminder_unnotified_idx"),
        ]

    def __str__(self):
        return f"{self.kind} {self.subject_type}#{self.subject_id} {self.period} {self.step}"


class SweepRun(models.Model):
    """What each sweep did: for operators, and so that a failure for one subject is visible."""

    started_at = models.DateTimeField(auto_now_add=True)
    run_date = models.DateField()
    created = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self):
        return f"Sweep {self.run_date}: {self.created} nieuw, {len(self.errors)} fouten"
