"""The application's 400, 403, 404 and 500 pages: in the user's language, with the menu (but the 500's,
which renders without the database), a way back, and on a customer's 404 the way to ask for access.
One refusal rule: a page the role may not use answers 403, an archive one may not read 404."""

import re

import pytest
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.utils import translation

from crm.views import safe_next_url, server_error


def login(user, language="en"):
    user.language = language
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_an_unreadable_archive_answers_the_application_404_with_the_way_to_request_access(charlie, customer):
    response = login(charlie).get(reverse("customers:detail", args=[customer.pk]))
    assert response.status_code == 404
    assert [t.name for t in response.templates][0] == "404.html"
    html = response.content.decode()
    assert 'data-status="404"' in html
    assert f'href="/customers/{customer.pk}/request-access/" id="request-access-link"' in html
    assert 'id="user-menu"' in html  # the menu
    assert 'id="back-home" href="/"' in html or 'href="/" id="back-home"' in html
    assert customer.name not in html and customer.code not in html


def _without_tokens(html: str, pk: int) -> str:
    html = re.sub(r'value="[A-Za-z0-9]{64}"', "", html)
    html = re.sub(r'"X-CSRFToken": "[A-Za-z0-9]{64}"', "", html)
    return html.replace(f"/customers/{pk}/", "/customers/ID/")


@pytest.mark.django_db
def test_the_404_of_a_customer_that_does_not_exist_looks_the_same(charlie, customer):
    client = login(charlie)
    real = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    missing = client.get(reverse("customers:detail", args=[customer.pk + 1000])).content.decode()
    assert _without_tokens(real, customer.pk) == _without_tokens(missing, customer.pk + 1000)


@pytest.mark.django_db
def test_a_404_outside_the_archives_offers_no_access_request(alice):
    response = login(alice).get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'data-status="404"' in html and "request-access-link" not in html
    assert 'id="user-menu"' in html


@pytest.mark.django_db
def test_the_404_page_is_in_the_users_language(charlie, customer):
    html = login(charlie, "zh-hans").get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "页面不存在" in html and "申请查阅" in html
    html = login(charlie, "en").get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "Page not found" in html and "Request access" in html


@pytest.mark.django_db
def test_with_debug_on_the_archive_404_is_the_applications_page_and_an_unknown_url_djangos(charlie, customer):
    client = login(charlie)
    with override_settings(DEBUG=True):
        refused = client.get(reverse("customers:detail", args=[customer.pk]))
        unknown = client.get("/no-such-page/")
    assert refused.status_code == 404 and 'data-status="404"' in refused.content.decode()
    assert "request-access-link" in refused.content.decode()
    assert unknown.status_code == 404 and "Using the URLconf defined in" in unknown.content.decode()


@pytest.mark.django_db
def test_a_page_the_role_may_not_use_answers_the_application_403(credit_officer, customer):
    response = login(credit_officer, "zh-hans").get(reverse("customers:edit", args=[customer.pk]))
    assert response.status_code == 403
    html = response.content.decode()
    assert 'data-status="403"' in html and "不允许" in html
    assert 'id="user-menu"' in html


@pytest.mark.django_db
@pytest.mark.parametrize(("url_name", "who"), [
    ("customers:access_log", "bob"), ("customers:change_log", "bob"), ("customers:library", "integration_user")])
def test_pages_of_other_roles_answer_403_not_404(request, url_name, who):
    """The access and change logs (GM, admin) and the library (staff) are pages a role may not use."""
    response = login(request.getfixturevalue(who)).get(reverse(url_name))
    assert response.status_code == 403
    assert 'data-status="403"' in response.content.decode()


@pytest.mark.django_db
def test_integration_accounts_get_403_on_every_page(integration_user, customer):
    client = login(integration_user)
    for url in (reverse("customers:list"), reverse("customers:detail", args=[customer.pk]),
                reverse("customers:detail", args=[customer.pk + 1000])):
        assert client.get(url).status_code == 403, url


@pytest.mark.urls("tests.hardening.urls_boom")
@pytest.mark.django_db
def test_a_server_error_renders_the_500_page_in_the_users_language_without_the_database(alice):
    client = login(alice, "zh-hans")
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert 'data-status="500"' in html and "服务器错误" in html and 'lang="zh-hans"' in html
    assert 'href="/"' in html


def test_the_500_page_renders_from_a_bare_request():
    request = RequestFactory().get("/anything/")
    with translation.override("en"):
        response = server_error(request)
    assert response.status_code == 500
    assert "Server error" in response.content.decode() and "user-menu" not in response.content.decode()


@pytest.mark.django_db
def test_a_gbk_encoded_form_post_answers_the_400_page(alice):
    client = login(alice)
    client.cookies["django_language"] = "zh-hans"
    body = "name=上海远洋物流&short_name=远洋".encode("gbk")
    for url in (reverse("customers:create"), reverse("login"), reverse("notifications_mark_read")):
        response = client.generic("POST", url, data=body, content_type="application/x-www-form-urlencoded; charset=gbk")
        assert response.status_code == 400, url
        html = response.content.decode()
        assert 'data-status="400"' in html and "请求有误" in html


@pytest.mark.urls("tests.hardening.urls_boom")
@pytest.mark.django_db
def test_a_body_a_view_cannot_decode_answers_400_not_500(alice):
    client = login(alice)
    client.raise_request_exception = False
    response = client.generic("POST", "/decode/", data="名".encode("gbk"), content_type="text/plain")
    assert response.status_code == 400
    assert 'data-status="400"' in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(("next_url", "expected"), [
    ("abc", "/notifications/"), ("", "/notifications/"), ("//evil.example.com/x", "/notifications/"),
    ("https://evil.example.com/", "/notifications/"), ("/customers/", "/customers/"),
    ("/customers/?q=1", "/customers/?q=1"), ("/no-such-page/", "/notifications/"), ("javascript:alert(1)",
                                                                                   "/notifications/"),
])
def test_notifications_read_goes_back_only_to_a_page_of_this_site(alice, next_url, expected):
    response = login(alice).post(reverse("notifications_mark_read"), {"next": next_url})
    assert response.status_code == 302
    assert response["Location"] == expected


def test_safe_next_url_falls_back_to_home():
    request = RequestFactory().get("/")
    assert safe_next_url(request, "abc") == "/"
    assert safe_next_url(request, "/profile/") == "/profile/"
