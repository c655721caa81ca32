"""Room on each page of the items' table for its one update (PostgreSQL only).

Every item row is written twice: inserted empty with its task, then updated once with its
result. With two fifths of each page left free the update is written beside the row (a
heap-only tuple: none of the updated columns is indexed), so none of the table's indexes is
written again. Pages written before this migration keep their fill until they are
rewritten."""

from django.db import migrations

FILLFACTOR = 60


def leave_room(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE inspections_taskitem SET (fillfactor = {FILLFACTOR})")


def fill_pages(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE inspections_taskitem RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("inspections", "0014_lean_indexes")]

    operations = [migrations.RunPython(leave_room, fill_pages)]
