from django.db import migrations

TAGS = ["制造业", "旅游业", "数字经济", "招商引资", "纳税大户"]


def seed_tags(apps, schema_editor):
    KeyFieldTag = apps.get_model("registry", "KeyFieldTag")
    for seq, name in enumerate(TAGS, start=1):
        KeyFieldTag.objects.get_or_create(name=name, defaults={"seq": seq})


def name_indexes(apps, schema_editor):
    table = "registry_marketentity"
    if schema_editor.connection.vendor == "postgresql":
        # Name search, prefix (LIKE 'x%') and contains (LIKE '%x%'), uses one trigram index;
        # pg_trgm extracts trigrams from Chinese text too.
        # The trigram index takes new rows into its pending list (64 MB), merged in bulk by
        # autovacuum, instead of updating the index row by row during an import.
        # Django's extra "uscc LIKE" index is dropped: USCC search is exact (unique index).
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS entity_name_trgm ON {table} USING gin (name gin_trgm_ops) "
            "WITH (fastupdate = on, gin_pending_list_limit = 65536)")
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexname LIKE %s",
                           [table, "%uscc%like"])
            names = [r[0] for r in cursor.fetchall()]
        for name in names:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
    else:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS entity_name ON {table} (name)")


def drop_name_indexes(apps, schema_editor):
    for name in ("entity_name_trgm", "entity_name"):
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [
        migrations.RunPython(seed_tags, migrations.RunPython.noop),
        migrations.RunPython(name_indexes, drop_name_indexes),
    ]
