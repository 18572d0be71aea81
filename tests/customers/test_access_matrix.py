"""The access rule of SPEC §8, door by door, as five people:

- alice, account manager, owns the archive;
- bob, clerk of her team, keeps it;
- charlie, account manager of another team, may not read it: 404, absent, never exported or named;
- credo, credit officer, reads every archive: its financials yes, its contacts' personal data no;
- freight, an integration account: identity fields through the API, no page at all.

Each door is asked what each of them gets; the content checks look for values that only the
archive holds (its name, its bank account, a contact's hobby)."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
import tablib
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from crm.models import Notification
from customers.access_requests import access_request_decide
from customers.business_records.files import business_records_template_csv, business_records_upload_create
from customers.imports.importers import run_import
from customers.imports.jobs import import_job_create
from customers.models import (
    AccessLog,
    AccessRequest,
    Customer,
    CustomerDocument,
    Interaction,
    RefreshTask,
)
from customers.policies import can_grant_access, customer_access_q
from customers.selectors import access_grants_revocable_by, access_requests_decidable_by
from tests.customers.test_admin import _form_data
from tests.factories import BusinessRecordFactory, CompetitorFactory, ContactFactory, CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db

NAME = "上海东方远洋贸易有限公司"
BANK_ACCOUNT = "6225880000001234"
HOBBY = "收藏紫砂壶"
RECORD_ID = "FR-MATRIX-0001"
# admin_user is the IT admin (a superuser without CRM roles): it reads no archive (SPEC §8).
PEOPLE = ("alice", "bob", "charlie", "credit_officer", "integration_user", "admin_user")


@pytest.fixture
def card(customer, alice):
    """alice's archive with something behind every door: financials, a contact with personal data,
    a competitor, a filed document, an interaction, a business record."""
    Customer.objects.filter(pk=customer.pk).update(bank="招商银行上海分行", bank_account=BANK_ACCOUNT)
    customer.refresh_from_db()
    contact = ContactFactory(customer=customer, name="王经理", hobbies=HOBBY, home_address="上海市徐汇区秘密路8号")
    competitor = CompetitorFactory(customer=customer, name="竞争对手甲")
    document = CustomerDocument.objects.create(customer=customer, category="contract", title="运输合同",
                                               file=SimpleUploadedFile("contract.pdf", b"%PDF-1.4 x"),
                                               uploaded_by=alice)
    Interaction.objects.create(customer=customer, kind="call", user=alice, summary="电话回访")
    BusinessRecordFactory(customer=customer, external_id=RECORD_ID)
    customer.objects = {"contact": contact, "competitor": competitor, "document": document}
    return customer


@pytest.fixture
def wanda(west_team):
    """Clerk of charlie's team: an archive keeper, but not of alice's archives."""
    return UserFactory(username="wanda", roles=["clerk"], teams=[west_team])


def login(client, user):
    client.logout()
    client.force_login(user)
    return client


def person(request, name):
    return request.getfixturevalue(name)


def body(response) -> str:
    """A response's text, whatever it is: a page, a CSV stream, an XLSX workbook."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8-sig")
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        workbook = openpyxl.load_workbook(io.BytesIO(response.content))
        return "\n".join(str(value) for sheet in workbook.worksheets
                         for row in sheet.iter_rows(values_only=True) for value in row if value is not None)
    return response.content.decode()


# --- The card and its pages ------------------------------------------------------------------------

# README "Refusals": an archive one may not read is 404; a page one's role may not use (every page, for
# the integration role) is 403.
READ = {"alice": 200, "bob": 200, "charlie": 404, "credit_officer": 200, "integration_user": 403, "admin_user": 404}
EDIT = {"alice": 200, "bob": 200, "charlie": 404, "credit_officer": 403, "integration_user": 403, "admin_user": 404}
HANDOVER = {"alice": 403, "bob": 200, "charlie": 404, "credit_officer": 403, "integration_user": 403,
            "admin_user": 404}

