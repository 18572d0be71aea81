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
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import tablib
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import audit
from crm.bulk import bulk_update_values, gc_paused, insert_objects, insert_rows
from crm.exceptions import ApplicationError, PermissionDeniedError
from crm.models import User
from crm.tabular import (
    CellError,
    TableError,
    cell_text,
    display_cell,
    is_blank,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_int,
    read_table,
)
from crm.text import CONTROL_CHARACTERS_MESSAGE, has_control_characters
from customers.imports.columns import (
    CONTACT_COLUMNS,
    CUSTOMER_COLUMNS,
    Column,
    choice_lookup,
    header_key,
    header_map,
)
from customers.models import (
    UNCHECKED_SOURCES,
    Contact,
    Customer,
    CustomerNature,
    DataSource,
    ImportJob,
    Industry,
    OwnerChange,
    Region,
    Route,
)
from customers.normalize import normalize_name, normalize_phone
from customers.policies import (
    can_assign_owner,
    can_be_owner,
    can_edit_customer,
    can_file_archive,
    can_import,
    can_see_sensitive_personal,
    can_write_financials,
)
from customers.selectors import customers_visible_to, readable_customer_ids
from customers.services import _generated_code as generated_code
from customers.services import _temporary_code as temporary_code
from customers.services import customer_create, customer_update, duplicate_message

logger = logging.getLogger(__name__)

KINDS = ("customers", "contacts")
PREVIEW_ROWS = 50
CHUNK_ROWS = 200  # rows validated between two progress updates
MAX_ROWS = 50_000
MAX_FILE_BYTES = 20 * 1024 * 1024
BULK_BATCH = 500  # rows per INSERT of the bulk write

NEW, UPDATE, UNCHANGED, ERROR = "new", "update", "unchanged", "error"


