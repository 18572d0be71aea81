"""The pipeline and key-account demo data: every stage, every tier, applications waiting at each level."""

import random

import pytest

from customers.key_accounts.demo import load_key_account_demo
from customers.key_accounts.models import KeyAccountApplication
from customers.models import Customer
from tests.factories import BusinessRecordFactory, CustomerFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_demo_fills_every_stage_tier_and_level():
    team = TeamFactory(name="华东分公司")
    manager = UserFactory(username="manager1", roles=["account_manager"], teams=[team])
    head = UserFactory(username="head", roles=["dept_head"], teams=[team])
    team.head = head
    team.save()
    users = {"manager1": manager, "head": head, "gm": UserFactory(username="gm", roles=["gm"])}
    for _ in range(12):
        BusinessRecordFactory(customer=CustomerFactory(owner=manager, team=team, stage="customer"))
    counts = load_key_account_demo(users, random.Random(1))
    assert counts == {"leads": 8, "applications": 12}
    assert set(Customer.objects.exclude(tier=None).values_list("tier", flat=True)) == {"A", "B", "C", "D"}
    statuses = sorted(KeyAccountApplication.objects.values_list("status", flat=True))
    assert statuses.count("approved") == 8 and statuses.count("pending_head") == 2 and statuses.count(
        "pending_gm") == 2
    assert set(Customer.objects.filter(pipeline__isnull=False).values_list("stage", flat=True)) == {
        "lead", "prospect", "customer", "discarded", "lost"}
    assert load_key_account_demo(users, random.Random(1)) == {"leads": 0, "applications": 0}
