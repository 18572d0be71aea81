"""crm.admin_kit on its own: an admin site of kit pieces only (tests/crm/urls_admin_kit.py, its rule "one
reads the customers one owns") and the customers admin that is built on it."""

import datetime as dt

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from customers.models import AccessLog, Contact
from tests.crm import urls_admin_kit
from tests.factories import ContactFactory, CustomerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.crm.urls_admin_kit")]


@pytest.fixture
def mine(admin_user):
    return CustomerFactory(owner=admin_user, name="自有客户甲")


@pytest.fixture
def reads():
    urls_admin_kit.READS.clear()
    yield urls_admin_kit.READS
    urls_admin_kit.READS.clear()


@pytest.fixture
def root(client, admin_user):
    client.force_login(admin_user)
    return client


def test_a_service_refusal_is_a_form_error_beside_its_field_and_nothing_is_written(root, mine):
    response = root.post(reverse("kitadmin:customers_contact_add"),
                         {"customer": mine.pk, "name": "王经理", "phone": "021-1"})
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors == {"phone": ["This number is refused."]}
    # The writer had written a contact before it refused: rolled back with the first try.
    assert not Contact.objects.exists()
    assert not Contact.history.exists()


def test_a_refused_update_leaves_the_row_as_it_was(root, mine):
    contact = ContactFactory(customer=mine, name="原名")
    response = root.post(reverse("kitadmin:customers_contact_change", args=[contact.pk]),
                         {"name": "新名", "phone": ""})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"name": ["This name is refused."]}
    contact.refresh_from_db()
    assert contact.name == "原名"


def test_an_inline_refusal_shows_on_the_inline_row_and_writes_nothing(root, mine):
    response = root.post(reverse("kitadmin:customers_customer_change", args=[mine.pk]), {
        "name": mine.name, "contacts-TOTAL_FORMS": "1", "contacts-INITIAL_FORMS": "0",
        "contacts-MIN_NUM_FORMS": "0", "contacts-MAX_NUM_FORMS": "1000",
        "contacts-0-name": "李主任", "contacts-0-phone": "021-2"})
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert formset.forms[0].errors == {"phone": ["This number is refused."]}
    assert not Contact.objects.exists()


def test_rows_of_unreadable_parents_are_missing_and_reads_go_to_the_hook(root, admin_user, mine, customer, reads):
    own = ContactFactory(customer=mine, name="看得见")
    other = ContactFactory(customer=customer, name="看不见")
    changelist = root.get(reverse("kitadmin:customers_contact_changelist"))
    assert [obj.pk for obj in changelist.context["cl"].result_list] == [own.pk]

    assert root.get(reverse("kitadmin:customers_contact_change", args=[other.pk])).status_code == 404
    assert root.get(reverse("kitadmin:customers_contact_delete", args=[other.pk])).status_code == 404
    assert reads == []

    page = root.get(reverse("kitadmin:customers_contact_change", args=[own.pk]))
    assert page.status_code == 200
    assert reads == [(admin_user, mine, "contact")]  # a read of the row is a read of its parent
    assert "customer" in page.context["adminform"].readonly_fields  # the parent of a saved row is fixed


def test_a_parent_is_chosen_among_readable_ones_only(root, mine, customer):
    add_url = reverse("kitadmin:customers_contact_add")
    choices = root.get(add_url).context["adminform"].form.fields["customer"].queryset
    assert list(choices) == [mine]
    refused = root.post(add_url, {"customer": customer.pk, "name": "越权", "phone": ""})
    assert refused.status_code == 200 and "customer" in refused.context["adminform"].form.errors
    assert not Contact.objects.exists()


def test_autocomplete_only_towards_an_admin_the_user_may_view(admin_user, monkeypatch):
    contact_admin = urls_admin_kit.site._registry[Contact]
    request = RequestFactory().get("/")
    request.user = admin_user
    assert contact_admin.get_autocomplete_fields(request) == ["customer"]
    monkeypatch.setattr(urls_admin_kit.KitCustomerAdmin, "viewable", False)
    assert contact_admin.get_autocomplete_fields(request) == []  # a plain select of readable parents instead


def test_the_customers_admin_logs_a_non_owners_read_through_the_hook(client, customer, bob, alice):
    """The kit's child admin as the customers app configures it: the archive's access log."""
    contact = ContactFactory(customer=customer)
    url = reverse("admin:customers_contact_change", args=[contact.pk])
    for user in (alice, bob):
        user.is_staff = True
        user.save()
    client.force_login(alice)  # the owner: her own reads are not logged
    assert client.get(url).status_code == 200
    assert not AccessLog.objects.exists()
    client.force_login(bob)  # a colleague of her team: may read, and the read is logged
    assert client.get(url).status_code == 200
    log = AccessLog.objects.get()
    assert (log.user, log.customer, log.action, log.channel, log.detail) == (bob, customer, "read", "admin", "contact")


def test_the_credit_admin_shows_a_service_refusal_beside_its_field(client, credit_officer, customer):
    """The refusal comes from credit_record_create (the form itself accepts a future date)."""
    from credit.models import CreditRecord

    credit_officer.is_staff = credit_officer.is_superuser = True
    credit_officer.save()
    client.force_login(credit_officer)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client.post(reverse("admin:credit_creditrecord_add"), {
        "customer": customer.pk, "kind": "hint", "severity": "", "event_date": tomorrow.isoformat(),
        "title": "Paid late", "description": "", "source": ""})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"event_date": ["The event cannot be in the future."]}
    assert not CreditRecord.objects.exists()
