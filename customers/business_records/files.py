"""The upload page's files (CSV/XLSX): reading records from a file, the template, and the job that
keeps a file until its preview is confirmed, then imports it all or nothing."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from crm.exceptions import ApplicationError, PermissionDeniedError
from crm.models import User
from crm.tabular import csv_bytes, is_blank
from customers.business_records.upsert import CUSTOMER_KEYS, NON_FIELD, UpsertResult, business_records_upsert
from customers.imports.importers import read_dataset
from customers.models import ImportJob
from customers.policies import can_upload_business_records

FILE_MAX_RECORDS = 20_000
FILE_COLUMNS = ("external_id", "customer_code", "customer_name", "date", "contract_no", "service_type", "goods",
                "volume", "unit_price", "amount", "cost", "due_date", "paid_amount", "paid_date")
FILE_OPTIONAL_COLUMNS = ("customer", "contract_unit_price")
# Headers as clerks type them: the API's field names, or the Chinese column titles of the freight
# system's exports.
COLUMN_ALIASES = {
    "external_id": ("external_id", "freight_system_id", "货运系统编号", "业务编号", "外部编号", "单号"),
    "customer": ("customer", "customer_id", "客户id"),
    "customer_code": ("customer_code", "客户编码", "客户代码"),
    "customer_name": ("customer_name", "客户名称", "客户全称", "收发货单位全称"),
    "date": ("date", "业务日期", "日期"),
    "contract_no": ("contract_no", "合同号", "合同编号"),
    "service_type": ("service_type", "业务类型", "服务类型"),
    "goods": ("goods", "货名"),
    "volume": ("volume", "提货量", "货量", "数量"),
    "unit_price": ("unit_price", "单价"),
    "contract_unit_price": ("contract_unit_price", "合同单价", "合同运价"),
    "amount": ("amount", "金额"),
    "cost": ("cost", "成本"),
    "due_date": ("due_date", "回款期限", "付款期限", "应付日期", "到期日"),
    "paid_amount": ("paid_amount", "回款金额", "已回款金额", "已付金额"),
    "paid_date": ("paid_date", "回款日期", "付款日期"),
}
# The column titles of the template and of error reports: the department's own words (the first Chinese
# alias above); the English field names stay accepted for files written by other systems.
COLUMN_TITLES = {name: next(a for a in aliases if not a.isascii()) for name, aliases in COLUMN_ALIASES.items()}
SERVICE_TYPE_WORDS = {"运输": "transport", "仓储": "warehousing", "配送": "distribution", "报关": "customs",
                      "关务": "customs", "其他": "other", "其它": "other"}
# Transport modes, alone ("海运") or after the type ("运输（海运）", "运输(海运)"), as the card shows them.
TRANSPORT_MODE_WORDS = {"海运": "sea", "公路": "road", "陆运": "road", "空运": "air", "铁路": "rail",
                        "多式联运": "multimodal", "快递": "express"}
_TYPE_WITH_DETAIL = re.compile(r"^(?P<type>[^（(]+)[（(](?P<detail>[^）)]+)[）)]$")


def service_type_code(text: str) -> str:
    """The code of a service type written in words; anything else is returned as it is (then validated)."""
    text = text.strip()
    if text in SERVICE_TYPE_WORDS:
        return SERVICE_TYPE_WORDS[text]
    if text in TRANSPORT_MODE_WORDS:
        return f"transport.{TRANSPORT_MODE_WORDS[text]}"
    match = _TYPE_WITH_DETAIL.match(text)
    if match and match["type"].strip() == "运输" and match["detail"].strip() in TRANSPORT_MODE_WORDS:
        return f"transport.{TRANSPORT_MODE_WORDS[match['detail'].strip()]}"
    return text


def column_title(name: str) -> str:
    """A file column's header as the template writes it: its Chinese title ("货运系统编号")."""
    return COLUMN_TITLES.get(name, name)


def column_label(name: str) -> str:
    """A column as messages name it: the Chinese title on Chinese pages, "external_id (货运系统编号)" in English."""
    title = column_title(name)
    if (get_language() or "").startswith("zh") or title == name:
        return title
    return f"{name} ({title})"
_REQUIRED_COLUMNS = ("external_id", "date", "service_type", "amount", "due_date")


def _header_key(header: Any) -> str:
    text = str(header or "").strip().strip("*").strip().lower()
    return re.sub(r"[\s\-]+", "_", text)


_ALIAS_TO_FIELD = {_header_key(alias): name for name, aliases in COLUMN_ALIASES.items() for alias in aliases}


@dataclass
class FileRecords:
    records: list[dict]
    rows: list[int]  # spreadsheet row number of each record (the header is row 1)
    columns: list[str]  # the fields the file's columns map to
    ignored_headers: list[str]


