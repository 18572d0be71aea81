"""Import and export of customer archives and contacts: the import page and its service, the job
page, the template files and the exports, as owner (alice), colleague (bob) and outsider (charlie)."""

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from crm.exceptions import PermissionDeniedError
from crm.tabular import safe_cell
from customers.imports.importers import read_dataset, run_import
from customers.models import (
    AccessGrant,
    AccessLog,
    Contact,
    Customer,
    ImportJob,
    OwnerChange,
    Region,
    Route,
)
from tests.factories import ContactFactory, CustomerFactory, make_credit_code

pytestmark = pytest.mark.django_db

ZH_HEADERS = ["客户编码", "收发货单位全称", "简称", "统一社会信用代码", "地址", "电话", "所属行业", "所有制",
              "客户性质", "地域", "区域", "路序", "阶段", "客户经理(用户名)"]


def csv_bytes(rows: list[list]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zh_row(name, *, code="", short="", credit="", address="", phone="", industry="制造业", ownership="股份制",
           nature="贸易公司", location="商业中心", region="华东", route="", stage="交易客户", owner=""):
    return [code, name, short, credit, address, phone, industry, ownership, nature, location, region, route, stage,
            owner]


def dataset(rows, filename="data.csv"):
    content = xlsx_bytes(rows) if filename.endswith(".xlsx") else csv_bytes(rows)
    return read_dataset(content=content, filename=filename)


def csv_rows(response) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content[1:])))


def xlsx_rows(response) -> list[list]:
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


@pytest.fixture
def west_customer(charlie, west_team):
    return CustomerFactory(owner=charlie, team=west_team, name="广州西部货运有限公司",
                           region=Region.objects.get(name="华南"))


# --- import: the service ----------------------------------------------------------------------------

def test_csv_import_with_chinese_headers_creates_archives(bob, alice, east_team):
    rows = [ZH_HEADERS,
            zh_row("上海新星电子有限公司", short="新星", credit=make_credit_code(11), address="上海市浦东新区1号",
                   phone="021-66661111", owner="alice"),
            zh_row("苏州宏达机械有限公司", ownership="joint_venture", location="交通枢纽", stage="潜在客户")]
    result = run_import(kind="customers", user=bob, dataset=dataset(rows), dry_run=False)

    assert result.errors == []
    assert (result.created, result.updated, result.written) == (2, 0, True)
    first = Customer.objects.get(name="上海新星电子有限公司")
    assert first.code.startswith("C") and first.code != "TMP"
    assert (first.short_name, first.credit_code, first.phone) == ("新星", make_credit_code(11), "021-66661111")
    assert (first.ownership, first.location_type, first.stage) == ("joint_stock", "business_centre", "customer")
    assert (first.industry.name, first.nature.name, first.region.name) == ("制造业", "贸易公司", "华东")
    assert (first.owner, first.team, first.created_by, first.source) == (alice, east_team, bob, "import")
    second = Customer.objects.get(name="苏州宏达机械有限公司")
    assert (second.owner, second.ownership, second.location_type, second.stage) == (
        bob, "joint_venture", "transport_hub", "prospect")
    assert OwnerChange.objects.filter(customer=first, from_user=None, to_user=alice).count() == 1


def test_xlsx_import_english_headers_route_and_typed_cells(bob):
    east = Region.objects.get(name="华东")
    route = Route.objects.create(region=east, name="一号线", sequence=1)
    rows = [["Full name", "Sales territory", "Route", "Ownership", "Founded on", "Employees", "Phone", "Unknown"],
            ["宁波港通物流有限公司", "华东", "一号线", "Joint-stock", dt.datetime(2001, 5, 17), 120, 57488886666,
             "ignored"]]
    result = run_import(kind="customers", user=bob, dataset=dataset(rows, "x.xlsx"), dry_run=False)

    assert result.errors == [] and result.written
    assert result.ignored_headers == ["Unknown"]
    customer = Customer.objects.get(name="宁波港通物流有限公司")
    assert (customer.route, customer.ownership, customer.employees) == (route, "joint_stock", 120)
    assert customer.founded_on == dt.date(2001, 5, 17)
    assert customer.phone == "57488886666"  # a number cell keeps no ".0"


