"""On PostgreSQL, the database itself refuses any change to a signed (locked) record.

The third layer after the service and the model: it holds even for raw SQL, a bulk
update() or a bug that skips the other two. SQLite (the zero-setup default) relies on the
service and the model.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION interviews_record_refuse_locked() RETURNS trigger AS $$
BEGIN
    IF OLD.locked_at IS NOT NULL THEN
        RAISE EXCEPTION 'interview record % is signed and locked', OLD.id USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER interviews_record_locked
    BEFORE UPDATE OR DELETE ON interviews_interviewrecord
    FOR EACH ROW EXECUTE FUNCTION interviews_record_refuse_locked();

CREATE OR REPLACE FUNCTION interviews_recordgoal_refuse_locked() RETURNS trigger AS $$
DECLARE
    parent integer;
BEGIN
    parent := CASE WHEN TG_OP = 'INSERT' THEN NEW.record_id ELSE OLD.record_id END;
    IF EXISTS (SELECT 1 FROM interviews_interviewrecord WHERE id = parent AND locked_at IS NOT NULL) THEN
        RAISE EXCEPTION 'interview record % is signed and locked', parent USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER interviews_recordgoal_locked
    BEFORE INSERT OR UPDATE OR DELETE ON interviews_recordgoal
    FOR EACH ROW EXECUTE FUNCTION interviews_recordgoal_refuse_locked();
"""

DROP = """
DROP TRIGGER IF EXISTS interviews_record_locked ON interviews_interviewrecord;
DROP FUNCTION IF EXISTS interviews_record_refuse_locked();
DROP TRIGGER IF EXISTS interviews_recordgoal_locked ON interviews_recordgoal;
DROP FUNCTION IF EXISTS interviews_recordgoal_refuse_locked();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("interviews", "0003_records")]

    operations = [migrations.RunPython(forwards, backwards)]
