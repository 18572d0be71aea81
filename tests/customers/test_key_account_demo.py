"""The pipeline and key-account demo data: every stage, every tier, applications waiting at each level."""

import datetime as dt
import random

import pytest
from django.utils import timezone

from customers.key_accounts.care import surveys_due
from customers.key_accounts.demo import load_key_account_demo
from customers.key_accounts.models import KeyAccountApplication
from customers.models import Customer
from tests.factories import BusinessRecordFactory, CustomerFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def _demo_team() -> dict:
    """The demo's manager, head (of the manager's team) and GM, and 12 of the manager's trading customers."""
    team = TeamFactory(name="华东分公司")
    manager = UserFactory(username="manager1", roles=["account_manager"], teams=[team])
    head = UserFactory(username="head", roles=["dept_head"], teams=[team])
    team.head = head
    team.save()
    for _ in range(12):
        BusinessRecordFactory(customer=CustomerFactory(owner=manager, team=team, stage="customer"))
    return {"manager1": manager, "head": head, "gm": UserFactory(username="gm", roles=["gm"])}


def test_demo_fills_every_stage_tier_and_level():
    users = _demo_team()
    counts = load_key_account_demo(users, random.Random(1))
    assert counts == {"leads": 8, "applications": 12}
    assert set(Customer.objects.exclude(tier=None).values_list("tier", flat=True)) == {"A", "B", "C", "D"}
    statuses = sorted(KeyAccountApplication.objects.values_list("status", flat=True))
    assert statuses.count("approved") == 8 and statuses.count("pending_head") == 2 and statuses.count(
        "pending_gm") == 2
    assert set(Customer.objects.filter(pipeline__isnull=False).values_list("stage", flat=True)) == {
        "lead", "prospect", "customer", "discarded", "lost"}
    assert load_key_account_demo(users, random.Random(1)) == {"leads": 0, "applications": 0}


def _demo_applications():
    users = _demo_team()
    Customer.objects.update(created_at=timezone.now() - dt.timedelta(days=730),
                            first_trade_on=timezone.localdate() - dt.timedelta(days=700))
    load_key_account_demo(users, random.Random(1))
    return list(KeyAccountApplication.objects.prefetch_related("log").select_related("customer"))


def test_demo_applications_are_dated_over_the_past_months():
    applications = _demo_applications()
    now, today = timezone.now(), timezone.localdate()
    approved = [a for a in applications if a.status == "approved"]
    waiting = [a for a in applications if a.is_open]
    filed = sorted(timezone.localdate(a.created_at) for a in approved)
    # Filed over more than a year, on eight different days, none today; decided a few days after.
    assert len(set(filed)) == 8 and filed[0] < today - dt.timedelta(days=365) and filed[-1] < today
    for application in approved:
        assert application.created_at < application.head_decided_at < application.gm_decided_at <= now
        assert application.gm_decided_at - application.created_at <= dt.timedelta(days=11)
        assert application.year == timezone.localdate(application.created_at).year
        # The history says the same as the application.
        assert [(step.action, step.at) for step in application.log.order_by("at", "pk")] == [
            ("file", application.created_at), ("approve", application.head_decided_at),
            ("approve", application.gm_decided_at)]
        # Surveyed only once a key account.
        assert all(day >= timezone.localdate(application.gm_decided_at)
                   for day in application.customer.surveys.values_list("surveyed_on", flat=True))
    # The queue: filed in the past weeks, the ones waiting for the GM approved by the head since.
    assert all(today - dt.timedelta(days=30) < timezone.localdate(a.created_at) < today for a in waiting)
    assert len({a.created_at for a in waiting}) == 4
    for application in (a for a in waiting if a.status == "pending_gm"):
        assert application.created_at < application.head_decided_at <= now
    # A C account surveyed over a year ago and a D account approved last month are due for a survey; A and B not.
    assert sorted(surveys_due().values_list("tier", flat=True)) == ["C", "D"]
