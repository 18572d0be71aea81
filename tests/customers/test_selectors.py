import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from customers.models import AccessGrant
from customers.policies import can_see_financials, can_see_sensitive_personal
from customers.selectors import customer_get_for_user, customers_visible_to


@pytest.mark.django_db
def test_owner_colleague_outsider(customer, alice, bob, charlie, dora, gm, credit_officer):
    assert list(customers_visible_to(alice)) == [customer]
    assert list(customers_visible_to(bob)) == [customer]
    assert list(customers_visible_to(dora)) == [customer]
    assert list(customers_visible_to(gm)) == [customer]
    assert list(customers_visible_to(credit_officer)) == [customer]
    assert list(customers_visible_to(charlie)) == []
    with pytest.raises(Http404):
        customer_get_for_user(charlie, customer.pk)


@pytest.mark.django_db
def test_grant_opens_and_expiry_closes(customer, charlie, dora):
    grant = AccessGrant.objects.create(customer=customer, user=charlie, granted_by=dora,
                                       expires_at=timezone.now() + dt.timedelta(days=7))
    assert customer_get_for_user(charlie, customer.pk) == customer
    assert not can_see_sensitive_personal(charlie, customer)
    grant.expires_at = timezone.now() - dt.timedelta(seconds=1)
    grant.save()
    with pytest.raises(Http404):
        customer_get_for_user(charlie, customer.pk)


@pytest.mark.django_db
def test_sensitive_fields_rules(customer, alice, bob, dora, gm, credit_officer, charlie):
    assert [can_see_sensitive_personal(u, customer) for u in (alice, bob, dora, gm, credit_officer, charlie)] == [
        True, True, True, True, False, False]
    assert can_see_financials(credit_officer, customer)
    assert not can_see_financials(charlie, customer)