def read_dataset(*, content: bytes, filename: str) -> tablib.Dataset:
    """A tablib Dataset from an uploaded CSV (UTF-8 or GB18030, as Chinese Excel saves it) or XLSX
    file. Raises ApplicationError(field="file") for a file that cannot be read."""
    try:
        table = read_table(content=content, filename=filename, max_bytes=MAX_FILE_BYTES, max_rows=MAX_ROWS)
    except TableError as error:
        raise ApplicationError(error.message, field="file")
    dataset = tablib.Dataset(headers=table.headers)
    for row in table.rows:
        dataset.append(row)
    return dataset


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
    instance: Any = None  # a new row's validated instance, written as it is (not kept by a dry run)
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
        self.dry_run = True
        self._map_headers()

    # header row

    def _map_headers(self) -> None:
        mapping = header_map(self.columns)
        for position, header in enumerate(self.dataset.headers or []):
            text = cell_text(header)
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

    def _refuse_control_characters(self, row: _Row) -> bool:
        """Every cell, the skipped ones (code, owner, …) included: no control character reaches a model."""
        bad = [name for name, value in row.cells.items() if has_control_characters(value)]
        for name in bad:
            self.error(row, name, CONTROL_CHARACTERS_MESSAGE)
        return bool(bad)

    def write(self, row: _Row):
        raise NotImplementedError

    def _progress(self, done: int) -> None:
        if self.job is not None:
            # Outside the write transaction: each update commits at once, so the page sees it.
            ImportJob.objects.filter(pk=self.job.pk).update(processed_rows=done, updated_at=timezone.now())
            self.job.processed_rows = done

    @gc_paused()
    def run(self, *, dry_run: bool) -> ImportResult:
        result = self.result
        result.dry_run = self.dry_run = dry_run
        data = list(self.dataset)
        result.total_rows = len(data)
        if result.errors:  # the header row is wrong: the rows cannot be read
            self._progress(len(data))
            return result
        rows: list[_Row] = []
        for start in range(0, len(data), CHUNK_ROWS):
            chunk = [_Row(number=start + offset + 2, cells=self.cells_of(values))
                     for offset, values in enumerate(data[start:start + CHUNK_ROWS])
                     if not all(is_blank(value) for value in values)]
            # Before prepare(), which looks the rows' codes and names up: PostgreSQL refuses a NUL in a query.
            refused = {row.number for row in chunk if self._refuse_control_characters(row)}
            self.prepare([row for row in chunk if row.number not in refused])
            for row in chunk:
                if row.number not in refused:
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
                           "cells": [display_cell(row.cells.get(name)) for name in self.header_of]}
                          for row in rows[:PREVIEW_ROWS]]
        if dry_run or result.errors:
            return result
        try:
            with transaction.atomic():
                self.write_rows(rows)
                if self.job is not None:
                    # Done in the rows' own transaction: a worker that dies after the commit leaves a job
                    # marked done, never a job "running" whose rows are written (and would be run again).
                    ImportJob.objects.filter(pk=self.job.pk).update(
                        status=ImportJob.Status.DONE, processed_rows=len(data), created_count=result.created,
                        updated_count=result.updated, errors=[], updated_at=timezone.now())
        except _Rollback:
            result.objects = {}
            return result
        result.written = True
        return result

    def write_rows(self, rows: list[_Row]) -> None:
        """Write the valid rows, inside the file's transaction (subclasses write in bulk)."""
        for row in rows:
            if row.action in (NEW, UPDATE):
                self.result.objects[row.number] = self._write(row)

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
            return parse_bool(value)
        if kind == "date":
            return parse_date(value)
        if kind == "decimal":
            return parse_decimal(value)
        if kind == "int":
            return parse_int(value)
        if kind == "choice":
            text = cell_text(value)
            code = self.choices[column.field].get(header_key(text))
            if code is None:
                labels = [str(label) for _code, label in self.model._meta.get_field(column.field).choices]
                raise CellError(_("“%(value)s” is not a valid choice; use one of: %(choices)s.")
                                 % {"value": text, "choices": ", ".join(labels)})
            return code
        return cell_text(value)

    def parse_values(self, row: _Row, *, skip: tuple[str, ...]) -> dict[str, Any]:
        """The typed values of the row's non-empty cells. An empty cell leaves the field as it is."""
        values = {}
        for name, value in row.cells.items():
            if name in skip or is_blank(value):
                continue
            try:
                values[name] = self.parse(self.by_field[name], value)
            except CellError as exc:
                self.error(row, name, exc)
        return values

    def model_errors(self, row: _Row, instance, *, exclude: list[str], only: set[str] | None = None) -> None:
        """The model's field validation; with `only`, of those fields and the required ones alone
        (a new instance's other fields hold their defaults, valid by definition)."""
        errored = {error["column"] for error in row.errors}
        exclude = set(exclude)
        if only is not None:
            exclude |= self._unvalidated - only
        try:
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for name, messages in _message_dict(exc).items():
                column = name if name in self.by_field else None
                if self.column_header(column) in errored and column:
                    continue  # already reported by the cell parser
                for message in messages:
                    self.error(row, column, message)

    @property
    def _unvalidated(self) -> set[str]:
        """The fields that may be left blank: a new instance's defaults for them need no check."""
        cached = self.__dict__.get("_unvalidated_fields")
        if cached is None:
            cached = self.__dict__["_unvalidated_fields"] = {
                field.name for field in self.model._meta.concrete_fields if field.blank}
        return cached

    @staticmethod
    def changed_fields(before, after, names) -> dict[str, Any]:
        changed = {}
        for name in names:
            attname = after._meta.get_field(name).attname
            if getattr(before, attname) != getattr(after, attname):
                changed[name] = getattr(after, name)
        return changed


