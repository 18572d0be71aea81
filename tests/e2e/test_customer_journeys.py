"""Acceptance journeys of "Customer archives, classification and confidentiality" (SPEC §2.1, §2.2, §8, §9),
tried in the browser as new users would, in English.

People (tests/conftest.py): alice, account manager of East branch, owns the customer; bob, clerk of East
branch; charlie, account manager of West branch (an outsider); dora, head of East branch.
"""

import datetime as dt
import re

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from customers.models import AccessGrant, AccessRequest, Customer, ImportJob, Industry, Region
from tests.e2e.conftest import PASSWORD, log_in
from tests.factories import ContactFactory, CustomerFactory, UserFactory, make_credit_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]



# --- Fixtures -------------------------------------------------------------------------------------

def header_search(page, text: str) -> None:
    box = page.locator("nav form[role=search] input[name=q]")
    box.fill(text)
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/customers/\?q="))


def list_names(page) -> list[str]:
    return [name.strip() for name in page.locator("#customer-table tbody tr td:nth-child(2) a").all_inner_texts()]


# --- 1. The clerk's day --------------------------------------------------------------------------

def test_clerk_files_classifies_imports_prints_and_exports(new_page, bob, alice, east_team, tmp_path):
    south, east = Region.objects.get(name="华南"), Region.objects.get(name="华东")
    chemicals, food = Industry.objects.get(name="化工"), Industry.objects.get(name="食品饮料")
    CustomerFactory(owner=alice, team=east_team, name="广州南方化工物流有限公司", region=south, industry=chemicals)
    CustomerFactory(owner=alice, team=east_team, name="杭州西湖食品有限公司", region=east, industry=food)
    page = log_in(new_page(), "bob")

    # File a new archive through the "New archive" form.
    page.goto("/customers/")
    page.click("#customer-create")
    expect(page.locator("main h1")).to_have_text("New customer archive")
    name = "宁波海港国际货运（集团）有限公司"
    credit_code = make_credit_code(4711)
    page.fill("#id_name", name)
    page.fill("#id_short_name", "宁波海港")
    page.select_option("#id_region", label="华东")
    page.select_option("#id_industry", label="化工")
    page.select_option("#id_nature", label="货代")
    page.select_option("#id_ownership", label="Joint-stock")
    page.fill("#id_credit_code", credit_code)
    page.click("#customer-save")

    expect(page.locator("#customer-name")).to_have_text(name)
    customer = Customer.objects.get(name=name)
    expect(page.locator(".alert-success")).to_contain_text(f"Archive {customer.code} filed")
    expect(page).to_have_url(re.compile(rf"/customers/{customer.pk}/$"))
    assert re.fullmatch(r"C\d{7}", customer.code)
    assert (customer.short_name, customer.credit_code, customer.ownership) == ("宁波海港", credit_code, "joint_stock")
    assert (customer.region.name, customer.industry.name, customer.nature.name) == ("华东", "化工", "货代")
    assert (customer.owner, customer.team, customer.created_by) == (bob, east_team, bob)
    overview = page.locator("#overview")
    expect(overview).to_contain_text("宁波海港")
    expect(overview).to_contain_text(credit_code)
    expect(overview).to_contain_text("Joint-stock")

    # The same company typed with spaces and half-width brackets is a duplicate naming the archive.
    page.goto("/customers/new/")
    page.fill("#id_name", " 宁波 海港国际货运 (集团) 有限公司 ")
    page.fill("#id_short_name", "海港")
    page.click("#customer-save")
    alert = page.locator("#duplicate-alert")
    expect(alert).to_contain_text(f"{name} ({customer.code})")
    expect(alert.locator("a")).to_have_attribute("href", f"/customers/{customer.pk}/")
    expect(page.locator("#id_name ~ .invalid-feedback")).to_contain_text(
        f"An archive with the same full name already exists: {name} ({customer.code}).")
    assert Customer.objects.count() == 3

    # Filter the list by territory, then by industry, then group it.
    page.goto("/customers/")
    expect(page.locator("#customer-total")).to_have_text("3")
    page.select_option("#id_region", "华南")
    page.click("#filter-submit")
    expect(page.locator("#customer-total")).to_have_text("1")
    assert list_names(page) == ["广州南方化工物流有限公司"]
    page.select_option("#id_region", "")
    page.select_option("#id_industry", "化工")
    page.click("#filter-submit")
    expect(page.locator("#customer-total")).to_have_text("2")
    assert sorted(list_names(page)) == sorted(["广州南方化工物流有限公司", name])
    page.select_option("#id_industry", "")
    page.select_option("#id_group_by", "region")
    page.click("#filter-submit")
    groups = page.locator("#group-counts")
    expect(groups).to_contain_text("Customers by Sales territory")
    expect(groups.locator(".group-count", has_text="华东")).to_contain_text("2")
    expect(groups.locator(".group-count", has_text="华南")).to_contain_text("1")
    groups.locator(".group-count", has_text="华南").click()
    expect(page.locator("#customer-total")).to_have_text("1")

    # The classification summary (form 1).
    page.goto("/customers/")
    page.locator("main").get_by_role("link", name="Classification summary").click()
    expect(page.locator("main h1")).to_contain_text("Customer classification summary")
    expect(page.locator("#classification-total")).to_have_text("3")
    row = page.locator(f"#row-{customer.pk}")
    for text in (customer.code, name, "Joint-stock", "货代", "华东", "化工", "— / —"):
        expect(row).to_contain_text(text)

    # Import a small CSV: a preview that saves nothing, then the confirmation.
    csv_text = ("Full name,Short name,Sales territory,Industry,Ownership,Unified social credit code\n"
                f"青岛北海冷链物流有限公司,北海冷链,华北,食品饮料,Private / individual,{make_credit_code(4712)}\n"
                "天津渤海钢铁贸易有限公司,渤海钢铁,华北,钢铁冶金,国有,\n")
    page.goto("/customers/")
    page.locator("main").get_by_role("link", name=re.compile(r"\bImport$")).click()
    expect(page).to_have_url(re.compile(r"/customers/import/$"))
    page.select_option("#id_kind", "customers")
    page.set_input_files("#id_file", files=[{"name": "new-customers.csv", "mimeType": "text/csv",
                                             "buffer": csv_text.encode("utf-8")}])
    page.get_by_role("button", name="Check the file").click()
    preview = page.locator("#preview")
    expect(preview).to_contain_text("2 new")
    expect(page.locator("#preview-table")).to_contain_text("青岛北海冷链物流有限公司")
    assert Customer.objects.count() == 3, "the preview must not save anything"
    page.locator("#confirm-form button").click()
    expect(page.locator("#job-result")).to_contain_text("Imported: 2 new, 0 updated.")
    assert ImportJob.objects.get().status == ImportJob.Status.DONE
    page.goto("/customers/?region=华北")
    expect(page.locator("#customer-total")).to_have_text("2")
    assert sorted(list_names(page)) == sorted(["青岛北海冷链物流有限公司", "天津渤海钢铁贸易有限公司"])
    imported = Customer.objects.get(name="天津渤海钢铁贸易有限公司")
    assert (imported.owner, imported.team, imported.ownership, imported.industry.name) == (
        bob, east_team, "state_owned", "钢铁冶金")
    assert Customer.objects.get(name="青岛北海冷链物流有限公司").credit_code == make_credit_code(4712)

    # The printable card and the card as XLSX.
    page.goto(f"/customers/{customer.pk}/")
    page.click("#print-link")
    expect(page).to_have_url(re.compile(rf"/customers/{customer.pk}/print/$"))
    expect(page.locator("#print-card")).to_contain_text(name)
    expect(page.locator("#print-card")).to_contain_text(customer.code)
    page.goto(f"/customers/{customer.pk}/")
    with page.expect_download() as download_info:
        page.click("#xlsx-link")
    download = download_info.value
    assert download.suggested_filename == f"customer-card-{customer.code}.xlsx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    workbook = openpyxl.load_workbook(path, read_only=True)
    cells = [str(value) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)
             for value in row if value is not None]
    workbook.close()
    assert any(name in cell for cell in cells)
    assert credit_code in cells


