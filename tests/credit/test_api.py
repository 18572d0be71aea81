"""The credit API (SPEC §9): the credit check, grade history and grading, records, investigations and
overrides, each tried as the owner, a colleague, an outsider, the credit officer and the freight system."""

from decimal import Decimal

import pytest

from credit.models import CreditRating
from credit.services import credit_investigation_create, credit_rating_create, credit_record_create
from tests.conftest import api_as
from tests.credit.conftest import days_ago, record
from tests.factories import BusinessRecordFactory

pytestmark = pytest.mark.django_db

CHECK_KEYS = {"allowed", "grade", "policy", "open_receivables", "overdue_receivables", "remaining_limit", "reason"}


def _check(user, customer, query="?amount=100"):
    return api_as(user).get(f"/api/v1/customers/{customer.pk}/credit-check/{query}")


def test_credit_check_answers_per_policy_for_the_freight_system(grade_a, integration_user):
    response = _check(integration_user, grade_a, "?amount=10000.00")
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= CHECK_KEYS
    assert (body["allowed"], body["grade"], body["policy"], body["remaining_limit"]) == (
        True, "A", "credit", "10000.00")
    over = _check(integration_user, grade_a, "?amount=10000.01").json()
    assert over["allowed"] is False and "exceeds" in over["reason"]


def test_credit_check_of_an_ungraded_customer(customer, integration_user):
    body = _check(integration_user, customer).json()
    assert (body["allowed"], body["grade"], body["policy"], body["remaining_limit"]) == (
        False, None, "prepayment", "0.00")


