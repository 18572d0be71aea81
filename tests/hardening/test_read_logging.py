"""Non-owner reads that were not logged (issue 8): the contact edit form, the API customer list (one row a
page naming its archives, not one row each), business-record reads, the handover and retirement pages,
the classification summary. The owner's own reads stay unlogged (SPEC §8)."""

import pytest
from django.urls import reverse

from customers.models import AccessLog
from tests.factories import BusinessRecordFactory, ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def archives(alice, east_team, customer):
    return [customer] + [CustomerFactory(owner=alice, team=east_team) for _ in range(4)]


def logged(user):
    return list(AccessLog.objects.filter(user=user).order_by("id"))


def test_the_contact_edit_form_is_logged_for_non_owners(client, alice, bob, customer):
    contact = ContactFactory(customer=customer)
    url = reverse("customers:contact_edit", args=[customer.pk, contact.pk])
    for user in (alice, bob):
        client.force_login(user)
        assert client.get(url).status_code == 200
    assert logged(alice) == []
    [row] = logged(bob)
    assert (row.action, row.channel, row.customer, row.detail) == ("read", "web", customer, "contact edit form")


@pytest.mark.parametrize(("url_name", "detail"), [("customers:handover", "handover page"),
                                                   ("customers:deactivate", "retirement page")])
def test_the_handover_and_retirement_pages_are_logged(client, bob, customer, url_name, detail):
    client.force_login(bob)
    assert client.get(reverse(url_name, args=[customer.pk])).status_code == 200
    [row] = logged(bob)
    assert (row.customer, row.detail) == (customer, detail)


def test_the_api_list_logs_one_row_a_page_with_its_ids(api_for, alice, bob, archives):
    api = api_for(bob)
    response = api.get("/api/v1/customers/", {"page_size": 3})
    assert response.status_code == 200
    listed = [item["id"] for item in response.json()["results"]]
    [row] = logged(bob)
    assert (row.action, row.channel, row.customer, row.detail) == ("read", "api", None, "customer list")
    assert row.customer_ids == sorted(listed) and len(listed) == 3
    api.get("/api/v1/customers/", {"page_size": 3, "page": 2})
    assert len(logged(bob)) == 2 and len(logged(bob)[1].customer_ids) == 2
    api_for(alice).get("/api/v1/customers/")
    assert logged(alice) == []  # her own archives only


def test_the_api_list_logs_with_one_insert_whatever_the_page_length(api_for, bob, alice, east_team):
    api = api_for(bob)
    CustomerFactory.create_batch(3, owner=alice, team=east_team)
    api.get("/api/v1/customers/")
    small = AccessLog.objects.count()
    CustomerFactory.create_batch(30, owner=alice, team=east_team)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        api.get("/api/v1/customers/")
    inserts = [q for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "customers_accesslog"')]
    assert len(inserts) == 1 and AccessLog.objects.count() == small + 1
    assert len(AccessLog.objects.latest("id").customer_ids) == 33


def test_business_record_reads_are_logged(api_for, client, bob, customer, archives):
    records = [BusinessRecordFactory(customer=c) for c in archives[:3]]
    api = api_for(bob)
    assert api.get("/api/v1/business-records/").status_code == 200
    assert api.get(f"/api/v1/business-records/{records[0].pk}/").status_code == 200
    client.force_login(bob)
    assert client.get(reverse("customers:business_records")).status_code == 200
    listing, single, page = logged(bob)
    assert (listing.channel, listing.detail, listing.customer_ids) == (
        "api", "business records", sorted(c.pk for c in archives[:3]))
    assert (single.channel, single.customer, single.detail) == ("api", customer, "business record")
    assert (page.channel, page.detail, page.customer_ids) == ("web", "business records",
                                                             sorted(c.pk for c in archives[:3]))


def test_the_classification_summary_is_logged(client, alice, bob, archives):
    client.force_login(bob)
    assert client.get(reverse("customers:classification")).status_code == 200
    [row] = logged(bob)
    assert row.detail == "classification summary" and row.customer_ids == sorted(c.pk for c in archives)
    client.force_login(alice)
    client.get(reverse("customers:classification"))
    assert logged(alice) == []


def test_the_access_log_shows_a_list_read_and_finds_it_by_code(client, api_for, bob, gm, archives):
    from django.db import connection

    api_for(bob).get("/api/v1/customers/", {"page_size": 3})
    client.force_login(gm)
    html = client.get(reverse("customers:access_log")).content.decode()
    assert "3 archives listed" in html
    if connection.features.supports_json_field_contains:  # PostgreSQL; SQLite cannot search JSON lists
        listed = AccessLog.objects.get(user=bob).customer_ids
        from customers.models import Customer

        code = Customer.objects.get(pk=listed[0]).code
        found = client.get(reverse("customers:access_log"), {"code": code}).content.decode()
        assert "3 archives listed" in found
        other = CustomerFactory()
        missing = client.get(reverse("customers:access_log"), {"code": other.code}).content.decode()
        assert "archives listed" not in missing
