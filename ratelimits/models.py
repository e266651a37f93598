from django.db import models
from django.utils.translation import gettext_lazy as _


class Counter(models.Model):
    """Requests of one key (a client address or an email address, as a keyed hash) in one fixed window.

    In the database, not in process memory or Redis: every web process counts on the same row, and the pages
    keep working with the broker down. The key is an HMAC, so no address is stored; rows live one window.
    """

    key = models.CharField(_("sleutel"), max_length=64)
    window_start = models.DateTimeField(_("begin van het venster"))
    expires_at = models.DateTimeField(_("verloopt op"), db_index=True)
    count = models.PositiveIntegerField(_("aantal"), default=0)

    class Meta:
        verbose_name = _("teller")
        verbose_name_plural = _("tellers")
        constraints = [models.UniqueConstraint(fields=["key", "window_start"], name="ratelimit_one_counter_per_window")]

    def __str__(self):
        return f"{self.key[:8]}… {self.count}"
