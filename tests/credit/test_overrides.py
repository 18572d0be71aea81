"""Overrides (SPEC §4.2): one customer and amount, time-limited, with a reason, used once by the shipment it
was for, and not stretchable by asking again, by splitting, or by two checks at the same moment."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from credit.models import CreditOverride
from credit.services import (
    credit_check,
    credit_override_decide,
    credit_override_grant,
    credit_override_request,
    credit_overrides_expire,
    credit_rating_create,
)
from crm.exceptions import ApplicationError, ConflictError, PermissionDeniedError
from tests.concurrency import at_once
from tests.conftest import needs_postgres
from tests.credit.conftest import record

pytestmark = pytest.mark.django_db


@pytest.fixture
def grade_b(customer, officer):
    credit_rating_create(customer=customer, user=officer, grade="B", reason="cash on delivery")
    customer.refresh_from_db()
    return customer


def test_override_lifts_one_refusal_and_asking_again_is_refused(grade_b, officer):
    assert credit_check(customer=grade_b, amount="5000").allowed is False
    override = credit_override_grant(customer=grade_b, user=officer, amount="5000", reason="peak season", days=2)
    assert override.status == "approved" and override.expires_at > timezone.now() + dt.timedelta(days=1)
    # The card's check names the override but does not use it.
    preview = credit_check(customer=grade_b, amount="5000")
    assert preview.allowed is False and preview.override_available == override
    used = credit_check(customer=grade_b, amount="5000", user=officer, for_shipment=True, shipment_ref="SH-1")
    assert used.allowed is True and used.override_id == override.pk
    override.refresh_from_db()
    assert (override.status, override.consumed_amount, override.shipment_ref) == ("consumed", Decimal("5000.00"),
                                                                                  "SH-1")
    again = credit_check(customer=grade_b, amount="5000", user=officer, for_shipment=True, shipment_ref="SH-1")
    assert again.allowed is False and again.override_id is None
    assert [row.action for row in override.log.all()] == ["request", "approve", "consume"]


def test_splitting_the_amount_uses_the_override_once(grade_b, officer):
    credit_override_grant(customer=grade_b, user=officer, amount="5000", reason="one shipment")
    first = credit_check(customer=grade_b, amount="2500", user=officer, for_shipment=True)
    second = credit_check(customer=grade_b, amount="2500", user=officer, for_shipment=True)
    assert (first.allowed, second.allowed) == (True, False)


def test_an_override_does_not_cover_more_than_its_amount(grade_b, officer):
    credit_override_grant(customer=grade_b, user=officer, amount="5000", reason="one shipment")
    assert credit_check(customer=grade_b, amount="5000.01", user=officer, for_shipment=True).allowed is False
    assert CreditOverride.objects.get().status == "approved"


def test_one_open_override_per_customer(grade_b, officer, alice):
    credit_override_request(customer=grade_b, user=alice, amount="5000", reason="customer asks")
    with pytest.raises(ApplicationError):
        credit_override_request(customer=grade_b, user=alice, amount="6000", reason="again")
    with pytest.raises(ApplicationError):
        credit_override_grant(customer=grade_b, user=officer, amount="6000", reason="again")
    assert CreditOverride.objects.count() == 1


def test_no_override_for_a_check_that_is_allowed(grade_a, officer):
    with pytest.raises(ApplicationError) as error:
        credit_override_grant(customer=grade_a, user=officer, amount="100", reason="not needed")
    assert "no override is needed" in str(error.value.message)


def test_approved_and_unshipped_overrides_count_against_the_limit(grade_a, officer):
    record(grade_a, "8000.00")  # open: 8,000 of the 10,000 limit
    override = credit_override_grant(customer=grade_a, user=officer, amount="5000", reason="peak",
                                     shipment_ref="SH-9")
    check = credit_check(customer=grade_a, amount="2000")
    assert (check.reserved_by_overrides, check.remaining_limit, check.allowed) == (Decimal("5000.00"), 0, False)
    # An override for another shipment does not cover this one.
    assert credit_check(customer=grade_a, amount="2000", user=officer, for_shipment=True,
                        shipment_ref="SH-other").allowed is False
    assert credit_check(customer=grade_a, amount="5000", user=officer, for_shipment=True,
                        shipment_ref="SH-9").allowed is True
    # Used but not shipped yet: still reserved.
    assert credit_check(customer=grade_a, amount="1").reserved_by_overrides == Decimal("5000.00")
    record(grade_a, "5000.00", external_id="SH-9")
    after = credit_check(customer=grade_a, amount="1")
    assert (after.reserved_by_overrides, after.open_receivables) == (Decimal("0"), Decimal("13000.00"))
    override.refresh_from_db()
    assert override.status == "consumed"


def test_an_override_expires(grade_b, officer):
    override = credit_override_grant(customer=grade_b, user=officer, amount="5000", reason="peak", days=1)
    CreditOverride.objects.filter(pk=override.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    check = credit_check(customer=grade_b, amount="5000", user=officer, for_shipment=True)
    assert (check.allowed, check.reserved_by_overrides) == (False, 0)
    assert credit_overrides_expire() == 1
    override.refresh_from_db()
    assert override.status == "expired"
    assert credit_overrides_expire() == 0
    # Expired, it no longer blocks a new override.
    assert credit_override_grant(customer=grade_b, user=officer, amount="4000", reason="new").status == "approved"


def test_validity_is_capped_by_the_rule(grade_b, officer):
    with pytest.raises(ApplicationError) as error:
        credit_override_grant(customer=grade_b, user=officer, amount="5000", reason="long", days=30)
    assert error.value.field == "days"
    assert not CreditOverride.objects.exists()


def test_requests_are_decided_by_credit_officers_once(grade_b, officer, alice, charlie):
    with pytest.raises(PermissionDeniedError):
        credit_override_request(customer=grade_b, user=charlie, amount="5000", reason="not mine")
    override = credit_override_request(customer=grade_b, user=alice, amount="5000", reason="customer asks")
    assert override.status == "requested"
    assert credit_check(customer=grade_b, amount="5000", user=alice, for_shipment=True).allowed is False
    with pytest.raises(PermissionDeniedError):
        credit_override_decide(override=override, user=alice, action="approve")
    approved = credit_override_decide(override=override, user=officer, action="approve", days=1)
    assert approved.status == "approved" and approved.approved_by == officer
    with pytest.raises(ConflictError):
        credit_override_decide(override=override, user=officer, action="reject", comment="too late")


@pytest.mark.skipif(not needs_postgres(), reason="row locks need PostgreSQL (DATABASE_URL)")
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_checks_cannot_both_use_one_override(reference_data, customer, officer):
    credit_rating_create(customer=customer, user=officer, grade="C", reason="prepay")
    customer.refresh_from_db()
    credit_override_grant(customer=customer, user=officer, amount="5000", reason="one shipment")
    results, errors = at_once(
        lambda: credit_check(customer=customer, amount="5000", user=officer, for_shipment=True).allowed, 4)
    assert errors == []
    assert sorted(results) == [False, False, False, True]
    assert CreditOverride.objects.get().status == "consumed"
