"""Under the strict Content-Security-Policy (self only) the pages still work in a browser: no violation is
reported, the language switch, the card's tabs, the progress bars and Swagger UI at /api/docs/ run."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import ContactFactory, CustomerFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Secret-pass-1"  # tests.factories.UserFactory's
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sourceFile || ""));
});
"""


@pytest.fixture
def csp_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(15_000)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    yield page
    context.close()


def violations(page):
    return page.evaluate("window.__cspViolations")


def test_pages_run_without_a_policy_violation(csp_page):
    page = csp_page
    owner = UserFactory(username="alice", roles=["account_manager"], language="en")
    customer = CustomerFactory(owner=owner, name="上海东方远洋贸易有限公司")
    ContactFactory(customer=customer, is_primary=True)

    page.goto("/login/")
    policy = page.evaluate("() => fetch('/login/').then(r => r.headers.get('content-security-policy'))")
    assert "script-src 'self'" in policy
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("#user-menu")).to_be_visible()
    assert violations(page) == []

    page.goto("/customers/")
    bar = page.locator("table .progress-bar").first
    expect(bar).to_be_visible()
    assert page.evaluate("el => el.style.width", bar.element_handle()).endswith("%")
    assert violations(page) == []

    page.goto(f"/customers/{customer.pk}/#contacts")
    expect(page.locator("#contacts")).to_be_visible()  # the tab named in the address is opened by behaviours.js
    page.locator('.customer-tabs a[href="#overview"]').click()
    expect(page).to_have_url(re.compile(r"#overview$"))
    assert violations(page) == []

    page.goto(f"/customers/{customer.pk}/print/")
    expect(page.locator("#print-card")).to_be_visible()
    border = page.evaluate("() => getComputedStyle(document.querySelector('.print-card th')).borderTopStyle")
    assert border == "solid"  # the page's own <style> block applies (it carries the nonce)
    assert violations(page) == []

    page.select_option("#language-switch select", "zh-hans")
    expect(page.locator("#print-button")).to_contain_text("打印")
    assert violations(page) == []


def test_swagger_ui_renders_under_the_policy(csp_page):
    page = csp_page
    UserFactory(username="alice", roles=["account_manager"])
    page.goto("/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("#user-menu")).to_be_visible()
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Logistics CRM API")
    expect(page.locator(".opblock").first).to_be_visible()
    assert violations(page) == []
