"""The retention job (issue 10; DOMAIN.md "Retention and privacy") is the one deliberate way past the frozen-version
triggers of 0002: it deletes the whole file of a pupil who left years ago, adopted versions included.

It does so inside its own transaction after `SET LOCAL opp.retention = 'on'` (retention.services); the setting
ends with that transaction. Only DELETE is let through: an adopted version still never *changes* (R-SET-5),
with or without the flag. Nothing but retention.services sets the flag (tests/retention checks the source).
"""

from django.db import migrations

BYPASS = """
CREATE OR REPLACE FUNCTION opp_version_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.state IN ('vastgesteld', 'vervangen')
           AND coalesce(current_setting('opp.retention', true), '') <> 'on' THEN
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

CREATE OR REPLACE FUNCTION opp_part_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND coalesce(current_setting('opp.retention', true), '') = 'on' THEN
        RETURN OLD;
    END IF;
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

# The functions exactly as 0002 created them.
ORIGINAL = """
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


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BYPASS, params=None)  # no params: the % in RAISE is not a placeholder


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ORIGINAL, params=None)


class Migration(migrations.Migration):
    dependencies = [("opp", "0005_plan_made_known")]
    operations = [migrations.RunPython(forwards, backwards)]