PAGES = [
    ("customers:detail", READ), ("customers:print", READ), ("customers:card_xlsx", READ),
    ("customers:section_source", READ),
    ("customers:edit", EDIT), ("customers:history", EDIT), ("customers:refresh", EDIT),
    ("customers:deactivate", EDIT), ("customers:contact_create", EDIT), ("customers:competitor_create", EDIT),
    ("customers:document_upload", EDIT), ("customers:interaction_create", EDIT),
    ("customers:handover", HANDOVER),
]


@pytest.mark.parametrize("who", PEOPLE)
@pytest.mark.parametrize("url_name, expected", PAGES, ids=[name for name, _ in PAGES])
def test_archive_pages(client, request, card, who, url_name, expected):
    response = login(client, person(request, who)).get(reverse(url_name, args=[card.pk]))
    assert response.status_code == expected[who]
    if response.status_code == 404:
        assert NAME not in response.content.decode()


@pytest.mark.parametrize("who", PEOPLE)
def test_pages_of_the_cards_records(client, request, card, who):
    """Sub-pages address a record of the archive: the archive's rule holds for them, and a record
    of another archive is missing even for its readers."""
    contact, competitor, document = (card.objects[k] for k in ("contact", "competitor", "document"))
    cl = login(client, person(request, who))
    urls = {reverse("customers:contact_edit", args=[card.pk, contact.pk]): EDIT[who],
            reverse("customers:competitor_edit", args=[card.pk, competitor.pk]): EDIT[who],
            reverse("customers:document_download", args=[card.pk, document.pk]): READ[who]}
    for url, status in urls.items():
        assert cl.get(url).status_code == status, url
    for url in (reverse("customers:contact_delete", args=[card.pk, contact.pk]),
                reverse("customers:competitor_delete", args=[card.pk, competitor.pk]),
                reverse("customers:document_delete", args=[card.pk, document.pk])):
        assert cl.post(url).status_code in {200: (302,), 403: (403,), 404: (404,)}[EDIT[who]]
    elsewhere = CustomerFactory(owner=person(request, who))
    expected = 403 if who == "integration_user" else 404
    assert cl.get(reverse("customers:document_download", args=[elsewhere.pk, document.pk])).status_code == expected
    if EDIT[who] == 200:
        assert cl.get(reverse("customers:contact_edit", args=[elsewhere.pk, contact.pk])).status_code == 404


@pytest.mark.parametrize("who, personal, financial", [
    ("alice", True, True), ("bob", True, True), ("credit_officer", False, True), ("gm", True, True),
])
def test_sensitive_fields_on_every_reading_door(client, api_for, request, card, who, personal, financial):
    user = person(request, who)
    cl = login(client, user)
    doors = {
        "card": cl.get(reverse("customers:detail", args=[card.pk])),
        "print": cl.get(reverse("customers:print", args=[card.pk])),
        "xlsx": cl.get(reverse("customers:card_xlsx", args=[card.pk])),
        "export": cl.get("/customers/export/", {"q": NAME}),
        "contacts export": cl.get("/customers/export/contacts/", {"q": NAME}),
    }
    api = api_for(user)
    doors["api"] = api.get(f"/api/v1/customers/{card.pk}/")
    doors["api contacts"] = api.get(f"/api/v1/customers/{card.pk}/contacts/")
    for door, response in doors.items():
        assert response.status_code == 200, door
    texts = {door: body(response) for door, response in doors.items()}
    for door in ("card", "print", "xlsx", "api contacts", "contacts export"):
        assert (HOBBY in texts[door]) is personal, door
    for door in ("card", "print", "xlsx", "api", "export"):
        assert (BANK_ACCOUNT in texts[door]) is financial, door


# --- Lists, search, summaries, exports, reports: the archive is absent ------------------------------

