"""What only a browser shows: the grouped menus fit on one line, and the card names service types in words."""

import pytest
from playwright.sync_api import expect

from crm.navigation import navigation_for
from tests.factories import BusinessRecordFactory, CustomerFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Secret-pass-1"  # tests.factories.UserFactory's


@pytest.fixture
def open_page(browser, live_server):
    contexts = []

    def make(username: str, language: str, width: int):
        context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 800})
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.goto("/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        expect(page.locator("#user-menu")).to_be_visible()
        return page

    yield make
    for context in contexts:
        context.close()


def nav_geometry(page) -> dict:
    return page.evaluate("""() => {
        const nav = document.querySelector('nav.navbar');
        const selector = '.navbar-brand, #nav-menus > li, .nav-search, #bell, #language-switch, #user-menu';
        const parts = [...nav.querySelectorAll(selector)].filter(e => e.offsetParent !== null);
        const tops = parts.map(e => Math.round(e.getBoundingClientRect().top + e.getBoundingClientRect().height / 2));
        const lines = [...nav.querySelectorAll('#nav-menus .nav-link')].map(e => e.getClientRects().length);
        return {height: nav.getBoundingClientRect().height, spread: Math.max(...tops) - Math.min(...tops),
                scroll: document.documentElement.scrollWidth - window.innerWidth, count: parts.length,
                wrapped: lines.filter(n => n > 1).length, menus: nav.querySelectorAll('#nav-menus > li').length};
    }""")


@pytest.mark.parametrize(("role", "staff", "language", "width"), [
    ("gm", False, "zh-hans", 1280), ("gm", False, "en", 1280), ("admin", True, "zh-hans", 1280),
    ("admin", True, "en", 1280), ("gm", False, "en", 1024),  # a tablet held sideways
])
def test_the_menu_bar_fits_on_one_line(open_page, role, staff, language, width):
    user = UserFactory(username="boss", roles=[role] if role != "admin" else [], is_staff=staff, is_superuser=staff,
                       language=language, first_name="赵建国")
    expected = len(navigation_for(user))  # the menus the apps have registered so far (GM: 4 today)
    assert expected >= 2
    page = open_page("boss", language, width)
    geometry = nav_geometry(page)
    assert geometry["menus"] == expected
    assert geometry["count"] == expected + 5  # brand, the menus, search, bell, language, user
    assert geometry["spread"] <= 4, geometry  # every part on the same line
    assert geometry["height"] < 64, geometry
    assert geometry["wrapped"] == 0 and geometry["scroll"] <= 0, geometry
    page.click("#nav-customers")
    expect(page.locator("#nav-customers + .dropdown-menu")).to_be_visible()
    label = "文档与知识" if language == "zh-hans" else "Document library"
    page.locator("#nav-customers + .dropdown-menu").get_by_role("link", name=label).click()
    expect(page.locator("#nav-customers")).to_have_class("nav-link dropdown-toggle text-nowrap active")


def test_the_card_shows_no_raw_service_code(open_page):
    owner = UserFactory(username="owner", roles=["account_manager"], language="zh-hans")
    customer = CustomerFactory(owner=owner)
    for code in ("transport.sea", "transport.road", "warehousing", "transport.hovercraft"):
        BusinessRecordFactory(customer=customer, service_type=code)
    page = open_page("owner", "zh-hans", 1280)
    page.goto(f"/customers/{customer.pk}/")
    page.locator("[data-bs-target='#records'], a[href='#records']").first.click()
    table = page.locator("#records-table")
    expect(table).to_contain_text("运输（海运）")
    expect(table).to_contain_text("运输（公路）")
    expect(table).to_contain_text("仓储")
    text = table.inner_text()
    assert "transport" not in text and "warehousing" not in text and "(road)" not in text
    page.goto(f"/customers/{customer.pk}/print/")
    printed = page.locator("main").inner_text()
    assert "运输（公路）" in printed and "transport" not in printed and "(road)" not in printed
