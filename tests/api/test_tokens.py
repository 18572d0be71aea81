"""API tokens (SPEC §9, issues 6 and 8): the endpoint from a browser, throttling keyed on failures with a
generous ceiling for successful logins, expiry, and the end of tokens on password change, deactivation
and an admin's revocation."""

import datetime
import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from crm.api.throttling import SuccessfulLoginThrottle
from crm.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
PASSWORD = "Secret-pass-1"


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()  # the login throttle counts in the cache
    yield
    cache.clear()


def get_token(username="alice", password=PASSWORD, address="10.0.0.1", client=None):
    client = client or APIClient()
    return client.post(TOKEN_URL, {"username": username, "password": password}, format="json",
                       REMOTE_ADDR=address)


def api_status(token: str, path="/api/v1/customers/") -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get(path).status_code


def test_token_answers_token_and_expiry_and_works_as_header(alice, settings):
    response = get_token()
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expiry"}
    expiry = datetime.datetime.fromisoformat(body["expiry"])
    expected = timezone.now() + datetime.timedelta(hours=settings.API_TOKEN_TTL_HOURS)
    assert abs((expiry - expected).total_seconds()) < 60
    assert settings.API_TOKEN_TTL_HOURS == 24 * 30
    assert api_status(body["token"]) == 200
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    assert client.get("/api/v1/customers/").status_code == 401


def test_expired_token_is_refused(alice):
    token = get_token().json()["token"]
    AuthToken.objects.filter(user=alice).update(expiry=timezone.now() - datetime.timedelta(seconds=1))
    assert api_status(token) == 401
    assert not AuthToken.objects.filter(user=alice).exists()  # knox removes it


