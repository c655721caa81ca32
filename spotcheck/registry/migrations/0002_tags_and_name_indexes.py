from django.db import migrations

TAGS = ["制造业", "旅游业", "数字经济", "招商引资", "纳税大户"]


def seed_tags(apps, schema_editor):
    KeyFieldTag = apps.get_model("registry", "KeyFieldTag")
    for seq, name in enumerate(TAGS, start=1):
        KeyFieldTag.objects.get_or_create(name=name, defaults={"seq": seq})


def name_indexes(apps, schema_editor):
    table = "registry_marketentity"
    if schema_editor.connection.vendor == "postgresql":
        # Prefix search (LIKE 'x%') needs pattern ops under a non-C collation; "contains"
        # uses trigrams, which pg_trgm extracts from Chinese text too.
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS entity_name_prefix ON {table} (name varchar_pattern_ops)")
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS entity_name_trgm ON {table} USING gin (name gin_trgm_ops)")
    else:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS entity_name ON {table} (name)")


def drop_name_indexes(apps, schema_editor):
    for name in ("entity_name_prefix", "entity_name_trgm", "entity_name"):
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [
        migrations.RunPython(seed_tags, migrations.RunPython.noop),
        migrations.RunPython(name_indexes, drop_name_indexes),
    ]
