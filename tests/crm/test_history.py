"""History display (crm.history): one formatter for every history page."""

import datetime as dt
import zoneinfo

import pytest

from crm.history import EMPTY, Change, changes_between, field_of, local_time, readable_changes
from customers.models import Customer, Industry
from customers.services import customer_update

pytestmark = pytest.mark.django_db


def test_values_are_shown_as_people_know_them(alice):
    steel = Industry.objects.create(name="钢铁")
    changes = [
        Change(field_of(Customer, "stage"), "stage", "prospect", "customer"),
        Change(field_of(Customer, "industry"), "industry", None, steel.pk),
        Change(field_of(Customer, "import_export_rights"), "rights", False, True),
        Change(field_of(Customer, "service_needs"), "needs", [], ["warehousing"]),
        Change(None, "removed field", "x", ""),
    ]
    readable_changes(changes, list_labels={"service_needs": {"warehousing": "仓储"}})
    assert [(c.before, c.after) for c in changes] == [
        ("Prospect", "Transacting customer"), (EMPTY, "钢铁"), ("No", "Yes"), (EMPTY, "仓储"), ("x", EMPTY)]


def test_times_are_local_to_the_minute():
    utc = dt.datetime(2026, 12, 1, 16, 30, 59, 123456, tzinfo=zoneinfo.ZoneInfo("UTC"))
    assert local_time(utc) == "2026-12-02 00:30"
    assert local_time(dt.date(2026, 1, 2)) == "2026-01-02"
    assert local_time(None) == EMPTY


def test_changes_between_history_rows(customer, alice):
    customer_update(customer=customer, user=alice, short_name="新简称")
    newest, previous = list(customer.history.order_by("-history_date", "-history_id")[:2])
    changes = changes_between(newest, previous, Customer)
    assert [(c.field.name, c.after) for c in changes] == [("short_name", "新简称")]
    assert changes_between(previous, None, Customer) == []
