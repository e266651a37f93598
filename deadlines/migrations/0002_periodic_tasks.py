"""Registers the periodic tasks with django-celery-beat (never by hand): the deadline sweep daily at
06:00 Europe/Amsterdam, the outbox drain every minute, and the daily digest at 07:00."""

from django.db import migrations

TASKS = [
    # name, task, crontab (minute, hour) or interval seconds
    ("Termijnen: dagelijkse sweep (06:00)", "deadlines.sweep", ("0", "6"), None),
    ("Berichten: outbox verzenden", "notifications.drain", None, 60),
    ("Berichten: dagelijks overzicht (07:00)", "notifications.digest", ("0", "7"), None),
]


def register(apps, schema_editor):
    Crontab = apps.get_model("django_celery_beat", "CrontabSchedule")
    Interval = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, cron, seconds in TASKS:
        defaults = {"task": task, "enabled": True, "interval": None, "crontab": None}
        if cron:
            minute, hour = cron
            defaults["crontab"], _ = Crontab.objects.get_or_create(
                minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*",
                timezone="Europe/Amsterdam")
        else:
            defaults["interval"], _ = Interval.objects.get_or_create(every=seconds, period="seconds")
        PeriodicTask.objects.update_or_create(name=name, defaults=defaults)


def unregister(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        task__in=[t for _n, t, _c, _s in TASKS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("deadlines", "0001_initial"),
        ("notifications", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(register, unregister)]
