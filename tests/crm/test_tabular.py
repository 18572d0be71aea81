"""Tabular input and output (crm.tabular): files as Chinese Excel saves them, one cell parser, and every
export of the archive formula-safe."""

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from crm.tabular import (
    CellError,
    TableError,
    csv_bytes,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_int,
    parse_text,
    read_table,
    write_xlsx,
)
from customers.imports.importers import read_dataset, run_import
from customers.models import AccessLog, Customer
from tests.factories import ContactFactory, CustomerFactory

HEADER = "收发货单位全称,简称,电话\n"


@pytest.fixture(autouse=True)
def _english():
    """The messages are asserted in English, whatever language an earlier test left active."""
    with translation.override("en"):
        yield
ROW = "上海浦东远航国际货运代理有限公司,远航货代,021-68881234\n"


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-8-sig", "utf-8"])
def test_csv_as_chinese_excel_saves_it_keeps_its_chinese(encoding):
    table = read_table(content=(HEADER + ROW).encode(encoding), filename="客户.csv")
    assert table.headers == ["收发货单位全称", "简称", "电话"]
    assert table.rows == [["上海浦东远航国际货运代理有限公司", "远航货代", "021-68881234"]]


@pytest.mark.django_db
def test_gb18030_csv_imports_with_its_chinese_intact(bob):
    content = (HEADER + ROW).encode("gb18030")
    result = run_import(kind="customers", user=bob, dataset=read_dataset(content=content, filename="客户.csv"),
                        dry_run=False)
    assert result.ok and result.created == 1
    customer = Customer.objects.get()
    assert (customer.name, customer.short_name, customer.phone) == ("上海浦东远航国际货运代理有限公司", "远航货代",
                                                                  "021-68881234")


def test_unreadable_files_are_refused_with_a_reason():
    with pytest.raises(TableError, match="CSV or XLSX"):
        read_table(content=b"x", filename="a.pdf")
    with pytest.raises(TableError, match="XLSX"):
        read_table(content=b"not a zip", filename="a.xlsx")
    with pytest.raises(TableError, match="empty"):
        read_table(content=b"", filename="a.csv")
    with pytest.raises(TableError, match="more than 1 rows"):
        read_table(content=b"a\n1\n2\n", filename="a.csv", max_rows=1)


def test_semicolon_and_tab_separated_files_are_read():
    assert read_table(content="名称;电话\n甲;1\n".encode(), filename="a.csv").rows == [["甲", "1"]]
    assert read_table(content="名称\t电话\n乙\t2\n".encode(), filename="a.txt").rows == [["乙", "2"]]


@pytest.mark.parametrize("value, expected", [
    ("¥1,234.50", Decimal("1234.50")), ("1，000", Decimal("1000")), (3.3000000000000003, Decimal("3.30")),
    (12, Decimal("12.00")),
])
def test_decimal_cells(value, expected):
    assert parse_decimal(value, max_digits=16, decimal_places=2) == expected


@pytest.mark.parametrize("value, message", [
    ("1.234", "decimal places"), ("abc", "number"), (True, "number"), ("-1", "negative"), ("1e30", "too large"),
])
def test_bad_decimal_cells(value, message):
    with pytest.raises(CellError, match=message):
        parse_decimal(value, max_digits=16, decimal_places=2, allow_negative=False)


def test_other_cells():
    assert [parse_date(v) for v in ("2026-03-05", "2026/3/5", "2026年3月5日", "20260305", "2026-03-05T10:00:00Z")] == [
        dt.date(2026, 3, 5)] * 5
    assert parse_date("") is None
    assert [parse_bool(v) for v in ("是", "否", "YES", "0")] == [True, False, True, False]
    assert parse_int(" 12 ") == 12
    with pytest.raises(CellError):
        parse_int("1.5")
    assert parse_text(10023.0) == "10023"
    assert parse_text("  a   b ", collapse_spaces=True) == "a b"
    assert parse_text("'=SUM(A1)") == "=SUM(A1)"  # our own export's neutralisation is undone
    with pytest.raises(CellError, match="control characters"):
        parse_text("a\x00b")
    with pytest.raises(CellError, match="at most 3"):
        parse_text("abcd", max_length=3)
    with pytest.raises(CellError, match="text"):
        parse_text({"nested": 1})


def test_writers_neutralise_formulas():
    rows = [["=HYPERLINK(\"http://x\")", "+86 21", "-1", "@SUM(A1)", 5, None]]
    text = csv_bytes(["=header", "b", "c", "d", "e", "f"], rows).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text))) == [
        ["'=header", "b", "c", "d", "e", "f"], ["'=HYPERLINK(\"http://x\")", "'+86 21", "'-1", "'@SUM(A1)", "5", ""]]
    sheet = openpyxl.load_workbook(io.BytesIO(write_xlsx([("表", ["a"], [["=1+1"], [7]])]))).active
    assert [cell.value for cell in sheet["A"]] == ["a", "'=1+1", 7]


# --- Every export of the archive neutralises formulas ------------------------------------------------

FORMULA = "=cmd|'/c calc'!A1"


@pytest.fixture
def hostile(db, alice, east_team):
    customer = CustomerFactory(owner=alice, team=east_team, name=FORMULA + "有限公司", short_name="+SUM(1)")
    ContactFactory(customer=customer, name="@联系人", title="-经理")
    return customer


def _csv_cells(response) -> list[str]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return [cell for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for cell in row]


def _xlsx_cells(response) -> list:
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    return [cell.value for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def _no_raw_formula(cells) -> None:
    texts = [cell for cell in cells if isinstance(cell, str) and cell]
    assert texts, "the export is empty"
    assert not [cell for cell in texts if cell[0] in "=+-@"], texts


@pytest.mark.django_db
@pytest.mark.parametrize("door", ["customers_csv", "customers_xlsx", "contacts_csv", "contacts_xlsx", "card_xlsx",
                                  "classification_xlsx"])
def test_every_archive_export_neutralises_formulas(client, bob, hostile, door):
    client.force_login(bob)
    urls = {
        "customers_csv": reverse("customers:export") + "?format=csv",
        "customers_xlsx": reverse("customers:export") + "?format=xlsx",
        "contacts_csv": reverse("customers:export_contacts") + "?format=csv",
        "contacts_xlsx": reverse("customers:export_contacts") + "?format=xlsx",
        "card_xlsx": reverse("customers:card_xlsx", args=[hostile.pk]),
        "classification_xlsx": reverse("customers:classification_xlsx"),
    }
    response = client.get(urls[door])
    assert response.status_code == 200
    cells = _csv_cells(response) if door.endswith("csv") else _xlsx_cells(response)
    assert any(isinstance(cell, str) and FORMULA in cell for cell in cells)
    _no_raw_formula(cells)


@pytest.mark.django_db
def test_access_log_csv_neutralises_formulas(client, gm, hostile, charlie):
    AccessLog.objects.create(user=charlie, customer=hostile, action=AccessLog.Action.READ,
                             channel=AccessLog.Channel.WEB, detail="=1+1")
    client.force_login(gm)
    response = client.get(reverse("customers:access_log") + "?export=csv")
    assert response.status_code == 200
    cells = _csv_cells(response)
    assert "'" + FORMULA + "有限公司" in cells and "'=1+1" in cells
    _no_raw_formula(cells)
