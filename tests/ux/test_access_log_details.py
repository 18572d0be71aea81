"""The access log names what was read in the reader's language: every detail the doors write reads in Chinese."""

import re

import pytest
from django.utils import translation

from customers.models import ACCESS_LOG_DETAILS, access_log_detail_text

# What the doors of the archive, the key accounts, the pipeline and credit write into AccessLog.detail.
WRITTEN = ["customer card", "brief", "contacts", "change history", "data sources", "edit form", "yearly check",
           "customer list", "contact edit form", "handover page", "retirement page", "business record",
           "business records", "classification summary", "pipeline", "key-account application", "surveys",
           "credit file", "form 5", "form 5 xlsx"]


@pytest.mark.parametrize("detail", WRITTEN)
def test_every_detail_reads_in_chinese(detail):
    assert detail in ACCESS_LOG_DETAILS
    with translation.override("zh-hans"):
        text = access_log_detail_text(detail)
    assert text and not re.search(r"[a-z]{2,}", text.replace("XLSX", "")), text


def test_a_stored_detail_keeps_its_english_key():
    with translation.override("en"):
        assert access_log_detail_text("key-account application") == "key-account application"
        assert access_log_detail_text("classification summary") == "Customer classification summary"
