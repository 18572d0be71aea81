"""JSON everywhere under /api/ (issue 8): URLs no route matches, Django's own errors, and deeply nested
JSON, which gave a 500 on 12 of 13 JSON endpoints."""

import json

import pytest
from django.test import Client
from rest_framework.test import APIClient

from crm.api.parsers import MAX_DEPTH, json_depth_exceeds
from customers.models import BusinessRecord, Contact

pytestmark = pytest.mark.django_db

NESTED = "[" * 1000 + "]" * 1000  # 1,000 levels in 2 kB
NESTED_OBJECT = '{"a":' * 700 + "1" + "}" * 700


@pytest.mark.parametrize("url", ["/api/v1/nothing/", "/api/nothing", "/api/v1/customers/1/nothing/", "/api/"])
def test_unmatched_api_urls_answer_json_404(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_missing_trailing_slash(api_for, alice):
    client = api_for(alice)
    response = client.get("/api/v1/customers?page=2")
    assert response.status_code == 301
    assert response["Location"] == "/api/v1/customers/?page=2"
    response = client.post("/api/v1/customers", {"name": "x"}, format="json")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found. API paths end with a slash: /api/v1/customers/"}


def test_pages_outside_the_api_keep_their_html_404(client, alice):
    client.force_login(alice)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.urls("tests.api.urls_boom")
def test_a_server_error_under_api_is_json():
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/boom/")
    assert response.status_code == 500
    assert response.json() == {"detail": "Server error: the request was not carried out. Try again later."}


def test_a_bad_host_under_api_is_json(client):
    response = client.get("/api/v1/customers/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response.json() == {"detail": "Bad request."}


def test_session_write_without_csrf_token_is_json_403(alice):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    response = browser.post("/api/v1/customers/", {"name": "x"}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF Failed: CSRF")


def test_json_depth_check():
    assert not json_depth_exceeds({"a": [1, {"b": [2]}]})
    deep = current = []
    for _ in range(MAX_DEPTH - 1):
        current.append([])
        current = current[0]
    assert not json_depth_exceeds(deep)  # MAX_DEPTH levels
    current.append([])
    assert json_depth_exceeds(deep)
    assert not json_depth_exceeds("text") and not json_depth_exceeds(None)


def test_deep_json_on_the_token_endpoint_is_400_without_login():
    for body in (NESTED, NESTED_OBJECT, "[" * 100_000):
        response = APIClient().post("/api/v1/auth/token/", data=body, content_type="application/json")
        assert response.status_code == 400, body[:10]
        assert response.json()["detail"].startswith("JSON parse error")


def test_deep_json_is_400_on_every_json_endpoint(client, api_for, bob, customer, integration_user):
    """Every operation of the schema that takes a body, tried with 1,000 levels (4 kB) by a clerk who may
    call it: each on the archives answers 400, none 500."""
    contact = Contact.objects.create(customer=customer, name="王经理")
    record = BusinessRecord.objects.create(customer=customer, external_id="X-1", date="2026-11-02",
                                           service_type="transport", amount="10", due_date="2026-12-02")
    schema = client.get("/api/schema/?format=json").json()
    api = api_for(bob)
    tried = []
    for path, item in schema["paths"].items():
        for method in ("post", "put", "patch"):
            if method not in item or "requestBody" not in item[method]:
                continue
            url = (path.replace("{customer_pk}", str(customer.pk))
                   .replace("contacts/{id}", f"contacts/{contact.pk}")
                   .replace("business-records/{id}", f"business-records/{record.pk}")
                   .replace("{id}", str(customer.pk)))
            body = "[" * 1000 + "0" + "]" * 1000 + " " * 2000  # 4 kB
            response = getattr(api, method)(url, data=body, content_type="application/json")
            tried.append((method, path, response.status_code))
            if not path.startswith(("/api/v1/customers/", "/api/v1/business-records/", "/api/v1/auth/")):
                # Another app's endpoint: the clerk may not use it or its object does not exist; never a 500.
                assert response.status_code in (400, 403, 404), (method, path)
                continue
            assert response.status_code == 400, (method, path, response.content[:200])
            assert "nested deeper than" in response.json()["detail"]
    assert len(tried) >= 13
    customer.refresh_from_db()
    assert customer.is_active and customer.owner.username == "alice"


def test_nesting_within_the_limit_still_reaches_validation(api_for, integration_user, customer):
    records = [{"external_id": "N-1", "customer": customer.pk, "date": "2026-11-02", "service_type": "transport",
                "amount": "10", "due_date": "2026-12-02", "goods": [[["x"]]]}]
    response = api_for(integration_user).post("/api/v1/business-records/bulk/", data=json.dumps(records),
                                              content_type="application/json")
    assert response.status_code == 400
    assert [(e["index"], e["field"]) for e in response.json()["errors"]] == [(0, "goods")]


def test_a_browser_asking_for_html_gets_the_json_error_with_its_fields(client, alice):
    client.force_login(alice)
    response = client.get("/api/v1/customers/?owner=1.5", HTTP_ACCEPT="text/html")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"owner": ["Enter a whole number."]}
    assert client.get("/api/v1/customers/", HTTP_ACCEPT="text/html")["Content-Type"].startswith("text/html")
