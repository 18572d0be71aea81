"""The change log and the card's history: local time to the minute, the final customer code on creation rows."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import Customer
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def gm():
    return UserFactory(username="gm-history", roles=["gm"], language="en")


def test_creation_row_shows_the_final_code_in_local_minutes(client, gm):
    customer = CustomerFactory(code="T0123456789abcdef")  # as customer_create files it, before the id
    Customer.objects.filter(pk=customer.pk).update(code="C0004242")
    created = customer.history.get(history_type="+")
    at = dt.datetime(2026, 3, 1, 1, 30, 15, 123456, tzinfo=dt.UTC)
    type(created).objects.filter(pk=created.pk).update(history_date=at)
    client.force_login(gm)
    html = client.get(reverse("customers:change_log")).content.decode()
    assert "C0004242" in html and "T0123456789abcdef" not in html
    assert "2026-03-01 09:30<" in html  # Asia/Shanghai, minutes
    assert not re.search(r"\d{2}:\d{2}:\d{2}", html)
    filtered = client.get(reverse("customers:change_log"), {"code": "c0004242"}).content.decode()
    assert filtered.count('class="change-entry"') == 1


def test_history_shows_datetimes_in_local_minutes(client, gm):
    customer = CustomerFactory(owner=UserFactory(roles=["account_manager"]))
    customer.checked_at = dt.datetime(2026, 5, 4, 16, 5, 59, 987654, tzinfo=dt.UTC)
    customer.name = customer.name + "（新）"
    customer.save()
    client.force_login(gm)
    response = client.get(reverse("customers:history", args=[customer.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "（新）" in html
    assert "2026-05-05 00:05" in html  # checked_at, in Asia/Shanghai
    assert not re.search(r"\d{2}:\d{2}:\d{2}|\.\d{6}|\+00:00", html)
    local = timezone.localtime(customer.history.latest().history_date, ZoneInfo("Asia/Shanghai"))
    assert local.strftime("%Y-%m-%d %H:%M") in html
