"""Every evaluation outcome has its goal (filled by 0004; new ones by the model)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0004_itemprogress_goal")]

    operations = [
        migrations.AlterField(
            model_name="itemprogress",
            name="goal",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="progress", to="opp.goal",
                                    verbose_name="doel van het OPP"),
        ),
    ]
