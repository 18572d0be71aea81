"""Smoke journey: log in, see the home page, switch to English and back to Chinese."""

import re

import pytest
from playwright.sync_api import expect

from crm.models import User

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_login_home_and_language_switch(page):
    user = User.objects.create_user(username="wangfang", password="Harbour-crane-77", first_name="王芳")
    assert user.language == "zh-hans"

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    page.select_option("#language-switch select", "zh-hans")
    expect(page.locator("h1")).to_have_text("登录")
    page.fill("#id_username", "wangfang")
    page.fill("#id_password", "Harbour-crane-77")
    page.click("button[type=submit]")

    heading = page.locator("main h1")
    expect(heading).to_have_text("欢迎，王芳")
    expect(page).to_have_title(re.compile("^首页"))

    page.select_option("#language-switch select", "en")
    expect(heading).to_have_text("Welcome, 王芳")
    expect(page).to_have_title(re.compile("^Home"))
    expect(page.locator("#bell")).to_have_attribute("title", "Notifications")
    user.refresh_from_db()
    assert user.language == "en"

    page.select_option("#language-switch select", "zh-hans")
    expect(heading).to_have_text("欢迎，王芳")
    user.refresh_from_db()
    assert user.language == "zh-hans"

    page.click("#user-menu")
    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(re.compile(r"/login/"))


def test_wrong_password_shows_an_error(page):
    User.objects.create_user(username="wangfang", password="Harbour-crane-77", language="en")
    page.goto("/login/")
    page.select_option("#language-switch select", "en")
    page.fill("#id_username", "wangfang")
    page.fill("#id_password", "not-the-password")
    page.click("button[type=submit]")
    expect(page.locator(".alert-danger")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login/"))
