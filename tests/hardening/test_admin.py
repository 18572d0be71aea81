"""The admin: an archive one may not read answers 404 on its change, delete and history pages (not a
redirect to the index); reads of archives and their records are logged; the notification list does not
show what other people's notifications say (they may name archives the staff member may not read)."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from crm.models import Notification
from customers.models import AccessLog
from tests.factories import ContactFactory, CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_bob(bob):
    bob.is_staff = True
    bob.save()
    return bob


@pytest.fixture
def west_customer(charlie, west_team):
    return CustomerFactory(owner=charlie, team=west_team, name="广州西部货运有限公司")


def test_an_unreadable_archives_change_page_answers_404(client, staff_bob, customer, west_customer):
    client.force_login(staff_bob)
    url = reverse("admin:customers_customer_change", args=[west_customer.pk])
    response = client.get(url)
    assert response.status_code == 404
    assert west_customer.name not in response.content.decode()
    assert client.post(url, {"name": "改名"}).status_code == 404
    assert client.get(reverse("admin:customers_customer_delete", args=[west_customer.pk])).status_code == 404
    assert client.get(reverse("admin:customers_customer_change", args=[999999])).status_code == 404
    readable = client.get(reverse("admin:customers_customer_change", args=[customer.pk]))
    assert readable.status_code == 200


def test_an_unreadable_archives_contact_answers_404(client, staff_bob, west_customer):
    contact = ContactFactory(customer=west_customer, name="西部联系人")
    client.force_login(staff_bob)
    response = client.get(reverse("admin:customers_contact_change", args=[contact.pk]))
    assert response.status_code == 404
    assert "西部联系人" not in response.content.decode()


def test_admin_reads_are_logged_for_non_owners(client, staff_bob, customer):
    contact = ContactFactory(customer=customer)
    client.force_login(staff_bob)
    client.get(reverse("admin:customers_customer_change", args=[customer.pk]))
    client.get(reverse("admin:customers_contact_change", args=[contact.pk]))
    logs = list(AccessLog.objects.filter(user=staff_bob, customer=customer).order_by("id"))
    assert [(log.action, log.channel) for log in logs] == [("read", "admin"), ("read", "admin")]
    assert logs[1].detail == "contact"


@pytest.fixture
def notifications(alice, charlie, staff_bob):
    staff_bob.user_permissions.add(Permission.objects.get(codename="view_notification"))
    theirs = Notification.objects.create(recipient=charlie, title="查阅申请：广州西部货运有限公司", body="广州西部货运")
    mine = Notification.objects.create(recipient=staff_bob, title="移交给您的客户：上海东方远洋贸易有限公司")
    return theirs, mine


def test_the_notification_list_hides_what_others_notifications_say(client, staff_bob, notifications):
    theirs, mine = notifications
    client.force_login(staff_bob)
    response = client.get(reverse("admin:crm_notification_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "广州西部货运有限公司" not in html
    assert mine.title in html
    assert "(addressed to someone else)" in html and "charlie" in html
    searched = client.get(reverse("admin:crm_notification_changelist"), {"q": "广州"}).content.decode()
    assert "0 notifications" in searched or "0 results" in searched
    detail = client.get(reverse("admin:crm_notification_change", args=[theirs.pk])).content.decode()
    assert "广州西部货运" not in detail
    own = client.get(reverse("admin:crm_notification_change", args=[mine.pk])).content.decode()
    assert "上海东方远洋贸易有限公司" in own