def test_reason_is_in_the_callers_language(grade_a, integration_user):
    integration_user.language = "zh-hans"
    integration_user.save()
    client = api_as(integration_user)
    body = client.get(f"/api/v1/customers/{grade_a.pk}/credit-check/?amount=1", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert "Allowed" not in body["reason"]


@pytest.mark.parametrize("query", ["", "?amount=", "?amount=abc", "?amount=1e400", "?amount=-5", "?amount=NaN"])
def test_missing_or_non_numeric_amount_answers_400(customer, integration_user, query):
    response = _check(integration_user, customer, query)
    assert response.status_code == 400
    assert "amount" in response.json()


def test_credit_check_404_for_unreadable_or_missing_customer(customer, charlie, alice, bob, credit_officer):
    assert _check(charlie, customer).status_code == 404
    assert api_as(alice).get("/api/v1/customers/999999/credit-check/?amount=1").status_code == 404
    for user in (alice, bob, credit_officer):
        assert _check(user, customer).status_code == 200


def test_ratings_post_by_credit_officer_only(customer, alice, bob, charlie, gm, integration_user, credit_officer):
    record(customer, "6000.00", paid="6000.00", paid_date=days_ago(2))
    payload = {"customer": customer.pk, "grade": "A", "reason": "reliable", "credit_limit": "6000.00",
               "grace_days": 20}
    for user in (alice, bob, charlie, gm, integration_user):
        assert api_as(user).post("/api/v1/credit/ratings/", payload, format="json").status_code == 403
    assert not CreditRating.objects.exists()
    response = api_as(credit_officer).post("/api/v1/credit/ratings/", payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["grade"], body["policy"], body["credit_limit"], body["grace_days"], body["rated_by"]) == (
        "A", "credit", "6000.00", 20, credit_officer.pk)
    customer.refresh_from_db()
    assert customer.credit_grade == "A"
    assert api_as(alice).get(f"/api/v1/customers/{customer.pk}/").json()["credit_grade"] == "A"


def test_ratings_limit_above_one_shipment_answers_400(customer, credit_officer):
    record(customer, "6000.00")
    response = api_as(credit_officer).post("/api/v1/credit/ratings/", {
        "customer": customer.pk, "grade": "A", "reason": "x", "credit_limit": "6000.01"}, format="json")
    assert response.status_code == 400
    assert "credit_limit" in response.json()
    bad = api_as(credit_officer).post("/api/v1/credit/ratings/", {"customer": customer.pk, "grade": "E"},
                                      format="json")
    assert bad.status_code == 400
    assert api_as(credit_officer).post("/api/v1/credit/ratings/", {"customer": 999999, "grade": "B", "reason": "x"},
                                       format="json").status_code == 404


def test_rating_history_filtered_and_narrowed_to_financial_readers(customer, alice, bob, charlie, dora, gm,
                                                                   integration_user, credit_officer):
    credit_rating_create(customer=customer, user=credit_officer, grade="C", reason="first")
    credit_rating_create(customer=customer, user=credit_officer, grade="B", reason="second")
    other = BusinessRecordFactory().customer
    credit_rating_create(customer=other, user=credit_officer, grade="D", reason="other")
    for user, expected in ((alice, 2), (bob, 2), (dora, 2), (gm, 3), (credit_officer, 3), (charlie, 0),
                           (integration_user, 0)):
        body = api_as(user).get("/api/v1/credit/ratings/").json()
        assert body["count"] == expected, user.username
    filtered = api_as(gm).get(f"/api/v1/credit/ratings/?customer={customer.pk}").json()
    assert [row["grade"] for row in filtered["results"]] == ["B", "C"]
    assert api_as(gm).get("/api/v1/credit/ratings/?customer=abc").status_code == 400


def test_records_and_investigations_read_endpoints(customer, alice, charlie, integration_user, credit_officer):
    credit_record_create(customer=customer, user=credit_officer, kind="warning", severity="dishonest",
                         event_date=days_ago(10), title="court ruling")
    credit_investigation_create(customer=customer, user=credit_officer, investigated_on=days_ago(1),
                                subject="bank", sources="bank", findings="ok")
    rows = api_as(alice).get(f"/api/v1/credit/records/?customer={customer.pk}").json()["results"]
    assert [(r["kind"], r["severity"], r["days_late"]) for r in rows] == [("warning", "dishonest", 10)]
    assert api_as(alice).get("/api/v1/credit/investigations/").json()["results"][0]["subject"] == "bank"
    for user in (charlie, integration_user):
        assert api_as(user).get("/api/v1/credit/records/").json()["count"] == 0
        assert api_as(user).get("/api/v1/credit/investigations/").json()["count"] == 0
    assert api_as(credit_officer).post("/api/v1/credit/records/", {}, format="json").status_code == 405


def test_override_through_the_api(customer, alice, credit_officer, integration_user):
    credit_rating_create(customer=customer, user=credit_officer, grade="B", reason="cod")
    requested = api_as(alice).post("/api/v1/credit/overrides/", {
        "customer": customer.pk, "amount": "3000.00", "reason": "urgent shipment"}, format="json")
    assert requested.status_code == 201 and requested.json()["status"] == "requested"
    pk = requested.json()["id"]
    assert api_as(alice).post(f"/api/v1/credit/overrides/{pk}/actions/", {"action": "approve"},
                              format="json").status_code == 403
    approved = api_as(credit_officer).post(f"/api/v1/credit/overrides/{pk}/actions/",
                                           {"action": "approve", "days": 1}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert api_as(credit_officer).post(f"/api/v1/credit/overrides/{pk}/actions/", {"action": "approve"},
                                       format="json").status_code == 409
    used = _check(integration_user, customer, "?amount=3000&shipment=SH-77").json()
    assert used["allowed"] is True and used["override"] == pk
    assert _check(integration_user, customer, "?amount=3000&shipment=SH-77").json()["allowed"] is False


def test_credit_check_query_count_is_constant(grade_a, integration_user, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_as(integration_user)
    url = f"/api/v1/customers/{grade_a.pk}/credit-check/?amount=5"
    client.get(url)  # warm caches (roles, content types)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    BusinessRecordFactory.create_batch(1000, customer=grade_a, amount=Decimal("1.00"))
    with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.json()["open_receivables"] == "1000.00"
    assert len(many) == len(few)
