"""The credit queue's customers with overdue receivables, largest first (SPEC §4.3).

Ranking them sums every open business record past its due date (grace days not applied: the queue
shows them early): some 300,000 records of 60,000 customers at 100,000 archives, too much for each
view of the queue or of the credit officer's home panel. So the ranking is computed at once, by one
INSERT … SELECT, into a snapshot (credit.models.OverdueSnapshot) that the queue reads by its index:
a job refreshes it every few minutes (credit.tasks.credit_overdue_snapshot_task); the queue uses the
latest snapshot of the day while it is at most SNAPSHOT_MAX_AGE old and computes a new one otherwise,
so it is never older than that. Customers retired since the snapshot drop out at once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F, QuerySet, Sum
from django.utils import timezone

from credit.models import OverdueSnapshot, OverdueSnapshotRow
from customers.models import BusinessRecord, Customer

SNAPSHOT_MAX_AGE = dt.timedelta(minutes=15)


def open_past_due(today: dt.date) -> QuerySet[BusinessRecord]:
    """Business records not fully paid whose due date has passed (the partial index
    business_record_open_by_customer on PostgreSQL holds just the open ones)."""
    return BusinessRecord.objects.filter(due_date__lt=today, paid_amount__lt=F("amount"))


def overdue_snapshot_refresh(*, now: dt.datetime | None = None) -> OverdueSnapshot:
    """Compute the overdue amount of every active customer into a new snapshot and drop the older ones."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    amounts = (open_past_due(today).filter(customer__is_active=True).order_by().values("customer_id")
               .annotate(overdue=Sum(F("amount") - F("paid_amount"))).values_list("customer_id", "overdue"))
    select_sql, params = amounts.query.sql_with_params()
    table = OverdueSnapshotRow._meta.db_table
    with transaction.atomic():
        snapshot = OverdueSnapshot.objects.create(as_of=today, computed_at=now)
        with connection.cursor() as cursor:
            cursor.execute(f'INSERT INTO "{table}" ("snapshot_id", "customer_id", "overdue") '
                           f"SELECT %s, t.* FROM ({select_sql}) t", [snapshot.pk, *params])
            snapshot.customers = max(cursor.rowcount, 0)
        snapshot.save(update_fields=["customers"])
        OverdueSnapshot.objects.filter(pk__lt=snapshot.pk).delete()
    if connection.vendor == "postgresql":
        # Each snapshot has a new id the planner's statistics have never seen: it would estimate one row and
        # sort every row of the snapshot (218 ms at 100,000 archives) instead of reading the top of
        # credit_overdue_rank (1 ms). Fresh statistics cost a few milliseconds.
        with connection.cursor() as cursor:
            cursor.execute(f'ANALYZE "{table}"')
    return snapshot


def current_snapshot(*, now: dt.datetime | None = None) -> OverdueSnapshot:
    """The latest snapshot if it counts today's due dates and is fresh; else a new one."""
    now = now or timezone.now()
    latest = OverdueSnapshot.objects.order_by("-id").first()
    if (latest is None or latest.as_of != timezone.localdate(now) or latest.computed_at > now
            or now - latest.computed_at > SNAPSHOT_MAX_AGE):
        latest = overdue_snapshot_refresh(now=now)
    return latest


@dataclass(frozen=True)
class OverdueCustomers:
    customers: list[Customer]  # each with `overdue`, the largest first
    total: int  # customers with overdue receivables in the snapshot
    computed_at: dt.datetime


def overdue_customers(*, limit: int, now: dt.datetime | None = None) -> OverdueCustomers:
    """The `limit` active customers with the largest overdue receivables (two queries on a fresh snapshot)."""
    snapshot = current_snapshot(now=now)
    rows = (OverdueSnapshotRow.objects.filter(snapshot=snapshot, customer__is_active=True)
            .select_related("customer").order_by("-overdue", "customer_id")[:limit])
    customers = []
    for row in rows:
        row.customer.overdue = row.overdue
        customers.append(row.customer)
    return OverdueCustomers(customers=customers, total=snapshot.customers, computed_at=snapshot.computed_at)


def overdue_customer_count(*, now: dt.datetime | None = None) -> int:
    return current_snapshot(now=now).customers
