"""Codes and English never reach a Chinese page: service types, access-log details, upload columns, figures."""

from decimal import Decimal

import pytest
from django.utils import translation

from crm.tabular import csv_bytes
from crm.templatetags.crm_tags import deviation, num
from customers.business_records.files import business_records_template_csv, records_from_file, service_type_code
from customers.models import access_log_detail_text, service_type_filter_choices, service_type_label


@pytest.mark.parametrize(("code", "zh", "en"), [
    ("transport.sea", "运输（海运）", "Transport (sea)"),
    ("transport.road", "运输（公路）", "Transport (road)"),
    ("warehousing", "仓储", "Warehousing"),
    ("transport.hovercraft", "运输", "Transport"),  # an unknown finer code: never shown raw
])
def test_service_type_in_words(code, zh, en):
    with translation.override("zh-hans"):
        assert service_type_label(code) == zh
    with translation.override("en"):
        assert service_type_label(code) == en


def test_filter_offers_types_and_transport_modes_in_words():
    with translation.override("zh-hans"):
        choices = dict(service_type_filter_choices())
    assert choices["transport"] == "运输" and choices["transport.sea"] == "运输（海运）"
    assert not any("." in label or label.isascii() for label in choices.values())


@pytest.mark.parametrize(("text", "code"), [("运输（海运）", "transport.sea"), ("运输(空运)", "transport.air"),
                                           ("海运", "transport.sea"), ("仓储", "warehousing"),
                                           ("transport.rail", "transport.rail")])
def test_upload_reads_service_types_as_the_card_writes_them(text, code):
    assert service_type_code(text) == code


def test_template_csv_has_chinese_titles_and_reads_back():
    content = business_records_template_csv()
    header = content.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("货运系统编号,客户编码,客户名称,业务日期,合同号,业务类型")
    assert "external_id" not in header and "transport" not in content.decode("utf-8-sig")
    parsed = records_from_file(content=content, filename="template.csv")
    assert parsed.records[0]["service_type"] == "transport.sea"
    assert parsed.records[0]["external_id"] == "FR-2026-000001"


def test_missing_columns_named_in_chinese_on_chinese_pages():
    from crm.exceptions import ApplicationError

    with translation.override("zh-hans"), pytest.raises(ApplicationError) as error:
        records_from_file(content=csv_bytes(["external_id", "date", "amount"], [["1", "2026-01-01", "1"]]),
                          filename="x.csv")
    assert str(error.value.message) == "文件缺少以下列：业务类型、回款期限、客户编码 / 客户名称。"


@pytest.mark.parametrize(("detail", "zh"), [
    ("customer card", "客户资料卡"),
    ("customer card (xlsx)", "客户资料卡（XLSX）"),
    ("customers 182 rows", "客户档案，182 行"),
    ("contacts 12 rows stage=customer", "联系人，12 行（筛选条件：stage=customer）"),
    ("contact", "联系人"),  # the admin's model name
    ("A free text someone typed", "A free text someone typed"),
])
def test_access_log_details_in_the_readers_language(detail, zh):
    with translation.override("zh-hans"):
        assert access_log_detail_text(detail) == zh


@pytest.mark.parametrize(("value", "text"), [(Decimal("22.000"), "22"), (Decimal("22.500"), "22.5"),
                                             (Decimal("1250.7500"), "1,250.75"), (None, ""),
                                             (Decimal("-3.10"), "-3.1")])
def test_one_number_format(value, text):
    assert num(value) == text


def test_deviation_one_colour_rule():
    assert deviation(Decimal("5.00")) == '<span class="deviation text-danger">+5%</span>'
    assert deviation(Decimal("-2.50")) == '<span class="deviation text-success">-2.5%</span>'
    assert deviation(None) == ""
