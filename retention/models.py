from django.db import models
from django.utils.translation import gettext_lazy as _


class RetentionRun(models.Model):
    """One run of the retention job (nightly or by hand), so operators can see that it ran and what it did.

    Counts only: per category and per model, the number of pupils handled and held, and the errors by
    pseudonymous reference. Never a name, a date of birth or any other pupil data.
    """

    started_at = models.DateTimeField(_("gestart op"), auto_now_add=True)
    finished_at = models.DateTimeField(_("klaar op"), null=True, blank=True)
    run_date = models.DateField(_("peildatum"))
    dry_run = models.BooleanField(_("proefdraaien"), default=False)
    counts = models.JSONField(_("aantallen"), default=dict, blank=True)

    class Meta:
        verbose_name = _("bewaartermijnronde")
        verbose_name_plural = _("bewaartermijnrondes")
        ordering = ["-started_at", "-pk"]

    def __str__(self):
        kind = "proef" if self.dry_run else "verwijderd"
        return f"Bewaartermijn {self.run_date:%Y-%m-%d} ({kind})"
