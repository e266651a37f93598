"""Registers the dossier catch-up sweep with django-celery-beat (never by hand): every minute."""

from django.db import migrations

TASKS = [
    # name, task, interval seconds
    ("Geschillen: wachtende dossiers maken", "disputes.pending_exports", 60),
]


def register(apps, schema_editor):
    Interval = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, seconds in TASKS:
        interval, _ = Interval.objects.get_or_create(every=seconds, period="seconds")
        PeriodicTask.objects.update_or_create(
            name=name, defaults={"task": task, "enabled": True, "interval": interval, "crontab": None})


def unregister(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task__in=[t for _n, t, _s in TASKS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("disputes", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(register, unregister)]
