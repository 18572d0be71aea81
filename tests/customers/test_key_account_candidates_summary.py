"""Key-account candidates from the nightly revenue summary: the same rows as summed live, the live sum
when the summary is not from today, the nightly job's refresh, and a page whose queries do not grow."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from customers.key_accounts.models import CustomerRevenue, KeyAccountApplication
from customers.key_accounts.selectors import key_account_candidates
from customers.key_accounts.services import customer_revenue_refresh
from tests.factories import BusinessRecordFactory, CustomerFactory, UserFactory

TODAY = dt.date(2026, 12, 1)


def _shape(rows):
    return [(c.pk, c.revenue, c.record_count, c.candidate_tier) for c in rows]


@pytest.fixture
def customers(alice, east_team, west_team):
    charlie_customer = CustomerFactory(team=west_team, stage="customer")
    rich = CustomerFactory(owner=alice, team=east_team, stage="customer")
    edge = CustomerFactory(owner=alice, team=east_team, stage="customer")
    poor = CustomerFactory(owner=alice, team=east_team, stage="customer")
    old = CustomerFactory(owner=alice, team=east_team, stage="customer")
    waiting = CustomerFactory(owner=alice, team=east_team, stage="customer")
    for customer, amounts, date in [(rich, (600_000, 500_000), dt.date(2026, 6, 1)),
                                    (edge, (99_999, 1), dt.date(2025, 12, 2)),  # the window's first day
                                    (poor, (99_998, 1), dt.date(2026, 6, 1)),
                                    (old, (9_000_000, 9_000_000), dt.date(2025, 12, 1)),  # a day too old
                                    (waiting, (700_000, 1), dt.date(2026, 6, 1)),
                                    (charlie_customer, (300_000, 300_000), dt.date(2026, 6, 1))]:
        for amount in amounts:
            BusinessRecordFactory(customer=customer, date=date, amount=Decimal(amount))
    KeyAccountApplication.objects.create(customer=waiting, year=2026, annual_revenue_target=Decimal("800000"),
                                         proposed_tier="C", reason="x")
    return {"rich": rich, "edge": edge, "charlie": charlie_customer}


def test_the_summary_gives_the_rows_of_the_live_sum(customers, bob, gm):
    live_bob, live_gm = key_account_candidates(bob, today=TODAY), key_account_candidates(gm, today=TODAY)
    assert _shape(live_bob) == [(customers["rich"].pk, Decimal("1100000"), 2, "C"),
                                (customers["edge"].pk, Decimal("100000"), 2, "D")]
    assert customer_revenue_refresh(today=TODAY) == 5  # the customers with records in the window
    assert _shape(key_account_candidates(bob, today=TODAY)) == _shape(live_bob)
    assert _shape(key_account_candidates(gm, today=TODAY)) == _shape(live_gm)
    assert customers["charlie"].pk in [c.pk for c in live_gm]
    assert key_account_candidates(UserFactory(roles=["account_manager"]), today=TODAY) == []


def test_a_summary_not_from_today_is_not_used(customers, bob):
    customer_revenue_refresh(today=TODAY - dt.timedelta(days=1))
    CustomerRevenue.objects.update(revenue=Decimal("1"))  # wrong figures: they must not be read
    assert _shape(key_account_candidates(bob, today=TODAY))[0] == (customers["rich"].pk, Decimal("1100000"), 2, "C")


def test_the_refresh_replaces_the_summary(customers):
    customer_revenue_refresh(today=TODAY)
    BusinessRecordFactory(customer=customers["edge"], date=TODAY, amount=Decimal("5"))
    customer_revenue_refresh(today=TODAY)
    row = CustomerRevenue.objects.get(customer=customers["edge"])
    assert (row.revenue, row.record_count, row.computed_on) == (Decimal("100005"), 3, TODAY)
    assert CustomerRevenue.objects.count() == 5


def test_the_nightly_task_refreshes_today(customers):
    from django.conf import settings

    from customers.tasks import customer_revenue_refresh_task

    assert any(entry["task"] == "customers.tasks.customer_revenue_refresh_task"
               for entry in settings.CELERY_BEAT_SCHEDULE.values())
    customer_revenue_refresh_task()
    assert CustomerRevenue.objects.exists()
    assert not CustomerRevenue.objects.exclude(computed_on=dt.date.today()).exists()


def test_candidates_page_queries_do_not_grow(client, alice, bob, east_team, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(n):
        for _ in range(n):
            customer = CustomerFactory(owner=alice, team=east_team, stage="customer")
            for _k in range(2):
                BusinessRecordFactory(customer=customer, date=dt.date.today() - dt.timedelta(days=10),
                                      amount=Decimal("300000"))
        customer_revenue_refresh()

    client.force_login(bob)
    add(2)
    with CaptureQueriesContext(connection) as few:
        page = client.get(reverse("customers:key_account_candidates"))
    assert len(page.context["rows"]) == 2
    add(10)
    with django_assert_max_num_queries(len(few)):
        page = client.get(reverse("customers:key_account_candidates"))
    assert len(page.context["rows"]) == 12