def records_from_file(*, content: bytes, filename: str) -> FileRecords:
    """The records of a CSV (UTF-8 or GB18030) or XLSX file whose first row names the columns.
    Blank rows are skipped, row numbers kept. Raises ApplicationError(field="file") for a file that
    cannot be read or lacks a required column."""
    dataset = read_dataset(content=content, filename=filename)
    mapping: dict[int, str] = {}
    ignored: list[str] = []
    for position, header in enumerate(dataset.headers or []):
        name = _ALIAS_TO_FIELD.get(_header_key(header))
        if name is None or name in mapping.values():
            if str(header or "").strip():
                ignored.append(str(header))
            continue
        mapping[position] = name
    columns = list(mapping.values())
    missing = [column_label(name) for name in _REQUIRED_COLUMNS if name not in columns]
    if not any(key in columns for key in CUSTOMER_KEYS):
        missing.append(f"{column_label('customer_code')} / {column_label('customer_name')}")
    if missing:
        separator = pgettext("list separator", ", ")
        raise ApplicationError(_("The file lacks the columns: %(columns)s.") % {"columns": separator.join(missing)},
                               field="file")
    records, rows = [], []
    for number, row in enumerate(dataset, start=2):
        if all(is_blank(value) for value in row):
            continue
        record = {name: row[position] for position, name in mapping.items()}
        service_type = record.get("service_type")
        if isinstance(service_type, str):
            record["service_type"] = service_type_code(service_type)
        records.append(record)
        rows.append(number)
    return FileRecords(records=records, rows=rows, columns=columns, ignored_headers=ignored)


def business_records_template_csv() -> bytes:
    """An empty upload file with its header row and one example row (UTF-8 with BOM, for Excel)."""
    today = timezone.localdate()
    example = ["FR-2026-000001", "C0000001", "", today.isoformat(), "HT-2026-001", "运输（海运）", "电子产品",
               "12.5", "960.00", "12000.00", "9800.00", (today + dt.timedelta(days=30)).isoformat(), "0", ""]
    return csv_bytes([column_title(name) for name in FILE_COLUMNS], [example])


@transaction.atomic
def business_records_upload_create(*, user: User, content: bytes, filename: str) -> ImportJob:
    """Keep an uploaded file on an ImportJob (kind business_records) until its preview is confirmed.
    Raises ApplicationError(field="file") for an unreadable file, a missing column or no data."""
    if not can_upload_business_records(user):
        raise PermissionDeniedError(_("You may not upload business records."))
    parsed = records_from_file(content=content, filename=filename)
    if not parsed.records:
        raise ApplicationError(_("The file has a header row but no data."), field="file")
    if len(parsed.records) > FILE_MAX_RECORDS:
        raise ApplicationError(_("The file has more than %(max)d records; split it.") % {"max": FILE_MAX_RECORDS},
                               field="file")
    job = ImportJob(kind=ImportJob.Kind.BUSINESS_RECORDS, user=user, total_rows=len(parsed.records))
    job.file.save(get_valid_filename(filename) or "business-records.csv", ContentFile(content), save=False)
    job.save()
    return job


@dataclass
class UploadOutcome:
    """A job's dry run or import: the service's result, and its errors by spreadsheet row."""

    result: UpsertResult
    errors: list[dict]  # {"row", "column", "value", "message"}
    ignored_headers: list[str]
    total_rows: int


def _job_records(job: ImportJob) -> FileRecords:
    with job.file.open("rb") as handle:
        content = handle.read()
    return records_from_file(content=content, filename=job.file.name)


def _row_errors(parsed: FileRecords, errors: list[dict]) -> list[dict]:
    rows = []
    for error in errors:
        index = error["index"]
        record = parsed.records[index] if index is not None else {}
        value = record.get(error["field"])
        column = "" if error["field"] == NON_FIELD else error["field"]
        rows.append({"row": parsed.rows[index] if index is not None else None,
                     "column": column, "column_title": column_label(column) if column else "",
                     "value": "" if value is None else str(value), "message": error["message"]})
    return rows


def business_records_upload_preview(*, job: ImportJob) -> UploadOutcome:
    """The dry run of a waiting job: counts of new and updated records, new customers, every error."""
    parsed = _job_records(job)
    result = business_records_upsert(user=job.user, records=parsed.records, dry_run=True,
                                      max_records=FILE_MAX_RECORDS)
    return UploadOutcome(result=result, errors=_row_errors(parsed, result.errors),
                         ignored_headers=parsed.ignored_headers, total_rows=len(parsed.records))


@transaction.atomic
def business_records_upload_confirm(*, job: ImportJob, user: User) -> UploadOutcome | None:
    """Import a previewed file, all rows or none. Only the job's user confirms, once: a second click
    (or a job already done) returns None and writes nothing."""
    if job.user_id != user.pk or not can_upload_business_records(user):
        raise PermissionDeniedError(_("You may not upload business records."))
    if not ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.PENDING).update(
            status=ImportJob.Status.RUNNING, updated_at=timezone.now()):
        return None
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    parsed = _job_records(job)
    result = business_records_upsert(user=user, records=parsed.records, max_records=FILE_MAX_RECORDS)
    outcome = UploadOutcome(result=result, errors=_row_errors(parsed, result.errors),
                            ignored_headers=parsed.ignored_headers, total_rows=len(parsed.records))
    job.processed_rows = len(parsed.records)
    if result.written:
        job.status, job.created_count, job.updated_count, job.errors = (
            ImportJob.Status.DONE, result.created, result.updated, [])
    else:
        job.status, job.errors = ImportJob.Status.FAILED, outcome.errors[:1000]
    job.save(update_fields=["status", "processed_rows", "created_count", "updated_count", "errors", "updated_at"])
    return outcome
