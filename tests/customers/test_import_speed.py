"""Issue 9's bulk writes: the customer import and the record upsert write in bulk (crm.bulk), with the
same rows, history and rules as the ORM would write them."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Max
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.bulk import bulk_update_values, insert_objects, insert_rows
from crm.tabular import CellError, parse_date, parse_decimal, parse_text
from customers.business_records.upsert import _parse_value, business_records_upsert
from customers.imports.importers import CHUNK_ROWS, run_import
from customers.models import BusinessRecord, Customer, OwnerChange
from tests.conftest import needs_postgres
from tests.customers.test_imports import ZH_HEADERS, dataset, zh_row
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

TRICKY = "tab\there, line\nbreak, back\\slash\\N, return\r, 中文 'quote' \"double\""


def _values(obj) -> dict:
    return {field.attname: getattr(obj, field.attname) for field in type(obj)._meta.concrete_fields}


def test_insert_objects_stores_what_bulk_create_stores(alice, bob, east_team):
    def customer(name: str, phone: str) -> Customer:
        instance = Customer(
            name=name, short_name="", owner=alice, team=east_team, created_by=bob, phone=phone,
            address=TRICKY, cooperation_note="\\", service_needs=["transport", "warehousing"],
            registered_capital=Decimal("1234567.50"), founded_on=dt.date(2001, 2, 3), has_trade_rights=None,
            is_checked=False, checked_at=timezone.now().replace(microsecond=123456), code=f"X-{name}")
        instance.clean()
        return instance

    ours, orms = customer("甲", "021-1234567"), customer("乙", "021-7654321")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence('customers_customer', 'id'))")
            ours.pk = cursor.fetchone()[0]
    else:
        ours.pk = (Customer.objects.aggregate(last=Max("pk"))["last"] or 0) + 1000
    rows = insert_objects([ours])
    Customer.objects.bulk_create([orms])

    assert rows[0]["address"] == TRICKY and not ours._state.adding
    stored, expected = _values(Customer.objects.get(pk=ours.pk)), _values(Customer.objects.get(pk=orms.pk))
    assert stored["address"] == TRICKY and stored["service_needs"] == ["transport", "warehousing"]
    assert stored["created_at"] is not None
    different = {name for name in stored if stored[name] != expected[name]}
    assert different == {"id", "name", "name_normalized", "phone", "phone_normalized", "code", "created_at",
                         "updated_at"}


def test_insert_rows_fills_defaults_and_leaves_the_id_to_the_database(customer, bob):
    inserted = insert_rows(OwnerChange, [{"customer_id": customer.pk, "from_user_id": None,
                                          "to_user_id": bob.pk, "changed_by_id": bob.pk, "reason": "a\tb"}] * 3)
    assert inserted == 3
    changes = list(OwnerChange.objects.filter(customer=customer, reason="a\tb"))
    assert len({change.pk for change in changes}) == 3
    assert all(change.changed_at and change.handover_note == "" for change in changes)


def test_bulk_update_values_writes_each_row_its_own_values(customer):
    records = [BusinessRecord.objects.create(customer=customer, external_id=f"U-{i}", date=dt.date(2026, 1, 1),
                                             service_type="transport", amount=Decimal("1"),
                                             due_date=dt.date(2026, 2, 1)) for i in range(3)]
    for i, record in enumerate(records):
        record.amount, record.goods = Decimal(f"{i}.25"), TRICKY
        record.paid_date = None if i else dt.date(2026, 3, 1)
    assert bulk_update_values(records, ["amount", "paid_date", "goods"], batch_size=2) == 3
    stored = {r.external_id: (r.amount, r.paid_date, r.goods) for r in BusinessRecord.objects.filter(customer=customer)}
    assert stored == {"U-0": (Decimal("0.25"), dt.date(2026, 3, 1), TRICKY), "U-1": (Decimal("1.25"), None, TRICKY),
                      "U-2": (Decimal("2.25"), None, TRICKY)}


def test_imported_archives_have_their_history_and_owner_rows(bob, alice, east_team):
    rows = [ZH_HEADERS, zh_row("上海新星电子有限公司", address=TRICKY.replace("\r", ""), phone="021-66661111",
                               owner="alice"),
            zh_row("苏州宏达机械有限公司")]
    result = run_import(kind="customers", user=bob, dataset=dataset(rows), dry_run=False)

    assert result.errors == [] and result.created == 2
    first = Customer.objects.get(name="上海新星电子有限公司")
    assert first.code == f"C{first.pk:07d}" and first.team == east_team
    history = list(first.history.all())
    assert len(history) == 1
    entry = history[0]
    assert (entry.history_type, entry.history_user, entry.history_change_reason) == ("+", bob, "")
    assert (entry.code, entry.name, entry.address, entry.owner_id) == (first.code, first.name, first.address, alice.pk)
    assert entry.created_at == first.created_at
    owner_change = OwnerChange.objects.get(customer=first)
    assert (owner_change.from_user, owner_change.to_user, owner_change.changed_by) == (None, alice, bob)
    assert result.objects[2].pk == first.pk and not result.objects[2]._state.adding


def _import_queries(user, n: int, stamp: str) -> int:
    rows = [ZH_HEADERS] + [zh_row(f"{stamp}测试{i:05d}号物流有限公司", phone=f"0571-{stamp}{i:05d}",
                                  owner=user.username) for i in range(n)]
    data = dataset(rows)
    with CaptureQueriesContext(connection) as queries:
        result = run_import(kind="customers", user=user, dataset=data, dry_run=False)
    assert result.errors == [] and result.created == n
    return len(queries)


@pytest.mark.skipif(not needs_postgres(), reason="the flat shape is PostgreSQL's: Django splits SQLite's bulk "
                    "writes into batches of a few rows (999 variables a statement)")
def test_import_queries_do_not_grow_with_the_rows(bob, django_assert_max_num_queries):
    small = _import_queries(bob, 5, "11")
    large = _import_queries(bob, 3 * CHUNK_ROWS, "22")
    # A few look-ups per chunk of CHUNK_ROWS rows (codes, duplicates, who may read them), never per row.
    assert large - small <= 3 * 3
    rows = [ZH_HEADERS] + [zh_row(f"33测试{i:05d}号物流有限公司") for i in range(CHUNK_ROWS)]
    data = dataset(rows)
    with django_assert_max_num_queries(small + 3):
        assert run_import(kind="customers", user=bob, dataset=data, dry_run=False).created == CHUNK_ROWS


def test_one_bad_row_still_writes_nothing_in_bulk(bob):
    rows = [ZH_HEADERS] + [zh_row(f"44测试{i:05d}号物流有限公司") for i in range(30)] + [zh_row("")]
    before = Customer.objects.count()
    result = run_import(kind="customers", user=bob, dataset=dataset(rows), dry_run=False)
    assert not result.written and result.error_rows == 1
    assert Customer.objects.count() == before and Customer.history.count() == 0


def test_dry_run_keeps_no_instances_and_writes_nothing(bob):
    rows = [ZH_HEADERS] + [zh_row(f"55测试{i:05d}号物流有限公司") for i in range(3)]
    result = run_import(kind="customers", user=bob, dataset=dataset(rows), dry_run=True)
    assert (result.created, result.written, result.objects) == (3, False, {})
    assert not Customer.objects.filter(name__startswith="55测试").exists()


def _general(name: str, value):
    """What the general cell parsers say of a value, as the upsert uses them."""
    field = BusinessRecord._meta.get_field(name)
    if name in ("date", "due_date", "paid_date"):
        return parse_date(value)
    if name in ("amount", "paid_amount", "volume"):
        return parse_decimal(value, max_digits=field.max_digits, decimal_places=field.decimal_places,
                             allow_negative=False)
    return parse_text(value, max_length=field.max_length, collapse_spaces=True)


def _outcome(call):
    try:
        return "ok", call()
    except CellError as error:
        return "error", str(error.message)


@pytest.mark.parametrize("name,value", [
    ("date", "2026-02-03"), ("date", "2026-02-30"), ("date", "2026-2-3"), ("date", " 2026-02-03 "),
    ("date", "2026/02/03"), ("date", "20260203"), ("date", "2026-02-03T23:30:00Z"), ("date", "２０２６-02-03"),
    ("due_date", ""), ("paid_date", None),
    ("amount", "12.5"), ("amount", "12.345"), ("amount", "0"), ("amount", "00012.50"), ("amount", "-1"),
    ("amount", "1e3"), ("amount", "1,000.5"), ("amount", "999999999999999999"), ("amount", "9999999999999.99"),
    ("paid_amount", "0.10"), ("volume", "1.0005"), ("amount", 12.5), ("amount", True),
    ("external_id", "FS-000123"), ("external_id", " FS-1 "), ("external_id", "a  b"), ("external_id", "x" * 65),
    ("external_id", "x" * 64), ("external_id", "bad\x01"), ("contract_no", "'=HT/2026:1#2"), ("goods", "电子产品"),
])
def test_fast_parsers_agree_with_the_general_ones(name, value):
    assert _outcome(lambda: _parse_value(name, value)) == _outcome(lambda: _general(name, value))


def test_bulk_update_of_records_through_the_upsert(integration_user, customer):
    CustomerFactory(code="C7777777")
    records = [{"customer_code": customer.code, "external_id": f"B-{i}", "date": f"2026-01-0{i + 1}",
                "service_type": "transport.sea", "amount": "100.00", "due_date": "2026-02-01"} for i in range(4)]
    assert business_records_upsert(user=integration_user, records=records).created == 4
    for i, record in enumerate(records):
        record.update(amount=f"{200 + i}.50", paid_amount="0", paid_date=None)
    result = business_records_upsert(user=integration_user, records=records)
    assert (result.created, result.updated, result.errors) == (0, 4, [])
    stored = dict(BusinessRecord.objects.filter(external_id__startswith="B-").values_list("external_id", "amount"))
    assert stored == {f"B-{i}": Decimal(f"{200 + i}.50") for i in range(4)}