LISTS = [
    ("customers:list", {}), ("customers:list", {"q": NAME}), ("customers:list", {"group_by": "owner"}),
    ("customers:classification", {}), ("customers:classification_xlsx", {}),
    ("customers:export", {}), ("customers:export", {"format": "xlsx"}), ("customers:export_contacts", {}),
    ("customers:business_records", {}), ("customers:refresh_tasks", {}), ("customers:access_requests", {}),
    ("home", {}),
]


@pytest.mark.parametrize("url_name, params", LISTS)
def test_an_outsider_never_finds_the_archive(client, card, charlie, url_name, params):
    RefreshTask.objects.create(customer=card, owner=card.owner, due_on=timezone.localdate())
    response = login(client, charlie).get(reverse(url_name), params)
    assert response.status_code == 200
    text = body(response).replace(f'value="{NAME}"', "")  # the search box shows what was typed
    assert NAME not in text and card.code not in text and RECORD_ID not in text and "王经理" not in text


@pytest.mark.parametrize("url_name, params", LISTS)
def test_the_it_admin_never_finds_the_archive(client, card, admin_user, url_name, params):
    """SPEC §8: the IT admin manages users and settings; lists, searches and exports hold no archive for it
    (a list of a role it does not hold answers 403)."""
    RefreshTask.objects.create(customer=card, owner=card.owner, due_on=timezone.localdate())
    response = login(client, admin_user).get(reverse(url_name), params)
    assert response.status_code in (200, 403)
    text = body(response).replace(f'value="{NAME}"', "")
    assert NAME not in text and card.code not in text and RECORD_ID not in text and "王经理" not in text


@pytest.mark.parametrize("who", ["alice", "bob", "credit_officer"])
def test_readers_find_it_in_the_same_doors(client, request, card, who):
    cl = login(client, person(request, who))
    for url_name in ("customers:list", "customers:classification", "customers:classification_xlsx",
                     "customers:export"):
        assert NAME in body(cl.get(reverse(url_name), {"q": NAME})), url_name
    assert RECORD_ID in body(cl.get(reverse("customers:business_records")))


def test_exports_are_logged_with_their_rows(client, card, charlie, bob):
    login(client, charlie).get(reverse("customers:export"))
    login(client, bob).get(reverse("customers:export"))
    details = dict(AccessLog.objects.filter(action="export").values_list("user__username", "detail"))
    assert details["charlie"].startswith("customers 0 rows") and details["bob"].startswith("customers 1 rows")


def test_the_clerks_queue_holds_only_their_teams_archives(client, card, wanda, bob):
    Customer.objects.filter(pk=card.pk).update(is_checked=False)
    assert NAME not in body(login(client, wanda).get(reverse("customers:unchecked_queue")))
    assert NAME not in body(client.get(reverse("home")))
    assert NAME in body(login(client, bob).get(reverse("customers:unchecked_queue")))


# --- REST API ---------------------------------------------------------------------------------------

API = {"alice": 200, "bob": 200, "charlie": 404, "credit_officer": 200, "integration_user": 200, "admin_user": 404}


@pytest.mark.parametrize("who", PEOPLE)
def test_api_doors(api_for, request, card, who):
    api = api_for(person(request, who))
    record = card.business_records.get()
    assert api.get(f"/api/v1/customers/{card.pk}/").status_code == API[who]
    assert api.get(f"/api/v1/business-records/{record.pk}/").status_code == API[who]
    listed = api.get("/api/v1/customers/", {"search": NAME}).json()["count"]
    assert listed == (0 if API[who] == 404 else 1)
    records = api.get("/api/v1/business-records/", {"customer": card.pk}).json()["count"]
    assert records == (0 if API[who] == 404 else 1)
    contacts = api.get(f"/api/v1/customers/{card.pk}/contacts/").status_code
    assert contacts == {"integration_user": 403}.get(who, API[who])
    handover = api.post(f"/api/v1/customers/{card.pk}/handover/", {"to": card.owner_id, "reason": "x"})
    assert handover.status_code == {"charlie": 404, "admin_user": 404}.get(who, 403 if who != "bob" else 400)


