"""The access hook (crm.narrow_access): an app grants a narrow view of a customer; the brief card shows
exactly the scopes granted and the archive stays closed."""

import pytest
from django.urls import reverse

from crm.narrow_access import Scope, narrow_scopes, register_narrow_access, unregister_narrow_access
from customers.models import AccessLog, Customer
from tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def handler_grants(charlie, customer):
    """A stand-in for the complaints app: charlie handles a complaint of `customer`."""
    register_narrow_access(
        "test_handler",
        customer_ids=lambda user: Customer.objects.filter(pk=customer.pk).values("pk") if user == charlie else None,
        scopes={Scope.CONTACT_WORK_PHONES},
    )
    yield
    unregister_narrow_access("test_handler")


@pytest.fixture
def club_grants(charlie, customer):
    register_narrow_access("test_club", customer_ids=lambda user: [customer.pk] if user == charlie else None,
                           scopes={Scope.IDENTITY, Scope.CONTACTS})
    yield
    unregister_narrow_access("test_club")


def test_handler_sees_name_code_and_work_phones_only(client, charlie, customer, handler_grants):
    ContactFactory(customer=customer, name="张经理", phone="021-55556666", mobile="13900001111",
                   email="zhang@example.com")
    client.force_login(charlie)
    assert client.get(reverse("customers:detail", args=[customer.pk])).status_code == 404
    page = client.get(reverse("customers:brief", args=[customer.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert customer.name in html and customer.code in html and "张经理" in html and "021-55556666" in html
    assert "13900001111" not in html and "zhang@example.com" not in html and "1980" not in html
    assert 'id="full-card-link"' not in html
    assert page.context["scopes"] == frozenset({Scope.CONTACT_WORK_PHONES})
    assert AccessLog.objects.filter(user=charlie, customer=customer, action=AccessLog.Action.READ).count() == 1


def test_other_customers_stay_closed(client, charlie, customer, handler_grants, alice):
    other = CustomerFactory(owner=alice)
    client.force_login(charlie)
    assert client.get(reverse("customers:brief", args=[other.pk])).status_code == 404
    assert client.get(reverse("customers:brief", args=[999999])).status_code == 404
    assert narrow_scopes(charlie, other.pk) == frozenset()


def test_scopes_of_several_providers_add_up(charlie, customer, handler_grants, club_grants):
    assert narrow_scopes(charlie, customer.pk) == {Scope.CONTACT_WORK_PHONES, Scope.IDENTITY, Scope.CONTACTS}


def test_a_reader_gets_every_scope_and_the_full_card_link(client, bob, customer):
    client.force_login(bob)
    page = client.get(reverse("customers:brief", args=[customer.pk]))
    assert page.status_code == 200 and 'id="full-card-link"' in page.content.decode()
    assert page.context["scopes"] == frozenset(Scope)


def test_without_a_provider_the_outsider_gets_404(client, charlie, customer):
    client.force_login(charlie)
    assert client.get(reverse("customers:brief", args=[customer.pk])).status_code == 404


def test_integration_accounts_have_no_brief_page(client, integration_user, customer):
    client.force_login(integration_user)
    # No page is the integration role's: 403 (README "Refusals and error pages").
    assert client.get(reverse("customers:brief", args=[customer.pk])).status_code == 403