# --- 2. An account manager's own list ----------------------------------------------------------

def test_account_manager_sees_only_own_customers(new_page, alice, charlie, east_team, west_team):
    mine = ["上海东方远洋贸易有限公司", "苏州工业园区电子物流有限公司"]
    for name in mine:
        CustomerFactory(owner=alice, team=east_team, name=name)
    colleague = UserFactory(username="erin", roles=["account_manager"], teams=[east_team])
    CustomerFactory(owner=colleague, team=east_team, name="上海浦江进出口有限公司")
    CustomerFactory(owner=charlie, team=west_team, name="成都西部物流有限公司")
    page = log_in(new_page(), "alice")

    page.goto("/customers/")
    expect(page.locator("#customer-total")).to_have_text("2")
    expect(page.locator("#customer-table tbody tr")).to_have_count(2)
    assert sorted(list_names(page)) == sorted(mine)

    header_search(page, "成都西部物流")
    expect(page.locator("#customer-total")).to_have_text("0")
    expect(page.locator("#customer-table")).to_contain_text("No customers match.")
    expect(page.locator("main")).not_to_contain_text("成都西部物流有限公司")

    # Nor a colleague's of her own team: account managers read only their own customers.
    header_search(page, "上海浦江")
    expect(page.locator("#customer-total")).to_have_text("0")

    header_search(page, "苏州工业园区")
    expect(page.locator("#customer-total")).to_have_text("1")
    assert list_names(page) == ["苏州工业园区电子物流有限公司"]


