from django.db import models


class Heartbeat(models.Model):
    """Written by the periodic heartbeat task: proof that beat, broker and worker work together."""

    name = models.CharField(max_length=50, unique=True)
    last_beat_at = models.DateTimeField()
    beats = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.name} @ {self.last_beat_at:%Y-%m-%d %H:%M:%S}"
