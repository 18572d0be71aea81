"""A tablet held upright (768×1024), in Chinese and in English, for the GM and a clerk: the menu bar folds
behind its toggler and every menu label stays on one line; the customer and complaint lists fit the window
(a wide table scrolls sideways in its own container, one line a row); no raw choice code shows."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from complaints.models import Complaint, State
from complaints.services import complaint_register
from crm.navigation import navigation_for
from customers.key_accounts.models import TEN_THOUSAND
from customers.key_accounts.services import key_account_application_create
from customers.models import Stage
from tests.e2e.conftest import log_in
from tests.factories import BusinessRecordFactory, CustomerFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TABLET = {"width": 768, "height": 1024}
# A choice value shown as is: transport.sea, pending_head, approve_division, customer_referral.
RAW_CODE = re.compile(r"(?<![@\w.])[a-z]+(?:_[a-z]+)+\b|(?<![@\w.])[a-z]+\.[a-z]+\b")
NAMES = ["上海东方远洋国际货运代理有限公司", "宁波北仑港区海通进出口贸易有限公司", "苏州工业园区晶耀电子科技有限公司",
         "广州南沙保税港区供应链管理有限公司", "青岛前湾集装箱码头物流服务有限公司", "义乌小商品联合采购中心"]
STATES = [State.JUDGE, State.ASSIGN, State.APPROVE_DIVISION, State.APPROVE_GM, State.CLOSED, State.REJECTED]


@pytest.fixture
def archive(alice, bob, east_team):
    """Customers of alice's team in every stage with long names, their business, complaints in six states,
    and a key-account application waiting for the department head."""
    stages = [Stage.CUSTOMER, Stage.PROSPECT, Stage.LEAD, Stage.CUSTOMER, Stage.LOST, Stage.CUSTOMER]
    customers = [CustomerFactory(owner=alice, team=east_team, name=name, stage=stage)
                 for name, stage in zip(NAMES, stages, strict=True)]
    for customer in customers:
        for service in ("transport.sea", "transport.road", "warehousing"):
            BusinessRecordFactory(customer=customer, service_type=service, amount=Decimal("1200000"),
                                  date=timezone.localdate() - dt.timedelta(days=30))
    received = timezone.now() - dt.timedelta(days=3)
    for customer, state in zip(customers, STATES, strict=True):
        complaint = complaint_register(user=bob, customer=customer, subject="customs", received_at=received,
                                       description="报关资料退回两次，货物滞港三天")
        Complaint.objects.filter(pk=complaint.pk).update(state=state)
    key_account_application_create(customer=customers[0], user=alice, reason="年运量大且稳定",
                                   annual_revenue_target=Decimal(300) * TEN_THOUSAND)
    return customers


@pytest.fixture
def tablet(new_page):
    def make(username: str, language: str):
        page = new_page(viewport=TABLET, locale="zh-CN" if language == "zh-hans" else "en-US")
        return log_in(page, username, signed_in="#home-roles")

    return make


def menu_geometry(page) -> dict:
    return page.evaluate("""() => {
        const nav = document.querySelector('nav.navbar');
        const links = [...nav.querySelectorAll('#nav-menus .nav-link')];
        const lineHeight = parseFloat(getComputedStyle(links[0]).lineHeight);
        return {navHeight: nav.getBoundingClientRect().height,
                lines: links.map(e => e.getClientRects().length),
                tallest: Math.max(...links.map(e => e.getBoundingClientRect().height)),
                lineHeight: lineHeight, labels: links.map(e => e.innerText.trim()),
                scroll: document.documentElement.scrollWidth - window.innerWidth};
    }""")


def list_geometry(page, table: str) -> dict:
    return page.evaluate("""(selector) => {
        const table = document.querySelector(selector);
        const box = table.closest('.table-responsive');
        const cell = table.querySelector('tbody td');
        const lineHeight = parseFloat(getComputedStyle(cell).lineHeight);
        const rows = [...table.querySelectorAll('tbody tr')].map(r => r.getBoundingClientRect().height);
        return {scroll: document.documentElement.scrollWidth - window.innerWidth,
                boxRight: box ? box.getBoundingClientRect().right : null, width: window.innerWidth,
                rows: rows.length, tallestRow: Math.max(...rows), lineHeight: lineHeight};
    }""", table)


def raw_codes(page) -> list[str]:
    return sorted(set(RAW_CODE.findall(page.locator("body").inner_text())))


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(("username", "roles"), [("boss", ["gm"]), ("bob", ["clerk"])])
def test_the_tablet_shows_the_lists_whole(tablet, archive, east_team, username, roles, language):
    user = UserFactory(username=username, roles=roles, teams=[east_team], first_name="王芳")
    user.language = language  # bob exists already (the archive's clerk)
    user.save(update_fields=["language"])
    page = tablet(username, language)

    # The menu bar folds behind its toggler: one line high, the page no wider than the window.
    expect(page.locator(".navbar-toggler")).to_be_visible()
    expect(page.locator("#mainnav")).to_be_hidden()
    folded = menu_geometry(page)
    assert folded["navHeight"] < 64 and folded["scroll"] <= 0, folded
    # Opened, it lists the user's menus, each label on one line.
    page.click(".navbar-toggler")
    expect(page.locator("#mainnav")).to_have_class(re.compile(r"\bshow\b"))
    expect(page.locator("#user-menu")).to_be_visible()
    opened = menu_geometry(page)
    assert len(opened["labels"]) == len(navigation_for(user)) >= 2, opened
    assert opened["lines"] == [1] * len(opened["labels"]), opened
    assert opened["tallest"] < 2 * opened["lineHeight"] + 16, opened  # one line plus the link's padding
    assert opened["scroll"] <= 0, opened
    assert raw_codes(page) == []

    for url, table, expected_rows in (("/customers/", "#customer-table", len(NAMES)),
                                      ("/complaints/", "#complaints", len(STATES))):
        page.goto(url)
        geometry = list_geometry(page, table)
        assert geometry["rows"] == expected_rows, geometry
        assert geometry["scroll"] <= 0, (url, geometry)  # the page itself never scrolls sideways
        assert geometry["boxRight"] is not None and geometry["boxRight"] <= geometry["width"], (url, geometry)
        if url == "/customers/" or language == "zh-hans":  # English steps wrap between words
            assert geometry["tallestRow"] < 2 * geometry["lineHeight"] + 12, (url, geometry)  # one line a row
        assert raw_codes(page) == [], url
    text = page.locator("main").inner_text()
    assert ("报关报检" if language == "zh-hans" else "Customs declaration and inspection") in text
    assert ("总经理批示" if language == "zh-hans" else "General manager approval") in text
