"""The Django admin of the customers app holds the access rules of SPEC §8: a staff clerk sees only
the archives of their teams, everything else answers as missing; writes go through the services."""

import datetime as dt
import io

import openpyxl
import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from customers.models import AccessLog, Customer, CustomerDocument, OwnerChange, Region
from tests.factories import ContactFactory, CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_bob(bob):
    bob.is_staff = True
    bob.save()
    return bob


@pytest.fixture
def west_customer(charlie, west_team):
    return CustomerFactory(owner=charlie, team=west_team, name="广州西部货运有限公司",
                           region=Region.objects.get(name="华南"))


def changelist_ids(response) -> set[int]:
    return {obj.pk for obj in response.context["cl"].result_list}


def test_staff_clerk_changelist_shows_only_readable_archives(staff_bob, client, customer, west_customer):
    client.force_login(staff_bob)
    response = client.get(reverse("admin:customers_customer_changelist"))
    assert response.status_code == 200
    assert changelist_ids(response) == {customer.pk}
    response = client.get(reverse("admin:customers_customer_changelist") + "?q=广州")
    assert changelist_ids(response) == set()


def test_it_admin_reads_no_archive(admin_user, client, customer, west_customer):
    """SPEC §8: the IT admin manages users and settings; reading archives takes a CRM role."""
    client.force_login(admin_user)
    response = client.get(reverse("admin:customers_customer_changelist"))
    assert changelist_ids(response) == set()
    assert client.get(reverse("admin:customers_customer_change", args=[customer.pk])).status_code == 404
    assert client.get(reverse("admin:customers_customer_add")).status_code == 403  # it files none either
    assert client.get(reverse("admin:customers_contact_changelist")).context["cl"].result_count == 0


def test_superuser_with_the_gm_role_reads_every_archive(admin_user, client, customer, west_customer):
    from django.contrib.auth.models import Group

    admin_user.groups.add(Group.objects.get_or_create(name="gm")[0])
    client.force_login(admin_user)
    response = client.get(reverse("admin:customers_customer_changelist"))
    assert changelist_ids(response) == {customer.pk, west_customer.pk}


def test_emergency_read_is_a_short_logged_grant(admin_user, client, customer, gm, django_capture_on_commit_callbacks):
    from crm.models import Notification
    from customers.models import AccessGrant

    client.force_login(admin_user)
    changelist = client.get(reverse("admin:customers_accessgrant_changelist"))
    url = reverse("admin:customers_accessgrant_emergency_read")
    assert url.encode() in changelist.content
    refused = client.post(url, {"code": customer.code, "reason": "", "hours": 4})
    assert refused.status_code == 200 and "reason" in refused.context["form"].errors
    too_long = client.post(url, {"code": customer.code, "reason": "工单 4711", "hours": 48})
    assert "hours" in too_long.context["form"].errors
    assert not AccessGrant.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"code": customer.code, "reason": "工单 4711：客户投诉数据错误", "hours": 2})
    assert response.status_code == 302
    assert response.url == reverse("admin:customers_customer_change", args=[customer.pk])
    grant = AccessGrant.objects.get(user=admin_user, customer=customer)
    hours = (grant.expires_at - timezone.now()).total_seconds() / 3600
    assert 1.9 < hours <= 2
    log = AccessLog.objects.get(user=admin_user, customer=customer, channel=AccessLog.Channel.ADMIN)
    assert "工单 4711" in log.detail
    assert Notification.objects.filter(recipient=gm, title__contains=customer.code).count() == 1
    assert changelist_ids(client.get(reverse("admin:customers_customer_changelist"))) == {customer.pk}


def test_emergency_read_is_for_superusers_only(staff_bob, client, customer):
    client.force_login(staff_bob)
    assert client.get(reverse("admin:customers_accessgrant_emergency_read")).status_code == 403


def test_change_view_of_unreadable_archive_is_missing(staff_bob, client, west_customer):
    client.force_login(staff_bob)
    response = client.get(reverse("admin:customers_customer_change", args=[west_customer.pk]))
    assert response.status_code == 404  # issue 6 item 5: 404, as on the pages, not a redirect to the index
    history = client.get(reverse("admin:customers_customer_history", args=[west_customer.pk]))
    assert history.status_code == 404
    assert not AccessLog.objects.filter(customer=west_customer).exists()