def test_dry_run_writes_nothing(bob):
    rows = [ZH_HEADERS, zh_row("杭州试运行贸易有限公司")]
    before = Customer.objects.count()
    result = run_import(kind="customers", user=bob, dataset=dataset(rows), dry_run=True)

    assert (result.created, result.written, result.errors) == (1, False, [])
    assert result.preview[0]["row"] == 2 and result.preview[0]["action"] == "new"
    assert Customer.objects.count() == before
    assert not OwnerChange.objects.exists()


def test_one_bad_row_imports_nothing_and_every_error_is_listed(bob, customer):
    rows = [ZH_HEADERS,
            zh_row("无锡正常物流有限公司"),                                        # row 2: fine
            zh_row("南京火星贸易有限公司", region="火星"),                          # row 3: unknown territory
            zh_row("合肥信用码有限公司", credit="91310000000000000X"),             # row 4: bad credit code
            zh_row("上海东方远洋贸易（有限公司）"),                                 # row 5: duplicate of `customer`
            zh_row("常州双胞胎有限公司", phone="0519-88887777"),                    # row 6
            zh_row("常州双胞胎有限公司", phone="0519-88887777"),                    # row 7: duplicates row 6
            zh_row(""),                                                            # row 8: no name
            zh_row("温州所有制有限公司", ownership="公私合营")]                      # row 9: unknown choice
    before = Customer.objects.count()
    result = run_import(kind="customers", user=bob, dataset=dataset(rows), dry_run=False)

    assert not result.written
    assert Customer.objects.count() == before
    by_row = {(error["row"], error["column"]): error["message"] for error in result.errors}
    assert "火星" in by_row[(3, "区域")]
    assert "check character" in by_row[(4, "统一社会信用代码")]
    assert customer.code in by_row[(5, "收发货单位全称")]
    assert "row 6" in by_row[(7, "收发货单位全称")] and "row 6" in by_row[(7, "电话")]
    assert "blank" in by_row[(8, "收发货单位全称")]
    assert "公私合营" in by_row[(9, "所有制")]
    assert 2 not in {error["row"] for error in result.errors}
    assert result.preview[0]["action"] == "new" and result.preview[1]["action"] == "error"


def test_duplicate_by_credit_code_and_phone_of_an_existing_archive(bob, customer):
    customer.credit_code = make_credit_code(77)
    customer.clean()  # the factory leaves phone_normalized empty
    customer.save()
    rows = [ZH_HEADERS, zh_row("别名公司甲", credit=make_credit_code(77)), zh_row("别名公司乙", phone="02155550001")]
    result = run_import(kind="customers", user=bob, dataset=dataset(rows), dry_run=True)
    columns = {(error["row"], error["column"]) for error in result.errors}
    assert columns == {(2, "统一社会信用代码"), (3, "电话")}


def test_update_by_code_changes_fields_keeps_owner_and_writes_history(bob, alice, customer):
    history_before = customer.history.count()
    rows = [ZH_HEADERS, zh_row("", code=customer.code.lower(), short="东方远洋", address="上海市虹口区新地址8号",
                               industry="", ownership="", nature="", location="", region="", stage="", owner="alice")]
    rows[1][1] = customer.name
    result = run_import(kind="customers", user=bob, dataset=dataset(rows), dry_run=False)

    assert result.errors == [] and (result.created, result.updated) == (0, 1)
    customer.refresh_from_db()
    assert (customer.short_name, customer.address, customer.owner) == ("东方远洋", "上海市虹口区新地址8号", alice)
    assert customer.history.count() == history_before + 1
    latest = customer.history.first()
    assert latest.history_user == bob and "address" in latest.history_change_reason.lower()


def test_same_file_again_is_unchanged(bob, customer):
    rows = [["客户编码", "收发货单位全称"], [customer.code, customer.name]]
    result = run_import(kind="customers", user=bob, dataset=dataset(rows), dry_run=False)
    assert (result.updated, result.unchanged, result.errors) == (0, 1, [])


