"""Token authentication, the API error contract (SPEC §9) and the offline API docs."""

import re

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_token_with_the_right_password_authenticates(alice):
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": "alice", "password": "Secret-pass-1"}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    stored = AuthToken.objects.get(user=alice)
    assert token.startswith(stored.token_key) and stored.digest != token  # stored hashed, not in clear

    assert client.get("/api/v1/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/").status_code == 200


def test_token_with_a_wrong_password_is_refused(alice):
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": "alice", "password": "wrong"}, format="json")
    assert response.status_code == 400
    assert "token" not in response.json()
    assert not AuthToken.objects.exists()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get("/api/v1/").status_code == 401


def test_malformed_json_is_a_400_not_a_500(alice):
    client = APIClient()
    response = client.post("/api/v1/auth/token/", data='{"username": "alice", ', content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


@pytest.mark.urls("tests.crm.urls_errors")
class TestExceptionHandler:
    @pytest.fixture
    def client(self, alice):
        client = APIClient()
        client.force_authenticate(alice)
        return client

    def test_application_error_names_the_field(self, client):
        response = client.post("/test-errors/application/", {}, format="json")
        assert response.status_code == 400
        assert response.json() == {"detail": "The amount must be positive.",
                                    "amount": ["The amount must be positive."]}

    def test_conflict_is_409(self, client):
        response = client.post("/test-errors/conflict/", {}, format="json")
        assert response.status_code == 409
        assert response.json() == {"detail": "This record has changed in the meantime; reload it and try again."}

    def test_permission_denied_error_is_403(self, client):
        response = client.post("/test-errors/denied/", {}, format="json")
        assert response.status_code == 403
        assert response.json()["detail"] == "You may not do this."

    def test_django_validation_error_is_400_by_field(self, client):
        response = client.post("/test-errors/django-validation/", {}, format="json")
        assert response.status_code == 400
        assert response.json() == {"due_date": ["The due date is before the date."]}

    def test_plain_django_validation_error_is_400_with_detail(self, client):
        response = client.post("/test-errors/django-validation-plain/", {}, format="json")
        assert response.status_code == 400
        assert response.json() == {"non_field_errors": ["Nothing to import."]}

    def test_malformed_json_on_any_endpoint(self, client):
        response = client.post("/test-errors/echo/", data="[1, 2", content_type="application/json")
        assert response.status_code == 400
        assert "JSON parse error" in response.json()["detail"]

    def test_anonymous_is_401(self):
        response = APIClient().post("/test-errors/conflict/", {}, format="json")
        assert response.status_code == 401


def test_schema_and_docs_are_served_without_a_cdn(client, alice):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/auth/token/" in schema.content

    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assets = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert any(a.endswith(".js") for a in assets)
    # Served from this site: vendored files, and the split view's start-up script (no inline script, CSP).
    assert assets and all(a.startswith(("/static/", "/api/docs/?script")) for a in assets), assets
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "/api/schema/" in script.content.decode()