def _reserve_ids(model, n: int) -> list[int]:
    """`n` ids from the table's sequence (PostgreSQL), or [] where ids come only from the insert."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                       [model._meta.db_table, model._meta.pk.column, n])
        return [row[0] for row in cursor.fetchall()]


def _write_history(customers: list[Customer], rows: list[dict], *, user: User) -> None:
    """The change history's "created" rows of new archives, as Customer.history.bulk_history_create
    writes them (same fields, user, empty reason), from the archives' written values."""
    if not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    history = Customer.history.model
    if hasattr(history, "history_relation"):
        Customer.history.bulk_history_create(customers, batch_size=BULK_BATCH, default_user=user)
        return
    tracked = [field.attname for field in history.tracked_fields]
    insert_rows(history, [{**{name: row[name] for name in tracked}, "history_date": timezone.now(),
                           "history_user_id": user.pk, "history_change_reason": "", "history_type": "+"}
                          for row in rows], batch_size=BULK_BATCH)


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
        self.users: dict[str, User | None] = {}
        self.owner_teams: dict[int, list[int]] = {}
        self.existing: dict[str, Customer] = {}
        self.duplicates: dict[str, dict[str, list[tuple[int, str, str, bool]]]] = {}
        self._template: Customer | None = None
        self._fresh_defaults: list = []

    def check_headers(self) -> None:
        if "name" not in self.index and "code" not in self.index:
            self.header_error("name")

    def prepare(self, rows: list[_Row]) -> None:
        codes = {cell_text(row.cells.get("code")).upper() for row in rows} - {""}
        self.existing = {customer.code: customer for customer in customers_visible_to(self.user)
                         .filter(code__in=codes).select_related("owner", "team", "region", "route")}
        names = {normalize_name(cell_text(row.cells.get("name"))) for row in rows} - {""}
        credits = {cell_text(row.cells.get("credit_code")).upper() for row in rows} - {""}
        phones = {phone for row in rows if len(phone := normalize_phone(cell_text(row.cells.get("phone")))) >= 7}
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
        key = cell_text(value)
        if key.casefold() not in self.users:
            self.users[key.casefold()] = User.objects.filter(username__iexact=key, is_active=True).first()
        return self.users[key.casefold()]

    def _teams_of(self, user: User) -> list[int]:
        if user.pk not in self.owner_teams:
            self.owner_teams[user.pk] = list(user.teams.order_by("id").values_list("id", flat=True))
        return self.owner_teams[user.pk]

    def validate(self, row: _Row) -> None:
        code = cell_text(row.cells.get("code")).upper()
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
        if not is_blank(row.cells.get("route")):
            region = values.get("region") or (existing.region if existing else None)
            route_name = cell_text(row.cells["route"])
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
            if not can_write_financials(self.user, target):
                for name in sensitive:
                    self.error(row, name, _("You may not import the financial data of this archive."))
                    values.pop(name)

        if existing:
            instance = copy.copy(existing)
        else:
            instance = self._new_customer(owner or self.user)
        for name, value in values.items():
            setattr(instance, name, value)
        instance.clean()  # normalises the name, phone and credit code as the services do
        # Foreign keys come from the lookups above, so full_clean need not query each of them again.
        self.model_errors(row, instance, exclude=["code", "name_normalized", "owner", "team", "created_by",
                                                  "checked_by", "industry", "nature", "region", "route"],
                          only=None if existing else set(values))
        values = {name: getattr(instance, name) for name in values}
        if existing:
            values = self.changed_fields(existing, instance, values)
        self._check_duplicates(row, instance, existing, values)
        if row.errors:
            return
        row.fields, row.customer, row.owner = values, existing, owner
        row.action = (UPDATE if values else UNCHANGED) if existing else NEW
        if row.action == NEW and not self.dry_run:
            row.instance = instance

    def _new_customer(self, owner: User) -> Customer:
        """Customer(owner=owner, created_by=the user, source=import), as a copy of one such instance:
        building a model of some ninety fields costs more than the rest of a row's checks."""
        if self._template is None:
            self._template = Customer(owner=self.user, created_by=self.user, source=DataSource.IMPORT)
            self._fresh_defaults = [model_field for model_field in Customer._meta.concrete_fields
                                    if model_field.has_default() and callable(model_field.default)]
        template = self._template
        instance = Customer.__new__(Customer)
        instance.__dict__.update(template.__dict__)
        instance._state = copy.copy(template._state)
        instance._state.fields_cache = dict(template._state.fields_cache)
        for model_field in self._fresh_defaults:  # a default list is each instance's own
            setattr(instance, model_field.attname, model_field.get_default())
        if owner is not self.user:
            instance.owner = owner
        return instance

    def _owner(self, row: _Row, existing: Customer | None) -> User | None:
        value = row.cells.get("owner")
        if existing is not None:
            if not is_blank(value) and cell_text(value).casefold() != existing.owner.username.casefold():
                self.error(row, "owner", _("The owner of an existing archive changes only by a handover; "
                                           "use “Hand over” on the archive."))
            return existing.owner
        if is_blank(value):
            return self.user
        owner = self._user(value)
        if owner is None:
            self.error(row, "owner", _("No active user has the username “%(value)s”.") % {"value": cell_text(value)})
            return None
        # The rule is customer_create's (policies.can_assign_owner), asked here so the preview shows it.
        if not can_assign_owner(self.user, owner):
            self.error(row, "owner", _("You may file archives only for yourself or the members of your teams.")
                       if can_be_owner(owner) else
                       _("The owner must be an account manager, clerk, department head or the GM."))
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

    def write_rows(self, rows: list[_Row]) -> None:
        """New archives in bulk (a few queries per 500 rows instead of some twenty per row), updates one
        by one through customer_update. Every row was validated as customer_create would (owner,
        financial fields, route, duplicates among all archives); the database's unique constraints
        hold against a concurrent change, and then the rows are written again one by one, so that the
        conflict is reported on its row as before."""
        new = [row for row in rows if row.action == NEW]
        if len(new) > 1 and can_file_archive(self.user) and connection.features.can_return_rows_from_bulk_insert:
            try:
                with transaction.atomic():
                    self.result.objects.update(self._create_in_bulk(new))
                rows = [row for row in rows if row.action != NEW]
            except IntegrityError:
                self.result.objects = {}
        super().write_rows(rows)

    def _create_in_bulk(self, rows: list[_Row]) -> dict[int, Customer]:
        today = timezone.localdate()
        checked = DataSource.IMPORT not in UNCHECKED_SOURCES
        customers = []
        for row in rows:
            owner = row.owner or self.user
            teams = self._teams_of(owner)
            customer = row.instance
            if customer is None:  # kept by validate() for the rows of a run that writes
                customer = Customer(owner=owner, created_by=self.user, source=DataSource.IMPORT, **row.fields)
                customer.clean()
            customer.team_id = teams[0] if teams else None
            customer.is_checked = checked
            customer.code = temporary_code()
            if checked:
                customer.last_verified_on = today
            customers.append(customer)
        # The final codes (C + the id) before the history rows, so that history shows them; on
        # PostgreSQL the ids are taken from the sequence first, so each row is written once.
        ids = _reserve_ids(Customer, len(customers))
        if not ids:
            Customer.objects.bulk_create(customers, batch_size=BULK_BATCH)
            self._final_codes(customers)
            bulk_update_values(customers, ["code"], batch_size=BULK_BATCH)
            Customer.history.bulk_history_create(customers, batch_size=BULK_BATCH, default_user=self.user)
            OwnerChange.objects.bulk_create([
                OwnerChange(customer=customer, from_user=None, to_user=customer.owner, changed_by=self.user,
                            reason=_("Archive filed")) for customer in customers], batch_size=BULK_BATCH)
            return {row.number: customer for row, customer in zip(rows, customers, strict=True)}
        for customer, pk in zip(customers, ids, strict=True):
            customer.pk = pk
        self._final_codes(customers)
        # Rows written as plain values (crm.bulk): bulk_create's per-value preparation and the model
        # instances bulk_history_create builds cost more than the database's own work.
        written = insert_objects(customers, batch_size=BULK_BATCH)
        _write_history(customers, written, user=self.user)
        reason = _("Archive filed")
        insert_rows(OwnerChange, [{"customer_id": customer.pk, "from_user_id": None, "to_user_id": customer.owner_id,
                                   "changed_by_id": self.user.pk, "reason": reason} for customer in customers],
                    batch_size=BULK_BATCH)
        return {row.number: customer for row, customer in zip(rows, customers, strict=True)}

    @staticmethod
    def _final_codes(customers: list[Customer]) -> None:
        wanted = {customer.pk: f"C{customer.pk:07d}" for customer in customers}
        taken: set[str] = set()
        codes = list(wanted.values())
        for start in range(0, len(codes), 900):
            taken |= set(Customer.objects.filter(code__in=codes[start:start + 900]).values_list("code", flat=True))
        for customer in customers:
            code = wanted[customer.pk]
            customer.code = generated_code(customer.pk) if code in taken else code

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
        codes = {cell_text(row.cells.get("customer_code")).upper() for row in rows} - {""}
        self.customers = {customer.code: customer for customer in customers_visible_to(self.user)
                          .filter(code__in=codes).select_related("owner", "team")}
        self.contacts = {(contact.customer_id, header_key(contact.name)): contact
                         for contact in Contact.objects.filter(customer__in=list(self.customers.values()))}

    def validate(self, row: _Row) -> None:
        code = cell_text(row.cells.get("customer_code")).upper()
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
        name = cell_text(row.cells.get("name"))
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
