"""A file whose name is longer than the file system allows (84 Chinese characters, 252 bytes) is filed:
the stored name is cut to fit, extension kept; the document keeps and downloads under its own name."""

import os
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from customers.models import CustomerDocument, ImportJob, LibraryDocument

pytestmark = pytest.mark.django_db
LONG_NAME = "上海某某国际物流有限公司" * 7 + ".pdf"  # 84 Chinese characters


def test_the_name_is_longer_than_a_file_system_name():
    assert len(LONG_NAME.encode("utf-8")) + len("_abcdefg") > 255


def _stored_names_fit(field_file):
    base = os.path.basename(field_file.path)
    assert len(base.encode("utf-8")) <= 255
    assert base.endswith(".pdf") and base.startswith("上海某某国际物流有限公司")
    assert os.path.exists(field_file.path)


def test_a_customer_document_with_a_long_name_is_filed_and_downloads_under_it(client, alice, customer):
    client.force_login(alice)
    for _ in range(2):  # the second one gets the storage's unique suffix too
        response = client.post(reverse("customers:document_upload", args=[customer.pk]), {
            "category": "contract", "title": "运输合同",
            "file": SimpleUploadedFile(LONG_NAME, b"%PDF-1.4 contract", content_type="application/pdf")})
        assert response.status_code == 302
    documents = list(CustomerDocument.objects.all())
    assert len(documents) == 2 and documents[0].file.name != documents[1].file.name
    for document in documents:
        assert document.original_name == LONG_NAME
        _stored_names_fit(document.file)
    download = client.get(reverse("customers:document_download", args=[customer.pk, documents[0].pk]))
    assert download.status_code == 200
    assert quote(LONG_NAME) in download["Content-Disposition"]


def test_a_library_document_with_a_long_name_is_filed(client, bob):
    client.force_login(bob)
    response = client.post(reverse("customers:library_upload"), {
        "title": "航线运价", "category": "competition",
        "file": SimpleUploadedFile(LONG_NAME, b"%PDF-1.4 rates", content_type="application/pdf")})
    assert response.status_code == 302, response.content.decode()[:500]
    document = LibraryDocument.objects.get()
    assert document.original_name == LONG_NAME
    _stored_names_fit(document.file)


def test_an_import_file_with_a_long_name_is_read(client, bob):
    client.force_login(bob)
    name = "上海某某国际物流有限公司" * 7 + ".csv"
    content = "收发货单位全称,简称\n嘉兴长名物流有限公司,长名\n".encode("utf-8-sig")
    response = client.post(reverse("customers:import"),
                           {"kind": "customers", "file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert len(os.path.basename(job.file.name).encode("utf-8")) <= 255
