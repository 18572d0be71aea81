"""Acceptance journey of "Credit" (SPEC §4, §9), in the browser as a new credit officer would: investigate
a customer, enter a credit record, read the evaluation and grade the customer; the card shows the policy;
the freight system's credit check through the API answers per policy."""

import datetime as dt
import json
import urllib.request
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from customers.models import Customer
from tests.e2e.conftest import PASSWORD, log_in
from tests.factories import BusinessRecordFactory, CustomerFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def credit_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def api_check(base: str, token: str, customer_pk: int, amount: str) -> dict:
    request = urllib.request.Request(f"{base}/api/v1/customers/{customer_pk}/credit-check/?amount={amount}",
                                     headers={"Authorization": f"Token {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def api_token(base: str, username: str) -> str:
    request = urllib.request.Request(f"{base}/api/v1/auth/token/", method="POST",
                                     data=json.dumps({"username": username, "password": PASSWORD}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["token"]


def test_credit_officer_investigates_evaluates_and_grades(credit_page, live_server, east_team):
    UserFactory(username="sunli", roles=["credit_officer"], language="en")
    UserFactory(username="freight", roles=["integration"], language="en")
    owner = UserFactory(username="liqiang", roles=["account_manager"], teams=[east_team])
    customer = CustomerFactory(owner=owner, team=east_team, name="宁波信达国际物流有限公司")
    today = timezone.localdate()
    BusinessRecordFactory(customer=customer, amount=Decimal("12000.00"), paid_amount=Decimal("12000.00"),
                          date=today - dt.timedelta(days=40), due_date=today - dt.timedelta(days=10),
                          paid_date=today - dt.timedelta(days=12))
    page = credit_page
    log_in(page, "sunli")
    page.goto(f"/customers/{customer.pk}/")
    expect(page.locator("#card-credit")).to_have_attribute("data-policy", "prepayment")
    page.click("#card-credit-link")

    page.fill("#investigation-form #id_investigated_on", today.isoformat())
    page.fill("#investigation-form #id_subject", "Bank standing and registry")
    page.fill("#investigation-form #id_sources", "Bank of Ningbo; registry")
    page.fill("#investigation-form #id_findings", "Sound; no litigation")
    page.click("#investigation-form button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("investigation is recorded")
    expect(page.locator("#investigations")).to_contain_text("Bank standing and registry")

    page.select_option("#record-form #id_kind", "positive")
    page.fill("#record-form #id_event_date", (today - dt.timedelta(days=3)).isoformat())
    page.fill("#record-form #id_title", "Paid early all year")
    page.click("#record-form button[type=submit]")
    expect(page.locator("#records")).to_contain_text("Paid early all year")

    expect(page.locator("#evaluation tr[data-indicator]")).to_have_count(7)
    proposed = page.locator("#proposed-grade").inner_text()
    page.select_option("#grading #id_grade", "A")
    page.fill("#grading #id_credit_limit", "12000.01")
    page.fill("#grading #id_reason", "Long-standing, pays early; agency report clean")
    page.click("#grade-submit")
    expect(page.locator("#grading")).to_contain_text("may not exceed one shipment")
    page.fill("#grading #id_credit_limit", "12000.00")
    page.fill("#grading #id_reason", "Long-standing, pays early; agency report clean")
    page.click("#grade-submit")
    expect(page.locator(".alert-success")).to_contain_text("credit grade is set")
    expect(page.locator("#credit-grade")).to_have_text("A")
    expect(page.locator("#ratings")).to_contain_text(proposed)

    page.fill("#check-form #id_amount", "12000.00")
    page.click("#check-form button[type=submit]")
    expect(page.locator("#check-result")).to_have_attribute("data-allowed", "true")

    page.goto(f"/customers/{customer.pk}/")
    expect(page.locator("#card-credit")).to_have_attribute("data-policy", "credit")
    expect(page.locator("#card-credit-policy")).to_have_text("Credit sale within the limit")
    expect(page.locator("#card-credit")).to_contain_text("Long-standing, pays early")

    token = api_token(live_server.url, "freight")
    allowed = api_check(live_server.url, token, customer.pk, "12000.00")
    assert (allowed["allowed"], allowed["grade"], allowed["policy"], allowed["remaining_limit"]) == (
        True, "A", "credit", "12000.00")
    refused = api_check(live_server.url, token, customer.pk, "12000.01")
    assert refused["allowed"] is False and "exceeds the remaining credit limit" in refused["reason"]

    # Downgraded to B in the browser: the API answers cash on delivery.
    page.goto(f"/credit/customers/{customer.pk}/")
    page.select_option("#grading #id_grade", "B")
    page.fill("#grading #id_reason", "Peak-season arrears reported by finance")
    page.click("#grade-submit")
    expect(page.locator("#credit-policy")).to_have_attribute("data-policy", "cash_on_delivery")
    body = api_check(live_server.url, token, customer.pk, "1.00")
    assert (body["allowed"], body["grade"], body["policy"]) == (False, "B", "cash_on_delivery")
    assert Customer.objects.get(pk=customer.pk).credit_grade == "B"
