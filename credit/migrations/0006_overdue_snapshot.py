"""The credit queue at 100,000 customers (issue 11): the snapshot of overdue receivables (credit.overdue)
and, on PostgreSQL only, two partial indexes of the customers' tables it reads:

- business_record_open_by_customer: the open business records (paid < amount) by customer and due date,
  with the amounts, so that the snapshot sums some 300,000 open records from the index alone instead
  of reading two million;
- customer_active_credit_grade: the grades of the active customers, counted by the queue's header from
  the index alone.

SQLite (`make run`) keeps its plain scans. On a live database create them beforehand with CREATE INDEX
CONCURRENTLY (same names): IF NOT EXISTS then makes this migration a no-op for them.
"""

import django.db.models.deletion
from django.db import migrations, models

INDEXES = [
    ("business_record_open_by_customer", 'ON "customers_businessrecord" ("customer_id", "due_date") '
                                         'INCLUDE ("amount", "paid_amount") WHERE "paid_amount" < "amount"'),
    ("customer_active_credit_grade", 'ON "customers_customer" ("credit_grade") WHERE "is_active"'),
]


def create_postgres_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, definition in INDEXES:
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} {definition}")


def drop_postgres_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, _definition in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ('credit', '0005_reservation_permissions'),
        ('customers', '0016_importjob_preview'),
    ]

    operations = [
        migrations.CreateModel(
            name='OverdueSnapshot',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('as_of', models.DateField(verbose_name='due before')),
                ('computed_at', models.DateTimeField(verbose_name='computed at')),
                ('customers', models.PositiveIntegerField(default=0, verbose_name='customers with overdue receivables')),
            ],
            options={
                'verbose_name': 'overdue receivables snapshot',
                'verbose_name_plural': 'overdue receivables snapshots',
                'ordering': ['-id'],
            },
        ),
        migrations.CreateModel(
            name='OverdueSnapshotRow',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('overdue', models.DecimalField(decimal_places=2, max_digits=16, verbose_name='overdue (CNY)')),
                ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='customers.customer', verbose_name='customer')),
                ('snapshot', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rows', to='credit.overduesnapshot')),
            ],
            options={
                'verbose_name': 'overdue receivables of a customer',
                'verbose_name_plural': 'overdue receivables of customers',
                'indexes': [models.Index(fields=['snapshot', '-overdue', 'customer'], name='credit_overdue_rank')],
            },
        ),
        migrations.RunPython(create_postgres_indexes, drop_postgres_indexes, elidable=False),
    ]
