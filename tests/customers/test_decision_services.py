"""The services through which other apps write the decisions they own: tier and target, credit grade."""

from decimal import Decimal

import pytest

from crm.exceptions import ApplicationError
from customers.services import customer_credit_grade_set, customer_key_account_set, customer_update

pytestmark = pytest.mark.django_db


def test_key_account_decision_sets_tier_and_target_with_history(customer, gm):
    customer_key_account_set(customer=customer, tier="A", annual_revenue_target=Decimal("5000000"), user=gm,
                             reason="大客户申请 #7 批准")
    customer.refresh_from_db()
    assert (customer.tier, customer.annual_revenue_target) == ("A", Decimal("5000000.00"))
    latest = customer.history.first()
    assert (latest.history_user, latest.history_change_reason, latest.tier) == (gm, "大客户申请 #7 批准", "A")


@pytest.mark.parametrize("tier, target, field", [
    ("E", Decimal("100"), "tier"),
    ("A", None, "annual_revenue_target"),
    (None, Decimal("100"), "annual_revenue_target"),
    ("B", Decimal("-1"), "annual_revenue_target"),
])
def test_key_account_decision_refuses_inconsistent_values(customer, gm, tier, target, field):
    with pytest.raises(ApplicationError) as error:
        customer_key_account_set(customer=customer, tier=tier, annual_revenue_target=target, user=gm, reason="x")
    assert error.value.field == field
    customer.refresh_from_db()
    assert customer.tier is None


def test_credit_grade_decision(customer, credit_officer):
    customer_credit_grade_set(customer=customer, grade="B", user=credit_officer, reason="评分 72")
    customer.refresh_from_db()
    assert customer.credit_grade == "B"
    assert customer.history.first().history_user == credit_officer
    customer_credit_grade_set(customer=customer, grade=None, user=credit_officer, reason="撤销")
    customer.refresh_from_db()
    assert customer.credit_grade is None
    with pytest.raises(ApplicationError):
        customer_credit_grade_set(customer=customer, grade="Z", user=credit_officer, reason="x")


def test_an_ordinary_edit_cannot_write_the_decisions(customer, alice):
    for field, value in (("tier", "A"), ("credit_grade", "A"), ("annual_revenue_target", Decimal("1"))):
        with pytest.raises(ApplicationError):
            customer_update(customer=customer, user=alice, **{field: value})
