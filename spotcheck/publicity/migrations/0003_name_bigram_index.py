from django.db import migrations

TABLE = "publicity_publishedresult"


def postgres_bigram_index(apps, schema_editor):
    """PostgreSQL: the portal's search by a name part of two characters (``稀有``, ``鑫源``),
    which the trigram index of 0002 cannot serve (pg_trgm needs three characters in a row):
    a GIN index over the distinct pairs of neighbouring characters of ``UPPER(name)``, on
    current versions only. ``spotcheck_bigrams`` is PL/pgSQL so that the planner never
    inlines it: a query matches the index by the same call. Elsewhere the search scans."""
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE OR REPLACE FUNCTION spotcheck_bigrams(t text) RETURNS text[] "
        "LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$ BEGIN "
        "RETURN ARRAY(SELECT DISTINCT substr(t, i, 2) FROM generate_series(1, length(t) - 1) AS i); "
        "END $$")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS publicity_result_name_bigram ON {TABLE} "
        "USING gin (spotcheck_bigrams(UPPER(entity_name::text))) WHERE is_current")


def drop_bigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS publicity_result_name_bigram")
    schema_editor.execute("DROP FUNCTION IF EXISTS spotcheck_bigrams(text)")


class Migration(migrations.Migration):

    dependencies = [
        ("publicity", "0002_portal_search_and_throttle"),
    ]

    operations = [
        migrations.RunPython(postgres_bigram_index, drop_bigram_index),
    ]
