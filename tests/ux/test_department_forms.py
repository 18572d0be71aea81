"""The department's forms: the evaluation block, 路序, contacts' remarks, abilities and age, 任务进度, the
printed card with interactions, documents and data sources, and 附表一 with the contact's phone."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone, translation

from customers.models import CustomerDocument, DocumentCategory, Interaction, ServiceNeed
from tests.factories import BusinessRecordFactory, ContactFactory, CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return UserFactory(username="owner-forms", roles=["account_manager"], language="zh-hans")


@pytest.fixture
def card(owner):
    customer = CustomerFactory(owner=owner, cooperation_attitude="积极配合", existing_problems="回款偏慢",
                               strengths="价格稳定", countermeasures="每季度拜访", staff_quality="管理规范",
                               cooperation_note="旺季需提前订舱", route_stop=3,
                               annual_revenue_target=Decimal("200000"))
    today = timezone.localdate()
    BusinessRecordFactory(customer=customer, date=today.replace(month=1, day=5), amount=Decimal("50000"),
                          service_type="transport.sea")
    contact = ContactFactory(customer=customer, name="何静", birth_date=today.replace(year=today.year - 40),
                             abilities="熟悉报关流程", note="周三不在")
    Interaction.objects.create(customer=customer, kind=Interaction.Kind.values[0], user=owner, contact=contact,
                               date=today, summary="电话确认下月舱位")
    document = CustomerDocument(customer=customer, category=DocumentCategory.BUSINESS_LICENCE, title="营业执照副本",
                                uploaded_by=owner)
    document.file.save("licence.txt", ContentFile(b"x"), save=False)
    document.save()
    return customer


def test_card_form_has_the_evaluation_block_and_the_route_stop():
    from customers.forms import CARD_SECTIONS

    sections = {key: names for key, _title, names in CARD_SECTIONS}
    assert sections["evaluation"] == ("cooperation_attitude", "existing_problems", "strengths", "countermeasures",
                                      "staff_quality")
    assert "route_stop" in sections["business"] and "cooperation_note" in sections["ours"]


def test_service_needs_split_import_and_export_and_transit_is_zhuanguan():
    with translation.override("zh-hans"):
        labels = dict(ServiceNeed.choices)
        assert (str(labels["import"]), str(labels["export"])) == ("进口", "出口")
        assert str(labels["transit"]) == "进出口：转关"


def test_contact_age_in_full_years():
    today = timezone.localdate()
    contact = ContactFactory.build(birth_date=dt.date(today.year - 30, today.month, today.day))
    assert contact.age == 30
    tomorrow = today + dt.timedelta(days=1)
    contact.birth_date = dt.date(today.year - 30, tomorrow.month, tomorrow.day) if tomorrow.year == today.year \
        else contact.birth_date
    assert contact.age in (29, 30)


def test_task_progress_against_the_target(card):
    progress = card.task_progress()
    assert (progress["done"], progress["target"], progress["percent"]) == (Decimal("50000"), Decimal("200000"), 25)


def test_printed_card_holds_evaluation_interactions_documents_sources_and_progress(client, owner, card):
    client.force_login(owner)
    html = client.get(reverse("customers:print", args=[card.pk])).content.decode()
    for text in ("档案评价", "积极配合", "回款偏慢", "经营管理者和业务人员的素质", "路序站次", "旺季需提前订舱",
                 'id="print-interactions"', "电话确认下月舱位", 'id="print-documents"', "营业执照副本",
                 'id="print-sources"', "任务进度", "25%", "熟悉报关流程", "周三不在", "运输（海运）"):
        assert text in html, text
    assert "（40 岁）" not in html  # the age is on the card page; the print has its own column
    page = client.get(reverse("customers:detail", args=[card.pk])).content.decode()
    assert "（40 岁）" in page


def test_card_xlsx_has_interactions_documents_and_sources_sheets(client, owner, card):
    client.force_login(owner)
    response = client.get(reverse("customers:card_xlsx", args=[card.pk]))
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert {"往来记录", "文档", "资料来源"} <= set(workbook.sheetnames)
    assert workbook["往来记录"]["E2"].value == "电话确认下月舱位"


def test_classification_shows_the_contacts_phone_and_prints_every_row(client, owner, card):
    gm = UserFactory(username="gm-forms", roles=["gm"], language="zh-hans")
    card.contacts.update(phone="0571-12345678")
    for _ in range(3):
        CustomerFactory(owner=owner)
    client.force_login(gm)
    url = reverse("customers:classification")
    html = client.get(url).content.decode()
    card.refresh_from_db()
    assert "0571-12345678" in html and (not card.phone or card.phone not in html)
    from customers.views import archive

    archive.CLASSIFICATION_PAGE_SIZE, size = 2, archive.CLASSIFICATION_PAGE_SIZE
    try:
        paged = client.get(url).content.decode()
        assert paged.count('<tr id="row-') == 2 and 'id="classification-print-all"' in paged
        everything = client.get(url, {"all": "1"}).content.decode()
        assert everything.count('<tr id="row-') == 4 and 'id="classification-print"' in everything
    finally:
        archive.CLASSIFICATION_PAGE_SIZE = size


# --- the checked mark ----------------------------------------------------------------------------

def test_checking_the_only_customer_supplied_section_checks_the_card(owner):
    from customers.card_sections import section_sources_update
    from customers.models import DataSource, Section
    from tests.factories import TeamFactory

    team = TeamFactory(name="Forms team")
    owner.teams.add(team)
    clerk = UserFactory(username="clerk-forms", roles=["clerk"], teams=[team])
    customer = CustomerFactory(owner=owner, team=team, is_checked=False)
    section_sources_update(customer=customer, user=owner, sources={Section.IDENTITY: DataSource.CUSTOMER_FORM,
                                                                   Section.BUSINESS: DataSource.STAFF_VISIT})
    customer.refresh_from_db()
    assert customer.is_checked is False
    section_sources_update(customer=customer, user=clerk, sources={Section.IDENTITY: DataSource.CUSTOMER_FORM},
                           checked={Section.IDENTITY: True})
    customer.refresh_from_db()
    assert customer.is_checked is True and customer.checked_by == clerk


def test_owner_typing_customer_data_into_a_checked_card_unchecks_it(client, owner):
    from customers.models import DataSource, Section, SectionSource

    customer = CustomerFactory(owner=owner, is_checked=True)
    SectionSource.objects.create(customer=customer, section=Section.IDENTITY, source=DataSource.CUSTOMER_FORM,
                                 is_checked=True)
    client.force_login(owner)
    from tests.customers.test_views_archive import card_post

    data = card_post(name=customer.name, phone=customer.phone, address="客户来函告知的新地址1号",
                     source=DataSource.CUSTOMER_FORM)
    response = client.post(reverse("customers:edit", args=[customer.pk]), data)
    assert response.status_code == 302, response.content.decode()[:500]
    customer.refresh_from_db()
    row = customer.section_sources.get(section=Section.IDENTITY)
    assert (customer.address, row.source, row.is_checked, customer.is_checked) == (
        "客户来函告知的新地址1号", DataSource.CUSTOMER_FORM, False, False)


def test_an_edit_from_a_staff_visit_keeps_the_card_checked(client, owner):
    from customers.models import DataSource, Section

    customer = CustomerFactory(owner=owner, is_checked=True)
    client.force_login(owner)
    from tests.customers.test_views_archive import card_post

    data = card_post(name=customer.name, phone=customer.phone, address="拜访核实的新地址2号",
                     source=DataSource.STAFF_VISIT)
    assert client.post(reverse("customers:edit", args=[customer.pk]), data).status_code == 302
    customer.refresh_from_db()
    assert customer.is_checked is True
    assert customer.section_sources.get(section=Section.IDENTITY).source == DataSource.STAFF_VISIT
