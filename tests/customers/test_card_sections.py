"""The card's related parts (SPEC §2.1, §8): contacts, competitors, documents, interactions, data
sources and the document library, each tried as owner (alice), colleague (bob) and outsider (charlie)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from crm.exceptions import PermissionDeniedError
from customers.card_sections import contact_update, document_create, library_document_create
from customers.models import (
    AccessGrant,
    AccessLog,
    Competitor,
    Customer,
    CustomerDocument,
    Interaction,
    LibraryDocument,
    SectionSource,
)
from customers.policies import can_see_sensitive_personal
from tests.factories import CompetitorFactory, ContactFactory, CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


def client_for(client, user):
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def contact(customer):
    return ContactFactory(customer=customer, name="王经理", title="物流部经理", home_address="上海市徐汇区某路1号",
                          hobbies="钓鱼", mobile="13900001111", birth_date=dt.date(1980, 5, 1))


@pytest.fixture
def other_customer(charlie):
    return CustomerFactory(owner=charlie, name="广州西部贸易有限公司")


def upload(name="licence.pdf", content=b"%PDF-1.4 licence", content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


# --- Contacts ----------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["alice", "bob"])
def test_owner_and_colleague_add_edit_and_remove_contacts(client, customer, who, request):
    user = request.getfixturevalue(who)
    client_for(client, user)
    response = client.post(reverse("customers:contact_create", args=[customer.pk]), {
        "name": "李主任", "title": "采购主任", "phone": "021-6666 8888", "is_decision_maker": "on",
        "birth_date": "1975-03-02", "hobbies": "围棋"})
    assert response.status_code == 302
    assert response["Location"].endswith("#contacts")
    contact = customer.contacts.get(name="李主任")
    assert (contact.title, contact.is_decision_maker, contact.birth_date, contact.hobbies) == (
        "采购主任", True, dt.date(1975, 3, 2), "围棋")
    assert contact.history.first().history_user == user

    response = client.post(reverse("customers:contact_edit", args=[customer.pk, contact.pk]), {
        "name": "李主任", "title": "采购总监", "phone": "021-6666 8888", "birth_date": "1975-03-02"})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.title == "采购总监"
    assert contact.is_decision_maker is False
    assert contact.history.first().history_user == user

    response = client.post(reverse("customers:contact_delete", args=[customer.pk, contact.pk]))
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.is_active is False
    # Soft removal: still there, and the history has the before/after.
    assert contact.history.count() == 3
    assert contact.history.first().prev_record.is_active is True


def test_outsider_gets_404_on_every_contact_door(client, customer, contact, charlie):
    client_for(client, charlie)
    urls = [reverse("customers:contact_create", args=[customer.pk]),
            reverse("customers:contact_edit", args=[customer.pk, contact.pk])]
    for url in urls:
        assert client.get(url).status_code == 404
        assert client.post(url, {"name": "x"}).status_code == 404
    assert client.post(reverse("customers:contact_delete", args=[customer.pk, contact.pk])).status_code == 404
    contact.refresh_from_db()
    assert contact.is_active and contact.name == "王经理"
    assert customer.contacts.count() == 1


def test_contact_of_another_customer_is_404(client, customer, alice, other_customer):
    foreign = ContactFactory(customer=other_customer)
    client_for(client, alice)
    assert client.get(reverse("customers:contact_edit", args=[customer.pk, foreign.pk])).status_code == 404
    assert client.post(reverse("customers:contact_delete", args=[customer.pk, foreign.pk])).status_code == 404
    foreign.refresh_from_db()
    assert foreign.is_active


def test_reader_who_may_not_edit_gets_403_and_changes_nothing(client, customer, contact, credit_officer):
    client_for(client, credit_officer)
    url = reverse("customers:contact_edit", args=[customer.pk, contact.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "改名", "birth_date": "2000-01-01"}).status_code == 403
    contact.refresh_from_db()
    assert (contact.name, contact.birth_date) == ("王经理", dt.date(1980, 5, 1))


def test_bad_input_is_shown_beside_the_field_and_nothing_saved(client, customer, alice):
    client_for(client, alice)
    response = client.post(reverse("customers:contact_create", args=[customer.pk]),
                           {"name": "", "email": "not-an-email", "birth_date": "1980-13-45"})
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) >= {"name", "email", "birth_date"}
    assert b"invalid-feedback" in response.content
    assert customer.contacts.count() == 0


def test_one_main_contact_per_customer(client, customer, alice, contact):
    contact.is_primary = True
    contact.save()
    client_for(client, alice)
    client.post(reverse("customers:contact_create", args=[customer.pk]), {"name": "新主联系人", "is_primary": "on"})
    contact.refresh_from_db()
    assert contact.is_primary is False
    assert customer.contacts.get(is_primary=True).name == "新主联系人"


def test_user_without_sensitive_rights_cannot_overwrite_personal_fields(client, customer, contact, alice,
                                                                        monkeypatch):
    """Rules today let every editor see personal data; the form and the service still hold the line
    if one day an editor may not (e.g. a narrower role), so nobody overwrites values blindly."""
    monkeypatch.setattr("customers.views.card_sections.can_see_sensitive_personal", lambda user, customer: False)
    monkeypatch.setattr("customers.card_sections.can_see_sensitive_personal", lambda user, customer: False)
    client_for(client, alice)
    url = reverse("customers:contact_edit", args=[customer.pk, contact.pk])
    page = client.get(url)
    assert "birth_date" not in page.context["form"].fields
    assert b'name="hobbies"' not in page.content
    response = client.post(url, {"name": "王总", "birth_date": "1999-09-09", "hobbies": "", "home_address": "",
                                 "mobile": ""})
    assert response.status_code == 302, response.context["form"].errors
    contact.refresh_from_db()
    assert contact.name == "王总"
    assert (contact.birth_date, contact.hobbies, contact.home_address, contact.mobile) == (
        dt.date(1980, 5, 1), "钓鱼", "上海市徐汇区某路1号", "13900001111")
    with pytest.raises(PermissionDeniedError) as error:
        contact_update(contact=contact, user=alice, birth_date=dt.date(1999, 9, 9))
    assert error.value.field == "birth_date"
    # Sending the current value unchanged is harmless.
    contact_update(contact=contact, user=alice, birth_date=dt.date(1980, 5, 1), title="总经理")


def test_owner_with_integration_role_edits_contacts_but_not_personal_data(client, customer, contact, alice):
    """Under today's rules the one editor who may not see personal data: an owner who is also an
    integration account (SPEC §8: integration sees identity fields only)."""
    from django.contrib.auth.models import Group

    alice.groups.add(Group.objects.get(name="integration"))
    client_for(client, alice)
    url = reverse("customers:contact_edit", args=[customer.pk, contact.pk])
    assert "birth_date" not in client.get(url).context["form"].fields
    assert client.post(url, {"name": "王总", "birth_date": "1999-09-09", "hobbies": ""}).status_code == 302
    contact.refresh_from_db()
    assert (contact.name, contact.birth_date, contact.hobbies) == ("王总", dt.date(1980, 5, 1), "钓鱼")


def _render_contacts_tab(user, customer):
    return render_to_string("customers/card_sections/_contacts_tab.html", {
        "customer": customer, "contacts": customer.contacts.all(), "can_edit": False,
        "show_sensitive": can_see_sensitive_personal(user, customer)})


def test_contacts_tab_hides_personal_data_from_credit_officer_and_granted_reader(customer, contact, bob, charlie,
                                                                                 credit_officer, dora):
    assert 'id="removed-contacts"' not in _render_contacts_tab(bob, customer)
    ContactFactory(customer=customer, name="离职联系人", is_active=False)
    AccessGrant.objects.create(customer=customer, user=charlie, granted_by=dora,
                               expires_at=timezone.now() + dt.timedelta(days=7))
    shown = _render_contacts_tab(bob, customer)
    assert shown.count('id="removed-contacts"') == 1 and "离职联系人" in shown
    assert f'id="contact-{contact.pk}"' in shown
    assert "上海市徐汇区某路1号" in shown and "1980-05-01" in shown and "13900001111" in shown and "钓鱼" in shown
    for reader in (credit_officer, charlie):
        html = _render_contacts_tab(reader, customer)
        assert "王经理" in html and "物流部经理" in html  # the work data stays visible
        for secret in ("上海市徐汇区某路1号", "1980-05-01", "13900001111", "钓鱼"):
            assert secret not in html
        assert "hidden" in html


def test_card_page_tabs_follow_the_same_rule(client, customer, contact, bob, credit_officer):
    """Through the card page itself (customers.views.archive)."""
    url = reverse("customers:detail", args=[customer.pk])
    assert "13900001111" in client_for(client, bob).get(url).content.decode()
    client.logout()
    page = client_for(client, credit_officer).get(url)
    assert page.status_code == 200
    assert "13900001111" not in page.content.decode()


# --- Competitors -------------------------------------------------------------------------------

def test_competitors_crud_and_share_limit(client, customer, alice, charlie):
    Customer.objects.filter(pk=customer.pk).update(our_share=Decimal("40"), our_goods="钢材")
    client_for(client, alice)
    response = client.post(reverse("customers:competitor_create", args=[customer.pk]),
                           {"name": "中远物流", "share": "35", "price_level": "略低"})
    assert response.status_code == 302
    competitor = Competitor.objects.get(customer=customer)
    assert competitor.share == Decimal("35")
    response = client.post(reverse("customers:competitor_create", args=[customer.pk]),
                           {"name": "顺丰", "share": "30"})
    assert response.status_code == 200
    assert "share" in response.context["form"].errors
    assert Competitor.objects.filter(customer=customer).count() == 1
    response = client.post(reverse("customers:competitor_edit", args=[customer.pk, competitor.pk]),
                           {"name": "中远海运物流", "share": "60.5"})
    assert response.status_code == 200  # 60.5 + our 40 > 100
    competitor.refresh_from_db()
    assert (competitor.name, competitor.share) == ("中远物流", Decimal("35"))
    response = client.post(reverse("customers:competitor_edit", args=[customer.pk, competitor.pk]),
                           {"name": "中远海运物流", "share": "60"})
    assert response.status_code == 302
    competitor.refresh_from_db()
    assert (competitor.name, competitor.share) == ("中远海运物流", Decimal("60"))
    client.logout()
    client_for(client, charlie)
    assert client.get(reverse("customers:competitor_edit", args=[customer.pk, competitor.pk])).status_code == 404
    assert client.post(reverse("customers:competitor_delete", args=[customer.pk, competitor.pk])).status_code == 404
    client.logout()
    client_for(client, alice)
    assert client.post(reverse("customers:competitor_delete", args=[customer.pk, competitor.pk])).status_code == 302
    assert not Competitor.objects.filter(pk=competitor.pk).exists()


def test_competitors_tab_shows_our_figures_beside_theirs(customer):
    Customer.objects.filter(pk=customer.pk).update(our_goods="钢材", our_volume="月均300吨", our_share=Decimal("40"),
                                                   our_price_level="中等", our_sales_situation="稳定")
    customer.refresh_from_db()
    CompetitorFactory(customer=customer, name="中远物流", share=Decimal("35"), volume="月均200吨")
    html = render_to_string("customers/card_sections/_competitors_tab.html", {
        "customer": customer, "competitors": customer.competitors.all(), "can_edit": True})
    assert "月均300吨" in html and "中等" in html and "稳定" in html and ">40<" in html
    assert "中远物流" in html and "月均200吨" in html and ">35<" in html
    assert html.index("月均300吨") < html.index("中远物流")


# --- Documents ---------------------------------------------------------------------------------

def test_upload_rejects_bad_extension_and_saves_nothing(client, customer, alice, settings):
    client_for(client, alice)
    response = client.post(reverse("customers:document_upload", args=[customer.pk]), {
        "category": "business_licence", "title": "营业执照", "file": upload("virus.exe", b"MZ")})
    assert response.status_code == 200
    assert "file" in response.context["form"].errors
    assert "Allowed" in response.context["form"].errors["file"][0]
    assert CustomerDocument.objects.count() == 0
    media = settings.MEDIA_ROOT
    assert not any(path.is_file() for path in media.rglob("*")) if media.exists() else True


def test_upload_too_large_is_a_form_error(client, customer, alice, monkeypatch):
    monkeypatch.setattr("crm.uploads.MAX_UPLOAD_BYTES", 10)
    client_for(client, alice)
    response = client.post(reverse("customers:document_upload", args=[customer.pk]), {
        "category": "contract", "title": "合同", "file": upload("contract.pdf", b"x" * 11)})
    assert response.status_code == 200
    assert "larger" in response.context["form"].errors["file"][0]
    assert CustomerDocument.objects.count() == 0


def test_upload_and_download_by_owner(client, customer, alice):
    client_for(client, alice)
    response = client.post(reverse("customers:document_upload", args=[customer.pk]), {
        "category": "business_licence", "title": "营业执照副本", "note": "2024年版",
        "file": upload("licence.pdf", b"%PDF-1.4 the licence")})
    assert response.status_code == 302
    document = CustomerDocument.objects.get(customer=customer)
    assert (document.title, document.uploaded_by, document.note) == ("营业执照副本", alice, "2024年版")
    response = client.get(reverse("customers:document_download", args=[customer.pk, document.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 the licence"
    assert response["Content-Disposition"].startswith("attachment;")
    log = AccessLog.objects.get()
    assert (log.user, log.customer, log.action, log.channel, log.detail) == (
        alice, customer, AccessLog.Action.DOWNLOAD, AccessLog.Channel.WEB, "营业执照副本")


def test_download_by_colleague_is_logged(client, customer, alice, bob):
    document = document_create(customer=customer, user=alice, category="contract", title="运输合同",
                               file=upload("contract.pdf", b"contract"))
    client_for(client, bob)
    response = client.get(reverse("customers:document_download", args=[customer.pk, document.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"contract"
    assert AccessLog.objects.filter(user=bob, customer=customer, action="download", detail="运输合同").count() == 1


def test_outsider_and_wrong_customer_get_404(client, customer, alice, charlie, other_customer, integration_user):
    document = document_create(customer=customer, user=alice, category="contract", title="运输合同",
                               file=upload("contract.pdf", b"contract"))
    theirs = document_create(customer=other_customer, user=charlie, category="contract", title="他们的合同",
                             file=upload("theirs.pdf", b"theirs"))
    client_for(client, charlie)
    assert client.get(reverse("customers:document_download", args=[customer.pk, document.pk])).status_code == 404
    # charlie's own archive in the URL does not open alice's document.
    assert client.get(reverse("customers:document_download", args=[other_customer.pk, document.pk])).status_code == 404
    client.logout()
    client_for(client, alice)
    # alice's archive in the URL does not open charlie's document.
    assert client.get(reverse("customers:document_download", args=[customer.pk, theirs.pk])).status_code == 404
    client.logout()
    client_for(client, integration_user)
    # No page is the integration role's: 403 (README "Refusals").
    assert client.get(reverse("customers:document_download", args=[customer.pk, document.pk])).status_code == 403
    assert AccessLog.objects.count() == 0


def test_delete_document_removes_row_and_file(client, customer, alice, bob, credit_officer,
                                              django_capture_on_commit_callbacks):
    document = document_create(customer=customer, user=alice, category="contract", title="旧合同",
                               file=upload("old.pdf", b"old"))
    storage, name = document.file.storage, document.file.name
    client_for(client, credit_officer)
    assert client.post(reverse("customers:document_delete", args=[customer.pk, document.pk])).status_code == 403
    client.logout()
    client_for(client, bob)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("customers:document_delete", args=[customer.pk, document.pk])).status_code == 302
    assert not CustomerDocument.objects.exists()
    assert not storage.exists(name)


def test_documents_tab_lists_download_links(customer, alice):
    document = document_create(customer=customer, user=alice, category="rate_sheet", title="华东线运价",
                               file=upload("rates.xlsx", b"xlsx"))
    CustomerDocument.objects.filter(pk=document.pk).update(uploaded_by=None)  # the uploader's account is gone
    html = render_to_string("customers/card_sections/_documents_tab.html", {
        "customer": customer, "documents": customer.documents.all(), "can_edit": False})
    assert "华东线运价" in html
    assert reverse("customers:document_download", args=[customer.pk, document.pk]) in html
    assert reverse("customers:document_delete", args=[customer.pk, document.pk]) not in html


# --- Interactions ------------------------------------------------------------------------------

def test_interaction_log(client, customer, contact, alice, charlie, other_customer):
    client_for(client, alice)
    url = reverse("customers:interaction_create", args=[customer.pk])
    page = client.get(url)
    assert list(page.context["form"].fields["contact"].queryset) == [contact]
    response = client.post(url, {"kind": "negotiation", "date": "2024-03-05", "contact": contact.pk,
                                 "summary": "商谈年度运价"})
    assert response.status_code == 302
    interaction = Interaction.objects.get(customer=customer)
    assert (interaction.kind, interaction.date, interaction.user, interaction.contact) == (
        "negotiation", dt.date(2024, 3, 5), alice, contact)

    foreign = ContactFactory(customer=other_customer)
    response = client.post(url, {"kind": "call", "date": "2024-03-06", "contact": foreign.pk, "summary": "x"})
    assert "contact" in response.context["form"].errors
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client.post(url, {"kind": "call", "date": tomorrow.isoformat(), "summary": "x"})
    assert "date" in response.context["form"].errors
    assert Interaction.objects.count() == 1

    html = render_to_string("customers/card_sections/_interactions_tab.html", {
        "customer": customer, "interactions": customer.interactions.all(), "can_edit": True})
    assert "商谈年度运价" in html and "2024-03-05" in html and contact.name in html

    client.logout()
    client_for(client, charlie)
    assert client.post(url, {"kind": "call", "date": "2024-03-06", "summary": "x"}).status_code == 404
    assert Interaction.objects.count() == 1


# --- Section data sources ----------------------------------------------------------------------

def _sources_post(**overrides):
    data = {f"source_{section}": "" for section in
            ("identity", "business", "terms", "logistics", "financial", "contacts", "competitors")}
    data.update(overrides)
    return data


def test_section_sources_and_checking(client, customer, alice, bob, charlie, credit_officer):
    url = reverse("customers:section_source", args=[customer.pk])
    client_for(client, alice)
    # The owner records the origin; the "checked" box is not hers to tick (the field is disabled).
    response = client.post(url, _sources_post(source_identity="customer_form", source_business="staff_visit",
                                              checked_identity="on"))
    assert response.status_code == 302
    identity = SectionSource.objects.get(customer=customer, section="identity")
    assert (identity.source, identity.is_checked) == ("customer_form", False)
    customer.refresh_from_db()
    assert customer.is_checked is False  # customer-supplied data waits for a clerk

    client.logout()
    client_for(client, bob)
    response = client.post(url, _sources_post(source_identity="customer_form", source_business="staff_visit",
                                              checked_identity="on"))
    assert response.status_code == 302
    identity.refresh_from_db()
    assert (identity.is_checked, identity.checked_by) == (True, bob)
    customer.refresh_from_db()
    # Its only customer-supplied section is checked: the card is checked (staff-written data needs no check).
    assert customer.is_checked is True and customer.checked_by == bob

    # "Check all" saves the sources shown and marks the whole card.
    response = client.post(url, {**_sources_post(source_identity="customer_form", source_business="staff_visit",
                                                 source_financial="agency"), "check_all": "1"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.is_checked is True and customer.checked_by == bob
    assert SectionSource.objects.filter(customer=customer, is_checked=True).count() == 3
    assert not SectionSource.objects.filter(customer=customer, is_checked=False).exists()
    # Alice (not a checker) cannot mark the card either.
    client.logout()
    client_for(client, alice)
    response = client.post(url, {**_sources_post(source_identity="customer_form"), "check_all": "1"})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert SectionSource.objects.filter(customer=customer).count() == 3  # nothing half-saved
    client.logout()
    client_for(client, bob)

    # A new origin clears the mark.
    client.post(url, _sources_post(source_identity="agency", source_business="staff_visit"))
    identity.refresh_from_db()
    assert (identity.source, identity.is_checked) == ("agency", False)

    client.logout()
    client_for(client, credit_officer)
    assert client.get(url).status_code == 200
    assert client.post(url, _sources_post(source_identity="other")).status_code == 403
    client.logout()
    client_for(client, charlie)
    assert client.get(url).status_code == 404


# --- Document library --------------------------------------------------------------------------

@pytest.fixture
def library(alice):
    rates = library_document_create(user=alice, title="华东航线运价表2024", category="rate_sheet",
                                    keywords="运价 华东", file=upload("rates.xlsx", b"rates"))
    template = library_document_create(user=alice, title="货运协议文本", category="freight_agreement",
                                       description="标准货运协议模板", file=upload("agreement.docx", b"agreement"))
    return rates, template


def test_library_list_search_and_filters(client, library, credit_officer, django_assert_max_num_queries):
    rates, template = library
    template.is_confirmed = True
    template.save()
    client_for(client, credit_officer)
    url = reverse("customers:library")
    with django_assert_max_num_queries(12):
        page = client.get(url)
    assert [d.title for d in page.context["documents"]] == ["货运协议文本", "华东航线运价表2024"]
    assert [d.pk for d in client.get(url, {"q": "华东"}).context["documents"]] == [rates.pk]
    assert [d.pk for d in client.get(url, {"q": "模板"}).context["documents"]] == [template.pk]
    assert [d.pk for d in client.get(url, {"category": "rate_sheet"}).context["documents"]] == [rates.pk]
    assert [d.pk for d in client.get(url, {"confirmed": "yes"}).context["documents"]] == [template.pk]
    assert [d.pk for d in client.get(url, {"confirmed": "no"}).context["documents"]] == [rates.pk]


def test_library_upload(client, alice):
    client_for(client, alice)
    url = reverse("customers:library_upload")
    response = client.post(url, {"title": "竞争情况说明", "category": "competition", "file": upload("x.exe", b"MZ")})
    assert response.status_code == 200 and "file" in response.context["form"].errors
    assert LibraryDocument.objects.count() == 0
    response = client.post(url, {"title": "竞争情况说明", "category": "competition", "keywords": "竞争",
                                 "file": upload("notes.txt", b"notes")})
    assert response.status_code == 302
    document = LibraryDocument.objects.get()
    assert (document.title, document.uploaded_by, document.is_confirmed) == ("竞争情况说明", alice, False)


def test_library_download_for_staff_only(client, library, credit_officer, integration_user):
    rates, _ = library
    url = reverse("customers:library_download", args=[rates.pk])
    client_for(client, credit_officer)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"rates"
    assert AccessLog.objects.filter(user=credit_officer, action="download", customer=None).count() == 1
    client.logout()
    club = UserFactory(username="club", roles=["club_office"])
    for outsider in (integration_user, club):
        client_for(client, outsider)
        # A page these roles may not use: 403 (README "Refusals").
        assert client.get(url).status_code == 403
        assert client.get(reverse("customers:library")).status_code == 403
        assert client.post(reverse("customers:library_upload"), {}).status_code == 403
        client.logout()


def test_library_confirm(client, library, alice, bob, dora):
    rates, _ = library
    url = reverse("customers:library_confirm", args=[rates.pk])
    client_for(client, alice)  # account managers read and add, but do not confirm
    assert client.post(url).status_code == 403
    rates.refresh_from_db()
    assert rates.is_confirmed is False
    client.logout()
    client_for(client, bob)
    response = client.post(url, {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == reverse("customers:library")
    rates.refresh_from_db()
    assert (rates.is_confirmed, rates.confirmed_by) == (True, bob)
    client.logout()
    client_for(client, dora)
    client.post(url, {"confirmed": "0"})
    rates.refresh_from_db()
    assert (rates.is_confirmed, rates.confirmed_by) == (False, None)
    assert any("no longer" in m for m in messages_of(client.post(url, {"confirmed": "0"})))
