"""Every handelingsdeel item has its lasting goal (filled by 0011); new items get one from the models."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("opp", "0011_goal_for_every_item")]

    operations = [
        migrations.AlterField(
            model_name="actionitem",
            name="plan_goal",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="items", to="opp.goal",
                                    verbose_name="doel van het OPP"),
        ),
    ]