def test_token_endpoint_from_a_signed_in_browser(alice):
    """A browser with a session cookie and CSRF checks on: no 403 for the missing CSRF token."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    response = browser.post(TOKEN_URL, {"username": "alice", "password": PASSWORD}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert api_status(response.json()["token"]) == 200
    # The session still needs its CSRF token for writes elsewhere in the API.
    refused = browser.post("/api/v1/customers/", {"name": "x"}, content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]


def test_token_endpoint_takes_json_only(alice):
    form = APIClient().post(TOKEN_URL, "username=alice&password=Secret-pass-1",
                            content_type="application/x-www-form-urlencoded")
    assert form.status_code == 415
    assert form.json()["detail"] == 'Unsupported media type "application/x-www-form-urlencoded" in request.'
    # A multipart body is refused the same way.
    multipart = APIClient().post(TOKEN_URL, {"username": "alice", "password": PASSWORD}, format="multipart")
    assert multipart.status_code == 415
    assert "token" not in multipart.json()
    assert not AuthToken.objects.exists()


def test_forty_successful_logins_from_one_address_in_a_minute_pass(east_team):
    """An office behind one address signs in at 8:00."""
    staff = [UserFactory(username=f"clerk{n}", roles=["clerk"], teams=[east_team]) for n in range(40)]
    tokens = set()
    for user in staff:
        response = get_token(user.username, address="192.0.2.8")
        assert response.status_code == 200
        tokens.add(response.json()["token"])
    assert len(tokens) == 40
    assert AuthToken.objects.count() == 40
    assert all(api_status(token) == 200 for token in list(tokens)[:3])


def test_a_user_keeps_a_bounded_number_of_tokens(alice, settings):
    settings.API_TOKENS_PER_USER = 3
    tokens = [get_token().json()["token"] for _ in range(5)]
    assert AuthToken.objects.filter(user=alice).count() == 3
    assert [api_status(token) for token in tokens] == [401, 401, 200, 200, 200]  # the oldest ended


def test_successful_logins_have_a_ceiling_per_address(alice, bob, monkeypatch):
    monkeypatch.setattr(SuccessfulLoginThrottle, "THROTTLE_RATES", {"token_success": "3/min"})
    assert [get_token(address="192.0.2.9").status_code for _ in range(3)] == [200, 200, 200]
    refused = get_token(username="bob", address="192.0.2.9")
    assert refused.status_code == 429
    assert "detail" in refused.json() and "Retry-After" in refused.headers
    assert get_token(username="bob", address="192.0.2.10").status_code == 200  # another address
    # Failures do not use up the ceiling.
    cache.clear()
    for _ in range(3):
        assert get_token(username="bob", password="wrong", address="192.0.2.11").status_code == 400
    assert get_token(address="192.0.2.11").status_code == 200


def test_failures_lock_out_through_axes_on_every_door(alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = get_token(password="wrong")
        assert response.status_code == 400
        assert response.json()["non_field_errors"] == ["Unable to log in with provided credentials."]
    response = get_token(password="wrong")
    assert response.status_code == 429
    assert "locked" in response.json()["detail"]
    # Locked: the right password gets no token, and the log-in page is locked for the same address too.
    response = get_token()
    assert response.status_code == 429
    assert "token" not in response.json()
    assert not AuthToken.objects.exists()
    assert Client(REMOTE_ADDR="10.0.0.1").post("/login/", {"username": "alice", "password": PASSWORD}).status_code \
        == 429
    # Another address is not locked.
    assert get_token(address="10.0.0.2").status_code == 200


def test_a_success_resets_the_failures(alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert get_token(password="wrong").status_code == 400
    assert get_token().status_code == 200
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert get_token(password="wrong").status_code == 400
    assert get_token().status_code == 200


def test_inactive_user_gets_no_token(alice):
    alice.is_active = False
    alice.save()
    assert get_token().status_code == 400
    assert not AuthToken.objects.exists()


def test_password_change_ends_tokens(alice, bob):
    token = get_token().json()["token"]
    other = get_token("bob").json()["token"]
    browser = Client()
    browser.force_login(alice)
    response = browser.post("/password/", {"old_password": PASSWORD, "new_password1": "Harbour-crane-77",
                                           "new_password2": "Harbour-crane-77"})
    assert response.status_code == 302
    assert api_status(token) == 401
    assert api_status(other) == 200  # bob's token is untouched
    assert api_status(get_token(password="Harbour-crane-77").json()["token"]) == 200


def test_saving_a_user_without_a_password_change_keeps_tokens(alice):
    token = get_token().json()["token"]
    alice.first_name = "Alice"
    alice.save()
    alice.refresh_from_db()
    alice.set_password(PASSWORD)  # a new hash (new salt) is a password change: the token ends
    alice.save()
    assert api_status(token) == 401
    token = get_token().json()["token"]
    User.objects.get(pk=alice.pk).save()
    assert api_status(token) == 200


def test_deactivation_ends_tokens_for_good(alice):
    token = get_token().json()["token"]
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    assert not AuthToken.objects.filter(user=alice).exists()
    alice.is_active = True
    alice.save()
    assert api_status(token) == 401


def test_admin_revokes_an_integrations_tokens(admin_user, integration_user, alice):
    freight_tokens = [get_token("freight").json()["token"] for _ in range(2)]
    alice_token = get_token().json()["token"]
    admin = Client()
    admin.force_login(admin_user)
    response = admin.post("/admin/crm/user/", {"action": "revoke_api_tokens",
                                                ACTION_CHECKBOX_NAME: [integration_user.pk]}, follow=True)
    assert response.status_code == 200
    assert "2 API tokens revoked." in response.content.decode()
    assert [api_status(token) for token in freight_tokens] == [401, 401]
    assert api_status(alice_token) == 200
    # Or one token at a time, in the token list.
    assert admin.get("/admin/knox/authtoken/").status_code == 200


def test_crm_demo_prints_a_working_freight_token(capsys):
    call_command("crm_demo", "--customers", "0")
    out = capsys.readouterr().out
    token = re.search(r"API token of 'freight' \(integration\): (\S+)", out).group(1)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/customers/").status_code == 200
