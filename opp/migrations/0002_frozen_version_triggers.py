"""On PostgreSQL the database refuses any change to an adopted version or its parts (R-SET-5).

The models refuse it too (opp.models.FrozenGuardQuerySet, PlanVersion.save); this closes raw SQL.
The one allowed change: vastgesteld → vervangen, touching nothing but the state and its timestamps.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION opp_version_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.state IN ('vastgesteld', 'vervangen') THEN
            RAISE EXCEPTION 'OPP version % is adopted and cannot be deleted', OLD.id;
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.state IN ('vastgesteld', 'vervangen') THEN
        IF NOT (OLD.state = 'vastgesteld' AND NEW.state = 'vervangen')
           OR (to_jsonb(NEW) - 'state' - 'superseded_at' - 'updated_at')
              IS DISTINCT FROM (to_jsonb(OLD) - 'state' - 'superseded_at' - 'updated_at') THEN
            RAISE EXCEPTION 'OPP version % is adopted and cannot be changed', OLD.id;
        END IF;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER opp_planversion_frozen BEFORE UPDATE OR DELETE ON opp_planversion
    FOR EACH ROW EXECUTE FUNCTION opp_version_guard();

CREATE OR REPLACE FUNCTION opp_part_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (
        SELECT 1 FROM opp_planversion WHERE id = OLD.version_id AND state IN ('vastgesteld', 'vervangen')) THEN
        RAISE EXCEPTION 'OPP version % is adopted and its parts cannot be changed', OLD.version_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND EXISTS (
        SELECT 1 FROM opp_planversion WHERE id = NEW.version_id AND state IN ('vastgesteld', 'vervangen')) THEN
        RAISE EXCEPTION 'OPP version % is adopted and its parts cannot be changed', NEW.version_id;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""

PART_TABLES = ("opp_factoritem", "opp_actionitem", "opp_yielditem")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE, params=None)  # no params: the % in RAISE is not a placeholder
    for table in PART_TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_frozen BEFORE INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION opp_part_guard();"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in PART_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_frozen ON {table};")
    schema_editor.execute("DROP TRIGGER IF EXISTS opp_planversion_frozen ON opp_planversion;")
    schema_editor.execute("DROP FUNCTION IF EXISTS opp_version_guard(); DROP FUNCTION IF EXISTS opp_part_guard();")


class Migration(migrations.Migration):
    dependencies = [("opp", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
