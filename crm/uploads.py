"""Upload validation shared by every door that files a document (customer documents, the library,
agency reports of credit investigations, contract attachments...).

`validate_upload()` refuses files of a kind the department does not file, empty files and files above
the size limit; `storage_name()` makes a stored name that fits the file system and the FileField (a
long Chinese name is cut, keeping its extension), while the original name is kept for display."""

import os

from django.core.exceptions import ValidationError
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# What the department files (SPEC §2.1 documents): no executables or archives of unknown kind.
ALLOWED_EXTENSIONS = ("pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx", "csv", "txt", "zip")
# File systems allow 255 bytes a name; a Chinese character takes 3 bytes in UTF-8.
MAX_NAME_BYTES = 120


def file_extension(name: str) -> str:
    return os.path.splitext(name or "")[1].lower().lstrip(".")


def validate_upload(file, *, extensions=ALLOWED_EXTENSIONS, max_bytes: int | None = None,
                    field: str = "file") -> None:
    """Raise ValidationError({field: ...}) for a file of a kind we do not file, empty, or too large
    (MAX_UPLOAD_BYTES unless `max_bytes` says otherwise)."""
    max_bytes = MAX_UPLOAD_BYTES if max_bytes is None else max_bytes
    if file_extension(getattr(file, "name", "")) not in extensions:
        raise ValidationError({field: _("Files of this type are not accepted. Allowed: %s.") % ", ".join(extensions)})
    size = getattr(file, "size", None) or 0
    if size == 0:
        raise ValidationError({field: _("The file is empty.")})
    if size > max_bytes:
        raise ValidationError({field: _("The file is larger than %d MB.") % (max_bytes // (1024 * 1024))})


def storage_name(filename: str, *, default: str = "file", max_bytes: int = MAX_NAME_BYTES) -> str:
    """A safe stored name for `filename`, at most `max_bytes` bytes in UTF-8, extension kept."""
    name = get_valid_filename(os.path.basename(filename or "")) if (filename or "").strip(". ") else ""
    if not name:
        return default
    stem, extension = os.path.splitext(name)
    extension = extension[:16]
    budget = max_bytes - len(extension.encode("utf-8"))
    encoded = stem.encode("utf-8")[:max(budget, 1)]
    stem = encoded.decode("utf-8", errors="ignore") or default
    return stem + extension


def display_name(field_file) -> str:
    """The name a stored file was uploaded under, without the storage folders ("" for no file)."""
    return field_file.name.rsplit("/", 1)[-1] if field_file else ""
