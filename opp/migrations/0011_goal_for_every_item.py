"""A Goal for every existing handelingsdeel item (R-CONTENT-4).

Versions go in the order they were made, so a revision (PlanVersion.based_on) comes after the version it revises:
its item takes the goal of the based_on version's item with the same position and the same goal text; any other
item gets a goal of its own.

Adopted versions' items are frozen (R-SET-5). Only their link to the goal is filled here — their content and so
their hashes stay as they were. On PostgreSQL the trigger of migration 0002 refuses any write to them, so it is
switched off for this one table, for the length of this migration's transaction, and switched on again after.
SQLite has no such trigger (the models guard it there; a migration uses the plain historical models).
"""

from django.db import migrations

TABLE = "opp_actionitem"
TRIGGER = "opp_actionitem_frozen"


def _norm(text: str) -> str:
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _triggers(schema_editor, on: bool) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    if on:
        # The new links' deferred foreign-key checks first: PostgreSQL alters no table with pending trigger events.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE;")
    schema_editor.execute(f"ALTER TABLE {TABLE} {'ENABLE' if on else 'DISABLE'} TRIGGER {TRIGGER};")
    if on:
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED;")


def link_goals(apps, schema_editor):
    PlanVersion = apps.get_model("opp", "PlanVersion")
    ActionItem = apps.get_model("opp", "ActionItem")
    Goal = apps.get_model("opp", "Goal")
    _triggers(schema_editor, on=False)
    try:
        # {version id: {position: (goal text, goal id)}} of the versions done so far.
        done: dict[int, dict[int, tuple[str, int]]] = {}
        versions = PlanVersion.objects.order_by("plan_id", "number", "pk").values_list("pk", "plan_id", "based_on_id")
        for version_id, plan_id, based_on_id in versions.iterator():
            earlier = done.get(based_on_id, {}) if based_on_id else {}
            mine: dict[int, tuple[str, int]] = {}
            for item in ActionItem.objects.filter(version_id=version_id).order_by("position", "pk"):
                match = earlier.get(item.position)
                if item.plan_goal_id is None:
                    if match and match[0] == _norm(item.goal):
                        item.plan_goal_id = match[1]
                    else:
                        item.plan_goal_id = Goal.objects.create(plan_id=plan_id).pk
                    ActionItem.objects.filter(pk=item.pk).update(plan_goal_id=item.plan_goal_id)
                mine[item.position] = (_norm(item.goal), item.plan_goal_id)
            done[version_id] = mine
    finally:
        _triggers(schema_editor, on=True)


def unlink_goals(apps, schema_editor):
    ActionItem = apps.get_model("opp", "ActionItem")
    Goal = apps.get_model("opp", "Goal")
    _triggers(schema_editor, on=False)
    try:
        ActionItem.objects.update(plan_goal=None)
        Goal.objects.all().delete()
    finally:
        _triggers(schema_editor, on=True)


class Migration(migrations.Migration):
    dependencies = [("opp", "0010_goal")]
    operations = [migrations.RunPython(link_goals, unlink_goals)]
