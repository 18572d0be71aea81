"""The grouped menus: apps register entries, each role sees only the menus it may open."""

import pytest
from django.utils import translation

from crm import navigation
from crm.navigation import NavItem, navigation_for, register
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def menus(user) -> dict[str, list[str]]:
    with translation.override("en"):
        return {m["key"]: [str(i["label"]) for i in m["items"]] for m in navigation_for(user)}


def test_gm_sees_customers_reports_and_admin_menus():
    gm = UserFactory(roles=["gm"])
    result = menus(gm)
    assert list(result)[0] == "customers" and list(result)[-2:] == ["reports", "admin"]
    assert result["customers"][:3] == ["Customer archives", "New archive", "To check"]
    assert result["reports"][0] == "Classification summary"
    assert result["admin"] == ["Access log", "Change log"]  # not staff: no Django admin entry


def test_admin_gets_the_administration_site_last():
    admin = UserFactory(roles=[], is_staff=True, is_superuser=True)
    result = menus(admin)
    assert result["admin"] == ["Access log", "Change log", "Administration site"]
    assert "Customer archives" not in result.get("customers", [])  # IT reads no archive without a CRM role


def test_account_manager_has_no_admin_menu_and_no_import():
    manager = UserFactory(roles=["account_manager"])
    result = menus(manager)
    assert "admin" not in result
    assert "Import" not in result["customers"]
    assert "New archive" in result["customers"]


def test_club_office_sees_no_archive_menu():
    assert menus(UserFactory(roles=["club_office"])) == {}


def test_current_page_marks_its_entry_and_menu():
    gm = UserFactory(roles=["gm"])
    groups = navigation_for(gm, "customers:classification")
    reports = next(m for m in groups if m["key"] == "reports")
    assert reports["active"] is True
    assert [i["active"] for i in reports["items"]] == [True] + [False] * (len(reports["items"]) - 1)
    assert not next(m for m in groups if m["key"] == "customers")["active"]


def test_an_app_adds_to_its_group_and_unresolvable_entries_are_left_out(monkeypatch):
    monkeypatch.setattr(navigation, "NAVIGATION", list(navigation.NAVIGATION))
    register(NavItem("Credit checks", "credit:checks", "shield", None, group="credit"),  # app not installed
             NavItem("Notifications", "notifications", "bell", None, group="credit", order=5))
    register(NavItem("Notifications", "notifications", "bell", None, group="credit", order=5))  # twice: once
    gm = UserFactory(roles=["gm"])
    result = menus(gm)
    assert list(result)[:2] == ["customers", "credit"] and list(result)[-2:] == ["reports", "admin"]
    assert result["credit"] == ["Notifications"]


def test_unknown_group_is_refused():
    with pytest.raises(ValueError, match="unknown navigation group"):
        register(NavItem("X", "home", "x", group="misc"))
