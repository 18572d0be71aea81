"""Upload validation and stored names (crm.uploads)."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from crm.uploads import storage_name, validate_upload


@pytest.mark.parametrize("name, content, message", [
    ("run.exe", b"MZ", "not accepted"),
    ("empty.pdf", b"", "empty"),
])
def test_refused_uploads(name, content, message):
    with translation.override("en"), pytest.raises(ValidationError) as error:
        validate_upload(SimpleUploadedFile(name, content))
    assert message in error.value.message_dict["file"][0]


def test_too_large_upload_is_refused():
    with translation.override("en"), pytest.raises(ValidationError, match="larger than 1 MB"):
        validate_upload(SimpleUploadedFile("big.pdf", b"x" * (1024 * 1024 + 1)), max_bytes=1024 * 1024)


def test_accepted_upload():
    assert validate_upload(SimpleUploadedFile("营业执照.PDF", b"%PDF-1.4")) is None


def test_a_name_longer_than_the_file_system_allows_is_cut_keeping_the_extension():
    long_name = "上海某某国际物流有限公司" * 7 + ".pdf"  # 84 Chinese characters: 252 bytes before the extension
    stored = storage_name(long_name)
    assert stored.endswith(".pdf") and len(stored.encode("utf-8")) <= 120
    assert stored.startswith("上海某某国际物流有限公司")


@pytest.mark.parametrize("name, expected", [("../../etc/passwd", "passwd"), ("", "file"), ("...", "file"),
                                            ("a b.csv", "a_b.csv")])
def test_stored_names_are_safe(name, expected):
    assert storage_name(name) == expected
