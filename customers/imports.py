"""Import and export of customer archives and contacts (SPEC §2.1, §8).

Imports validate every row first and write only a file without a single error, all rows in one
transaction: a clerk never has to find out which half of a file went in. Rows are written through
customers.services (customer_create / customer_update), so duplicate protection, the change history
and the owner history are the same as on the archive pages. A code names the archive to update; an
archive the user may not edit is reported as "no such archive", never revealed.

Exports hold exactly the rows of customer_list() for the user, sensitive columns only where the user
may see them, every text cell neutralised against formula injection, and each export is logged.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import logging
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

import tablib
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from crm import audit
from crm.exceptions import ApplicationError, PermissionDeniedError
from crm.models import User
from crm.roles import ADMIN_ROLE, ARCHIVE_KEEPER_ROLES, STAFF_ROLES, Role, has_role
from customers.models import (
    AccessLog,
    Contact,
    Customer,
    CustomerNature,
    DataSource,
    ImportJob,
    Industry,
    Region,
    Route,
)
from customers.normalize import normalize_name, normalize_phone
from customers.resources import (
    COLUMNS,
    CONTACT_COLUMNS,
    CUSTOMER_COLUMNS,
    Column,
    ContactResource,
    CustomerResource,
    choice_lookup,
    header_key,
    header_map,
)
from customers.selectors import (
    can_edit_customer,
    can_see_financials,
    can_see_sensitive_personal,
    customer_list,
    customers_visible_to,
    readable_customer_ids,
)
from customers.services import access_log_record, customer_create, customer_update, duplicate_message

logger = logging.getLogger(__name__)

IMPORT_ROLES = ARCHIVE_KEEPER_ROLES
EXPORT_ROLES = STAFF_ROLES
KINDS = ("customers", "contacts")
PREVIEW_ROWS = 50
CHUNK_ROWS = 200  # rows validated between two progress updates
MAX_ROWS = 50_000
MAX_FILE_BYTES = 20 * 1024 * 1024

NEW, UPDATE, UNCHANGED, ERROR = "new", "update", "unchanged", "error"

# Cells starting with one of these are read as formulas by spreadsheet programs (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralize_cell(value: Any) -> Any:
    """Defuse a text cell that a spreadsheet would run as a formula, by prefixing a single quote.
    Numbers and dates are left alone: they cannot carry a formula."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def can_import(user) -> bool:
    """Clerks, department heads, the GM and admins import (SPEC §1)."""
    return has_role(user, *IMPORT_ROLES)


def can_export(user) -> bool:
    return has_role(user, *EXPORT_ROLES)


# --- Reading files -------------------------------------------------------------------------------

def read_dataset(*, content: bytes, filename: str) -> tablib.Dataset:
    """A tablib Dataset from a CSV (UTF-8 or GB18030, as Chinese Excel saves it) or XLSX file.
    Blank rows inside the data are kept so that row numbers match the spreadsheet.
    Raises ApplicationError(field="file") for a file that cannot be read."""
    name = (filename or "").lower()
    if len(content) > MAX_FILE_BYTES:
        raise ApplicationError(_("The file is larger than 20 MB; split it."), field="file")
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(content)
    elif name.endswith((".csv", ".txt")):
        rows = _csv_rows(content)
    else:
        raise ApplicationError(_("Upload a CSV or XLSX file."), field="file")
    if not rows or not any(not _blank(value) for value in rows[0]):
        raise ApplicationError(_("The file is empty: its first row must hold the column headers."), field="file")
    headers = [_text(value) for value in rows[0]]
    while headers and not headers[-1]:
        headers.pop()
    width = len(headers)
    body = [list(row[:width]) + [None] * (width - len(row)) for row in rows[1:]]
    while body and all(_blank(value) for value in body[-1]):
        body.pop()
    if len(body) > MAX_ROWS:
        raise ApplicationError(_("The file has more than %(max)d rows; split it.") % {"max": MAX_ROWS}, field="file")
    dataset = tablib.Dataset(headers=headers)
    for row in body:
        dataset.append(row)
    return dataset


