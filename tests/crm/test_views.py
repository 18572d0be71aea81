"""The shell around the app: language switch, login lockout, notifications, health check."""

import pytest
from django.conf import settings
from django.core import mail

from crm.models import Notification, User
from crm.notifications import notification_mark_read, notify

pytestmark = pytest.mark.django_db


# --- language ------------------------------------------------------------------------------------

def test_new_user_gets_chinese_and_can_switch_to_english(client):
    user = User.objects.create_user(username="xiaoming", password="Harbour-crane-77")
    assert user.language == "zh-hans"  # the default of a new user
    client.force_login(user)
    page = client.get("/").content.decode()
    assert "首页" in page and "欢迎" in page
    assert 'lang="zh-hans"' in page

    response = client.post("/language/", {"language": "en", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    user.refresh_from_db()
    assert user.language == "en"
    page = client.get("/").content.decode()
    assert "Welcome, xiaoming" in page and "首页" not in page

    client.post("/language/", {"language": "zh-hans", "next": "/"})
    user.refresh_from_db()
    assert user.language == "zh-hans"
    assert "欢迎" in client.get("/").content.decode()


def test_profile_language_wins_over_the_cookie(client, alice):
    alice.language = "zh-hans"
    alice.save()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(alice)
    assert "首页" in client.get("/").content.decode()


def test_anonymous_switch_on_the_login_page(client):
    page = client.get("/login/").content.decode()
    assert "Log in" in page and "Forgotten your password? Ask an administrator to reset it." in page
    response = client.post("/language/", {"language": "zh-hans", "next": "/login/"})
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    page = client.get("/login/").content.decode()
    assert "登录" in page and "用户名" in page


def test_unknown_language_is_ignored(client, alice):
    client.force_login(alice)
    client.post("/language/", {"language": "xx", "next": "/"})
    alice.refresh_from_db()
    assert alice.language == "en"


def test_language_switch_needs_post(client):
    assert client.get("/language/").status_code == 405


# --- login and lockout ----------------------------------------------------------------------------

def test_login_and_home_page(client, alice):
    response = client.post("/login/", {"username": "alice", "password": "Secret-pass-1"})
    assert response.status_code == 302 and response["Location"] == "/"
    page = client.get("/").content.decode()
    assert "Welcome, alice" in page and "Account manager" in page


def test_pages_need_login(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_lockout_after_repeated_failures(client, alice):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/login/", {"username": "alice", "password": "wrong-password"})
        assert response.status_code == 200  # the form again, with an error
    response = client.post("/login/", {"username": "alice", "password": "wrong-password"})
    assert response.status_code == 429
    # Now even the right password is refused, and nobody is signed in.
    response = client.post("/login/", {"username": "alice", "password": "Secret-pass-1"})
    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another user from the same address is not locked out.
    User.objects.create_user(username="zoe", password="Harbour-crane-77")
    assert client.post("/login/", {"username": "zoe", "password": "Harbour-crane-77"}).status_code == 302


def test_api_token_is_locked_out_too(alice):
    from knox.models import AuthToken
    from rest_framework.test import APIClient

    api = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        api.post("/api/v1/auth/token/", {"username": "alice", "password": "nope"}, format="json")
    response = api.post("/api/v1/auth/token/", {"username": "alice", "password": "Secret-pass-1"}, format="json")
    # Locked out: the right password gives no token either.
    assert response.status_code in (400, 403, 429)
    assert "token" not in response.json()
    assert not AuthToken.objects.exists()


# --- notifications --------------------------------------------------------------------------------

def test_notify_with_dedupe_key_is_idempotent(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = notify(recipient=alice, title="3 archives due", body="C0000001", url="/customers/",
                       dedupe_key="refresh:2026-01-01")
        second = notify(recipient=alice, title="3 archives due", dedupe_key="refresh:2026-01-01")
    assert first is not None and second is None
    assert Notification.objects.filter(recipient=alice).count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "3 archives due" and mail.outbox[0].to == ["alice@example.com"]
    # Without a key, every call notifies; the same key for another person notifies them too.
    notify(recipient=alice, title="hello", email=False)
    notify(recipient=alice, title="hello", email=False)
    assert Notification.objects.filter(recipient=alice).count() == 3


def test_same_dedupe_key_for_another_user(alice, bob):
    assert notify(recipient=alice, title="t", dedupe_key="k", email=False)
    assert notify(recipient=bob, title="t", dedupe_key="k", email=False)


def test_bell_count_and_mark_read(client, alice, bob):
    first = notify(recipient=alice, title="First news", email=False)
    notify(recipient=alice, title="Second news", email=False)
    bobs = notify(recipient=bob, title="Bob's news", email=False)
    client.force_login(alice)
    assert '<span class="position-absolute top-0 start-100 translate-middle badge rounded-pill bg-danger" ' \
           'id="unread-count">2</span>' in client.get("/").content.decode()
    page = client.get("/notifications/").content.decode()
    assert "First news" in page and "Second news" in page and "Bob&#x27;s news" not in page

    response = client.post("/notifications/read/", {"id": first.pk, "next": "/notifications/"})
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    first.refresh_from_db()
    assert first.read_at is not None
    assert 'id="unread-count">1<' in client.get("/").content.decode()

    # Someone else's notification cannot be marked.
    client.post("/notifications/read/", {"id": bobs.pk})
    bobs.refresh_from_db()
    assert bobs.read_at is None

    client.post("/notifications/read/", {})
    assert not Notification.objects.filter(recipient=alice, read_at__isnull=True).exists()
    assert 'id="unread-count"' not in client.get("/").content.decode()


def test_mark_read_does_not_redirect_off_site(client, alice):
    client.force_login(alice)
    response = client.post("/notifications/read/", {"next": "https://evil.example.com/"})
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    assert client.post("/notifications/read/", {"id": "abc"}).status_code == 302


def test_notification_mark_read_service_counts(alice):
    notify(recipient=alice, title="a", email=False)
    notify(recipient=alice, title="b", email=False)
    assert notification_mark_read(user=alice) == 2
    assert notification_mark_read(user=alice) == 0


# --- small pages ---------------------------------------------------------------------------------

def test_healthz_answers_without_login(client):
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_is_503_when_the_database_is_down(client, monkeypatch):
    from django.db import OperationalError, connection

    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json()["status"] == "error"


def test_robots_txt(client):
    assert client.get("/robots.txt").content == b"User-agent: *\nDisallow: /\n"


def test_profile_saves_language(client, alice):
    client.force_login(alice)
    response = client.post("/profile/", {"first_name": "Alice", "last_name": "Wang", "email": "a@example.com",
                                         "phone": "", "language": "zh-hans"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.language == "zh-hans" and alice.last_name == "Wang"
    response = client.post("/profile/", {"email": "not-an-email", "language": "en"})
    assert response.status_code == 200 and "is-invalid" in response.content.decode()
