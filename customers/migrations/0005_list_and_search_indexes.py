"""Indexes for the archive at 100,000 customers and millions of business records (issue 9).

- B-tree indexes matching the lists' orderings: customers by (name, id), (short name, id) and
  (stage, name, id); business records by (date, id).
- On PostgreSQL only: pg_trgm GIN indexes for substring search on Chinese text (the expressions are
  exactly those customers.filters.search_matches sends: UPPER(col::text) for icontains, the
  separator-stripped phone for contacts' numbers), and expression indexes for the case-insensitive
  code lookups. SQLite (`make run`) keeps its plain scans: nothing to create there.

On a live database with many rows, create the PostgreSQL indexes beforehand with
CREATE INDEX CONCURRENTLY (same names): IF NOT EXISTS then makes this migration a no-op for them.
"""

from django.db import migrations, models

PHONE_DIGITS = "replace(replace(replace(replace(replace({col}, '-', ''), ' ', ''), '(', ''), ')', ''), '+', '')"

TRIGRAM_INDEXES = [
    ("customer_name_trgm", "customers_customer", "upper((name)::text)"),
    ("customer_short_name_trgm", "customers_customer", "upper((short_name)::text)"),
    ("customer_name_norm_trgm", "customers_customer", "name_normalized"),
    ("customer_phone_norm_trgm", "customers_customer", "phone_normalized"),
    ("contact_name_trgm", "customers_contact", "upper((name)::text)"),
    ("contact_phone_digits_trgm", "customers_contact", PHONE_DIGITS.format(col="phone")),
    ("contact_mobile_digits_trgm", "customers_contact", PHONE_DIGITS.format(col="mobile")),
]
BTREE_INDEXES = [
    ("customer_code_upper", "customers_customer", "upper((code)::text)"),
    ("customer_credit_code_upper", "customers_customer", "upper((credit_code)::text)"),
]


def create_postgres_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, expression in TRIGRAM_INDEXES:
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS {name} ON "{table}" USING gin (({expression}) gin_trgm_ops)')
    for name, table, expression in BTREE_INDEXES:
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS {name} ON "{table}" (({expression}))')


def drop_postgres_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in TRIGRAM_INDEXES + BTREE_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0004_access_request_workflow"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["name", "id"], name="customer_name_id"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["short_name", "id"], name="customer_short_name_id"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["stage", "name", "id"], name="customer_stage_name_id"),
        ),
        migrations.AddIndex(
            model_name="businessrecord",
            index=models.Index(fields=["date", "id"], name="business_record_date_id"),
        ),
        migrations.RunPython(create_postgres_indexes, drop_postgres_indexes, elidable=False),
    ]