def test_change_view_read_by_non_owner_is_logged(staff_bob, client, customer):
    client.force_login(staff_bob)
    response = client.get(reverse("admin:customers_customer_change", args=[customer.pk]))
    assert response.status_code == 200
    log = AccessLog.objects.get(customer=customer)
    assert (log.user, log.action, log.channel) == (staff_bob, "read", "admin")


def test_autocomplete_offers_only_readable_archives(staff_bob, client, customer, west_customer):
    client.force_login(staff_bob)
    response = client.get(reverse("admin:autocomplete"), {
        "app_label": "customers", "model_name": "contact", "field_name": "customer", "term": ""})
    assert response.status_code == 200
    assert {int(item["id"]) for item in response.json()["results"]} == {customer.pk}
    response = client.get(reverse("admin:autocomplete"), {
        "app_label": "customers", "model_name": "contact", "field_name": "customer", "term": "广州"})
    assert response.json()["results"] == []


def test_contacts_admin_filters_by_readable_customer_and_hides_personal_data(staff_bob, client, customer,
                                                                           west_customer, gm):
    mine = ContactFactory(customer=customer, name="赵主任")
    ContactFactory(customer=west_customer, name="钱主任")
    client.force_login(staff_bob)
    response = client.get(reverse("admin:customers_contact_changelist"))
    assert changelist_ids(response) == {mine.pk}
    form = client.get(reverse("admin:customers_contact_change", args=[mine.pk])).context["adminform"].form
    assert "home_address" in form.fields
    # A staff user who may read the archive through a grant only does not see personal data.
    outsider = UserFactory(username="eve", roles=["account_manager"])
    outsider.is_staff = True
    outsider.save()
    customer.access_grants.create(user=outsider, granted_by=gm, expires_at=timezone.now() + dt.timedelta(days=1))
    client.force_login(outsider)
    response = client.get(reverse("admin:customers_contact_change", args=[mine.pk]))
    assert response.status_code == 200
    assert "home_address" not in response.context["adminform"].form.fields
    assert "上海市徐汇区" not in response.content.decode()


