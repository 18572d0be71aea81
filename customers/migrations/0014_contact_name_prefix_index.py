"""Contacts found by the beginning of their name (a surname: "王", "王建") on PostgreSQL: a b-tree with
varchar_pattern_ops serves LIKE 'x%' whatever the database's collation (issue 9). Nothing on SQLite."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            'CREATE INDEX IF NOT EXISTS contact_name_prefix ON "customers_contact" (name varchar_pattern_ops)')


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS contact_name_prefix")


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0013_importjob_heartbeat"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
