"""Control characters (NUL and the other C0 controls but tab and line breaks) are refused with a clear
message in every door: forms, API serializers, the archive import and the business-record upload, bulk
and single calls. PostgreSQL never sees a NUL (a server error there), SQLite never stores one."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.text import CONTROL_CHARACTERS_MESSAGE, has_control_characters
from customers.models import BusinessRecord, Contact, Customer, ImportJob
from tests.factories import CustomerFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db
MESSAGE = str(CONTROL_CHARACTERS_MESSAGE)
NUL_MESSAGE = "Null characters are not allowed."  # Django's and DRF's own check, which comes first for NUL
BAD = ["上海\x00物流", "上海\x01物流", "上海\x1b物流", "上海\x7f物流"]


@pytest.mark.parametrize(("text", "refused"), [
    ("a\x00b", True), ("a\x08b", True), ("a\x0bb", True), ("a\x1fb", True), ("a\x7fb", True),
    ("a\tb", False), ("a\nb", False), ("a\r\nb", False), ("上海·物流（集团）", False), ("", False)])
def test_which_characters_are_control_characters(text, refused):
    assert has_control_characters(text) is refused


@pytest.mark.parametrize("name", BAD)
def test_the_archive_form_refuses_them_beside_the_field(client, bob, name):
    client.force_login(bob)
    response = client.post(reverse("customers:create"), {"name": name, "short_name": "远洋", "stage": "customer"})
    assert response.status_code == 200
    assert (NUL_MESSAGE if "\x00" in name else MESSAGE) in response.context["form"].errors["name"]
    assert not Customer.objects.filter(name__startswith="上海").exists()


def test_a_textarea_keeps_its_line_breaks(client, alice, customer):
    client.force_login(alice)
    client.post(reverse("customers:contact_create", args=[customer.pk]),
                {"name": "王经理", "relation_to_decision_makers": "第一行\r\n第二行\t备注"})
    assert Contact.objects.get(name="王经理").relation_to_decision_makers == "第一行\r\n第二行\t备注"


def test_the_contact_form_refuses_them(client, alice, customer):
    client.force_login(alice)
    response = client.post(reverse("customers:contact_create", args=[customer.pk]),
                           {"name": "王经理", "hobbies": "钓鱼\x03"})
    assert response.status_code == 200
    assert MESSAGE in response.context["form"].errors["hobbies"]
    assert not Contact.objects.exists()


@pytest.mark.parametrize("name", BAD)
def test_the_api_refuses_them_by_field(api_for, bob, name):
    response = api_for(bob).post("/api/v1/customers/", {"name": name, "stage": "customer"}, format="json")
    assert response.status_code == 400
    assert MESSAGE in response.json()["name"]
    assert not Customer.objects.filter(name__startswith="上海").exists()


def test_the_contacts_api_refuses_them(api_for, alice, customer):
    response = api_for(alice).post(f"/api/v1/customers/{customer.pk}/contacts/", {"name": "李\x02总"}, format="json")
    assert response.status_code == 400, response.content
    assert MESSAGE in response.json()["name"]


@pytest.fixture
def integration_team(db):
    team = TeamFactory(name="客服部")
    UserFactory(username="queue_clerk", roles=["clerk"], teams=[team])
    return team


def record(external_id, **fields):
    return {"external_id": external_id, "date": "2026-03-02", "service_type": "transport", "amount": "100",
            "due_date": "2026-04-01", **fields}


@pytest.mark.parametrize("field", ["goods", "contract_no", "external_id"])
def test_the_bulk_api_refuses_them_and_writes_nothing(api_for, bob, customer, integration_team, field):
    records = [record("OK-1", customer_code=customer.code), record("BAD-1", customer_code=customer.code)]
    records[1][field] = "钢\x00材"
    response = api_for(bob).post("/api/v1/business-records/bulk/", records, format="json")
    assert response.status_code == 400, response.content
    assert BusinessRecord.objects.count() == 0
    assert "control characters" in response.content.decode()


def test_a_single_record_call_refuses_them(api_for, bob, customer, integration_team):
    response = api_for(bob).post("/api/v1/business-records/",
                                 record("ONE-1", customer_code=customer.code, goods="钢\x07材"), format="json")
    assert response.status_code == 400, response.content
    assert BusinessRecord.objects.count() == 0


def _csv(rows) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def test_the_business_record_upload_lists_them_as_row_errors(client, bob, customer, integration_team):
    client.force_login(bob)
    headers = ["external_id", "customer_code", "customer_name", "date", "contract_no", "service_type", "goods",
               "volume", "unit_price", "amount", "cost", "due_date", "paid_amount", "paid_date"]
    content = _csv([headers, ["UP-1", customer.code, "", "2026-03-02", "HT-1", "transport.road", "钢\x00材", "10", "",
                              "1000", "", "2026-04-01", "", ""]])
    response = client.post(reverse("customers:business_records_upload"),
                           {"file": SimpleUploadedFile("records.csv", content)}, follow=True)
    assert response.status_code == 200
    assert "control characters" in response.content.decode()
    assert BusinessRecord.objects.count() == 0


def test_the_archive_import_lists_them_and_files_nothing(client, bob):
    client.force_login(bob)
    headers = ["客户编码", "收发货单位全称", "简称", "统一社会信用代码", "地址", "电话", "所属行业", "所有制",
               "客户性质", "地域", "区域", "路序", "阶段", "客户经理(用户名)"]
    content = _csv([headers, ["", "嘉兴\x00物流有限公司", "", "", "", "", "制造业", "股份制", "贸易公司", "商业中心",
                              "华东", "", "交易客户", ""]])
    response = client.post(reverse("customers:import"),
                           {"kind": "customers", "file": SimpleUploadedFile("bad.csv", content)}, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "import-errors" in html and "control characters" in html and "confirm-form" not in html
    assert not Customer.objects.filter(name__contains="嘉兴").exists()
    assert ImportJob.objects.count() <= 1


def test_no_archive_with_a_nul_is_stored_by_any_door(api_for, client, bob):
    """The sweep the probe made on SQLite: after trying every door above, nothing holds a control character."""
    CustomerFactory(owner=bob)
    api_for(bob).post("/api/v1/customers/", {"name": "\x00", "stage": "customer"}, format="json")
    client.force_login(bob)
    client.post(reverse("customers:create"), {"name": "\x00", "stage": "customer"})
    assert not [c.name for c in Customer.objects.all() if has_control_characters(c.name)]


def test_the_admin_refuses_them(client, admin_user):
    from crm.models import Team

    client.force_login(admin_user)
    response = client.post("/admin/crm/team/add/", {"name": "华东\x01分公司"})
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert not Team.objects.filter(name__contains="华东").exists()


def test_a_form_built_anywhere_refuses_them():
    from django import forms

    class Anything(forms.Form):
        note = forms.CharField()

    form = Anything({"note": "备\x1f注"})
    assert not form.is_valid() and form.errors["note"] == [MESSAGE]
