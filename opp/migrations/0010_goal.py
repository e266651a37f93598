"""Goals that last across versions (opp.models.Goal): the table, and the items' link to it, empty for now.

0011 fills the link for every existing item, 0012 then makes it required.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("opp", "0009_bekendmaking_from_made_known")]

    operations = [
        migrations.CreateModel(
            name="Goal",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="aangemaakt op")),
                ("plan", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="goals",
                                           to="opp.plan", verbose_name="OPP")),
            ],
            options={
                "verbose_name": "doel van het OPP",
                "verbose_name_plural": "doelen van het OPP",
                "ordering": ["plan", "pk"],
            },
        ),
        migrations.AddField(
            model_name="actionitem",
            name="plan_goal",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="items",
                                    to="opp.goal", verbose_name="doel van het OPP"),
        ),
    ]
