"""A part of a name of two characters found through an index, on PostgreSQL (issue 9): pg_trgm has no trigram
in "鸿祥", so `name_normalized LIKE '%鸿祥%'` read every archive. crm_bigrams(text) gives the distinct
two-character pieces of a text; GIN indexes on it for the normalised name and the short name let
customers.filters.search_matches ask `crm_bigrams(name_normalized) @> ARRAY['鸿祥']` beside the LIKE, which
the planner answers from the index (a BitmapOr with the code lookups). Nothing on SQLite. On a live
database create the indexes beforehand with CREATE INDEX CONCURRENTLY (same names, after the function):
IF NOT EXISTS then makes this migration a no-op for them."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION crm_bigrams(text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT substr($1, i, 2)), '{}'::text[])
    FROM generate_series(1, char_length($1) - 1) AS i
$$
"""
INDEXES = [
    ("customer_name_norm_bigrams", "name_normalized"),
    ("customer_short_name_bigrams", "short_name"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for name, column in INDEXES:
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS {name} ON "customers_customer" '
                              f'USING gin (crm_bigrams("{column}"))')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute("DROP FUNCTION IF EXISTS crm_bigrams(text)")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0017_customer_list_cover_index"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
