"""Browser journeys: pytest-django's live_server driven by Playwright in Debian's Chromium."""

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing (apt-get install chromium; .ci/run does it)")
    for item in items:
        if "e2e" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    # Playwright's sync API runs an event loop in this thread; Django's ORM then refuses to run from it.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


PASSWORD = "Secret-pass-1"  # tests.factories.UserFactory's


@pytest.fixture
def new_page(browser, live_server):
    """A factory of pages, each in its own browser context (its own session), in English; all closed after
    the test. Data the migrations seed is put back by tests/conftest.py for every live-server test."""
    contexts = []

    def make(**context_options):
        """`context_options` override the context's defaults (English, downloads), e.g. a viewport."""
        options = {"locale": "en-US", "accept_downloads": True, **context_options}
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def log_in(page, username: str, password: str = PASSWORD, *, signed_in: str = "#user-menu"):
    """Sign in and wait for `signed_in`, an element only a signed-in page shows (on a narrow screen the user
    menu waits behind the toggler: pass another)."""
    from playwright.sync_api import expect

    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    expect(page.locator(signed_in)).to_be_visible()
    return page