def test_owner_of_existing_archive_is_not_changed_by_import(bob, customer, charlie):
    rows = [["客户编码", "客户经理(用户名)"], [customer.code, "charlie"]]
    result = run_import(kind="customers", user=bob, dataset=dataset(rows), dry_run=False)
    assert not result.written
    assert "handover" in result.errors[0]["message"] and result.errors[0]["column"] == "客户经理(用户名)"
    customer.refresh_from_db()
    assert customer.owner.username == "alice"


def test_new_archive_owner_must_be_of_the_importers_teams(bob, charlie):
    rows = [ZH_HEADERS, zh_row("外区公司", owner="charlie"), zh_row("无名氏公司", owner="nobody")]
    result = run_import(kind="customers", user=bob, dataset=dataset(rows), dry_run=True)
    assert [(e["row"], e["column"]) for e in result.errors] == [(2, "客户经理(用户名)"), (3, "客户经理(用户名)")]


def test_code_of_an_unreadable_archive_is_no_such_archive(bob, west_customer):
    rows = [["客户编码", "地址"], [west_customer.code, "广州某地"], ["C9999999", "某地"]]
    result = run_import(kind="customers", user=bob, dataset=dataset(rows), dry_run=False)
    messages = [error["message"] for error in result.errors]
    assert messages == [f"No such archive: {west_customer.code}. Leave the code empty to file a new archive.",
                        "No such archive: C9999999. Leave the code empty to file a new archive."]
    west_customer.refresh_from_db()
    assert west_customer.address == ""


def test_account_manager_may_not_import(alice, client):
    with pytest.raises(PermissionDeniedError):
        run_import(kind="customers", user=alice, dataset=dataset([ZH_HEADERS, zh_row("某公司")]), dry_run=True)
    client.force_login(alice)
    assert client.get(reverse("customers:import")).status_code == 403
    assert client.get(reverse("customers:import_template")).status_code == 403


def test_missing_key_column_is_a_header_error(bob):
    result = run_import(kind="customers", user=bob, dataset=dataset([["地址"], ["某地"]]), dry_run=True)
    assert result.errors[0]["row"] == 1 and "Full name" in result.errors[0]["message"]


def test_unreadable_files_are_form_errors(bob, client):
    client.force_login(bob)
    response = client.post(reverse("customers:import"), {
        "kind": "customers", "file": SimpleUploadedFile("x.xlsx", b"not a workbook")})
    assert response.status_code == 200
    assert "cannot be read" in str(response.context["form"].errors["file"])
    response = client.post(reverse("customers:import"), {
        "kind": "customers", "file": SimpleUploadedFile("x.pdf", b"%PDF")})
    assert "CSV or XLSX" in str(response.context["form"].errors["file"])
    assert not ImportJob.objects.exists()


def test_gb18030_csv_is_read():
    content = "收发货单位全称,地址\n北京某公司,北京\n".encode("gb18030")
    data = read_dataset(content=content, filename="legacy.csv")
    assert data.headers == ["收发货单位全称", "地址"] and data[0] == ("北京某公司", "北京")


def test_contacts_import_creates_and_updates(bob, customer):
    ContactFactory(customer=customer, name="王经理", title="经理")
    rows = [["客户编码", "姓名", "职务", "手机", "家庭住址", "性别", "是否决策人"],
            [customer.code, "王经理", "总经理", "", "", "男", "是"],
            [customer.code, "李会计", "会计", "13800001111", "上海市某路2号", "女", "否"],
            ["C7777777", "张三", "", "", "", "", ""]]
    result = run_import(kind="contacts", user=bob, dataset=dataset(rows), dry_run=False)
    assert [(e["row"], e["column"]) for e in result.errors] == [(4, "客户编码")]
    rows.pop()
    result = run_import(kind="contacts", user=bob, dataset=dataset(rows), dry_run=False)
    assert result.errors == [] and (result.created, result.updated) == (1, 1)
    wang = Contact.objects.get(customer=customer, name="王经理")
    assert (wang.title, wang.gender, wang.is_decision_maker) == ("总经理", "male", True)
    li = Contact.objects.get(customer=customer, name="李会计")
    assert (li.mobile, li.home_address, li.gender) == ("13800001111", "上海市某路2号", "female")
    assert li.history.first().history_user == bob


# --- import: the pages --------------------------------------------------------------------------

