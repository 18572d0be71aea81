"""The freight system's credit check costs the same number of queries whatever the customer's number of
business records, and checking a shipment again costs no more than the first check."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from credit.models import CreditReservation
from credit.services import credit_check
from tests.credit.conftest import record

pytestmark = pytest.mark.django_db


def _queries(customer, amount, ref):
    with CaptureQueriesContext(connection) as queries:
        check = credit_check(customer=customer, amount=amount, for_shipment=True, shipment_ref=ref)
    return check, len(queries)


def test_queries_do_not_grow_with_the_records_or_a_second_check(grade_a):
    check, first = _queries(grade_a, "100", "S1")
    assert check.allowed
    again, second = _queries(grade_a, "200", "S1")
    assert again.allowed and second <= first
    assert CreditReservation.objects.get().amount == Decimal("200.00")
    for _ in range(40):
        record(grade_a, "50.00", paid="50.00")
    more, third = _queries(grade_a, "300", "S1")
    assert more.allowed and third <= first
    _check, new_shipment = _queries(grade_a, "100", "S2")
    assert new_shipment <= first  # a new hold: the UPDATE that finds nothing, then the INSERT
    assert sorted(CreditReservation.objects.values_list("shipment_ref", "amount")) == [
        ("S1", Decimal("300.00")), ("S2", Decimal("100.00"))]