def test_api_reads_by_non_owners_are_logged(api_for, card, alice, credit_officer):
    api_for(alice).get(f"/api/v1/customers/{card.pk}/")
    api_for(credit_officer).get(f"/api/v1/customers/{card.pk}/")
    assert list(AccessLog.objects.values_list("user__username", "action", "channel")) == [
        ("credo", "read", "api")]


def test_integration_sees_identity_fields_and_cannot_filter_by_others(api_for, card, integration_user, charlie):
    Customer.objects.filter(pk=card.pk).update(tier="A", credit_grade="A")
    west = CustomerFactory(owner=charlie, name="广州西部贸易有限公司")
    api = api_for(integration_user)
    everything = api.get("/api/v1/customers/").json()
    assert everything["count"] == 2
    assert set(everything["results"][0]) == {"id", "code", "name", "short_name", "credit_code", "address", "phone",
                                             "stage", "region", "industry", "is_active"}
    # Filtering or sorting by owner, tier or grade would tell what the account may not see: ignored.
    for params in ({"owner": charlie.pk}, {"owner": card.owner_id}, {"tier": "A"}, {"credit_grade": "B"},
                   {"team": card.team_id}, {"churn_risk": "true"}):
        assert api.get("/api/v1/customers/", params).json()["count"] == 2, params
    for ordering in ("tier", "-tier"):
        names = [c["name"] for c in api.get("/api/v1/customers/", {"ordering": ordering}).json()["results"]]
        assert names == sorted([NAME, west.name])
    assert api.get("/api/v1/customers/", {"search": "广州"}).json()["count"] == 1
    assert api.get("/api/v1/customers/", {"stage": "lead"}).json()["count"] == 0


def test_a_person_with_an_integration_role_too_reads_by_their_other_role(client, api_for, card, west_team):
    """One user may hold several roles (SPEC §1): the integration role opens no archive to a person."""
    mixed = UserFactory(username="mixer", roles=["integration", "account_manager"], teams=[west_team])
    own = CustomerFactory(owner=mixed, name="混合角色自己的客户有限公司")
    assert customer_access_q(mixed) is not None
    names = [c["name"] for c in api_for(mixed).get("/api/v1/customers/").json()["results"]]
    assert names == [own.name]
    assert api_for(mixed).get(f"/api/v1/customers/{card.pk}/").status_code == 404
    assert login(client, mixed).get(reverse("customers:detail", args=[card.pk])).status_code == 404
    assert NAME not in body(client.get(reverse("customers:list")))


# --- Duplicates name only an archive the user may read -------------------------------------------------

def test_api_duplicate_of_an_unreadable_archive_is_refused_without_naming_it(api_for, card, charlie):
    response = api_for(charlie).post("/api/v1/customers/", {"name": f" {NAME} "}, format="json")
    assert response.status_code == 409
    data = response.json()
    assert "existing" not in data and "already exists" in data["detail"]
    assert card.code not in response.content.decode() and "alice" not in response.content.decode()
    own = CustomerFactory(owner=charlie, name="广州自己的公司")
    rename = api_for(charlie).patch(f"/api/v1/customers/{own.pk}/", {"name": NAME}, format="json")
    assert rename.status_code == 409 and "existing" not in rename.json()
    assert card.code not in rename.content.decode()


def test_import_duplicate_of_an_unreadable_archive_is_not_named(card, wanda, bob):
    rows = tablib.Dataset(["上海东方远洋贸易（有限公司）", "华东"], headers=["收发货单位全称", "区域"])
    result = run_import(kind="customers", user=wanda, dataset=rows, dry_run=True)
    [error] = result.errors
    assert "already exists" in error["message"] and card.code not in error["message"]
    # Its keeper is told which archive it is.
    [error] = run_import(kind="customers", user=bob, dataset=rows, dry_run=True).errors
    assert card.code in error["message"] and NAME in error["message"]


