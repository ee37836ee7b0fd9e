"""On PostgreSQL, the database itself refuses to change or delete an audit entry.

The model refuses too, but a bulk update(), raw SQL or a bug would not ask it. SQLite
(the zero-setup default) relies on the model and the admin.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION people_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER people_auditentry_append_only
    BEFORE UPDATE OR DELETE ON people_auditentry
    FOR EACH ROW EXECUTE FUNCTION people_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS people_auditentry_append_only ON people_auditentry;
DROP FUNCTION IF EXISTS people_audit_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("people", "0003_audit_log")]

    operations = [migrations.RunPython(forwards, backwards)]