def test_upload_preview_then_confirm(bob, client):
    client.force_login(bob)
    content = csv_bytes([ZH_HEADERS, zh_row("嘉兴预览物流有限公司"), zh_row("嘉兴确认物流有限公司")])
    response = client.post(reverse("customers:import"), {
        "kind": "customers", "file": SimpleUploadedFile("preview.csv", content)})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("customers:import_job", args=[job.pk])
    assert (job.user, job.total_rows, job.status) == (bob, 2, "pending")

    page = client.get(response.url)
    assert page.status_code == 200
    preview = page.context["preview"]
    assert [row["action"] for row in preview.rows] == ["new", "new"]
    assert "confirm-form" in page.content.decode()
    assert not Customer.objects.filter(name__startswith="嘉兴").exists()

    confirmed = client.post(reverse("customers:import_confirm", args=[job.pk]))
    assert confirmed.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.created_count, job.processed_rows, job.progress) == ("done", 2, 2, 100)
    assert Customer.objects.filter(name__startswith="嘉兴").count() == 2
    client.post(reverse("customers:import_confirm", args=[job.pk]))  # a second click does nothing
    assert Customer.objects.filter(name__startswith="嘉兴").count() == 2


def test_preview_lists_errors_and_offers_no_confirm(bob, client):
    client.force_login(bob)
    content = csv_bytes([ZH_HEADERS, zh_row("丽水错误公司", region="月球")])
    response = client.post(reverse("customers:import"), {
        "kind": "customers", "file": SimpleUploadedFile("bad.csv", content)}, follow=True)
    html = response.content.decode()
    assert "月球" in html and "import-errors" in html and "confirm-form" not in html


