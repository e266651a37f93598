"""Registers the nightly retention run with django-celery-beat (never by hand): 02:30 Europe/Amsterdam, when
nobody works and before the deadline sweep (06:00)."""

from django.db import migrations

TASKS = [
    # name, task, crontab (minute, hour)
    ("Bewaartermijnen: nachtelijke ronde (02:30)", "retention.nightly", ("30", "2")),
]


def register(apps, schema_editor):
    Crontab = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, (minute, hour) in TASKS:
        crontab, _ = Crontab.objects.get_or_create(
            minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*",
            timezone="Europe/Amsterdam")
        PeriodicTask.objects.update_or_create(
            name=name, defaults={"task": task, "enabled": True, "crontab": crontab, "interval": None})


def unregister(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task__in=[t for _n, t, _c in TASKS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("retention", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(register, unregister)]