def test_admin_duplicate_of_an_unreadable_archive_is_not_named(client, card, wanda):
    wanda.is_staff = True
    wanda.save()
    own = CustomerFactory(owner=wanda, team=wanda.teams.get(), name="广州西区物流有限公司")
    login(client, wanda)
    page = client.get(reverse("admin:customers_customer_change", args=[own.pk]))
    data = _form_data(page)
    data["name"] = NAME
    response = client.post(reverse("admin:customers_customer_change", args=[own.pk]), data)
    assert response.status_code == 200
    errors = str(response.context["adminform"].form.errors["name"])
    assert "already exists" in errors and card.code not in errors


# --- Notifications, home, access decisions ------------------------------------------------------------

def test_a_refusal_names_the_archive_by_the_code_asked_for(card, charlie, dora, django_capture_on_commit_callbacks):
    access_request = AccessRequest.objects.create(customer=card, requester=charlie, reason="投诉")
    with django_capture_on_commit_callbacks(execute=True):
        access_request_decide(access_request=access_request, user=dora, grant=False, comment="不同意")
    notice = Notification.objects.get(recipient=charlie)
    assert card.code in notice.title and NAME not in notice.title + notice.body


def test_the_head_sees_one_panel_of_requests(client, card, charlie, dora):
    AccessRequest.objects.create(customer=card, requester=charlie, reason="投诉")
    html = body(login(client, dora).get(reverse("home")))
    assert html.count("Access requests waiting for your decision") == 1
    assert html.count(NAME) == 1 and card.code in html


def test_who_decides_access_one_rule_for_every_list(card, charlie, dora, bob, gm, west_team):
    access_request = AccessRequest.objects.create(customer=card, requester=charlie, reason="投诉")
    grant = card.access_grants.create(user=charlie, granted_by=dora, expires_at=timezone.now() + dt.timedelta(days=1))
    west_head = UserFactory(username="wendy", roles=["dept_head"], teams=[west_team])
    for user, decides in ((dora, True), (gm, True), (bob, False), (charlie, False), (west_head, False)):
        assert can_grant_access(user, card) is decides
        assert (access_request in access_requests_decidable_by(user)) is decides
        assert (grant in access_grants_revocable_by(user)) is decides


# --- Files: MEDIA is never served; one user's upload is nobody else's ------------------------------------

def test_media_is_not_served_by_any_url(client, card, alice, settings):
    document = card.objects["document"]
    url = settings.MEDIA_URL + document.file.name
    with pytest.raises(Resolver404):
        resolve(url)
    assert login(client, alice).get(url).status_code == 404
    assert document.file.url not in body(client.get(reverse("customers:detail", args=[card.pk])))


def test_an_uploaded_import_file_is_its_uploaders_only(client, bob, wanda, settings):
    job = import_job_create(user=bob, kind="customers", content="\ufeff收发货单位全称\n苏州新公司\n".encode(),
                            filename="customers.csv")
    records = business_records_upload_create(user=bob, content=business_records_template_csv(),
                                             filename="records.csv")
    cl = login(client, wanda)
    assert cl.get(reverse("customers:import_job", args=[job.pk])).status_code == 404
    assert cl.post(reverse("customers:import_confirm", args=[job.pk])).status_code == 404
    assert cl.get(reverse("customers:business_records_upload_job", args=[records.pk])).status_code == 404
    assert cl.post(reverse("customers:business_records_upload_confirm", args=[records.pk])).status_code == 404
    assert cl.get(settings.MEDIA_URL + job.file.name).status_code == 404
    wanda.is_staff = True
    wanda.save()
    admin_list = login(client, wanda).get(reverse("admin:customers_importjob_changelist"))
    assert job not in admin_list.context["cl"].result_list
    # The uploader's own page names the file but links to no copy of it.
    page = body(login(client, bob).get(reverse("customers:import_job", args=[job.pk])))
    assert "customers" in page and job.file.url not in page


# --- Admin ------------------------------------------------------------------------------------------------

@pytest.fixture
def staff_charlie(charlie):
    charlie.is_staff = True
    charlie.save()
    return charlie


