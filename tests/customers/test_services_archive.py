"""The pieces behind the archive pages: spreadsheet safety and the XLSX writers, the card data that
the printed and XLSX card show, the forms' choices, and the home panels per role."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone

from crm.home import HOME_PANELS
from crm.tabular import safe_cell
from customers.forms import CustomerForm, HandoverForm, owner_candidates
from customers.home import (
    access_requests_panel,
    archives_summary_panel,
    my_customers_panel,
    pending_access_requests_for,
    team_archives_panel,
)
from customers.models import AccessRequest, Customer, RefreshTask
from customers.services import archive_refresh_complete, customers_handover_all
from customers.views.archive import card_data, classification_row, display_value
from customers.xlsx import card_workbook, classification_workbook
from tests.factories import BusinessRecordFactory, ContactFactory, CustomerFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


# --- safe_cell and the workbooks -------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("=SUM(A1:A2)", "'=SUM(A1:A2)"),
    ("+86 21 5555", "'+86 21 5555"),
    ("-1", "'-1"),
    ("@cmd", "'@cmd"),
    ("\tx", "'\tx"),
    ("\r=1", "'\r=1"),
    ("\x01=1+1", "'=1+1"),  # a control character cannot hide a formula
    ("上海=东方", "上海=东方"),
    ("", ""),
    (None, None),
    (-5, -5),
    (Decimal("-1.50"), Decimal("-1.50")),
    (dt.date(2026, 1, 2), dt.date(2026, 1, 2)),
    (True, True),
])
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_safe_cell_makes_aware_datetimes_local_and_naive():
    value = timezone.now()
    result = safe_cell(value)
    assert result.tzinfo is None and result == timezone.localtime(value).replace(tzinfo=None)


def test_classification_workbook_neutralises_and_groups():
    content = classification_workbook(title="Summary", filter_text="Stage: Lead", headers=["No.", "Name"],
                                      rows=[[1, "=cmd|' /C calc'!A0"], [2, "正常公司"]],
                                      groups=("Stage", [("Lead", 2)]))
    book = openpyxl.load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Summary" and rows[1] == ("Filters", "Stage: Lead")
    assert rows[4] == ("No.", "Name")
    assert rows[5] == (1, "'=cmd|' /C calc'!A0") and rows[6] == (2, "正常公司")
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert list(book["Groups"].iter_rows(values_only=True)) == [("Stage", "Customers"), ("Lead", 2)]


def test_card_workbook_layout():
    content = card_workbook(card={"title": "Card", "sections": [("Identity", [("name", "+x"), ("phone", "1")])],
                                  "tables": [("Contacts", ["Name"], [["@a"]])]})
    book = openpyxl.load_workbook(io.BytesIO(content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert ("name", "'+x") in rows and ("Identity", None) in rows
    assert list(book["Contacts"].iter_rows(values_only=True)) == [("Name",), ("'@a",)]


# --- Card data -----------------------------------------------------------------------------------

def test_card_data_for_owner_has_everything(customer, alice):
    customer.bank, customer.service_needs, customer.ownership = "中国银行", ["transport", "warehousing"], "private"
    customer.save()
    ContactFactory(customer=customer, name="王经理", hobbies="钓鱼")
    BusinessRecordFactory(customer=customer, amount=Decimal("800"), paid_amount=Decimal("300"))
    card = card_data(customer, user=alice)
    pairs = {label: value for s in card["sections"] for label, value in s["pairs"]}
    assert pairs["bank"] == "中国银行" and pairs["ownership"] == "Private / individual"
    assert pairs["service needs"] == "Transport、Warehousing"
    assert "钓鱼" in card["personal"]["rows"][0] and "Hobbies" in card["personal"]["headers"]
    assert "钓鱼" not in card["contacts"]["rows"][0]
    assert card["records"]["totals"]["open"] == Decimal("500")
    assert card["competitors"]["rows"][0][0] == "Us (our company)"
    assert card["owners"]["rows"] == []


def test_card_data_for_credit_officer_and_grantee(customer, credit_officer, charlie, dora):
    from customers.models import AccessGrant

    customer.bank = "中国银行"
    customer.save()
    ContactFactory(customer=customer, name="王经理", hobbies="钓鱼")
    officer = card_data(customer, user=credit_officer)
    assert officer["show_financials"] and not officer["show_sensitive"]
    assert officer["personal"]["rows"] == [] and officer["contacts"]["rows"][0][0] == "王经理"
    AccessGrant.objects.create(customer=customer, user=charlie, granted_by=dora,
                               expires_at=timezone.now() + dt.timedelta(days=1))
    grantee = card_data(customer, user=charlie)
    financial = next(s for s in grantee["sections"] if s["key"] == "financial")
    assert financial["hidden"] and financial["pairs"] == []
    assert "中国银行" not in [v for s in grantee["sections"] for _label, v in s["pairs"]]


def test_display_value_and_classification_row(customer):
    customer.has_trade_rights = True
    customer.location_type = "transport_hub"
    customer.tier, customer.credit_grade = "B", None
    customer.save()
    ContactFactory(customer=customer, name="主联系人", title="经理", is_primary=True)
    assert display_value(customer, "has_trade_rights") == "Yes"
    assert display_value(customer, "location_type") == "Transport hub"
    assert display_value(customer, "region") == customer.region.name
    customer.active_contacts = list(customer.contacts.all())
    row = classification_row(7, customer)
    assert row[0] == 7 and row[1] == customer.code and row[9] == "B / —" and row[12:14] == ["主联系人", "经理"]


# --- Forms ---------------------------------------------------------------------------------------

def test_owner_candidates_by_role(alice, bob, charlie, gm):
    assert set(owner_candidates(bob)) == {alice, bob}
    assert {alice, bob, charlie} <= set(owner_candidates(gm))
    inactive = UserFactory(username="gone", roles=["account_manager"])
    inactive.is_active = False
    inactive.save()
    assert inactive not in set(owner_candidates(gm))


def test_customer_form_marks_invalid_inputs(alice):
    form = CustomerForm({"name": "", "stage": "customer", "email": "bad", "has_trade_rights": "unknown"},
                        user=alice, creating=True)
    assert not form.is_valid()
    assert "is-invalid" in form.fields["email"].widget.attrs["class"]
    assert "is-invalid" not in form.fields["phone"].widget.attrs["class"]


def test_handover_form_offers_team_clerks_and_not_the_owner(customer, alice, bob, charlie):
    form = HandoverForm(customer=customer)
    assert alice not in set(form.fields["to_user"].queryset)
    assert charlie in set(form.fields["to_user"].queryset)
    assert set(form.fields["files_received_by"].queryset) == {bob}


# --- Services the pages call -----------------------------------------------------------------------

def test_refresh_confirm_without_a_task(customer, alice):
    Customer.objects.filter(pk=customer.pk).update(last_verified_on=dt.date(2020, 1, 1))
    customer.refresh_from_db()
    archive_refresh_complete(customer=customer, user=alice)
    customer.refresh_from_db()
    assert customer.last_verified_on == timezone.localdate() and not customer.verification_overdue


def test_handover_all_leaves_no_archive_ownerless(alice, dora, east_team):
    CustomerFactory.create_batch(4, owner=alice, team=east_team)
    successor = UserFactory(username="grace", roles=["account_manager"], teams=[east_team])
    assert customers_handover_all(from_user=alice, to_user=successor, user=dora, reason="离职") == 4
    assert not Customer.objects.filter(owner=alice).exists()


# --- Home panels ---------------------------------------------------------------------------------

PANELS = {"My customers": my_customers_panel, "Team archives": team_archives_panel,
          "Pending access requests": access_requests_panel, "Customer archives": archives_summary_panel}


def _panel(user, title):
    """One of our panels alone (other areas register theirs too), checked to be on the home page."""
    panel = PANELS[title](user)
    assert panel is None or PANELS[title] in HOME_PANELS
    return panel


def test_my_customers_panel(customer, alice, django_assert_max_num_queries):
    CustomerFactory(owner=alice, is_checked=False)
    CustomerFactory(owner=alice, is_active=False)
    RefreshTask.objects.create(customer=customer, owner=alice, due_on=timezone.localdate())
    with django_assert_max_num_queries(4):
        panel = _panel(alice, "My customers")
    assert [row["value"] for row in panel["rows"]] == [2, 1, 1]
    assert f"owner={alice.pk}" in panel["url"]


def test_team_archives_panel_for_clerks(customer, bob, alice, east_team, django_assert_max_num_queries):
    CustomerFactory(owner=alice, team=east_team, is_checked=False, source="freight_system")
    CustomerFactory(owner=alice, team=east_team, is_checked=False, source="customer_form")
    CustomerFactory(is_checked=False, source="freight_system", team=TeamFactory(name="Elsewhere"))
    RefreshTask.objects.create(customer=customer, owner=alice, due_on=timezone.localdate())
    with django_assert_max_num_queries(5):
        panel = _panel(bob, "Team archives")
    assert [row["value"] for row in panel["rows"]] == [2, 1, 1]
    assert _panel(alice, "Team archives") is None


def test_access_requests_panel_for_department_heads(customer, dora, charlie, gm, alice):
    AccessRequest.objects.create(customer=customer, requester=charlie, reason="投诉处理")
    other = CustomerFactory(owner=charlie, name="西部公司")
    AccessRequest.objects.create(customer=other, requester=alice, reason="x")
    panel = _panel(dora, "Pending access requests")
    assert len(panel["rows"]) == 1 and customer.name in panel["rows"][0]["label"]
    assert set(pending_access_requests_for(gm)) == set(AccessRequest.objects.all())
    assert _panel(alice, "Pending access requests") is None
    assert _panel(charlie, "Pending access requests") is None


def test_gm_summary_panel(gm, alice, django_assert_max_num_queries):
    CustomerFactory(owner=alice, stage="lead")
    CustomerFactory(owner=alice, stage="customer", tier="A")
    CustomerFactory(owner=alice, stage="customer", tier="A", is_active=False)
    with django_assert_max_num_queries(4):
        panel = _panel(gm, "Customer archives")
    values = {row["label"]: row["value"] for row in panel["rows"]}
    assert values["Stage: Lead"] == 1 and values["Stage: Transacting customer"] == 1
    assert values["Key-account tier A"] == 1 and values["Key-account tier B"] == 0
