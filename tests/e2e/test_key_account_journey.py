"""Acceptance journey of "Leads, prospects, key accounts" (SPEC §2.3, §3), in the browser as new users would:
an account manager enters a lead, validates it, wins it and files a key-account application; the
department head and then the GM approve it; the tier shows on the card, in the list filter and in the API.
"""

import re

import pytest
from playwright.sync_api import expect
from rest_framework.test import APIClient

from customers.models import Customer, KeyAccountApplication
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_lead_to_key_account_in_the_browser(new_page, alice, dora, gm):
    page = log_in(new_page(), "alice")
    page.goto("/customers/leads/")
    page.fill("#id_name", "宁波北仑远航进出口有限公司")
    page.fill("#id_contact_name", "陈经理")
    page.fill("#id_contact_phone", "13805741234")
    page.select_option("#id_lead_source", "exhibition")
    page.select_option("#id_value_grade", "A")
    page.click("#lead-save")
    expect(page.locator(".alert-success")).to_contain_text("entered as a lead")
    page.click("#pipeline >> text=宁波北仑远航进出口有限公司")
    page.click("#stage-validate")
    expect(page.locator("#stage-badge")).to_have_text("Prospect")
    page.click("#stage-win")
    expect(page.locator("#stage-badge")).to_have_text("Transacting customer")
    customer = Customer.objects.get(name="宁波北仑远航进出口有限公司")
    expect(page.locator("#timeline li")).to_have_count(3)

    page.goto(f"/customers/{customer.pk}/")
    page.click("#apply-key-account")
    page.fill("#id_target_wan", "520")
    page.fill("#id_reason", "展会客户，年运量预计 600 柜")
    page.click("#file-application")
    expect(page.locator("#proposed-tier")).to_have_text("A")
    application = KeyAccountApplication.objects.get()

    head_page = log_in(new_page(), "dora")
    head_page.goto("/")
    head_page.click(f"a[href='/customers/key-accounts/{application.pk}/']")
    head_page.fill("#id_comment", "同意")
    head_page.click("#action-approve")
    expect(head_page.locator("[data-status]")).to_have_text("Waiting for the general manager")

    gm_page = log_in(new_page(), "gm")
    gm_page.goto("/customers/key-accounts/?show=mine")
    gm_page.click(f"#applications a[href='/customers/key-accounts/{application.pk}/']")
    gm_page.click("#action-approve")
    expect(gm_page.locator("[data-status]")).to_have_text("Approved")
    expect(gm_page.locator("#timeline li")).to_have_count(3)

    page.goto(f"/customers/{customer.pk}/")
    expect(page.locator("main")).to_contain_text("Key-account tier: A")
    page.goto("/customers/?tier=A")
    expect(page.locator("main")).to_contain_text("宁波北仑远航进出口有限公司")
    api = APIClient()
    api.force_authenticate(alice)
    body = api.get(f"/api/v1/customers/{customer.pk}/").json()
    assert (body["tier"], body["annual_revenue_target"], body["stage"]) == ("A", "5200000.00", "customer")
    assert re.fullmatch(r"C\d{7}", body["code"])
