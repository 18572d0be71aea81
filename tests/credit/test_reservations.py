"""The freight system's check before it ships holds the allowed amount until the shipment's business record
arrives: split or duplicated orders and simultaneous checks cannot together pass the limit."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from credit.models import CreditReservation
from credit.services import credit_check
from tests.conftest import needs_postgres
from tests.credit.conftest import record

pytestmark = pytest.mark.django_db


def ship(customer, amount, ref=""):
    return credit_check(customer=customer, amount=amount, for_shipment=True, shipment_ref=ref)


def test_split_orders_cannot_pass_the_limit(grade_a):
    assert [ship(grade_a, "4000", f"S{n}").allowed for n in range(3)] == [True, True, False]
    third = ship(grade_a, "2000", "S3")
    assert third.allowed is True and third.remaining_limit == Decimal("2000.00")
    assert ship(grade_a, "0.01", "S4").allowed is False
    assert credit_check(customer=grade_a, amount="1").reserved_by_checks == Decimal("10000.00")


def test_the_same_shipment_checked_again_replaces_its_hold(grade_a):
    assert ship(grade_a, "6000", "S1").allowed is True
    assert ship(grade_a, "6000", "S1").allowed is True  # asked twice: one hold
    assert ship(grade_a, "9000", "S1").allowed is True  # the order grew: its hold grows
    assert CreditReservation.objects.get().amount == Decimal("9000.00")
    assert ship(grade_a, "1000", "S2").allowed is True
    assert ship(grade_a, "9500", "S1").allowed is False  # refused: the shipment holds nothing any more
    assert credit_check(customer=grade_a, amount="1").reserved_by_checks == Decimal("1000.00")


def test_duplicated_checks_without_a_shipment_id_each_hold(grade_a):
    assert [ship(grade_a, "6000").allowed for _ in range(2)] == [True, False]


def test_the_hold_ends_when_the_shipment_is_recorded_or_lapses(grade_a):
    assert ship(grade_a, "7000", "S1").allowed is True
    record(grade_a, "7000.00", external_id="S1")
    check = credit_check(customer=grade_a, amount="3000")
    assert (check.reserved_by_checks, check.open_receivables, check.allowed) == (0, Decimal("7000.00"), True)
    assert ship(grade_a, "3000", "S2").allowed is True
    CreditReservation.objects.filter(shipment_ref="S2").update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert credit_check(customer=grade_a, amount="3000").allowed is True


def test_the_card_check_holds_nothing(grade_a):
    for _ in range(3):
        assert credit_check(customer=grade_a, amount="10000").allowed is True
    assert not CreditReservation.objects.exists()


@pytest.mark.skipif(not needs_postgres(), reason="row locks need PostgreSQL (DATABASE_URL)")
@pytest.mark.django_db(transaction=True)
def test_simultaneous_checks_cannot_together_pass_the_limit(reference_data, customer, officer):
    from credit.services import credit_rating_create

    record(customer, "10000.00", paid="10000.00", paid_date=timezone.localdate())
    credit_rating_create(customer=customer, user=officer, grade="A", reason="x")
    customer.refresh_from_db()
    barrier, results, errors = threading.Barrier(4), [], []

    def check(n):
        try:
            barrier.wait()
            results.append(ship(customer, "6000", f"S{n}").allowed)
        except Exception as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=check, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(results) == [False, False, False, True]
    assert CreditReservation.objects.count() == 1