def _xlsx_rows(content: bytes) -> list[tuple]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            return [tuple(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
        finally:
            workbook.close()
    except Exception:  # a broken or renamed file: openpyxl raises many kinds
        raise ApplicationError(_("This file cannot be read as an XLSX workbook."), field="file")


def _csv_rows(content: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ApplicationError(_("This CSV file is neither UTF-8 nor GB18030 text."), field="file")
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        raise ApplicationError(_("This CSV file cannot be read."), field="file")


# --- Cells -----------------------------------------------------------------------------------------

class _CellError(Exception):
    pass


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    """The text of a cell; numbers typed into text columns (phones, codes) lose Excel's ".0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    # Undo our own export's neutralisation, so that an exported file imports back unchanged.
    if text.startswith("'") and text[1:2] and text[1:2] in FORMULA_PREFIXES:
        text = text[1:]
    return text


_TRUE = {"1", "true", "yes", "y", "是", "有", "√", "✓", "对"}
_FALSE = {"0", "false", "no", "n", "否", "无", "不", "不是", "×"}


def _parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    key = header_key(_text(value))
    if key in _TRUE or key == header_key(_("Yes")):
        return True
    if key in _FALSE or key == header_key(_("No")):
        return False
    raise _CellError(_("Write yes or no (是/否)."))


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")


def _parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise _CellError(_("Write a date as YYYY-MM-DD."))


def _parse_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise _CellError(_("Write a number."))
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(value))
    text = _text(value)
    for noise in (",", "，", "¥", "￥", " "):
        text = text.replace(noise, "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise _CellError(_("Write a number."))
    if not number.is_finite():
        raise _CellError(_("Write a number."))
    return number


def _parse_int(value: Any) -> int:
    number = _parse_decimal(value)
    if number != number.to_integral_value():
        raise _CellError(_("Write a whole number."))
    return int(number)


def _display(value: Any) -> str:
    return "" if value is None else _text(value)


# --- The import run ------------------------------------------------------------------------------

@dataclass
class ImportResult:
    """What an import found (dry run) or did. Counts are those of the valid rows; `written` says
    whether they were saved. Errors are {"row", "column", "message"}; row 1 is the header row."""

    kind: str
    dry_run: bool = True
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    written: bool = False
    errors: list[dict] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    ignored_headers: list[str] = field(default_factory=list)
    preview: list[dict] = field(default_factory=list)
    actions: dict[int, str] = field(default_factory=dict)
    objects: dict[int, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_rows(self) -> int:
        return len({error["row"] for error in self.errors})


@dataclass
class _Row:
    number: int
    cells: dict[str, Any]
    action: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    customer: Customer | None = None
    contact: Contact | None = None
    owner: User | None = None
    errors: list[dict] = field(default_factory=list)


class _Rollback(Exception):
    pass


class _Importer:
    """Maps the header row to fields, validates the rows chunk by chunk (reporting progress on the
    job), then writes them all in one transaction or none."""

    kind = ""
    columns: tuple[Column, ...] = ()

    def __init__(self, *, user: User, dataset: tablib.Dataset, job: ImportJob | None = None):
        self.user = user
        self.dataset = dataset
        self.job = job
        self.by_field = {column.field: column for column in self.columns}
        self.result = ImportResult(kind=self.kind)
        self.index: dict[str, int] = {}
        self.header_of: dict[str, str] = {}
        self._map_headers()

    # header row

    def _map_headers(self) -> None:
        mapping = header_map(self.columns)
        for position, header in enumerate(self.dataset.headers or []):
            text = _text(header)
            if not text:
                continue
            name = mapping.get(header_key(text))
            if name is None or not self.by_field[name].importable:
                self.result.ignored_headers.append(text)
                continue
            if name in self.index:
                self.result.errors.append({"row": 1, "column": text, "message": _(
                    "The columns “%(first)s” and “%(second)s” fill the same field; keep one of them.")
                    % {"first": self.header_of[name], "second": text}})
                continue
            self.index[name] = position
            self.header_of[name] = text
        self.result.headers = list(self.header_of.values())
        self.check_headers()

    def check_headers(self) -> None:
        """Subclasses require their key columns here."""

    def header_error(self, name: str) -> None:
        self.result.errors.append({"row": 1, "column": self.column_header(name), "message": _(
            "The file has no column “%(column)s”.") % {"column": self.column_header(name)}})

    def column_header(self, name: str | None) -> str:
        if not name:
            return ""
        if name in self.header_of:
            return self.header_of[name]
        if name in self.by_field:
            return self.by_field[name].header
        return name

    # rows

    def error(self, row: _Row, name: str | None, message: Any) -> None:
        row.errors.append({"row": row.number, "column": self.column_header(name), "message": str(message)})

    def cells_of(self, values) -> dict[str, Any]:
        return {name: values[position] for name, position in self.index.items()}

    def prepare(self, rows: list[_Row]) -> None:
        """Load in bulk what the chunk's rows refer to."""

    def validate(self, row: _Row) -> None:
        raise NotImplementedError

    def write(self, row: _Row):
        raise NotImplementedError

    def _progress(self, done: int) -> None:
        if self.job is not None:
            # Outside the write transaction: each update commits at once, so the page sees it.
            ImportJob.objects.filter(pk=self.job.pk).update(processed_rows=done, updated_at=timezone.now())
            self.job.processed_rows = done

    def run(self, *, dry_run: bool) -> ImportResult:
        result = self.result
        result.dry_run = dry_run
        data = list(self.dataset)
        result.total_rows = len(data)
        if result.errors:  # the header row is wrong: the rows cannot be read
            self._progress(len(data))
            return result
        rows: list[_Row] = []
        for start in range(0, len(data), CHUNK_ROWS):
            chunk = [_Row(number=start + offset + 2, cells=self.cells_of(values))
                     for offset, values in enumerate(data[start:start + CHUNK_ROWS])
                     if not all(_blank(value) for value in values)]
            self.prepare(chunk)
            for row in chunk:
                self.validate(row)
                if row.errors:
                    row.action = ERROR
                    result.errors.extend(row.errors)
                result.actions[row.number] = row.action
            rows.extend(chunk)
            self._progress(min(start + CHUNK_ROWS, len(data)))
        result.created = sum(1 for row in rows if row.action == NEW)
        result.updated = sum(1 for row in rows if row.action == UPDATE)
        result.unchanged = sum(1 for row in rows if row.action == UNCHANGED)
        result.preview = [{"row": row.number, "action": row.action, "errors": len(row.errors),
                           "cells": [_display(row.cells.get(name)) for name in self.header_of]}
                          for row in rows[:PREVIEW_ROWS]]
        if dry_run or result.errors:
            return result
        try:
            with transaction.atomic():
                for row in rows:
                    if row.action in (NEW, UPDATE):
                        result.objects[row.number] = self._write(row)
        except _Rollback:
            result.objects = {}
            return result
        result.written = True
        return result

    def _write(self, row: _Row):
        """Write one row; any failure rolls back the whole file, reported on this row."""
        try:
            with transaction.atomic():
                return self.write(row)
        except ApplicationError as exc:
            self.error(row, exc.field if exc.field in self.by_field else None, exc.message)
        except ValidationError as exc:
            for name, messages in _message_dict(exc).items():
                for message in messages:
                    self.error(row, name if name in self.by_field else None, message)
        except IntegrityError:
            self.error(row, None, _("This row conflicts with a change saved meanwhile; check it and import again."))
        except OperationalError:
            raise
        except Exception:
            logger.exception("Import of row %s failed", row.number)
            self.error(row, None, _("This row could not be saved; nothing was imported."))
        self.result.errors.extend(row.errors)
        raise _Rollback

    def parse(self, column: Column, value: Any) -> Any:
        kind = column.kind
        if kind == "bool":
            return _parse_bool(value)
        if kind == "date":
            return _parse_date(value)
        if kind == "decimal":
            return _parse_decimal(value)
        if kind == "int":
            return _parse_int(value)
        if kind == "choice":
            text = _text(value)
            code = self.choices[column.field].get(header_key(text))
            if code is None:
                labels = [str(label) for _code, label in self.model._meta.get_field(column.field).choices]
                raise _CellError(_("“%(value)s” is not a valid choice; use one of: %(choices)s.")
                                 % {"value": text, "choices": ", ".join(labels)})
            return code
        return _text(value)

    def parse_values(self, row: _Row, *, skip: tuple[str, ...]) -> dict[str, Any]:
        """The typed values of the row's non-empty cells. An empty cell leaves the field as it is."""
        values = {}
        for name, value in row.cells.items():
            if name in skip or _blank(value):
                continue
            try:
                values[name] = self.parse(self.by_field[name], value)
            except _CellError as exc:
                self.error(row, name, exc)
        return values

    def model_errors(self, row: _Row, instance, *, exclude: list[str]) -> None:
        errored = {error["column"] for error in row.errors}
        try:
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for name, messages in _message_dict(exc).items():
                column = name if name in self.by_field else None
                if self.column_header(column) in errored and column:
                    continue  # already reported by the cell parser
                for message in messages:
                    self.error(row, column, message)

    @staticmethod
    def changed_fields(before, after, names) -> dict[str, Any]:
        changed = {}
        for name in names:
            attname = after._meta.get_field(name).attname
            if getattr(before, attname) != getattr(after, attname):
                changed[name] = getattr(after, name)
        return changed


def _message_dict(exc: ValidationError) -> dict[str, list[str]]:
    try:
        return {name: [str(m) for m in messages] for name, messages in exc.message_dict.items()}
    except AttributeError:
        return {"__all__": [str(m) for m in exc.messages]}


class CustomerImporter(_Importer):
    kind = "customers"
    model = Customer

    columns = CUSTOMER_COLUMNS

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.lists = {
            "industry": {header_key(item.name): item for item in Industry.objects.all()},
            "nature": {header_key(item.name): item for item in CustomerNature.objects.all()},
            "region": {header_key(item.name): item for item in Region.objects.all()},
        }
        self.routes = {(route.region_id, header_key(route.name)): route for route in Route.objects.all()}
        self.choices = {name: choice_lookup(name) for name in ("ownership", "location_type", "stage")}
        self.seen: dict[str, dict[str, int]] = {"code": {}, "name": {}, "credit_code": {}, "phone": {}}
        self.sees_all = has_role(self.user, Role.GM, ADMIN_ROLE)
        self.my_team_ids = set(self.user.teams.values_list("id", flat=True))
        self.users: dict[str, User | None] = {}
        self.owner_teams: dict[int, list[int]] = {}
        self.existing: dict[str, Customer] = {}
        self.duplicates: dict[str, dict[str, list[tuple[int, str, str, bool]]]] = {}

    def check_headers(self) -> None:
        if "name" not in self.index and "code" not in self.index:
            self.header_error("name")

    def prepare(self, rows: list[_Row]) -> None:
        codes = {_text(row.cells.get("code")).upper() for row in rows} - {""}
        self.existing = {customer.code: customer for customer in customers_visible_to(self.user)
                         .filter(code__in=codes).select_related("owner", "team", "region", "route")}
        names = {normalize_name(_text(row.cells.get("name"))) for row in rows} - {""}
        credits = {_text(row.cells.get("credit_code")).upper() for row in rows} - {""}
        phones = {phone for row in rows if len(phone := normalize_phone(_text(row.cells.get("phone")))) >= 7}
        self.duplicates = {"name": defaultdict(list), "credit_code": defaultdict(list), "phone": defaultdict(list)}
        # Duplicates are looked for among ALL archives, as customer_create does, not only readable ones.
        matches = list(Customer.objects.filter(Q(name_normalized__in=names) | Q(credit_code__in=credits)
                                               | Q(phone_normalized__in=phones)).values_list(
            "pk", "code", "name", "name_normalized", "credit_code", "phone_normalized"))
        # An archive the user may not read is reported as existing, never named (SPEC §8).
        readable = readable_customer_ids(self.user, [match[0] for match in matches])
        for pk, code, name, name_key, credit, phone in matches:
            for key, value in (("name", name_key), ("credit_code", credit), ("phone", phone)):
                if value:
                    self.duplicates[key][value].append((pk, code, name, readable is None or pk in readable))

    def _user(self, value: Any) -> User | None:
        key = _text(value)
        if key.casefold() not in self.users:
            self.users[key.casefold()] = User.objects.filter(username__iexact=key, is_active=True).first()
        return self.users[key.casefold()]

    def _teams_of(self, user: User) -> list[int]:
        if user.pk not in self.owner_teams:
            self.owner_teams[user.pk] = list(user.teams.order_by("id").values_list("id", flat=True))
        return self.owner_teams[user.pk]

    def validate(self, row: _Row) -> None:
        code = _text(row.cells.get("code")).upper()
        existing = None
        if code:
            if code in self.seen["code"]:
                self.error(row, "code", _("Row %(row)d of this file already updates the archive %(code)s.")
                           % {"row": self.seen["code"][code], "code": code})
                return
            self.seen["code"][code] = row.number
            existing = self.existing.get(code)
            if existing is None:
                self.error(row, "code", _("No such archive: %(code)s. Leave the code empty to file a new archive.")
                           % {"code": code})
                return
            if not can_edit_customer(self.user, existing):
                self.error(row, "code", _("You may not edit the archive %(code)s.") % {"code": code})
                return
        values = self.parse_values(row, skip=("code", "owner", "route"))
        for name in ("industry", "nature", "region"):
            if name in values:
                item = self.lists[name].get(header_key(values[name]))
                if item is None:
                    model = {"industry": Industry, "nature": CustomerNature, "region": Region}[name]
                    self.error(row, name, _("“%(value)s” is not in the list of %(list)s.")
                               % {"value": values.pop(name), "list": model._meta.verbose_name_plural})
                else:
                    values[name] = item
        if not _blank(row.cells.get("route")):
            region = values.get("region") or (existing.region if existing else None)
            route_name = _text(row.cells["route"])
            if region is None:
                self.error(row, "route", _("Give the sales territory of the route."))
            elif (route := self.routes.get((region.pk, header_key(route_name)))) is None:
                self.error(row, "route", _("“%(value)s” is not a route of the territory %(region)s.")
                           % {"value": route_name, "region": region.name})
            else:
                values["route"] = route
        elif existing and "region" in values and existing.route_id and existing.route.region_id != values["region"].pk:
            values["route"] = None  # a route belongs to its territory: moving territory drops it

        owner = self._owner(row, existing)
        sensitive = [name for name in values if self.by_field[name].sensitive]
        if sensitive:
            target = existing or Customer(owner=owner or self.user, team_id=next(iter(
                self._teams_of(owner or self.user)), None))
            if not can_see_financials(self.user, target):
                for name in sensitive:
                    self.error(row, name, _("You may not import the financial data of this archive."))
                    values.pop(name)

        if existing:
            instance = copy.copy(existing)
        else:
            instance = Customer(owner=owner or self.user, created_by=self.user, source=DataSource.IMPORT)
        for name, value in values.items():
            setattr(instance, name, value)
        instance.clean()  # normalises the name, phone and credit code as the services do
        # Foreign keys come from the lookups above, so full_clean need not query each of them again.
        self.model_errors(row, instance, exclude=["code", "name_normalized", "owner", "team", "created_by",
                                                  "checked_by", "industry", "nature", "region", "route"])
        values = {name: getattr(instance, name) for name in values}
        if existing:
            values = self.changed_fields(existing, instance, values)
        self._check_duplicates(row, instance, existing, values)
        if row.errors:
            return
        row.fields, row.customer, row.owner = values, existing, owner
        row.action = (UPDATE if values else UNCHANGED) if existing else NEW

    def _owner(self, row: _Row, existing: Customer | None) -> User | None:
        value = row.cells.get("owner")
        if existing is not None:
            if not _blank(value) and _text(value).casefold() != existing.owner.username.casefold():
                self.error(row, "owner", _("The owner of an existing archive changes only by a handover; "
                                           "use “Hand over” on the archive."))
            return existing.owner
        if _blank(value):
            return self.user
        owner = self._user(value)
        if owner is None:
            self.error(row, "owner", _("No active user has the username “%(value)s”.") % {"value": _text(value)})
            return None
        if owner.pk != self.user.pk and not self.sees_all and not set(self._teams_of(owner)) & self.my_team_ids:
            self.error(row, "owner", _("You may file archives only for yourself or the members of your teams."))
            return None
        return owner

    def _check_duplicates(self, row: _Row, instance: Customer, existing: Customer | None, changed: dict) -> None:
        phone = instance.phone_normalized if len(instance.phone_normalized) >= 7 else ""
        for name, value, source in (("name", instance.name_normalized, "name"),
                                    ("credit_code", instance.credit_code, "credit_code"),
                                    ("phone", phone, "phone")):
            if not value:
                continue
            first_row = self.seen[name].setdefault(value, row.number)
            if existing is not None and source not in changed:
                continue  # an unchanged value cannot become a duplicate of the database
            match = next((m for m in self.duplicates[name].get(value, []) if not existing or m[0] != existing.pk), None)
            if match:
                self.error(row, name, duplicate_message(field=name, code=match[1], name=match[2], readable=match[3]))
            elif first_row != row.number:
                self.error(row, name, _("Duplicates row %(row)d of this file (same %(field)s).")
                           % {"row": first_row, "field": self.column_header(name)})

    def write(self, row: _Row) -> Customer:
        if row.action == NEW:
            return customer_create(user=self.user, owner=row.owner, source=DataSource.IMPORT, **row.fields)
        return customer_update(customer=row.customer, user=self.user, change_reason=_("File import"), **row.fields)


class ContactImporter(_Importer):
    kind = "contacts"
    model = Contact

    columns = CONTACT_COLUMNS

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.choices = {"gender": choice_lookup("gender")}
        self.seen: dict[tuple[int, str], int] = {}
        self.customers: dict[str, Customer] = {}
        self.contacts: dict[tuple[int, str], Contact] = {}

    def check_headers(self) -> None:
        for name in ("customer_code", "name"):
            if name not in self.index:
                self.header_error(name)

    def prepare(self, rows: list[_Row]) -> None:
        codes = {_text(row.cells.get("customer_code")).upper() for row in rows} - {""}
        self.customers = {customer.code: customer for customer in customers_visible_to(self.user)
                          .filter(code__in=codes).select_related("owner", "team")}
        self.contacts = {(contact.customer_id, header_key(contact.name)): contact
                         for contact in Contact.objects.filter(customer__in=list(self.customers.values()))}

    def validate(self, row: _Row) -> None:
        code = _text(row.cells.get("customer_code")).upper()
        if not code:
            self.error(row, "customer_code", _("Give the code of the contact's customer."))
            return
        customer = self.customers.get(code)
        if customer is None:
            self.error(row, "customer_code", _("No such archive: %(code)s.") % {"code": code})
            return
        if not can_edit_customer(self.user, customer):
            self.error(row, "customer_code", _("You may not edit the archive %(code)s.") % {"code": code})
            return
        name = _text(row.cells.get("name"))
        if not name:
            self.error(row, "name", _("Give the contact's name."))
            return
        key = (customer.pk, header_key(name))
        if key in self.seen:
            self.error(row, "name", _("Duplicates row %(row)d of this file (same customer and name).")
                       % {"row": self.seen[key]})
            return
        self.seen[key] = row.number
        values = self.parse_values(row, skip=("customer_code", "name"))
        sensitive = [name for name in values if self.by_field[name].sensitive]
        if sensitive and not can_see_sensitive_personal(self.user, customer):
            for field_name in sensitive:
                self.error(row, field_name, _("You may not import the personal data of this customer's contacts."))
                values.pop(field_name)
        existing = self.contacts.get(key)
        instance = copy.copy(existing) if existing else Contact(customer=customer, name=name)
        for field_name, value in values.items():
            setattr(instance, field_name, value)
        self.model_errors(row, instance, exclude=["customer"])
        if row.errors:
            return
        if existing:
            values = self.changed_fields(existing, instance, values)
        else:
            values["name"] = name
        row.fields, row.customer, row.contact = values, customer, existing
        row.action = (UPDATE if values else UNCHANGED) if existing else NEW

    def write(self, row: _Row) -> Contact:
        if row.action == NEW:
            contact = Contact(customer=row.customer, **row.fields)
        else:
            contact = Contact.objects.select_for_update().get(pk=row.contact.pk)
            for name, value in row.fields.items():
                setattr(contact, name, value)
            contact._change_reason = _("File import")
        contact.full_clean()
        audit.set_actor(contact, self.user)
        contact.save()
        return contact


IMPORTERS: dict[str, type[_Importer]] = {"customers": CustomerImporter, "contacts": ContactImporter}


def run_import(*, kind: str, user: User, dataset: tablib.Dataset, dry_run: bool,
               job: ImportJob | None = None) -> ImportResult:
    """Validate every row of `dataset`; unless `dry_run` or a row is wrong, write them all in one
    transaction. Row errors come back in the result; nothing raises for bad data."""
    if not can_import(user):
        raise PermissionDeniedError(_("You may not import data."))
    importer = IMPORTERS.get(kind)
    if importer is None:
        raise ApplicationError(_("Unknown kind of import."), field="kind")
    return importer(user=user, dataset=dataset, job=job).run(dry_run=dry_run)


def customers_import(*, user: User, dataset: tablib.Dataset, dry_run: bool,
                     job: ImportJob | None = None) -> ImportResult:
    return run_import(kind="customers", user=user, dataset=dataset, dry_run=dry_run, job=job)


def contacts_import(*, user: User, dataset: tablib.Dataset, dry_run: bool,
                    job: ImportJob | None = None) -> ImportResult:
    return run_import(kind="contacts", user=user, dataset=dataset, dry_run=dry_run, job=job)


# --- Import jobs -----------------------------------------------------------------------------------

def import_is_async(job: ImportJob) -> bool:
    """Files with more rows than settings.CRM["IMPORT_ASYNC_ROWS"] run as a Celery task."""
    return job.total_rows > settings.CRM["IMPORT_ASYNC_ROWS"]


@transaction.atomic
def import_job_create(*, user: User, kind: str, content: bytes, filename: str) -> ImportJob:
    """Keep an uploaded file on an ImportJob. A large file is queued at once (validated, then written
    if it has no error); a small one waits on its preview for the user's confirmation."""
    if not can_import(user):
        raise PermissionDeniedError(_("You may not import data."))
    if kind not in KINDS:
        raise ApplicationError(_("Unknown kind of import."), field="kind")
    dataset = read_dataset(content=content, filename=filename)
    if not len(dataset):
        raise ApplicationError(_("The file has a header row but no data."), field="file")
    job = ImportJob(kind=kind, user=user, total_rows=len(dataset))
    job.file.save(get_valid_filename(filename) or "import", ContentFile(content), save=False)
    job.save()
    if import_is_async(job):
        from customers.tasks import import_run_task

        transaction.on_commit(lambda: import_run_task.delay(job.pk))
    return job


def import_job_dataset(job: ImportJob) -> tablib.Dataset:
    with job.file.open("rb") as handle:
        content = handle.read()
    return read_dataset(content=content, filename=job.file.name)


def import_job_preview(*, job: ImportJob) -> ImportResult:
    """The dry run of a job's file: what would be created and updated, and every error."""
    return run_import(kind=job.kind, user=job.user, dataset=import_job_dataset(job), dry_run=True)


def import_job_run(*, job: ImportJob, confirm: bool = False) -> ImportJob:
    """Run a job: validate every row, then write all rows or none. Idempotent: a finished job is
    left alone, and a job killed halfway wrote nothing (one transaction), so running it again is safe.
    `confirm` is the user's click on a previewed job, which only a waiting job accepts."""
    statuses = [ImportJob.Status.PENDING] if confirm else [ImportJob.Status.PENDING, ImportJob.Status.RUNNING]
    if not ImportJob.objects.filter(pk=job.pk, status__in=statuses).update(
            status=ImportJob.Status.RUNNING, processed_rows=0, updated_at=timezone.now()):
        return ImportJob.objects.get(pk=job.pk)
    job = ImportJob.objects.select_related("user").get(pk=job.pk)
    try:
        result = run_import(kind=job.kind, user=job.user, dataset=import_job_dataset(job), dry_run=False, job=job)
        errors, written = result.errors, result.written
    except OperationalError:
        raise  # the task retries
    except ApplicationError as exc:
        result, errors, written = None, [{"row": None, "column": "", "message": str(exc.message)}], False
    except Exception:
        logger.exception("Import job %s failed", job.pk)
        result, written = None, False
        errors = [{"row": None, "column": "", "message": _("The import failed; nothing was imported.")}]
    job.status = ImportJob.Status.DONE if not errors else ImportJob.Status.FAILED
    job.processed_rows = job.total_rows
    job.created_count = result.created if result and written else 0
    job.updated_count = result.updated if result and written else 0
    job.errors = errors[:5000]
    job.save(update_fields=["status", "processed_rows", "created_count", "updated_count", "errors", "updated_at"])
    return job


# --- Template files ------------------------------------------------------------------------------

def import_template(*, kind: str, fmt: str = "xlsx") -> tuple[bytes, str, str]:
    """An empty file with the header row of `kind` in the user's language; the XLSX has a second
    sheet explaining each column and listing the accepted names. Returns (content, filename, type)."""
    columns = [column for column in COLUMNS[kind] if column.importable]
    headers = [column.header for column in columns]
    filename = f"{kind}-import-template.{fmt}"
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerow(headers)
        return ("\ufeff" + buffer.getvalue()).encode("utf-8"), filename, "text/csv; charset=utf-8"
    help_rows = [[column.header, _column_help(column)] for column in columns]
    content = write_xlsx(tablib.Dataset(headers=headers), title=_("Data"),
                         extra_sheets=[(_("Help"), [_("Column"), _("What to write")], help_rows)])
    return content, filename, XLSX_TYPE


def _column_help(column: Column) -> str:
    if column.field == "code":
        return _("Empty: a new archive is filed. An existing code: that archive is updated.")
    if column.field == "customer_code":
        return _("The code of an archive you may edit. A contact of the same name there is updated.")
    if column.kind == "owner":
        return _("Username. Empty: you. Ignored for existing archives: owners change by handover.")
    if column.kind == "fk":
        model = {"industry": Industry, "nature": CustomerNature, "region": Region}[column.field]
        return ", ".join(model.objects.filter(is_active=True).values_list("name", flat=True))
    if column.kind == "route":
        return _("A route of the territory given in the same row.")
    if column.kind == "choice":
        model = Contact if column.field == "gender" else Customer
        return ", ".join(str(label) for _code, label in model._meta.get_field(column.field).choices)
    hints = {"bool": _("yes or no (是/否)"), "date": _("YYYY-MM-DD"), "decimal": _("a number"),
             "int": _("a whole number")}
    hint = hints.get(column.kind, "")
    if column.sensitive:
        hint = (hint + "; " if hint else "") + _("sensitive: only where you may see it")
    return hint


# --- Exports ---------------------------------------------------------------------------------------

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filters_text(filters) -> str:
    if filters is None:
        return ""
    items = filters.lists() if hasattr(filters, "lists") else ((k, [v]) for k, v in dict(filters).items())
    pairs = [(key, value) for key, values in items if key not in ("format", "page") for value in values if value]
    return urlencode(pairs)


def export_log(*, user: User, kind: str, count: int, filters=None, request=None,
               channel: str = AccessLog.Channel.WEB) -> AccessLog | None:
    """Every export is logged (SPEC §8): what, how many rows, with which filters."""
    return access_log_record(user=user, action=AccessLog.Action.EXPORT, channel=channel, request=request,
                             detail=f"{kind} {count} rows {_filters_text(filters)}".strip())


def customers_export(*, user: User, filters=None, request=None,
                     channel: str = AccessLog.Channel.WEB) -> tablib.Dataset:
    """The archives of the user's list with `filters` (only readable ones), logged."""
    if not can_export(user):
        raise PermissionDeniedError(_("You may not export archives."))
    queryset = customer_list(user=user, filters=filters)
    dataset = CustomerResource(user=user).export(queryset)
    export_log(user=user, kind="customers", count=len(dataset), filters=filters, request=request, channel=channel)
    return dataset


def contacts_export(*, user: User, filters=None, request=None,
                    channel: str = AccessLog.Channel.WEB) -> tablib.Dataset:
    """The contacts of the archives of the user's list with `filters`, logged. Personal columns only
    for the customers whose contacts' personal data the user may see."""
    if not can_export(user):
        raise PermissionDeniedError(_("You may not export archives."))
    customers = customer_list(user=user, filters=filters)
    queryset = (Contact.objects.filter(customer__in=customers.values("pk"), is_active=True)
                .select_related("customer").order_by("customer__name", "-is_primary", "name"))
    dataset = ContactResource(user=user).export(queryset)
    export_log(user=user, kind="contacts", count=len(dataset), filters=filters, request=request, channel=channel)
    return dataset


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def csv_stream(dataset: tablib.Dataset) -> Iterator[str]:
    """The dataset as CSV lines, with a UTF-8 BOM first so that Excel reads Chinese correctly."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    yield writer.writerow([neutralize_cell(header) for header in dataset.headers or []])
    for row in dataset:
        yield writer.writerow([neutralize_cell(_csv_value(value)) for value in row])


def write_xlsx(dataset: tablib.Dataset, *, title: str,
               extra_sheets: list[tuple[str, list[str], list[list]]] | None = None) -> bytes:
    """An XLSX workbook: bold, frozen header row, rough column widths; text cells neutralised."""
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    def cell(value):
        # Neutralising is idempotent ("'=x" stays as it is); control characters would break the file.
        if isinstance(value, Promise):
            value = str(value)
        return ILLEGAL_CHARACTERS_RE.sub("", neutralize_cell(value)) if isinstance(value, str) else value

    workbook = openpyxl.Workbook()
    sheets = [(str(title), list(dataset.headers or []), list(dataset))] + list(extra_sheets or [])
    for index, (sheet_title, headers, rows) in enumerate(sheets):
        sheet = workbook.active if index == 0 else workbook.create_sheet()
        sheet.title = str(sheet_title)[:31]
        sheet.append([cell(str(header)) for header in headers])
        for header_cell in sheet[1]:
            header_cell.font = Font(bold=True)
        for row in rows:
            sheet.append([cell(value) for value in row])
        sheet.freeze_panes = "A2"
        for position, header in enumerate(headers, start=1):
            sheet.column_dimensions[get_column_letter(position)].width = min(max(10, len(str(header)) * 2 + 2), 40)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_filename(kind: str, fmt: str) -> str:
    return f"{kind}-{timezone.localdate():%Y%m%d}.{fmt}"


# --- The admin's import screens ----------------------------------------------------------------

def to_import_export_result(result: ImportResult, dataset: tablib.Dataset):
    """The same result in django-import-export's terms, for the admin's preview and confirm pages."""
    from import_export.results import Error, Result, RowResult

    converted = Result()
    converted.diff_headers = [_text(header) for header in dataset.headers or []]
    converted.total_rows = result.total_rows
    by_row: dict[int | None, list[dict]] = defaultdict(list)
    for error in result.errors:
        by_row[error["row"]].append(error)
    for error in by_row.pop(1, []) + by_row.pop(None, []):
        converted.append_base_error(Error(ValueError(f"{error['column']}: {error['message']}".lstrip(": "))))
    for number, errors in sorted(by_row.items()):
        messages: dict[str, list[str]] = defaultdict(list)
        for error in errors:
            messages[error["column"] or "__all__"].append(error["message"])
        values = dataset[number - 2] if 0 <= number - 2 < len(dataset) else ()
        row = dict(zip(converted.diff_headers, [_display(value) for value in values], strict=False))
        converted.append_invalid_row(number, row, ValidationError(dict(messages)))
        converted.totals[RowResult.IMPORT_TYPE_INVALID] += 1
    types = {NEW: RowResult.IMPORT_TYPE_NEW, UPDATE: RowResult.IMPORT_TYPE_UPDATE,
             UNCHANGED: RowResult.IMPORT_TYPE_SKIP}
    for number, action in sorted(result.actions.items()):
        if action not in types:
            continue
        row_result = RowResult()
        row_result.import_type = types[action]
        row_result.diff = [_display(value) for value in dataset[number - 2]]
        instance = result.objects.get(number)
        if instance is not None:
            row_result.instance = instance
            row_result.add_instance_info(instance)
        converted.append_row_result(row_result)
        converted.increment_row_result_total(row_result)
    return converted

