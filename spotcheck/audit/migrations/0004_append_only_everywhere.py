"""Audit events are append-only on SQLite too, and on both databases an event may be deleted
only once an archive covers it (retention, spotcheck.audit.archive). R-S2.

The chain verifier (audit_verify) still catches whoever drops the triggers.
"""

from django.db import migrations

ARCHIVED = "(SELECT COALESCE(MAX(last_seq), 0) FROM audit_auditarchive)"

SQLITE_FORWARD = [
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent
    BEGIN SELECT RAISE(ABORT, '审计事件只能追加，不能修改或删除 (audit events are append-only: UPDATE refused)'); END""",
    f"""CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent
    WHEN OLD.seq > {ARCHIVED}
    BEGIN SELECT RAISE(ABORT, '审计事件只能追加，不能修改或删除 (audit events are append-only: DELETE refused)'); END""",
    """CREATE TRIGGER audit_archive_no_update BEFORE UPDATE ON audit_auditarchive
    BEGIN SELECT RAISE(ABORT, '审计归档记录不能修改 (audit archive rows are append-only)'); END""",
    """CREATE TRIGGER audit_archive_no_delete BEFORE DELETE ON audit_auditarchive
    BEGIN SELECT RAISE(ABORT, '审计归档记录不能删除 (audit archive rows are append-only)'); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
    "DROP TRIGGER IF EXISTS audit_archive_no_update",
    "DROP TRIGGER IF EXISTS audit_archive_no_delete",
]

PG_FORWARD = f"""
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND OLD.seq <= {ARCHIVED} THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '审计事件只能追加，不能修改或删除 (audit events are append-only: % refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION audit_archive_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '审计归档记录不能修改或删除 (audit archive rows are append-only: % refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_archive_append_only
    BEFORE UPDATE OR DELETE ON audit_auditarchive
    FOR EACH ROW EXECUTE FUNCTION audit_archive_append_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS audit_archive_append_only ON audit_auditarchive;
DROP FUNCTION IF EXISTS audit_archive_append_only();
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '审计事件只能追加，不能修改或删除 (audit events are append-only: % refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement, params=None)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_keyed_chain_archive")]
    operations = [migrations.RunPython(forward, backward, elidable=False)]
