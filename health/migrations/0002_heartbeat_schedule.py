"""Registers the heartbeat with django-celery-beat, so no operator has to add it by hand."""

from django.db import migrations

HEARTBEAT_EVERY_SECONDS = 60


def register(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    schedule, _ = IntervalSchedule.objects.get_or_create(every=HEARTBEAT_EVERY_SECONDS, period="seconds")
    PeriodicTask.objects.update_or_create(
        name="Heartbeat (beat → broker → worker)",
        defaults={"task": "health.heartbeat", "interval": schedule, "enabled": True},
    )


def unregister(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task="health.heartbeat").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("health", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(register, unregister)]
