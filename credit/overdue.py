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
from crm.jobs import transaction_lock
from customers.models import BusinessRecord, Customer

SNAPSHOT_MAX_AGE = dt.timedelta(minutes=15)


def open_past_due(today: dt.date) -> QuerySet[BusinessRecord]:
    """Business records not fully paid whose due date has passed (the partial index
    business_record_open_by_customer on PostgreSQL holds just the open ones)."""
    return BusinessRecord.objects.filter(due_date__lt=today, paid_amount__lt=F("amount"))


# Refreshes run one at a time (crm.jobs.transaction_lock, released when the refresh's transaction ends): two
# requests that found the snapshot stale together would otherwise both compute it, the later deleting the
# earlier's rows while it was being read.
REFRESH_LOCK = "credit.overdue.overdue_snapshot_refresh"


def _is_fresh(snapshot: OverdueSnapshot | None, now: dt.datetime) -> bool:
    """Whether the queue may show `snapshot` at `now`: today's due dates, computed at most SNAPSHOT_MAX_AGE ago
    (and not after `now`, which a test's or a caller's past `now` could otherwise read)."""
    return (snapshot is not None and snapshot.as_of == timezone.localdate(now)
            and snapshot.computed_at <= now and now - snapshot.computed_at <= SNAPSHOT_MAX_AGE)


def overdue_snapshot_refresh(*, now: dt.datetime | None = None, unless_fresh: bool = False) -> OverdueSnapshot:
    """Compute the overdue amount of every active customer into a new snapshot and drop the older ones but
    the one before it. `unless_fresh`: if a fresh snapshot exists once the lock is held (another request
    computed it while this one waited), return that one instead of computing again."""
    with transaction.atomic():
        transaction_lock(REFRESH_LOCK, model=OverdueSnapshot)
        # The time is read once the lock is held: a snapshot computed while this one waited is then
        # not later than `now`, and this snapshot's time is when its computation began.
        now = now or timezone.now()
        previous = OverdueSnapshot.objects.order_by("-id").first()
        if unless_fresh and _is_fresh(previous, now):
            return previous
        today = timezone.localdate(now)
        amounts = (open_past_due(today).filter(customer__is_active=True).order_by().values("customer_id")
                   .annotate(overdue=Sum(F("amount") - F("paid_amount"))).values_list("customer_id", "overdue"))
        select_sql, params = amounts.query.sql_with_params()
        table = OverdueSnapshotRow._meta.db_table
        snapshot = OverdueSnapshot.objects.create(as_of=today, computed_at=now)
        with connection.cursor() as cursor:
            cursor.execute(f'INSERT INTO "{table}" ("snapshot_id", "customer_id", "overdue") '
                           f"SELECT %s, t.* FROM ({select_sql}) t", [snapshot.pk, *params])
            snapshot.customers = max(cursor.rowcount, 0)
        snapshot.save(update_fields=["customers"])
        # The previous snapshot stays: a reader that picked it just before this commit still finds its rows
        # (deleting it emptied that reader's list). It goes with the next refresh.
        if previous is not None:
            OverdueSnapshot.objects.filter(pk__lt=previous.pk).delete()
    if connection.vendor == "postgresql":
        # Each snapshot has a new id the planner's statistics have never seen: it would estimate one row and
        # sort every row of the snapshot (218 ms at 100,000 archives) instead of reading the top of
        # credit_overdue_rank (1 ms). Fresh statistics cost a few milliseconds.
        with connection.cursor() as cursor:
            cursor.execute(f'ANALYZE "{table}"')
    return snapshot


def current_snapshot(*, now: dt.datetime | None = None) -> OverdueSnapshot:
    """The latest snapshot if it counts today's due dates and is fresh; else a new one (or the one another
    request computed while this one waited for the refresh lock)."""
    latest = OverdueSnapshot.objects.order_by("-id").first()
    if _is_fresh(latest, now or timezone.now()):
        return latest
    return overdue_snapshot_refresh(now=now, unless_fresh=True)


@dataclass(frozen=True)
class OverdueCustomers:
    customers: list[Customer]  # each with `overdue`, the largest first
    total: int  # customers with overdue receivables in the snapshot
    computed_at: dt.datetime


def overdue_customers(*, limit: int, now: dt.datetime | None = None) -> OverdueCustomers:
    """The `limit` active customers with the largest overdue receivables (two queries on a fresh snapshot)."""
    for _attempt in range(3):
        snapshot = current_snapshot(now=now)
        rows = list(OverdueSnapshotRow.objects.filter(snapshot=snapshot, customer__is_active=True)
                    .select_related("customer").order_by("-overdue", "customer_id")[:limit])
        # No rows of a snapshot that counted some: either they all retired since, or two refreshes
        # deleted the snapshot between the two queries (the reader stalled that long); then read the latest.
        if rows or not snapshot.customers or OverdueSnapshot.objects.filter(pk=snapshot.pk).exists():
            break
    customers = []
    for row in rows:
        row.customer.overdue = row.overdue
        customers.append(row.customer)
    return OverdueCustomers(customers=customers, total=snapshot.customers, computed_at=snapshot.computed_at)


def overdue_customer_count(*, now: dt.datetime | None = None) -> int:
    return current_snapshot(now=now).customers
