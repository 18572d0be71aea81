"""The archive at scale (issue 9): flat query counts, the search by contact name and phone within the
access rules, the capped count, the bulk UPDATE … FROM (VALUES …), and the indexes on PostgreSQL."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.bulk import bulk_update_values
from crm.paginator import CappedPaginator
from customers.filters import search_matches
from customers.models import AccessGrant, BusinessRecord, Customer
from customers.selectors import customer_list, customers_visible_to
from tests.conftest import api_as, needs_postgres
from tests.factories import BusinessRecordFactory, ContactFactory, CustomerFactory

# The most queries each page may make, whatever its size (measured: one query less or more as roles
# and sessions vary; a query per row would blow through these at once).
MAX_LIST_QUERIES = 20
MAX_CLASSIFICATION_QUERIES = 20
MAX_API_QUERIES = 12


def _fill(n: int, owner, team, start: int = 0):
    for i in range(start, start + n):
        customer = CustomerFactory(owner=owner, team=team, name=f"规模测试{i:03d}号物流有限公司",
                                   phone=f"0571-8{i:07d}")
        ContactFactory(customer=customer, name=f"联系人{i:03d}", mobile=f"139{i:08d}")
        BusinessRecordFactory(customer=customer)


def _queries(client, url: str, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content[:300]
    return len(queries)


@pytest.mark.django_db
@pytest.mark.parametrize("url_name, params, limit", [
    ("customers:list", {}, MAX_LIST_QUERIES),
    ("customers:list", {"q": "规模测试"}, MAX_LIST_QUERIES),
    ("customers:list", {"q": "联系人0"}, MAX_LIST_QUERIES),
    ("customers:list", {"group_by": "owner"}, MAX_LIST_QUERIES),
    ("customers:classification", {}, MAX_CLASSIFICATION_QUERIES),
])
def test_page_queries_do_not_grow_with_the_data(client, alice, bob, east_team, url_name, params, limit,
                                                django_assert_max_num_queries):
    client.force_login(bob)
    url = reverse(url_name)
    _fill(3, alice, east_team)
    small = _queries(client, url, params)
    _fill(57, alice, east_team, start=3)  # more than a page of 50
    large = _queries(client, url, params)
    assert large == small
    with django_assert_max_num_queries(limit):
        client.get(url, params)


@pytest.mark.django_db
def test_api_list_queries_do_not_grow_with_page_size(alice, bob, east_team, django_assert_max_num_queries):
    _fill(40, alice, east_team)
    api = api_as(bob)
    api.get("/api/v1/customers/", {"page_size": 1})  # the role and team caches on the user object
    counts = []
    for size in (5, 40):
        with CaptureQueriesContext(connection) as queries:
            response = api.get("/api/v1/customers/", {"page_size": size})
        assert response.status_code == 200
        assert len(response.json()["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(MAX_API_QUERIES):
        api.get("/api/v1/customers/", {"page_size": 40})


# --- Search by contact name and phone --------------------------------------------------------------

@pytest.fixture
def caller_archives(alice, charlie, east_team, west_team):
    """Alice's archive with two contacts; charlie's archive with a contact of the same surname."""
    mine = CustomerFactory(owner=alice, team=east_team, name="杭州恒通电子科技有限公司", phone="0571-86001234")
    ContactFactory(customer=mine, name="王建国", mobile="139-1234-5678", phone="0571 8600 5555")
    ContactFactory(customer=mine, name="李丽", mobile="+86 137 0000 1111", phone="")
    theirs = CustomerFactory(owner=charlie, team=west_team, name="成都万众机械有限公司", phone="028-66001234")
    ContactFactory(customer=theirs, name="王建军", mobile="13912349999", phone="")
    return mine, theirs


def _found(user, q: str) -> set[int]:
    return set(customer_list(user=user, filters={"q": q}).values_list("pk", flat=True))


@pytest.mark.django_db
@pytest.mark.parametrize("term", [
    "王建国",  # a contact's full name
    "王建",  # its beginning (shorter than three characters: by prefix)
    "13912345678",  # a contact's mobile, typed without separators
    "139 1234 5678",  # ... with spaces
    "1391234",  # its prefix
    "0571-8600-5",  # a contact's work phone, by prefix with the area code
    "0571-8600",  # the archive's own phone by prefix (and the contact's)
    "86001234",  # six digits or more: anywhere in the archive's number
    "恒通",  # the name, as before
])
def test_search_finds_a_caller_by_contact_name_or_any_phone(caller_archives, alice, gm, term):
    mine, theirs = caller_archives
    assert mine.pk in _found(alice, term)
    assert mine.pk in _found(gm, term)
    assert theirs.pk not in _found(alice, term)  # within the access rules


@pytest.mark.django_db
def test_search_by_prefix_stays_within_access_rules(caller_archives, alice, charlie, gm):
    mine, theirs = caller_archives
    assert _found(gm, "王建") == {mine.pk, theirs.pk}
    assert _found(alice, "王建") == {mine.pk}
    assert _found(charlie, "王建") == {theirs.pk}
    assert _found(gm, "139123") == {mine.pk, theirs.pk}  # both mobiles start so
    assert _found(charlie, "139123") == {theirs.pk}
    assert _found(gm, "0571") == {mine.pk}  # an area code: the archive's and its contact's phones
    assert _found(gm, "028") == {theirs.pk}
    assert _found(gm, "571") == set()  # a prefix, not any three digits inside a number


@pytest.mark.django_db
def test_search_page_and_api_find_the_contact(client, caller_archives, alice):
    mine, _theirs = caller_archives
    client.force_login(alice)
    response = client.get(reverse("customers:list"), {"q": "李丽"})
    assert response.status_code == 200
    assert [c.pk for c in response.context["customers"]] == [mine.pk]
    response = api_as(alice).get("/api/v1/customers/", {"q": "1370000"})
    assert [row["id"] for row in response.json()["results"]] == [mine.pk]


@pytest.mark.django_db
def test_search_matches_is_a_union_of_ids(caller_archives):
    mine, theirs = caller_archives
    assert set(Customer.objects.filter(pk__in=search_matches("王建")).values_list("pk", flat=True)) == {
        mine.pk, theirs.pk}


# --- The access rule's shape -----------------------------------------------------------------------

@pytest.mark.django_db
def test_access_filter_has_no_subquery_the_planner_cannot_index(alice, bob, charlie, customer, dora, west_team):
    """`owner = X OR team IN (…) OR id IN (<granted ids>)`: no `OR id IN (SELECT …)`, which forces a
    scan of every archive; the grants are read first, as values."""
    theirs = CustomerFactory(owner=charlie, team=west_team)
    sql = str(customers_visible_to(bob).query).upper()
    assert sql.count("SELECT") == 1
    assert set(customers_visible_to(bob).values_list("pk", flat=True)) == {customer.pk}
    AccessGrant.objects.create(customer=theirs, user=bob, granted_by=dora,
                               expires_at=timezone.now() + dt.timedelta(days=1))
    AccessGrant.objects.create(customer=CustomerFactory(owner=charlie, team=west_team), user=bob, granted_by=dora,
                               expires_at=timezone.now() - dt.timedelta(days=1))  # over
    sql = str(customers_visible_to(bob).query).upper()
    assert sql.count("SELECT") == 1
    assert set(customers_visible_to(bob).values_list("pk", flat=True)) == {customer.pk, theirs.pk}


@pytest.mark.django_db
def test_access_filter_with_very_many_grants_uses_a_subquery(bob, charlie, customer, west_team, monkeypatch):
    import customers.policies

    monkeypatch.setattr(customers.policies, "_MAX_LITERAL_GRANTS", 1)
    granted = [CustomerFactory(owner=charlie, team=west_team) for _ in range(2)]
    for archive in granted:
        AccessGrant.objects.create(customer=archive, user=bob, expires_at=timezone.now() + dt.timedelta(days=1))
    assert set(customers_visible_to(bob).values_list("pk", flat=True)) == {customer.pk, *(c.pk for c in granted)}


# --- The capped count ------------------------------------------------------------------------------

@pytest.mark.django_db
def test_capped_paginator_counts_up_to_the_cap(alice, east_team):
    _fill(7, alice, east_team)
    qs = Customer.objects.order_by("name", "pk")
    paginator = CappedPaginator(qs, 2, cap=5)
    assert (paginator.count, paginator.count_label, paginator.num_pages) == (5, "5+", 3)
    assert [c.pk for c in paginator.get_page(3).object_list] == list(qs.values_list("pk", flat=True)[4:5])
    exact = CappedPaginator(qs, 2, cap=7)
    assert (exact.count, exact.count_label, exact.num_pages) == (7, 7, 4)


@pytest.mark.django_db
def test_list_page_shows_a_capped_total(client, gm, alice, east_team, monkeypatch):
    import crm.paginator

    _fill(4, alice, east_team)
    client.force_login(gm)
    monkeypatch.setattr(crm.paginator, "COUNT_CAP", 3)
    response = client.get(reverse("customers:list"))
    assert response.context["total"] == "3+"
    monkeypatch.setattr(crm.paginator, "COUNT_CAP", 10)
    assert client.get(reverse("customers:list")).context["total"] == 4


# --- UPDATE … FROM (VALUES …) ----------------------------------------------------------------------

@pytest.mark.django_db
def test_bulk_update_values_writes_each_rows_own_values(customer):
    records = [BusinessRecordFactory(customer=customer, amount=Decimal("100.00")) for _ in range(5)]
    untouched = BusinessRecordFactory(customer=customer, amount=Decimal("7.00"), goods="钢材")
    for i, record in enumerate(records):
        record.amount = Decimal(f"{1000 + i}.50")
        record.goods = f"货物{i}"
        record.paid_date = None if i % 2 else record.date
    assert bulk_update_values(records, ["amount", "goods", "paid_date"], batch_size=2) == 5
    stored = {r.pk: r for r in BusinessRecord.objects.filter(customer=customer)}
    for i, record in enumerate(records):
        row = stored[record.pk]
        assert (row.amount, row.goods, row.paid_date) == (Decimal(f"{1000 + i}.50"), f"货物{i}",
                                                          None if i % 2 else record.date)
    assert (stored[untouched.pk].amount, stored[untouched.pk].goods) == (Decimal("7.00"), "钢材")


@pytest.mark.django_db
def test_bulk_upsert_updates_through_values(customer, integration_user):
    records = [BusinessRecordFactory(customer=customer, external_id=f"V-{i}") for i in range(3)]
    body = [{"customer_code": customer.code, "external_id": r.external_id, "date": r.date.isoformat(),
             "service_type": "warehousing", "amount": f"{500 + i}.00", "due_date": r.due_date.isoformat()}
            for i, r in enumerate(records)]
    response = api_as(integration_user).post("/api/v1/business-records/bulk/", body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["updated"] == 3
    assert sorted(BusinessRecord.objects.filter(customer=customer).values_list("amount", "service_type")) == [
        (Decimal("500.00"), "warehousing"), (Decimal("501.00"), "warehousing"), (Decimal("502.00"), "warehousing")]


# --- The indexes (PostgreSQL) ----------------------------------------------------------------------

@pytest.mark.postgres
@pytest.mark.skipif(not needs_postgres(), reason="needs DATABASE_URL pointing at PostgreSQL")
@pytest.mark.django_db
def test_indexes_exist_on_postgresql():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN "
                       "('customers_customer', 'customers_contact', 'customers_businessrecord')")
        indexes = dict(cursor.fetchall())
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone()
    for name in ("customer_name_trgm", "customer_short_name_trgm", "customer_name_norm_trgm",
                 "customer_phone_norm_trgm", "contact_name_trgm", "contact_phone_digits_trgm",
                 "contact_mobile_digits_trgm"):
        assert "USING gin" in indexes[name] and "gin_trgm_ops" in indexes[name], name
    for name in ("customer_name_id", "customer_short_name_id", "customer_stage_name_id", "business_record_date_id",
                 "customer_code_upper", "customer_credit_code_upper", "customer_team_owner", "contact_name_prefix"):
        assert name in indexes, name


@pytest.mark.postgres
@pytest.mark.skipif(not needs_postgres(), reason="needs DATABASE_URL pointing at PostgreSQL")
@pytest.mark.django_db
def test_search_expressions_match_the_trigram_indexes(caller_archives):
    """The planner uses an expression index only for the very expression: EXPLAIN the search's
    branches with sequential scans disabled and find the indexes in the plan."""
    qs = Customer.objects.filter(pk__in=search_matches("139 1234"))
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "contact_mobile_digits_trgm" in plan and "contact_phone_digits_trgm" in plan, plan
    assert "customer_phone_norm_trgm" in plan, plan
    qs = Customer.objects.filter(pk__in=search_matches("恒通电子"))
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "customer_name_norm_trgm" in plan and "contact_name_trgm" in plan, plan
    qs = Customer.objects.filter(pk__in=search_matches("王建"))
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "contact_name_prefix" in plan, plan


# --- The customer import writes in bulk --------------------------------------------------------------

def _import_rows(user, names: list[str], start: int = 0):
    import tablib

    from customers.imports.importers import customers_import

    dataset = tablib.Dataset(headers=["收发货单位全称", "电话", "区域", "客户经理(用户名)"])
    for i, name in enumerate(names, start=start):
        dataset.append([name, f"0571-9{i:07d}", "华东", user.username])
    return customers_import(user=user, dataset=dataset, dry_run=False)


@pytest.mark.django_db
def test_import_queries_do_not_grow_with_rows(bob):
    counts = []
    for size, prefix, start in ((5, "甲", 0), (60, "乙", 100)):
        with CaptureQueriesContext(connection) as queries:
            result = _import_rows(bob, [f"{prefix}批量导入{i:03d}物流有限公司" for i in range(size)], start)
        assert result.ok and result.created == size
        counts.append(len(queries))
    # 55 more rows cost a few queries, not some twenty each as customer_create did: on PostgreSQL
    # none (an INSERT per 500 rows), on SQLite an INSERT per dozen rows (its limit of variables).
    assert counts[1] - counts[0] <= (1 if connection.vendor == "postgresql" else 10)


@pytest.mark.django_db
def test_bulk_import_files_archives_as_customer_create_does(bob, east_team):
    from customers.models import OwnerChange

    result = _import_rows(bob, ["丙批量导入一物流有限公司", "丙批量导入二物流有限公司"])
    assert result.written
    for customer in Customer.objects.filter(name__startswith="丙批量导入"):
        assert customer.code == f"C{customer.pk:07d}"
        assert (customer.owner, customer.team, customer.created_by, customer.source) == (bob, east_team, bob, "import")
        assert customer.is_checked and customer.last_verified_on == timezone.localdate()
        assert customer.phone_normalized.startswith("05719")
        created = customer.history.get()
        assert (created.history_type, created.code, created.history_user) == ("+", customer.code, bob)
        assert OwnerChange.objects.filter(customer=customer, from_user=None, to_user=bob, changed_by=bob).count() == 1


@pytest.mark.django_db
def test_bulk_import_falls_back_to_rows_on_a_concurrent_conflict(bob, monkeypatch):
    from django.db import IntegrityError

    from customers.imports.importers import CustomerImporter

    def conflict(self, rows):
        Customer.objects.bulk_create([Customer(code="TMP1", name="x", name_normalized="x", owner=bob)])
        raise IntegrityError("duplicate key")

    monkeypatch.setattr(CustomerImporter, "_create_in_bulk", conflict)
    result = _import_rows(bob, ["丁批量导入一物流有限公司", "丁批量导入二物流有限公司"])
    assert result.written and result.created == 2
    assert not Customer.objects.filter(code="TMP1").exists()  # the bulk attempt was rolled back
    assert Customer.objects.filter(name__startswith="丁批量导入").count() == 2


@pytest.mark.postgres
@pytest.mark.skipif(not needs_postgres(), reason="needs DATABASE_URL pointing at PostgreSQL")
@pytest.mark.django_db
def test_postgresql_sessions_run_without_jit():
    """The settings turn JIT compilation off per connection: it cost seconds on the big pages' plans."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
