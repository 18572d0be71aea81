"""Races of issue 8, on PostgreSQL with real threads: two simultaneous filings with one phone, two
simultaneous main-contact additions, two simultaneous handovers of one archive. The database (a partial
unique index, a row lock) decides; the loser gets the same clear answer as a sequential second call."""

import threading

import pytest
from django.db import connection

from crm.exceptions import ApplicationError
from customers.card_sections import contact_create
from customers.models import Contact, Customer, OwnerChange
from customers.services import DuplicateCustomerError, customer_create, customer_handover
from tests.conftest import needs_postgres
from tests.factories import CustomerFactory, UserFactory

ROUNDS = 6
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not needs_postgres(), reason="needs DATABASE_URL pointing at PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def role_groups(transactional_db):
    """Transactional tests flush the tables, the role groups of the data migration included."""
    from django.contrib.auth.models import Group

    from crm.roles import Role

    for role in Role.values:
        Group.objects.get_or_create(name=role)
    # Register the tasks before two threads both queue a notification e-mail: Celery's lazy first import
    # is not thread-safe (the second thread finds the task "never registered").
    from celery import current_app

    current_app.loader.import_default_modules()


def at_once(*works) -> list:
    """Run each callable in its own thread, released together; each result or exception, in any order."""
    barrier = threading.Barrier(len(works))
    results: list = []

    def run(work):
        try:
            barrier.wait(timeout=10)
            results.append(work())
        except Exception as error:  # noqa: BLE001 - a refusal is an outcome the test reads
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_simultaneous_filings_with_one_phone_keep_one(role_groups, east_team, bob):
    for round_no in range(ROUNDS):
        phone = f"021-6666{round_no:04d}"
        names = [f"同时建档测试{round_no}-{i}有限公司" for i in range(2)]
        results = at_once(*(lambda name=name, phone=phone: customer_create(user=bob, name=name, phone=phone,
                                                                           stage="customer") for name in names))
        kept = list(Customer.objects.filter(phone_normalized=phone.replace("-", "")))
        assert len(kept) == 1, (round_no, results)
        winners = [r for r in results if isinstance(r, Customer)]
        losers = [r for r in results if isinstance(r, DuplicateCustomerError)]
        assert len(winners) == 1 and len(losers) == 1, results
        assert losers[0].field == "phone"
        assert str(losers[0].message) == (f"An archive with the same phone already exists: {kept[0].name} "
                                          f"({kept[0].code}).")


def test_a_sequential_second_filing_gets_the_same_message(role_groups, east_team, bob):
    first = customer_create(user=bob, name="先建档物流有限公司", phone="021-66660000", stage="customer")
    with pytest.raises(DuplicateCustomerError) as refused:
        customer_create(user=bob, name="后建档物流有限公司", phone="(021) 6666 0000", stage="customer")
    assert str(refused.value.message) == f"An archive with the same phone already exists: {first.name} ({first.code})."


def test_the_database_refuses_a_second_active_archive_with_the_phone(role_groups, alice):
    from django.db import IntegrityError, transaction

    CustomerFactory(owner=alice, phone="021-66661111")
    CustomerFactory(owner=alice, phone="021-66661111", is_active=False)  # retired archives may share it
    CustomerFactory(owner=alice, phone="12345")  # short numbers (extensions) are not unique
    CustomerFactory(owner=alice, phone="12345")
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerFactory(owner=alice, phone="021 6666 1111")


def test_two_simultaneous_main_contacts_leave_one(role_groups, alice, customer):
    for round_no in range(ROUNDS):
        names = [f"主联系人{round_no}-{i}" for i in range(2)]
        results = at_once(*(lambda name=name: contact_create(customer=customer, user=alice, name=name, is_primary=True)
                            for name in names))
        assert all(isinstance(r, Contact) for r in results), results
        assert customer.contacts.filter(is_primary=True).count() == 1
    assert customer.contacts.count() == 2 * ROUNDS


def test_the_database_holds_one_main_contact(role_groups, alice, customer):
    from django.db import IntegrityError, transaction

    Contact.objects.create(customer=customer, name="甲", is_primary=True)
    Contact.objects.create(customer=customer, name="乙", is_primary=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(customer=customer, name="丙", is_primary=True)


def test_two_simultaneous_handovers_of_one_archive(role_groups, east_team, alice, bob, customer):
    targets = [UserFactory(username=f"heir{i}", roles=["account_manager"], teams=[east_team]) for i in range(2)]
    for round_no in range(ROUNDS):
        reason = f"调岗{round_no}"
        results = at_once(*(lambda to=to, reason=reason: customer_handover(customer=customer, to_user=to, user=bob,
                                                                           reason=reason) for to in targets))
        done = [r for r in results if isinstance(r, OwnerChange)]
        assert len(results) == 2 and all(isinstance(r, OwnerChange | ApplicationError) for r in results), results
        assert 1 <= len(done) <= 2
        customer.refresh_from_db()
        assert customer.owner in targets
        # back to alice for the next round; both changes (or one) are in the owner history
        customer_handover(customer=customer, to_user=alice, user=bob, reason="回到原主")
    assert OwnerChange.objects.filter(customer=customer, reason__startswith="调岗").count() >= ROUNDS
