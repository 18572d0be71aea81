"""The credit admin (indicators editable; credit details narrowed to who may see them; records entered
through the service) and the credit officer's home panel."""

import pytest
from django.test import Client

from credit.models import CreditIndicator, CreditRecord
from credit.services import credit_rating_create, credit_record_create
from crm.home import home_panels
from tests.credit.conftest import days_ago

pytestmark = pytest.mark.django_db


def staff(user) -> Client:
    user.is_staff = user.is_superuser = True
    user.save()
    client = Client()
    client.force_login(user)
    return client


def test_default_indicators_and_weights_are_admin_editable(admin_user, customer):
    from credit.scoring import evaluate

    assert dict(CreditIndicator.objects.values_list("code", "weight")) == {
        "on_time_ratio": 25, "days_overdue": 15, "amount_overdue": 15, "asset_liability_ratio": 10,
        "return_on_assets": 10, "cooperation_years": 10, "credit_records": 15}
    client = staff(admin_user)
    assert client.get("/admin/credit/creditindicator/").status_code == 200
    CreditIndicator.objects.exclude(code="credit_records").update(enabled=False)
    evaluation = evaluate(customer)
    assert [row.code for row in evaluation.indicators] == ["credit_records"] and evaluation.score == 80


def test_it_admin_sees_no_credit_details(admin_user, customer, credit_officer):
    credit_rating_create(customer=customer, user=credit_officer, grade="C", reason="secret reason")
    page = staff(admin_user).get("/admin/credit/creditrating/")
    assert page.status_code == 200 and "secret reason" not in page.content.decode()
    assert customer.name not in page.content.decode()
    # A superuser who is also a credit officer reads them.
    officer_page = staff(credit_officer).get("/admin/credit/creditrating/")
    assert customer.name in officer_page.content.decode()


def test_admin_record_goes_through_the_service(credit_officer, customer):
    response = staff(credit_officer).post("/admin/credit/creditrecord/add/", {
        "customer": customer.pk, "kind": "hint", "severity": "", "event_date": days_ago(4).isoformat(),
        "title": "Paid two weeks late", "description": "", "source": "finance"})
    assert response.status_code == 302
    record = CreditRecord.objects.get()
    assert (record.entered_by, record.days_late) == (credit_officer, 4)


def test_home_panel_for_credit_officers(customer, credit_officer, alice):
    credit_record_create(customer=customer, user=credit_officer, kind="warning", severity="warning",
                         event_date=days_ago(1), title="penalty")
    panel = next(p for p in home_panels(credit_officer) if p["url"] == "/credit/")
    assert [row["value"] for row in panel["rows"]] == [1, 0, 1]
    assert all(p["url"] != "/credit/" for p in home_panels(alice))
