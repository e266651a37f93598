"""Every membership that existed before four eyes (issue 16) is approved, so that nobody loses access.

approved_by stays empty (approved before approvals existed); approved_at is the membership's own date.
"""

from django.db import migrations
from django.db.models import F


def approve_existing(apps, schema_editor):
    Membership = apps.get_model("accounts", "Membership")
    Membership.objects.filter(approved_at__isnull=True).update(approved_at=F("created_at"))


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0006_four_eyes"),
    ]

    operations = [
        migrations.RunPython(approve_existing, migrations.RunPython.noop),
    ]