# --- 3. An outsider asks for access; the department head grants it; it expires --------------------

def test_outsider_requests_access_granted_by_department_head_until_it_expires(new_page, customer, charlie, dora):
    ContactFactory(customer=customer, name="张经理", home_address="上海市徐汇区漕溪北路88号", hobbies="围棋")
    card_url = f"/customers/{customer.pk}/"
    outsider = log_in(new_page(), "charlie")

    # Every door is closed: the card, the API (session and token), the search and the export.
    response = outsider.goto(card_url)
    assert response.status == 404
    expect(outsider.locator("body")).not_to_contain_text(customer.name)
    assert outsider.request.get(f"/api/v1/customers/{customer.pk}/").status == 404
    # As another system would: a client without the browser's session. (With the session cookie, the
    # token endpoint answers 403 "CSRF Failed": it inherits SessionAuthentication.)
    token_response = new_page().request.post("/api/v1/auth/token/",
                                             data={"username": "charlie", "password": PASSWORD})
    assert token_response.status == 200, token_response.text()
    token = token_response.json()["token"]
    api = outsider.request.get(f"/api/v1/customers/{customer.pk}/", headers={"Authorization": f"Token {token}"})
    assert api.status == 404
    listed = outsider.request.get(f"/api/v1/customers/?search={customer.code}",
                                  headers={"Authorization": f"Token {token}"})
    assert listed.status == 200 and listed.json()["count"] == 0
    outsider.goto("/customers/")
    header_search(outsider, "东方远洋")
    expect(outsider.locator("#customer-total")).to_have_text("0")
    export = outsider.request.get("/customers/export/?format=csv")
    assert export.status == 200
    assert customer.name not in export.text() and customer.code not in export.text()

    # Ask for access by the customer's code, from the menu.
    outsider.click("#nav-customers")  # the Customers menu
    outsider.locator("#mainnav").get_by_role("link", name=re.compile("Access requests")).click()
    expect(outsider.locator("#my-requests")).to_contain_text("You have not asked for access to any archive.")
    outsider.click("#new-request")
    expect(outsider.locator("main h1")).to_contain_text("Request access to an archive")
    outsider.fill("#id_code", customer.code.lower())
    outsider.fill("#id_reason", "A joint shipment to Chengdu next week.")
    outsider.get_by_role("button", name="Send the request").click()
    expect(outsider).to_have_url(re.compile(r"/customers/access-requests/$"))
    expect(outsider.locator(".alert-success")).to_contain_text("If this archive exists, the request was sent")
    access_request = AccessRequest.objects.get()
    assert (access_request.customer, access_request.requester, access_request.status) == (
        customer, charlie, AccessRequest.Status.PENDING)
    mine = outsider.locator(f"#mine-{access_request.pk}")
    expect(mine).to_contain_text(customer.code)
    expect(mine).not_to_contain_text(customer.name)

    # The head of the owner's team is told (bell, home page), sees it waiting and grants it for 7 days.
    head = log_in(new_page(), "dora")
    expect(head.locator("#unread-count")).to_have_text("1")
    panel = head.locator("main .card", has_text="Access requests waiting for your decision")
    expect(panel.locator("li", has_text="charlie")).to_contain_text(customer.code)
    head.click("#nav-customers")  # the Customers menu
    head.locator("#mainnav").get_by_role("link", name=re.compile("Access requests")).click()
    pending = head.locator(f"#pending-{access_request.pk}")
    expect(pending).to_contain_text("charlie")
    expect(pending).to_contain_text(customer.code)
    expect(pending).to_contain_text("A joint shipment to Chengdu next week.")
    expect(pending.locator("input[name=days]")).to_have_value("7")
    pending.get_by_role("button", name="Grant").click()
    expect(head.locator(".alert-success")).to_contain_text(f"Access to {customer.code} granted to charlie")
    expect(head.locator("#to-decide")).to_contain_text("No requests are waiting.")
    grant = AccessGrant.objects.get(user=charlie, customer=customer)
    assert grant.granted_by == dora and grant.revoked_at is None
    assert abs(grant.expires_at - (timezone.now() + dt.timedelta(days=7))) < dt.timedelta(minutes=5)
    expect(head.locator(f"#grant-{grant.pk}")).to_contain_text("charlie")

    # The outsider is told, and reads the card now, without the contacts' personal data nor the financials.
    outsider.goto("/")
    expect(outsider.locator("#unread-count")).to_have_text("1")
    outsider.click("#bell")
    outsider.get_by_role("link", name=f"Access granted to {customer.name} for 7 days").click()
    expect(outsider).to_have_url(re.compile(rf"{card_url}$"))
    expect(outsider.locator("#customer-name")).to_have_text(customer.name)
    expect(outsider.locator("#financials-hidden")).to_be_visible()
    outsider.get_by_role("tab", name=re.compile("Contacts")).click()
    contacts = outsider.locator("#contacts-table")
    expect(contacts).to_contain_text("张经理")
    expect(contacts.locator(".sensitive-hidden").first).to_be_visible()
    expect(outsider.locator("main")).not_to_contain_text("漕溪北路")
    expect(outsider.locator("main")).not_to_contain_text("围棋")
    expect(outsider.locator("#edit-link")).to_have_count(0)
    assert outsider.request.get(f"/api/v1/customers/{customer.pk}/").status == 200

    # When the grant has expired, the archive answers 404 again.
    AccessGrant.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert outsider.goto(card_url).status == 404
    assert outsider.request.get(f"/api/v1/customers/{customer.pk}/").status == 404
    outsider.goto("/customers/access-requests/")
    expect(outsider.locator(f"#mine-{access_request.pk}")).to_contain_text("expired")


