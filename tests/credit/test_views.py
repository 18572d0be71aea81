"""Credit pages (SPEC §4, §8): the credit file, grading in the browser, the card panel, the queue, the agency
report download and form 5, each tried by the roles that may and may not use them."""

from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from credit.models import CreditInvestigation, CreditOverride, CreditRecord
from credit.services import credit_investigation_create, credit_rating_create, credit_record_create
from tests.credit.conftest import days_ago, record

pytestmark = pytest.mark.django_db


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_credit_file_doors(customer, alice, bob, charlie, dora, gm, credit_officer, integration_user):
    url = f"/credit/customers/{customer.pk}/"
    for user in (alice, bob, dora, gm, credit_officer):
        assert browser(user).get(url).status_code == 200, user.username
    assert browser(charlie).get(url).status_code == 404
    assert browser(integration_user).get(url).status_code == 403


def test_officer_grades_in_the_browser_and_the_card_shows_the_policy(customer, credit_officer, alice):
    record(customer, "7000.00", paid="7000.00", paid_date=days_ago(3))
    client = browser(credit_officer)
    page = client.get(f"/credit/customers/{customer.pk}/")
    assert b'id="evaluation-score"' in page.content and b'data-indicator="on_time_ratio"' in page.content
    refused = client.post(f"/credit/customers/{customer.pk}/grade/", {
        "grade": "A", "reason": "trusted", "credit_limit": "7000.01", "grace_days": "30"})
    assert refused.status_code == 400 and "may not exceed one shipment" in refused.content.decode()
    done = client.post(f"/credit/customers/{customer.pk}/grade/", {
        "grade": "A", "reason": "trusted", "credit_limit": "7000.00", "grace_days": "30"})
    assert done.status_code == 302
    customer.refresh_from_db()
    assert customer.credit_grade == "A"
    card = browser(alice).get(f"/customers/{customer.pk}/").content.decode()
    assert 'id="card-credit"' in card and 'data-policy="credit"' in card and "trusted" in card
    check = client.get(f"/credit/customers/{customer.pk}/?amount=7000.00").content.decode()
    assert 'data-allowed="true"' in check
    assert 'data-allowed="false"' in client.get(f"/credit/customers/{customer.pk}/?amount=7000.01").content.decode()


def test_only_officers_post(customer, alice, gm):
    for user in (alice, gm):
        client = browser(user)
        response = client.post(f"/credit/customers/{customer.pk}/grade/", {"grade": "B", "reason": "x"})
        assert response.status_code == 403
        assert client.post(f"/credit/customers/{customer.pk}/records/new/", {
            "kind": "positive", "event_date": days_ago(1).isoformat(), "title": "t"}).status_code == 403
        assert client.post(f"/credit/customers/{customer.pk}/investigations/new/", {
            "investigated_on": days_ago(1).isoformat(), "subject": "s", "sources": "s",
            "findings": "f"}).status_code == 403
    assert customer.credit_ratings.count() == 0 and CreditRecord.objects.count() == 0


def test_records_investigations_and_overrides_in_the_browser(customer, credit_officer):
    client = browser(credit_officer)
    assert client.post(f"/credit/customers/{customer.pk}/records/new/", {
        "kind": "warning", "severity": "dishonest", "event_date": days_ago(5).isoformat(),
        "title": "court ruling"}).status_code == 302
    assert CreditRecord.objects.get().severity == "dishonest"
    report = SimpleUploadedFile("report.pdf", b"%PDF-1.4", content_type="application/pdf")
    assert client.post(f"/credit/customers/{customer.pk}/investigations/new/", {
        "investigated_on": days_ago(1).isoformat(), "subject": "registry", "sources": "SAMR",
        "findings": "ok", "report": report}).status_code == 302
    assert CreditInvestigation.objects.get().report_name == "report.pdf"
    assert client.post(f"/credit/customers/{customer.pk}/overrides/new/", {
        "amount": "2000", "reason": "urgent", "days": "1"}).status_code == 302
    assert CreditOverride.objects.get().status == "approved"


def test_agency_report_only_to_financial_readers(customer, credit_officer, alice, bob, charlie, gm):
    investigation = credit_investigation_create(
        customer=customer, user=credit_officer, investigated_on=days_ago(1), subject="s", sources="s", findings="f",
        report=SimpleUploadedFile("r.pdf", b"%PDF-1.4 secret", content_type="application/pdf"))
    url = f"/credit/investigations/{investigation.pk}/report/"
    for user in (alice, bob, gm, credit_officer):
        response = browser(user).get(url)
        assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 secret"
    assert browser(charlie).get(url).status_code == 404


def test_queue_page_and_roles(customer, credit_officer, gm, alice):
    rating = credit_rating_create(customer=customer, user=credit_officer, grade="B", reason="x")
    assert rating
    credit_record_create(customer=customer, user=credit_officer, kind="warning", severity="warning",
                         event_date=days_ago(2), title="penalty notice")
    record(customer, "900.00", due=days_ago(3))
    page = browser(credit_officer).get("/credit/").content.decode()
    assert customer.name in page and "penalty notice" in page and "900.00" in page
    assert browser(gm).get("/credit/").status_code == 200
    assert browser(alice).get("/credit/").status_code == 403


def test_form5_page_print_and_xlsx(customer, credit_officer, charlie):
    year = days_ago(0).year
    record(customer, "1000.00", date=days_ago(0).replace(month=1, day=15), due=days_ago(0).replace(month=2, day=1),
           paid="1000.00", paid_date=days_ago(0).replace(month=2, day=3), contract_no="HT-1")
    record(customer, "500.00", date=days_ago(0).replace(year=year - 1, month=1, day=10),
           due=days_ago(0).replace(year=year - 1, month=2, day=1))
    client = browser(credit_officer)
    page = client.get(f"/credit/customers/{customer.pk}/form5/?year={year}").content.decode()
    assert "HT-1" in page and "1,000.00" in page and "500.00" in page
    assert client.get(f"/credit/customers/{customer.pk}/form5/print/?year={year}").status_code == 200
    response = client.get(f"/credit/customers/{customer.pk}/form5.xlsx?year={year}")
    sheet = openpyxl.load_workbook(__import__("io").BytesIO(response.content)).active
    rows = {row[0]: row for row in sheet.iter_rows(values_only=True)}
    amount_row = next(v for k, v in rows.items() if k and k.startswith("Amount (CNY)"))
    assert Decimal(str(amount_row[1])) == Decimal("1000") and Decimal(str(amount_row[13])) == Decimal("1000")
    paid_row = next(v for k, v in rows.items() if k and k.startswith("Payments received"))
    assert Decimal(str(paid_row[2])) == Decimal("1000")
    last_year = next(v for k, v in rows.items() if k and k.startswith("Amount, same period"))
    assert Decimal(str(last_year[1])) == Decimal("500")
    assert browser(charlie).get(f"/credit/customers/{customer.pk}/form5/").status_code == 404