def test_owner_cannot_be_edited_in_the_admin_and_saves_go_through_the_service(staff_bob, client, customer,
                                                                               charlie):
    customer_admin = admin.site._registry[Customer]
    request = RequestFactory().get("/")
    request.user = staff_bob
    assert "owner" in customer_admin.get_readonly_fields(request, customer)
    assert "owner" not in customer_admin.get_form(request, customer).base_fields

    client.force_login(staff_bob)
    page = client.get(reverse("admin:customers_customer_change", args=[customer.pk]))
    data = _form_data(page)
    data.update(name="上海东方远洋贸易集团有限公司", owner=str(charlie.pk))
    response = client.post(reverse("admin:customers_customer_change", args=[customer.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    customer.refresh_from_db()
    assert customer.name == "上海东方远洋贸易集团有限公司" and customer.owner.username == "alice"
    latest = customer.history.first()
    assert latest.history_user == staff_bob and "Major change" in latest.history_change_reason


def test_admin_refuses_a_duplicate_beside_the_field(staff_bob, client, customer, alice, east_team):
    other = CustomerFactory(owner=alice, team=east_team, name="上海另一家公司")
    client.force_login(staff_bob)
    page = client.get(reverse("admin:customers_customer_change", args=[other.pk]))
    data = _form_data(page)
    data["name"] = "上海东方远洋贸易有限公司"
    response = client.post(reverse("admin:customers_customer_change", args=[other.pk]), data)
    assert response.status_code == 200
    assert customer.code in str(response.context["adminform"].form.errors["name"])


def test_admin_add_goes_through_customer_create(staff_bob, client, alice, charlie):
    client.force_login(staff_bob)
    page = client.get(reverse("admin:customers_customer_add"))
    # A clerk files archives for the members of their teams; lists they may not view are plain selects.
    assert set(page.context["adminform"].form.fields["owner"].queryset) == {staff_bob, alice}
    request = RequestFactory().get("/")
    request.user = staff_bob
    assert "industry" not in admin.site._registry[Customer].get_autocomplete_fields(request)
    data = _form_data(page)
    data.update(name="镇江新建物流有限公司", owner=str(alice.pk), stage="customer", source="staff_visit")
    response = client.post(reverse("admin:customers_customer_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = Customer.objects.get(name="镇江新建物流有限公司")
    assert created.code == f"C{created.pk:07d}" and created.owner == alice and created.created_by == staff_bob
    assert OwnerChange.objects.filter(customer=created, to_user=alice).exists()


def test_handover_action_records_owner_change(staff_bob, client, customer, alice, dora):
    client.force_login(staff_bob)
    url = reverse("admin:customers_customer_changelist")
    page = client.post(url, {"action": "handover_action", "_selected_action": [customer.pk]})
    assert page.status_code == 200 and "to_user" in page.content.decode()
    response = client.post(url, {"action": "handover_action", "_selected_action": [customer.pk], "apply": "1",
                                 "to_user": dora.pk, "reason": "Alice leaves the company", "note": "3 folders"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.owner == dora
    change = OwnerChange.objects.get(customer=customer, from_user=alice)
    assert (change.to_user, change.changed_by, change.reason, change.handover_note) == (
        dora, staff_bob, "Alice leaves the company", "3 folders")


def test_handover_action_without_reason_changes_nothing(staff_bob, client, customer, dora):
    client.force_login(staff_bob)
    response = client.post(reverse("admin:customers_customer_changelist"), {
        "action": "handover_action", "_selected_action": [customer.pk], "apply": "1", "to_user": dora.pk})
    assert response.status_code == 200 and response.context["form"].errors["reason"]
    customer.refresh_from_db()
    assert customer.owner.username == "alice"


def test_admin_export_holds_only_readable_rows_and_is_logged(staff_bob, client, customer, west_customer):
    client.force_login(staff_bob)
    response = client.post(reverse("admin:customers_customer_export"), {"format": "1", "resource": "0"})
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == [customer.code]
    log = AccessLog.objects.get(action="export")
    assert (log.user, log.channel) == (staff_bob, "admin") and log.detail.startswith("customers 1 rows")


def test_admin_import_previews_with_the_same_rules(staff_bob, client, customer):
    client.force_login(staff_bob)
    content = ("\ufeff收发货单位全称,区域\n常熟新公司,华东\n上海东方远洋贸易有限公司,华东\n").encode()
    response = client.post(reverse("admin:customers_customer_import"), {
        "resource": "0", "format": "0", "import_file": SimpleUploadedFile("x.csv", content)})
    assert response.status_code == 200
    result = response.context["result"]
    assert result.has_validation_errors()
    assert [row.number for row in result.invalid_rows] == [3]
    assert customer.code in str(result.invalid_rows[0].error_dict)
    assert not Customer.objects.filter(name="常熟新公司").exists()


def test_admin_import_confirm_writes_through_the_service(staff_bob, client):
    client.force_login(staff_bob)
    content = "\ufeff收发货单位全称,区域\n常熟新公司,华东\n".encode()
    response = client.post(reverse("admin:customers_customer_import"), {
        "resource": "0", "format": "0", "import_file": SimpleUploadedFile("x.csv", content)})
    confirm = response.context["confirm_form"]
    response = client.post(reverse("admin:customers_customer_process_import"), {
        name: confirm[name].value() for name in confirm.fields})
    assert response.status_code == 302
    created = Customer.objects.get(name="常熟新公司")
    assert created.source == "import" and created.owner == staff_bob and created.region.name == "华东"


def test_admin_import_forbidden_for_account_managers(alice, client):
    alice.is_staff = True
    alice.save()
    client.force_login(alice)
    assert client.get(reverse("admin:customers_customer_import")).status_code == 403


def test_access_log_admin_for_gm_and_superusers_only(staff_bob, gm, admin_user, client):
    url = reverse("admin:customers_accesslog_changelist")
    client.force_login(staff_bob)
    assert client.get(url).status_code == 403
    gm.is_staff = True
    gm.save()
    client.force_login(gm)
    assert client.get(url).status_code == 200
    client.force_login(admin_user)
    assert client.get(url).status_code == 200


def test_documents_never_link_to_media(staff_bob, client, customer):
    document = CustomerDocument.objects.create(customer=customer, category="contract", title="运输合同",
                                    file=SimpleUploadedFile("contract.pdf", b"%PDF-1.4"), uploaded_by=staff_bob)
    client.force_login(staff_bob)
    for url in (reverse("admin:customers_customer_change", args=[customer.pk]),
                reverse("admin:customers_customerdocument_changelist")):
        html = client.get(url).content.decode()
        assert "contract" in html and "/media/" not in html
        try:
            download = reverse("customers:document_download", args=[customer.pk, document.pk])
        except NoReverseMatch:  # the archive pages are not installed
            continue
        assert f'href="{download}"' in html


def _form_data(response) -> dict:
    """The POST data of an admin change form as rendered: the main form and every inline formset."""
    data = {}
    form = response.context["adminform"].form
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if callable(value):
            value = value()
        if value is None:
            continue
        if hasattr(value, "pk"):
            value = value.pk
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        if isinstance(value, list):
            data[name] = str(value).replace("'", '"') if name == "service_needs" else value
            continue
        data[name] = value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        for inline_form in formset.initial_forms:
            data[inline_form.add_prefix(formset.model._meta.pk.name)] = inline_form.instance.pk
            for name in inline_form.fields:
                value = inline_form.initial.get(name)
                if value is not None:
                    data[inline_form.add_prefix(name)] = getattr(value, "pk", value)
    return data


def test_changelist_queries_do_not_grow_with_rows(staff_bob, client, alice, east_team,
                                                  django_assert_max_num_queries):
    CustomerFactory.create_batch(40, owner=alice, team=east_team)
    client.force_login(staff_bob)
    client.get(reverse("admin:customers_customer_changelist"))  # warm the session and content types
    with django_assert_max_num_queries(20):
        response = client.get(reverse("admin:customers_customer_changelist"))
    assert len(changelist_ids(response)) == 40


# --- Every admin write goes through the services (issue 6) --------------------------------------------

def _inline_prefix(response, model) -> str:
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.model is model:
            return inline.formset.prefix
    raise AssertionError(model)


def _add_inline_row(data: dict, prefix: str, values: dict) -> None:
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    for name, value in values.items():
        data[f"{prefix}-{index}-{name}"] = value
    data[f"{prefix}-TOTAL_FORMS"] = index + 1


def test_contact_inline_demotes_the_previous_main_contact(staff_bob, client, customer):
    from customers.models import Contact

    old = ContactFactory(customer=customer, name="老主联系人", is_primary=True)
    client.force_login(staff_bob)
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    page = client.get(url)
    data = _form_data(page)
    _add_inline_row(data, _inline_prefix(page, Contact), {"name": "新主联系人", "is_primary": "on"})
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    old.refresh_from_db()
    assert old.is_primary is False
    assert list(customer.contacts.filter(is_primary=True).values_list("name", flat=True)) == ["新主联系人"]
    assert customer.contacts.get(name="新主联系人").history.first().history_user == staff_bob


def test_competitor_inline_shares_above_100_percent_are_a_field_error(staff_bob, client, customer):
    from customers.models import Competitor
    from tests.factories import CompetitorFactory

    Customer.objects.filter(pk=customer.pk).update(our_share=50)
    CompetitorFactory(customer=customer, name="甲", share=30)
    client.force_login(staff_bob)
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    page = client.get(url)
    data = _form_data(page)
    data["name"] = "上海东方远洋贸易集团有限公司"
    prefix = _inline_prefix(page, Competitor)
    _add_inline_row(data, prefix, {"name": "乙", "share": "40"})
    response = client.post(url, data)
    assert response.status_code == 200
    inline = next(i for i in response.context["inline_admin_formsets"] if i.formset.model is Competitor)
    assert "share" in inline.formset.forms[-1].errors
    # Nothing of the refused save is kept: neither the competitor nor the archive's new name.
    customer.refresh_from_db()
    assert customer.name == "上海东方远洋贸易有限公司"
    assert list(customer.competitors.values_list("name", flat=True)) == ["甲"]


def test_document_admin_validates_the_upload_and_records_the_uploader(staff_bob, client, customer):
    client.force_login(staff_bob)
    url = reverse("admin:customers_customerdocument_add")
    bad = client.post(url, {"customer": customer.pk, "category": "contract", "title": "合同",
                            "file": SimpleUploadedFile("run.exe", b"MZ")})
    assert bad.status_code == 200 and "file" in bad.context["adminform"].form.errors
    assert not CustomerDocument.objects.exists()
    good = client.post(url, {"customer": customer.pk, "category": "contract", "title": "合同",
                             "file": SimpleUploadedFile("contract.pdf", b"%PDF-1.4 x")})
    assert good.status_code == 302
    document = CustomerDocument.objects.get()
    assert (document.customer, document.uploaded_by, document.title) == (customer, staff_bob, "合同")
    # A filed document is kept as filed: the change page is read-only.
    page = client.get(reverse("admin:customers_customerdocument_change", args=[document.pk]))
    assert page.status_code == 200 and not page.context["has_change_permission"]


def test_document_admin_refuses_a_customer_one_may_not_edit(client, customer, gm):
    from customers.models import AccessGrant

    reader = UserFactory(username="rita", roles=["account_manager"])
    reader.is_staff = True
    reader.save()
    AccessGrant.objects.create(customer=customer, user=reader, granted_by=gm,
                               expires_at=timezone.now() + dt.timedelta(days=1))
    client.force_login(reader)
    response = client.post(reverse("admin:customers_customerdocument_add"), {
        "customer": customer.pk, "category": "contract", "title": "合同",
        "file": SimpleUploadedFile("contract.pdf", b"%PDF-1.4 x")})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not CustomerDocument.objects.exists()


def test_interaction_admin_goes_through_the_service(staff_bob, client, customer):
    from customers.models import Interaction

    client.force_login(staff_bob)
    url = reverse("admin:customers_interaction_add")
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    refused = client.post(url, {"customer": customer.pk, "kind": "call", "date": future, "summary": "回访"})
    assert refused.status_code == 200 and "date" in refused.context["adminform"].form.errors
    assert client.post(url, {"customer": customer.pk, "kind": "call", "date": timezone.localdate().isoformat(),
                             "summary": "电话回访"}).status_code == 302
    interaction = Interaction.objects.get()
    assert (interaction.user, interaction.summary) == (staff_bob, "电话回访")
    change = client.get(reverse("admin:customers_interaction_change", args=[interaction.pk]))
    assert not change.context["has_change_permission"] and not change.context["has_delete_permission"]


def test_section_sources_and_business_records_are_read_only_in_the_admin(staff_bob, client, customer):
    from tests.factories import BusinessRecordFactory

    record = BusinessRecordFactory(customer=customer)
    client.force_login(staff_bob)
    assert client.get(reverse("admin:customers_sectionsource_add")).status_code == 403
    assert client.get(reverse("admin:customers_businessrecord_add")).status_code == 403
    page = client.get(reverse("admin:customers_businessrecord_change", args=[record.pk]))
    assert page.status_code == 200 and not page.context["has_change_permission"]


def test_library_admin_uploads_and_confirms_through_the_services(admin_user, client):
    from customers.models import LibraryDocument

    client.force_login(admin_user)
    url = reverse("admin:customers_librarydocument_add")
    bad = client.post(url, {"title": "报关流程", "category": "contract", "file": SimpleUploadedFile("x.exe", b"MZ")})
    assert bad.status_code == 200 and "file" in bad.context["adminform"].form.errors
    good = client.post(url, {"title": "报关流程", "category": "contract",
                             "file": SimpleUploadedFile("flow.pdf", b"%PDF-1.4 x")})
    assert good.status_code == 302
    document = LibraryDocument.objects.get()
    assert (document.uploaded_by, document.is_confirmed) == (admin_user, False)
    change_url = reverse("admin:customers_librarydocument_change", args=[document.pk])
    assert client.post(change_url, {"is_confirmed": "on"}).status_code == 302
    document.refresh_from_db()
    assert (document.is_confirmed, document.confirmed_by, document.title) == (True, admin_user, "报关流程")
