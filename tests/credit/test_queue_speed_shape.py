"""The credit queue at 100,000 customers (issue 11): the reviews due read from their candidates only, the
customers with overdue receivables read from a snapshot that a job refreshes, the same answers as the
plain definitions, a flat number of queries, and the indexes on PostgreSQL."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from credit.home import credit_queue_panel
from credit.models import CreditRating, CreditRecord, OverdueSnapshot
from credit.overdue import SNAPSHOT_MAX_AGE, overdue_customers, overdue_snapshot_refresh
from credit.selectors import review_reason, reviews_due, reviews_due_first
from credit.services import credit_rating_create, credit_record_create
from credit.tasks import credit_overdue_snapshot_task
from customers.models import BusinessRecord, Customer
from tests.concurrency import at_once
from tests.conftest import needs_postgres
from tests.credit.conftest import days_ago, record
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

MAX_QUEUE_QUERIES = 16


def _graded(customer, officer, grade: str, *, days: int) -> CreditRating:
    rating = credit_rating_create(customer=customer, user=officer, grade=grade, reason="test")
    CreditRating.objects.filter(pk=rating.pk).update(rated_at=timezone.now() - dt.timedelta(days=days))
    return rating


def _warning(customer, officer) -> CreditRecord:
    return credit_record_create(customer=customer, user=officer, kind="warning", severity="warning",
                                event_date=days_ago(2), title="penalty")


@pytest.fixture
def due_mix(customer, officer):
    """Customers in every case of SPEC §4.3: graded 400 days ago (due), graded 800 and 30 days ago (not
    due), graded 500 days ago and retired (not due), warned after a recent grading (due), warned and
    never graded (due, last), graded 30 days ago without a warning (not due), and warned before a newer
    grading (not due)."""
    owner = customer.owner
    old = _graded(customer, officer, "C", days=400).customer
    regraded = CustomerFactory(owner=owner)
    _graded(regraded, officer, "B", days=800)
    _graded(regraded, officer, "B", days=30)
    retired = CustomerFactory(owner=owner)
    _graded(retired, officer, "D", days=500)
    Customer.objects.filter(pk=retired.pk).update(is_active=False)
    warned = CustomerFactory(owner=owner)
    _graded(warned, officer, "B", days=30)
    _warning(warned, officer)
    never = CustomerFactory(owner=owner)
    _warning(never, officer)
    fresh = CustomerFactory(owner=owner)
    _graded(fresh, officer, "A", days=30)
    handled = CustomerFactory(owner=owner)
    warning = _warning(handled, officer)
    CreditRecord.objects.filter(pk=warning.pk).update(created_at=timezone.now() - dt.timedelta(days=60))
    _graded(handled, officer, "C", days=10)
    older = CustomerFactory(owner=owner)
    _graded(older, officer, "D", days=600)
    return {"old": old, "warned": warned, "never": never, "older": older}


def test_reviews_due_are_the_candidates_the_definition_names(due_mix):
    due = list(reviews_due())
    # The longest-ungraded first, the never graded last.
    assert [c.pk for c in due] == [due_mix[k].pk for k in ("older", "old", "warned", "never")]
    assert [review_reason(c) for c in due] == ["yearly", "yearly", "warning", "warning"]
    assert reviews_due().count() == 4


@pytest.mark.parametrize("limit", [1, 2, 3, 4, 10])
def test_the_queue_head_is_the_head_of_reviews_due(due_mix, limit):
    first = reviews_due_first(limit)
    assert [c.pk for c in first] == [c.pk for c in reviews_due()][:limit]
    assert all(c.last_rating_id is not None or c.last_rated_at is None for c in first)


def test_a_rating_on_the_cutoff_day_is_due_and_the_day_after_is_not(customer, officer):
    from credit.selectors import add_months

    cutoff = add_months(timezone.localdate(), -12)
    rating = credit_rating_create(customer=customer, user=officer, grade="C", reason="x")
    late_evening = timezone.make_aware(dt.datetime.combine(cutoff, dt.time(23, 59)))
    CreditRating.objects.filter(pk=rating.pk).update(rated_at=late_evening)
    assert [c.pk for c in reviews_due()] == [customer.pk] == [c.pk for c in reviews_due_first(5)]
    CreditRating.objects.filter(pk=rating.pk).update(rated_at=late_evening + dt.timedelta(minutes=2))
    assert list(reviews_due()) == [] == reviews_due_first(5)


# --- Customers with overdue receivables -------------------------------------------------------------------

def _overdue_mix(customer):
    owner = customer.owner
    big, small, paid, retired = (CustomerFactory(owner=owner) for _ in range(4))
    record(big, "900.00", due=days_ago(3))
    record(big, "100.00", paid="40.00", due=days_ago(40))
    record(big, "5000.00", due=timezone.localdate() + dt.timedelta(days=5))  # not due yet
    record(small, "300.00", due=days_ago(1))
    record(paid, "700.00", paid="700.00", due=days_ago(9), paid_date=days_ago(2))
    record(retired, "800.00", due=days_ago(9))
    Customer.objects.filter(pk=retired.pk).update(is_active=False)
    return big, small


def test_the_snapshot_ranks_the_overdue_receivables_of_active_customers(customer):
    big, small = _overdue_mix(customer)
    result = overdue_customers(limit=50)
    assert [(c.pk, c.overdue) for c in result.customers] == [(big.pk, Decimal("960.00")),
                                                             (small.pk, Decimal("300.00"))]
    assert result.total == 2
    assert [(c.pk, c.overdue) for c in overdue_customers(limit=1).customers] == [(big.pk, Decimal("960.00"))]


def test_a_fresh_snapshot_is_read_a_stale_one_computed_again(customer):
    big, small = _overdue_mix(customer)
    snapshot = overdue_snapshot_refresh()
    BusinessRecord.objects.filter(customer=small).update(paid_amount=Decimal("300.00"))
    # Within SNAPSHOT_MAX_AGE the snapshot stands (the job refreshes it every 10 minutes) ...
    assert [c.pk for c in overdue_customers(limit=50).customers] == [big.pk, small.pk]
    assert OverdueSnapshot.objects.get().pk == snapshot.pk
    # ... a customer retired since drops out at once ...
    Customer.objects.filter(pk=big.pk).update(is_active=False)
    assert [c.pk for c in overdue_customers(limit=50).customers] == [small.pk]
    Customer.objects.filter(pk=big.pk).update(is_active=True)
    # ... an older one is computed again, and replaces it (kept one refresh longer for a reader still on it).
    OverdueSnapshot.objects.update(computed_at=timezone.now() - SNAPSHOT_MAX_AGE - dt.timedelta(seconds=1))
    assert [c.pk for c in overdue_customers(limit=50).customers] == [big.pk]
    assert OverdueSnapshot.objects.count() == 2 and OverdueSnapshot.objects.first().pk > snapshot.pk
    # Yesterday's snapshot counts yesterday's due dates: never used today.
    OverdueSnapshot.objects.update(as_of=days_ago(1), computed_at=timezone.now())
    record(small, "50.00", due=days_ago(1))
    assert [c.pk for c in overdue_customers(limit=50).customers] == [big.pk, small.pk]


def test_the_job_refreshes_the_snapshot_and_the_home_panel_counts_it(customer, officer):
    _overdue_mix(customer)
    first = overdue_snapshot_refresh()
    assert credit_overdue_snapshot_task.apply().get() == 2
    assert credit_overdue_snapshot_task.apply().get() == 2
    # The latest and the one before it (a reader may still be on it); the first is gone.
    assert OverdueSnapshot.objects.count() == 2 and not OverdueSnapshot.objects.filter(pk=first.pk).exists()
    rows = {str(row["label"]): row["value"] for row in credit_queue_panel(officer)["rows"]}
    assert rows["Customers with overdue receivables"] == 2


def test_a_reader_whose_snapshot_is_replaced_under_it_still_reads_a_full_list(customer, monkeypatch):
    import credit.overdue

    big, small = _overdue_mix(customer)
    picked = overdue_snapshot_refresh()
    real_current_snapshot = credit.overdue.current_snapshot

    def refreshed_after_the_pick(refreshes):
        def current_snapshot(**kwargs):
            # The reader picks `picked`; then the job refreshes before the reader reads its rows.
            monkeypatch.setattr(credit.overdue, "current_snapshot", real_current_snapshot)
            for _ in range(refreshes):
                overdue_snapshot_refresh()
            return picked
        return current_snapshot

    # One refresh keeps the picked snapshot's rows ...
    monkeypatch.setattr(credit.overdue, "current_snapshot", refreshed_after_the_pick(1))
    result = overdue_customers(limit=50)
    assert [c.pk for c in result.customers] == [big.pk, small.pk] and result.computed_at == picked.computed_at
    # ... two delete it: the reader reads the latest instead of an empty list.
    monkeypatch.setattr(credit.overdue, "current_snapshot", refreshed_after_the_pick(2))
    result = overdue_customers(limit=50)
    assert not OverdueSnapshot.objects.filter(pk=picked.pk).exists()
    assert [c.pk for c in result.customers] == [big.pk, small.pk] and result.total == 2
    assert result.computed_at > picked.computed_at


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not needs_postgres(), reason="two requests at once need a server database: the refresh "
                    "lock is PostgreSQL's advisory lock, SQLite serialises writers (DATABASE_URL)")
def test_two_requests_finding_the_snapshot_stale_compute_it_once(customer, monkeypatch):
    import credit.overdue

    big, small = _overdue_mix(customer)
    stale = overdue_snapshot_refresh()
    OverdueSnapshot.objects.update(computed_at=timezone.now() - SNAPSHOT_MAX_AGE - dt.timedelta(seconds=1))
    barrier = threading.Barrier(2)
    real_refresh = credit.overdue.overdue_snapshot_refresh

    def refresh_when_both_found_it_stale(**kwargs):
        barrier.wait(timeout=10)
        return real_refresh(**kwargs)

    monkeypatch.setattr(credit.overdue, "overdue_snapshot_refresh", refresh_when_both_found_it_stale)

    def read():
        result = overdue_customers(limit=50)
        return [(c.pk, c.overdue) for c in result.customers], result.computed_at

    results, errors = at_once(read, together=False)  # they meet at the refresh
    assert errors == []
    expected = [(big.pk, Decimal("960.00")), (small.pk, Decimal("300.00"))]
    assert [rows for rows, _ in results] == [expected, expected]
    assert results[0][1] == results[1][1]  # the same snapshot
    assert list(OverdueSnapshot.objects.filter(pk__gt=stale.pk).values_list("customers", flat=True)) == [2]


def test_the_queue_page_shows_both_lists(customer, officer, due_mix):
    big, _small = _overdue_mix(customer)
    client = Client()
    client.force_login(officer)
    response = client.get("/credit/")
    assert response.status_code == 200
    assert [c.pk for c in response.context["due"]] == [c.pk for c in reviews_due()]
    assert [c.pk for c in response.context["overdue"]][:1] == [big.pk]
    assert response.context["overdue_total"] == 2
    assert "960.00" in response.content.decode()


def test_queue_queries_do_not_grow_with_the_data(customer, officer, django_assert_max_num_queries):
    client = Client()
    client.force_login(officer)

    def fill(n):
        for i in range(n):
            archive = CustomerFactory(owner=customer.owner)
            record(archive, f"{100 + i}.00", due=days_ago(2))
            _graded(archive, officer, "C", days=400 + i)
            if i % 3 == 0:
                _warning(CustomerFactory(owner=customer.owner), officer)

    def queries():
        OverdueSnapshot.objects.all().delete()  # the computation is counted too
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/credit/").status_code == 200
        return len(captured)

    fill(3)
    client.get("/credit/")  # the session and the user's caches
    small = queries()
    fill(60)  # more than the 50 rows of each list
    assert queries() == small
    with django_assert_max_num_queries(MAX_QUEUE_QUERIES):  # the snapshot is fresh: read, not computed
        client.get("/credit/")


# --- The indexes (PostgreSQL) -------------------------------------------------------------------------------

def _plan(sql: str, params=()) -> str:
    with connection.cursor() as cursor:
        # A test table holds a handful of rows and no statistics: without these the planner may pick any
        # index on a column of the query (CI once read is_active's). The question is whether ours serves it.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.postgres
@pytest.mark.skipif(not needs_postgres(), reason="needs DATABASE_URL pointing at PostgreSQL")
def test_queue_indexes_exist_and_serve_their_queries(customer):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN "
                       "('customers_customer', 'customers_businessrecord', 'credit_overduesnapshotrow')")
        indexes = dict(cursor.fetchall())
    assert "WHERE (paid_amount < amount)" in indexes["business_record_open_by_customer"]
    assert "INCLUDE (amount, paid_amount)" in indexes["business_record_open_by_customer"]
    assert "WHERE is_active" in indexes["customer_active_credit_grade"]
    assert "credit_overdue_rank" in indexes
    from credit.overdue import open_past_due
    from credit.selectors import grade_counts

    record(customer, "10.00", due=days_ago(3))
    sql, params = open_past_due(timezone.localdate()).values("customer_id").query.sql_with_params()
    assert "business_record_open_by_customer" in _plan(sql, params)
    sql, params = (Customer.objects.filter(is_active=True).values_list("credit_grade")
                   .annotate(n=Count("*")).order_by()
                   .query.sql_with_params())
    assert "customer_active_credit_grade" in _plan(sql, params)
    assert grade_counts()[None] == 1
