"""Each evaluation outcome names the lasting goal of its handelingsdeel item (opp.models.Goal): added empty, filled
from the item's goal (opp migration 0011 gave every item one), then required. ItemProgress has no frozen-version
trigger, so no trigger needs switching off here."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill(apps, schema_editor):
    ItemProgress = apps.get_model("evaluations", "ItemProgress")
    ActionItem = apps.get_model("opp", "ActionItem")
    ItemProgress.objects.update(goal_id=Subquery(ActionItem.objects.filter(pk=OuterRef("action_id")).values("plan_goal_id")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("evaluations", "0003_commission_advice_per_onderwijssoort"),
        ("opp", "0012_goal_required"),
    ]

    operations = [
        migrations.AddField(
            model_name="itemprogress",
            name="goal",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="progress",
                                    to="opp.goal", verbose_name="doel van het OPP"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
