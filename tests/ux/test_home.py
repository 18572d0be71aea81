"""Every role's home says where its work is; roles whose app has not landed are told what will come."""

import pytest
from django.urls import reverse
from django.utils import translation

from crm.home import guide_panel
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def guide(user) -> list[str]:
    with translation.override("en"):
        return [str(row["label"]) for row in guide_panel(user)["rows"]]


def test_club_office_is_told_where_its_work_will_come():
    rows = guide(UserFactory(roles=["club_office"]))
    assert rows == ["Club: coming soon, with club members, applications, dues and events"]


def test_gm_guide_lists_the_menus_then_what_is_to_come():
    rows = guide(UserFactory(roles=["gm"]))
    assert rows[0].startswith("Customers: Customer archives, New archive, To check")
    assert any(row.startswith("Reports: Classification summary") for row in rows)
    assert "Contracts: coming soon, with bids, contracts and amendments" in rows
    # The credit app has landed (the GM opens a credit file from the card): nothing about it is "coming soon".
    assert not any(row.startswith("Credit:") for row in rows)


def test_the_admin_is_named_and_not_sent_to_an_administrator(client):
    admin = UserFactory(username="it", roles=[], is_staff=True, is_superuser=True, language="zh-hans")
    client.force_login(admin)
    html = client.get(reverse("home")).content.decode()
    assert "系统管理员（IT）" in html and "请联系管理员" not in html
    assert "您的工作在哪里" in html and "系统管理：查阅日志、变更日志、管理后台" in html


def test_a_user_without_roles_gets_no_guide():
    assert guide_panel(UserFactory(roles=[])) is None