def test_large_file_is_checked_by_a_task_then_written_on_confirm(bob, dora, client, settings,
                                                                 django_capture_on_commit_callbacks):
    settings.CRM = {**settings.CRM, "IMPORT_ASYNC_ROWS": 2}
    client.force_login(bob)
    rows = [ZH_HEADERS] + [zh_row(f"批量导入测试{n}有限公司") for n in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("customers:import"), {
            "kind": "customers", "file": SimpleUploadedFile("big.xlsx", xlsx_bytes(rows))})
    job = ImportJob.objects.get()
    assert response.url == reverse("customers:import_job", args=[job.pk])
    job.refresh_from_db()
    assert (job.status, job.total_rows, job.processed_rows, job.progress) == ("previewed", 5, 5, 100)
    assert (job.preview["created"], job.preview["updated"], job.errors, job.confirmed_at) == (5, 0, [], None)
    assert not Customer.objects.filter(name__startswith="批量导入测试").exists()

    # The polled status answers a reload once the check is done: the page then shows the preview.
    assert client.get(response.url, HTTP_HX_REQUEST="true").headers["HX-Refresh"] == "true"
    page = client.get(response.url)
    html = page.content.decode()
    assert "confirm-form" in html and "cancel-form" in html and 'data-width="100%"' in html
    assert [row["action"] for row in page.context["preview"].rows] == ["new"] * 5

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("customers:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert (job.status, job.created_count, job.updated_count, job.errors) == ("done", 5, 0, [])
    assert job.confirmed_at is not None
    assert Customer.objects.filter(name__startswith="批量导入测试").count() == 5

    partial = client.get(response.url, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "every 1s" not in partial.content.decode()
    assert 'data-width="100%"' in partial.content.decode()  # set by behaviours.js (Content-Security-Policy)

    client.force_login(dora)
    assert client.get(response.url).status_code == 404


def test_running_job_page_polls_every_second(bob, client, settings):
    settings.CRM = {**settings.CRM, "IMPORT_ASYNC_ROWS": 2}
    job = ImportJob.objects.create(kind="customers", user=bob, status="running", total_rows=10, processed_rows=4,
                                   file=SimpleUploadedFile("x.csv", b"a"))
    client.force_login(bob)
    html = client.get(reverse("customers:import_job", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in html and 'data-width="40%"' in html


def test_large_file_with_an_error_is_previewed_with_it_and_cannot_be_confirmed(bob, client, settings,
                                                                              django_capture_on_commit_callbacks):
    settings.CRM = {**settings.CRM, "IMPORT_ASYNC_ROWS": 1}
    client.force_login(bob)
    rows = [ZH_HEADERS, zh_row("衢州好公司"), zh_row("衢州坏公司", region="冥王星")]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("customers:import"), {"kind": "customers",
                                                  "file": SimpleUploadedFile("big.csv", csv_bytes(rows))})
    job = ImportJob.objects.get()
    assert job.status == "previewed" and job.created_count == 0
    assert (job.preview["created"], job.preview["error_count"], job.preview["error_rows"]) == (1, 1, 1)
    assert job.errors[0]["row"] == 3 and job.errors[0]["column"] == "区域"
    html = client.get(reverse("customers:import_job", args=[job.pk])).content.decode()
    assert "冥王星" in html and "import-errors" in html and "errors-download" in html
    assert "confirm-form" not in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("customers:import_confirm", args=[job.pk]), follow=True)
    assert "nothing can be imported until they are corrected" in response.content.decode()
    job.refresh_from_db()
    assert (job.status, job.confirmed_at) == ("previewed", None)
    assert not Customer.objects.filter(name__startswith="衢州").exists()


def test_template_files(bob, client):
    client.force_login(bob)
    response = client.get(reverse("customers:import_template") + "?kind=customers")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    headers = [cell.value for cell in workbook.worksheets[0][1]]
    assert headers[:3] == ["Customer code", "Full name", "Short name"]
    assert "Key-account tier" not in headers and len(workbook.worksheets) == 2
    response = client.get(reverse("customers:import_template") + "?kind=contacts&format=csv")
    assert response.content.decode("utf-8").lstrip("\ufeff").startswith("Customer code,Name,")
    assert client.get(reverse("customers:import_template") + "?kind=bogus").status_code == 400


# --- export -----------------------------------------------------------------------------------------

@pytest.fixture
def archives(customer, west_customer, alice, east_team):
    customer.bank = "工商银行"
    customer.save()
    other = CustomerFactory(owner=alice, team=east_team, name="=HYPERLINK(\"http://evil\")有限公司",
                            address="+123 某路", bank="建设银行", registered_capital=Decimal("-5.50"))
    return {"customer": customer, "west": west_customer, "formula": other}


def codes_in(rows: list[list]) -> set[str]:
    return {row[0] for row in rows[1:]}


def test_export_holds_only_readable_rows(alice, bob, charlie, client, archives):
    expectations = {alice: {archives["customer"].code, archives["formula"].code},
                    bob: {archives["customer"].code, archives["formula"].code},
                    charlie: {archives["west"].code}}
    for user, codes in expectations.items():
        client.force_login(user)
        response = client.get(reverse("customers:export") + "?format=csv")
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        assert codes_in(csv_rows(response)) == codes, user.username


def test_export_uses_the_list_filters(bob, client, archives):
    client.force_login(bob)
    response = client.get(reverse("customers:export"), {"format": "csv", "q": "东方远洋"})
    assert codes_in(csv_rows(response)) == {archives["customer"].code}
    log = AccessLog.objects.get(user=bob)
    assert (log.action, log.channel, log.customer) == ("export", "web", None)
    assert log.detail.startswith("customers 1 rows") and "q=" in log.detail


def test_export_neutralises_formula_cells_in_csv_and_xlsx(bob, client, archives):
    client.force_login(bob)
    rows = csv_rows(client.get(reverse("customers:export") + "?format=csv"))
    header = rows[0]
    formula_row = next(row for row in rows[1:] if row[0] == archives["formula"].code)
    assert formula_row[header.index("Full name")] == "'=HYPERLINK(\"http://evil\")有限公司"
    assert formula_row[header.index("Address")] == "'+123 某路"

    response = client.get(reverse("customers:export") + "?format=xlsx")
    assert response.status_code == 200
    rows = xlsx_rows(response)
    formula_row = next(row for row in rows[1:] if row[0] == archives["formula"].code)
    assert formula_row[rows[0].index("Full name")] == "'=HYPERLINK(\"http://evil\")有限公司"
    assert formula_row[rows[0].index("Address")] == "'+123 某路"
    assert formula_row[rows[0].index("Registered capital (CNY)")] == -5.5  # numbers stay numbers
    assert AccessLog.objects.filter(user=bob, action="export").count() == 2


def test_safe_cell():
    assert [safe_cell(v) for v in ("=1+1", "+86", "-x", "@a", "\tx", "\rx", "ok", 5, None)] == [
        "'=1+1", "'+86", "'-x", "'@a", "'\tx", "'\rx", "ok", 5, None]


def test_financial_columns_only_for_users_who_may_see_them(alice, charlie, dora, credit_officer, client, archives):
    AccessGrant.objects.create(customer=archives["customer"], user=charlie, granted_by=dora,
                               expires_at=timezone.now() + dt.timedelta(days=3))
    client.force_login(charlie)
    rows = csv_rows(client.get(reverse("customers:export") + "?format=csv"))
    assert codes_in(rows) == {archives["customer"].code, archives["west"].code}
    assert "Bank" in rows[0]  # charlie owns the west archive
    granted = next(row for row in rows[1:] if row[0] == archives["customer"].code)
    assert granted[rows[0].index("Bank")] == ""  # …but may not see alice's financials

    archives["west"].owner = dora
    archives["west"].save()
    rows = csv_rows(client.get(reverse("customers:export") + "?format=csv"))
    assert codes_in(rows) == {archives["customer"].code} and "Bank" not in rows[0]

    client.force_login(credit_officer)
    rows = csv_rows(client.get(reverse("customers:export") + "?format=csv"))
    bank = {row[0]: row[rows[0].index("Bank")] for row in rows[1:]}
    assert bank[archives["customer"].code] == "工商银行"


def test_contacts_export_hides_personal_columns(bob, charlie, dora, client, archives):
    ContactFactory(customer=archives["customer"], name="赵主任", home_address="上海市某小区", mobile="13900000000")
    ContactFactory(customer=archives["west"], name="钱主任")
    client.force_login(bob)
    rows = csv_rows(client.get(reverse("customers:export_contacts") + "?format=csv"))
    assert [row[2] for row in rows[1:]] == ["赵主任"]
    assert rows[1][rows[0].index("Home address")] == "上海市某小区"

    archives["west"].owner = dora
    archives["west"].save()
    AccessGrant.objects.create(customer=archives["customer"], user=charlie, granted_by=dora,
                               expires_at=timezone.now() + dt.timedelta(days=3))
    client.force_login(charlie)
    rows = csv_rows(client.get(reverse("customers:export_contacts") + "?format=csv"))
    assert [row[2] for row in rows[1:]] == ["赵主任"]
    assert "Home address" not in rows[0] and "Mobile" not in rows[0]
    assert AccessLog.objects.filter(user=charlie, action="export", detail__startswith="contacts 1 rows").exists()


def test_export_refuses_bad_format_and_roles(bob, integration_user, client):
    client.force_login(bob)
    assert client.get(reverse("customers:export") + "?format=pdf").status_code == 400
    client.force_login(integration_user)
    assert client.get(reverse("customers:export")).status_code == 403


def test_exported_file_imports_back_unchanged(bob, client, archives):
    client.force_login(bob)
    content = b"".join(client.get(reverse("customers:export") + "?format=csv").streaming_content)
    result = run_import(kind="customers", user=bob, dataset=read_dataset(content=content, filename="e.csv"),
                        dry_run=True)
    assert result.errors == []
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)


def test_export_query_count_does_not_grow_with_rows(bob, east_team, alice, client, django_assert_max_num_queries):
    CustomerFactory.create_batch(30, owner=alice, team=east_team)
    client.force_login(bob)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("customers:export") + "?format=xlsx")
    assert len(xlsx_rows(response)) == 31


def test_exported_contacts_import_back_unchanged(bob, client, customer):
    ContactFactory(customer=customer, name="孙主任", gender="female", is_primary=True, email="sun@example.com")
    client.force_login(bob)
    content = b"".join(client.get(reverse("customers:export_contacts") + "?format=csv").streaming_content)
    result = run_import(kind="contacts", user=bob, dataset=read_dataset(content=content, filename="c.csv"),
                        dry_run=True)
    assert (result.errors, result.unchanged, result.ignored_headers) == ([], 1, ["Customer"])