def test_admin_doors_of_an_unreadable_archive(client, card, staff_charlie):
    cl = login(client, staff_charlie)
    contact = card.objects["contact"]
    changelist = cl.get(reverse("admin:customers_customer_changelist"), {"q": NAME})
    assert card not in changelist.context["cl"].result_list
    assert cl.get(reverse("admin:customers_customer_change", args=[card.pk])).status_code == 404
    assert cl.get(reverse("admin:customers_customer_history", args=[card.pk])).status_code == 404
    assert cl.get(reverse("admin:customers_contact_history", args=[contact.pk])).status_code == 404
    assert contact not in cl.get(reverse("admin:customers_contact_changelist")).context["cl"].result_list
    assert cl.get(reverse("admin:customers_contact_change", args=[contact.pk])).status_code == 404
    autocomplete = cl.get(reverse("admin:autocomplete"), {"app_label": "customers", "model_name": "interaction",
                                                          "field_name": "customer", "term": "上海"})
    assert autocomplete.json()["results"] == []
    export = cl.post(reverse("admin:customers_customer_export"), {"format": "0", "resource": "0"})
    assert NAME not in export.content.decode("utf-8-sig")
    assert not AccessLog.objects.filter(customer=card).exists()


def test_admin_reads_of_an_archives_records_are_logged(client, card, bob):
    bob.is_staff = True
    bob.save()
    contact = card.objects["contact"]
    cl = login(client, bob)
    assert cl.get(reverse("admin:customers_contact_change", args=[contact.pk])).status_code == 200
    assert cl.get(reverse("admin:customers_customer_history", args=[card.pk])).status_code == 200
    logged = set(AccessLog.objects.filter(user=bob, customer=card, channel="admin").values_list("action", "detail"))
    assert logged == {("read", "contact"), ("read", "history")}


def test_admin_plain_selects_of_records_list_readable_archives_only(client, card, charlie):
    """Without the right to view contacts, the interaction form's contact is a plain select: it lists
    the contacts of the archives the user may read, not everyone's."""
    clerk = UserFactory(username="ivy", roles=[])
    clerk.is_staff = True
    clerk.save()
    clerk.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="customers", codename__in=["view_interaction", "add_interaction"]))
    own = CustomerFactory(owner=clerk, name="自己的客户有限公司")
    own_contact = ContactFactory(customer=own, name="自己的联系人")
    page = login(client, clerk).get(reverse("admin:customers_interaction_add"))
    assert page.status_code == 200
    assert list(page.context["adminform"].form.fields["contact"].queryset) == [own_contact]
    assert "王经理" not in page.content.decode()


# --- Logging of the web doors -------------------------------------------------------------------------------

def test_every_non_owner_read_and_every_print_export_and_download_is_logged(client, card, alice, bob):
    document = card.objects["document"]
    cl = login(client, alice)
    cl.get(reverse("customers:detail", args=[card.pk]))
    cl.get(reverse("customers:section_source", args=[card.pk]))
    assert not AccessLog.objects.exists()  # the owner's own reads
    cl.get(reverse("customers:print", args=[card.pk]))
    cl.get(reverse("customers:card_xlsx", args=[card.pk]))
    cl.get(reverse("customers:document_download", args=[card.pk, document.pk]))
    assert sorted(AccessLog.objects.values_list("action", flat=True)) == ["download", "export", "print"]
    cl = login(client, bob)
    cl.get(reverse("customers:detail", args=[card.pk]))
    cl.get(reverse("customers:section_source", args=[card.pk]))
    reads = AccessLog.objects.filter(user=bob, action="read", customer=card)
    assert sorted(reads.values_list("detail", flat=True)) == ["", "data sources"]


def test_contacts_export_for_a_credit_officer_has_no_personal_columns(client, card, credit_officer):
    response = login(client, credit_officer).get(reverse("customers:export_contacts"))
    rows = list(csv.reader(io.StringIO(body(response))))
    assert "王经理" in rows[1] and "Hobbies" not in rows[0] and HOBBY not in body(response)