# --- 4. Bad input ---------------------------------------------------------------------------------

def test_invalid_credit_code_is_shown_beside_the_field_and_nothing_is_saved(new_page, bob):
    page = log_in(new_page(), "bob")
    page.goto("/customers/new/")
    bad_code = make_credit_code(99)[:-1] + ("0" if make_credit_code(99)[-1] != "0" else "1")
    page.fill("#id_name", "厦门鹭岛船务代理有限公司")
    page.fill("#id_credit_code", bad_code)
    page.click("#customer-save")

    expect(page.locator("main h1")).to_have_text("New customer archive")
    field = page.locator("#id_credit_code")
    expect(field).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(field).to_have_value(bad_code)
    expect(page.locator("#id_credit_code ~ .invalid-feedback")).to_have_text(
        "This unified social credit code has a wrong check character.")
    expect(page.locator("#id_name")).to_have_value("厦门鹭岛船务代理有限公司")
    expect(page.locator("#id_name")).not_to_have_class(re.compile(r"\bis-invalid\b"))

    # A code of the wrong shape, and a missing full name, too.
    page.fill("#id_name", "")
    page.fill("#id_credit_code", "91310000ABC")
    page.click("#customer-save")
    expect(page.locator("#id_credit_code ~ .invalid-feedback")).to_contain_text("18 digits or capital letters")
    expect(page.locator("#id_name ~ .invalid-feedback")).to_have_text("This field is required.")
    assert not Customer.objects.exists()
