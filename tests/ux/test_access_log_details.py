"""The access log names what was read in the reader's language: every detail the doors write reads in Chinese."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from credit.services import credit_investigation_create
from customers.models import ACCESS_LOG_DETAILS, AccessLog, access_log_detail_text

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


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "expected"), [("zh-hans", "第 {pk} 号信用调查的机构调查报告"),
                                                    ("en", "agency report of credit investigation {pk}")])
def test_an_agency_report_download_reads_in_the_readers_language(client, customer, credit_officer, gm, language,
                                                                expected):
    investigation = credit_investigation_create(
        customer=customer, user=credit_officer, investigated_on=timezone.localdate(), subject="s", sources="s",
        findings="f", report=SimpleUploadedFile("r.pdf", b"%PDF-1.4 x", content_type="application/pdf"))
    client.force_login(credit_officer)
    assert client.get(f"/credit/investigations/{investigation.pk}/report/").status_code == 200
    # Stored as its stable English key: a row written before reads in any language.
    assert AccessLog.objects.get(action="download").detail == f"agency report {investigation.pk}"
    gm.language = language
    gm.save(update_fields=["language"])
    client.force_login(gm)
    page = client.get(reverse("customers:access_log")).content.decode()
    assert expected.format(pk=investigation.pk) in page
    assert f"agency report {investigation.pk}" not in page

