"""Business records (交易记录, SPEC §2.5): the one upsert engine behind the bulk REST endpoint, the
single-record API and the CSV/XLSX upload page.

Every door goes through the same steps, so the rules are identical everywhere:

1. parse each raw record (JSON values or spreadsheet cells) into typed values, collecting every
   error as {"index", "field", "message"};
2. resolve customers in bulk (by id, code or normalised name, among the archives the user may read)
   and match existing records by the freight system's id (`external_id`) in one query per 900 ids;
3. check the rules that need the merged record (required fields of new records, paid ≤ amount, ...);
4. write everything in one transaction, or nothing when a single record is wrong.

Sending the same batch twice creates nothing new: records are matched by `external_id`, and a new
customer named by `customer_name` is found by its normalised name the second time. A field missing
from a record leaves the stored value alone; a field sent as null/blank clears it.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.bulk import bulk_update_values, gc_paused
from crm.exceptions import ApplicationError, ConflictError, PermissionDeniedError
from crm.models import Team, User
from crm.roles import Role
from crm.tabular import CellError, is_blank, parse_date, parse_decimal, parse_text
from customers.models import BusinessRecord, Customer, DataSource, ServiceType, Stage
from customers.normalize import normalize_name
from customers.policies import can_write_business_records
from customers.selectors import readable_customer_ids
from customers.services import DuplicateCustomerError, customer_create

MAX_BULK_RECORDS = 5000

SERVICE_TYPE_RE = re.compile(r"^(?:" + "|".join(ServiceType.values) + r")(?:\.[a-z_]+)?$")
CUSTOMER_KEYS = ("customer", "customer_code", "customer_name")
TEXT_FIELDS = ("external_id", "contract_no", "service_type", "goods")
DATE_FIELDS = ("date", "due_date", "paid_date")
DECIMAL_FIELDS = ("volume", "unit_price", "contract_unit_price", "amount", "cost", "paid_amount")
RECORD_FIELDS = ("external_id", "date", "contract_no", "service_type", "goods", "volume", "unit_price",
                 "contract_unit_price", "amount", "cost", "due_date", "paid_amount", "paid_date")
REQUIRED_FIELDS = ("date", "service_type", "amount", "due_date")
NON_FIELD = "non_field_errors"

MAX_DB_ID = 2**63 - 1  # ids beyond the database's integers are refused as input, not sent to it
_IN_CHUNK = 900  # ids per IN (...) query: below SQLite's historical 999-variable limit
_WRITE_BATCH = 500


# --- Results ---------------------------------------------------------------------------------------

@dataclass
class UpsertResult:
    """What an upsert found (dry run) or did. `errors` are {"index", "field", "message"} with the
    index of the record in the batch; nothing is written when there is one."""

    created: int = 0
    updated: int = 0
    errors: list[dict] = field(default_factory=list)
    new_customer_names: list[str] = field(default_factory=list)
    new_customers: list[Customer] = field(default_factory=list)
    records: list[BusinessRecord] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Item:
    index: int
    values: dict[str, Any]
    ref: tuple[str, Any] | None = None
    customer_id: int | None = None
    new_customer_key: str | None = None
    new_customer_name: str = ""
    existing: BusinessRecord | None = None
    ref_invalid: bool = False
    invalid_fields: set[str] = field(default_factory=set)
    blocked: bool = False  # matches a record the user may not touch: no further checks


def _error(index: int, field_name: str | None, message: str) -> dict:
    return {"index": index, "field": field_name or NON_FIELD, "message": str(message)}


def _chunks(values: Iterable, size: int = _IN_CHUNK) -> Iterator[list]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]

# --- Parsing one value (crm.tabular's cell parsers, with the model's limits) ------------------------



# Fast paths for the values other systems send (ids, codes, ISO dates, plain numbers): read without
# the general cell parsers, with the same result; anything else goes through crm.tabular's parsers.
_MAX_LENGTHS = {name: BusinessRecord._meta.get_field(name).max_length for name in TEXT_FIELDS}
_SIMPLE_TEXT_RE = re.compile(r"[0-9A-Za-z._/:#\-]+")  # nothing to strip, collapse or refuse
_ISO_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_PLAIN_NUMBER_RE = re.compile(r"[0-9]{1,20}(?:\.[0-9]{1,20})?")


def _parse_text(value: Any, name: str) -> str:
    max_length = _MAX_LENGTHS[name]
    if type(value) is str and len(value) <= max_length and _SIMPLE_TEXT_RE.fullmatch(value):
        return value
    return parse_text(value, max_length=max_length, collapse_spaces=True)


def _parse_date(value: Any) -> dt.date | None:
    """crm.tabular.parse_date, with the ISO dates other systems send read without strptime (the
    bulk endpoint's biggest cost per record otherwise)."""
    if type(value) is str and len(value) == 10 and _ISO_DATE_RE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass  # 2026-02-30: parse_date says what is wrong
    return parse_date(value)


_DECIMAL_LIMITS = {name: (BusinessRecord._meta.get_field(name).max_digits,
                          BusinessRecord._meta.get_field(name).decimal_places) for name in DECIMAL_FIELDS}
_DECIMAL_BOUNDS = {name: (Decimal(10) ** (digits - places), Decimal(1).scaleb(-places))
                   for name, (digits, places) in _DECIMAL_LIMITS.items()}


def _parse_decimal(value: Any, name: str):
    if type(value) is str and _PLAIN_NUMBER_RE.fullmatch(value):
        bound, exponent = _DECIMAL_BOUNDS[name]
        number = Decimal(value)
        if number < bound:
            rounded = number.quantize(exponent)
            if rounded == number:
                return rounded
    max_digits, decimal_places = _DECIMAL_LIMITS[name]
    return parse_decimal(value, max_digits=max_digits, decimal_places=decimal_places, allow_negative=False)


def _parse_service_type(value: Any) -> str:
    text = _parse_text(value, "service_type").lower()
    if text and not SERVICE_TYPE_RE.match(text):
        raise CellError(_("Use transport, warehousing, distribution, customs or other, optionally followed by a dot "
                         "and a finer code in lower-case letters (transport.sea)."))
    return text


def _parse_value(name: str, value: Any) -> Any:
    if name == "service_type":
        return _parse_service_type(value)
    if name in TEXT_FIELDS:
        return _parse_text(value, name)
    if name in DATE_FIELDS:
        return _parse_date(value)
    return _parse_decimal(value, name)


def _parse_customer_ref(raw: dict) -> tuple[str, Any] | None:
    """The first of customer (id), customer_code, customer_name that is given."""
    for key in CUSTOMER_KEYS:
        value = raw.get(key)
        if is_blank(value):
            continue
        if key == "customer":
            if isinstance(value, bool):
                raise CellError(_("Give the customer's id as a whole number."))
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            try:
                number = int(str(value).strip())
            except ValueError:
                raise CellError(_("Give the customer's id as a whole number."))
            if not 0 < number <= MAX_DB_ID:
                raise CellError(_("No customer has this id."))
            return key, number
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise CellError(_("Write text."))
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = " ".join(str(value).split())
        if key == "customer_code":
            return key, text.upper()
        if len(text) > Customer._meta.get_field("name").max_length or not normalize_name(text):
            raise CellError(_("Write the customer's full name (at most 200 characters)."))
        return key, text
    return None


def _parse_item(index: int, raw: Any, errors: list[dict]) -> _Item | None:
    if not isinstance(raw, dict):
        errors.append(_error(index, None, _("Each record must be an object with named fields.")))
        return None
    item = _Item(index=index, values={})
    for name in RECORD_FIELDS:
        if name not in raw:
            continue
        try:
            item.values[name] = _parse_value(name, raw[name])
        except CellError as invalid:
            item.invalid_fields.add(name)
            errors.append(_error(index, name, invalid.message))
    try:
        item.ref = _parse_customer_ref(raw)
    except CellError as invalid:
        item.ref_invalid = True
        bad_key = next(key for key in CUSTOMER_KEYS if not is_blank(raw.get(key)))
        errors.append(_error(index, bad_key, invalid.message))
    return item


# --- The batch engine ------------------------------------------------------------------------------

def _resolve_customers(user, items: list[_Item], errors: list[dict]) -> None:
    """Find every named customer with one query per kind of reference (and per 900 values)."""
    wanted: dict[str, set] = {key: set() for key in CUSTOMER_KEYS}
    for item in items:
        if item.ref:
            kind, value = item.ref
            wanted[kind].add(normalize_name(value) if kind == "customer_name" else value)
    by_id: dict[int, int] = {}
    by_code: dict[str, int] = {}
    by_name: dict[str, int] = {}
    for chunk in _chunks(wanted["customer"]):
        by_id.update({pk: pk for pk in Customer.objects.filter(pk__in=chunk).values_list("pk", flat=True)})
    for chunk in _chunks(wanted["customer_code"]):
        by_code.update(dict(Customer.objects.filter(code__in=chunk).values_list("code", "pk")))
    for chunk in _chunks(wanted["customer_name"]):
        by_name.update(dict(Customer.objects.filter(name_normalized__in=chunk).values_list("name_normalized", "pk")))
    readable = readable_customer_ids(user, [*by_id.values(), *by_code.values(), *by_name.values()])

    for item in items:
        if not item.ref:
            continue
        kind, value = item.ref
        if kind == "customer_name":
            key = normalize_name(value)
            pk = by_name.get(key)
            if pk is None:
                item.new_customer_key, item.new_customer_name = key, value
                continue
            if readable is not None and pk not in readable:
                errors.append(_error(item.index, kind, _(
                    "An archive with this name exists, but you may not read it; ask its owner's department head.")))
                continue
            item.customer_id = pk
            continue
        pk = (by_id if kind == "customer" else by_code).get(value)
        if pk is None or (readable is not None and pk not in readable):
            # An archive the user may not read is answered as unknown, never revealed (SPEC §8).
            message = _("No customer has this id.") if kind == "customer" else _("No customer has this code.")
            errors.append(_error(item.index, kind, message))
            continue
        item.customer_id = pk


def _attach_existing(user, items: list[_Item], errors: list[dict]) -> None:
    """Match records to stored ones by external_id; flag ids repeated inside the batch."""
    first_index: dict[str, int] = {}
    for item in items:
        external_id = item.values.get("external_id")
        if not external_id:
            continue
        if external_id in first_index:
            errors.append(_error(item.index, "external_id", _(
                "This external_id already appears in record %(index)d of the same batch.")
                % {"index": first_index[external_id]}))
        else:
            first_index[external_id] = item.index
    existing: dict[str, BusinessRecord] = {}
    for chunk in _chunks(first_index):
        existing.update({record.external_id: record
                         for record in BusinessRecord.objects.filter(external_id__in=chunk)})
    readable = readable_customer_ids(user, {record.customer_id for record in existing.values()})
    for item in items:
        record = existing.get(item.values.get("external_id") or "")
        if record is None or first_index.get(record.external_id) != item.index:
            continue
        if readable is not None and record.customer_id not in readable:
            item.blocked = True
            errors.append(_error(item.index, "external_id", _(
                "This external_id belongs to a record of a customer you may not read.")))
            continue
        item.existing = record


def _check_rules(item: _Item, errors: list[dict]) -> None:
    """Rules on the whole record as it will be stored: stored values fill what the batch omits."""
    if item.blocked:
        return
    stored = item.existing
    merged = {name: getattr(stored, name) for name in RECORD_FIELDS} if stored else {}
    merged.update(item.values)
    required = REQUIRED_FIELDS if stored is None else [name for name in REQUIRED_FIELDS if name in item.values]
    for name in required:
        if merged.get(name) in (None, "") and name not in item.invalid_fields:
            errors.append(_error(item.index, name, _("This field is required.")))
    if stored is None and item.ref is None and not item.ref_invalid:
        errors.append(_error(item.index, "customer", _(
            "Name the customer by customer (id), customer_code or customer_name.")))
    amount, paid = merged.get("amount"), merged.get("paid_amount") or Decimal("0")
    if amount is not None and paid > amount:
        errors.append(_error(item.index, "paid_amount", _("The amount paid must not exceed the amount.")))
    date, paid_date = merged.get("date"), merged.get("paid_date")
    if date and paid_date and paid_date < date:
        errors.append(_error(item.index, "paid_date", _("The date paid must not be before the date.")))


def _prepare(user, raws: Sequence, *, require_external_id: bool,
             target: BusinessRecord | None = None) -> tuple[list[_Item], list[dict]]:
    """Parse, resolve and check a batch; `target` is the record a single update changes."""
    errors: list[dict] = []
    items = [item for index, raw in enumerate(raws) if (item := _parse_item(index, raw, errors)) is not None]
    if require_external_id:
        for item in items:
            if not item.values.get("external_id") and "external_id" not in item.invalid_fields:
                errors.append(_error(item.index, "external_id", _(
                    "Give the freight system's id: records are matched by it.")))
    _resolve_customers(user, items, errors)
    _attach_existing(user, items, errors)
    if target is not None:
        item = items[0]
        if item.existing is not None and item.existing.pk != target.pk:
            errors.append(_error(0, "external_id", _("A record with this external_id exists already.")))
        item.existing = target
    for item in items:
        _check_rules(item, errors)
    field_order = {name: position for position, name in enumerate((*CUSTOMER_KEYS, *RECORD_FIELDS))}
    errors.sort(key=lambda error: (error["index"], field_order.get(error["field"], -1)))
    return items, errors


def integration_team_and_owner(user: User) -> tuple[Team, User]:
    """Where a customer first met through the freight system goes (SPEC §2.5): the team named by
    settings.CRM["INTEGRATION_TEAM"] (created when missing), owned by its head or its first clerk,
    or by the calling user when the team has neither."""
    team, _created = Team.objects.get_or_create(name=settings.CRM["INTEGRATION_TEAM"])
    owner = team.head if team.head_id and team.head.is_active else None
    if owner is None:
        owner = team.members.filter(is_active=True, groups__name=Role.CLERK).order_by("id").first()
    return team, owner or user


def _create_new_customers(user: User, items: list[_Item]) -> dict[str, Customer]:
    first: dict[str, tuple[str, dt.date | None]] = {}
    for item in items:
        if item.new_customer_key:
            name, first_date = first.get(item.new_customer_key, (item.new_customer_name, None))
            date = item.values.get("date")
            if date and (first_date is None or date < first_date):
                first_date = date
            first[item.new_customer_key] = (name, first_date)
    if not first:
        return {}
    team, owner = integration_team_and_owner(user)
    created: dict[str, Customer] = {}
    for key, (name, first_date) in first.items():
        try:
            created[key] = customer_create(user=user, owner=owner, team=team, source=DataSource.FREIGHT_SYSTEM,
                                           name=name, stage=Stage.CUSTOMER, first_trade_on=first_date)
        except DuplicateCustomerError:
            raise ConflictError(_("The customer %(name)s was filed by someone else at the same moment; "
                                  "send the records again.") % {"name": name})
    return created


def _write(user: User, items: list[_Item], result: UpsertResult) -> None:
    new_customers = _create_new_customers(user, items)
    result.new_customers = list(new_customers.values())
    now = timezone.now()
    to_create: list[BusinessRecord] = []
    to_update: list[BusinessRecord] = []
    changed_fields: set[str] = set()
    for item in items:
        values = dict(item.values)
        if item.new_customer_key:
            values["customer_id"] = new_customers[item.new_customer_key].pk
        elif item.customer_id:
            values["customer_id"] = item.customer_id
        if "external_id" in values:
            values["external_id"] = values["external_id"] or None  # unique, so "none" is NULL
        if "paid_amount" in values and values["paid_amount"] is None:
            values["paid_amount"] = Decimal("0")
        if item.existing is None:
            record = BusinessRecord(**values)
            to_create.append(record)
        else:
            record = item.existing
            changed = False
            for name, value in values.items():
                if getattr(record, name) != value:
                    setattr(record, name, value)
                    changed_fields.add(name)
                    changed = True
            # An unchanged record counts as updated (the batch was applied) but costs no write.
            if changed:
                record.updated_at = now
                to_update.append(record)
        result.records.append(record)
    try:
        with transaction.atomic():
            BusinessRecord.objects.bulk_create(to_create, batch_size=_WRITE_BATCH)
            if to_update:
                # UPDATE … FROM (VALUES …) on PostgreSQL: bulk_update's CASE statements cost 3× the time.
                bulk_update_values(to_update, sorted(changed_fields | {"updated_at"}))
    except IntegrityError:
        # Another batch stored one of these external_ids between our check and our write.
        raise ConflictError(_("Some of these records were stored by another import at the same moment; "
                              "send the batch again."))
    result.written = True


def _permission(user) -> None:
    if not can_write_business_records(user):
        raise PermissionDeniedError(_("You may not write business records."))


@gc_paused()
@transaction.atomic
def business_records_upsert(*, user: User, records: Any, dry_run: bool = False,
                            max_records: int = MAX_BULK_RECORDS) -> UpsertResult:
    """Create or update a batch of records by external_id, all or nothing (SPEC §2.5, §9).

    Returns an UpsertResult: the counts of the valid records; the errors, and nothing written, when
    any record is wrong; otherwise, unless `dry_run`, the written records and the customers filed
    for unknown names. Raises ApplicationError when `records` is not a list or is too long, PermissionDeniedError
    for a user who may not write records, ConflictError when a concurrent batch got in the way.
    """
    _permission(user)
    if not isinstance(records, list):
        raise ApplicationError(_("Send a JSON array of records."))
    if len(records) > max_records:
        raise ApplicationError(_("Send at most %(max)d records at a time (this batch has %(count)d).")
                               % {"max": max_records, "count": len(records)})
    items, errors = _prepare(user, records, require_external_id=True)
    result = UpsertResult(errors=errors)
    # Counts of the valid records, also shown beside the errors of a preview.
    bad = {error["index"] for error in errors}
    valid = [item for item in items if item.index not in bad]
    result.created = sum(1 for item in valid if item.existing is None)
    result.updated = len(valid) - result.created
    result.new_customer_names = list({item.new_customer_key: item.new_customer_name
                                      for item in valid if item.new_customer_key}.values())
    if not errors and not dry_run:
        _write(user, items, result)
    return result


def _raise_field_errors(errors: list[dict]) -> None:
    by_field: dict[str, list[str]] = {}
    for error in errors:
        by_field.setdefault(error["field"], []).append(error["message"])
    raise ValidationError(by_field)


@transaction.atomic
def business_record_create(*, user: User, data: Any) -> BusinessRecord:
    """One record, by the rules of the batch. A record whose external_id is already stored is
    refused (update it instead). Raises ValidationError by field."""
    _permission(user)
    if not isinstance(data, dict):
        raise ApplicationError(_("Send one record as a JSON object."))
    items, errors = _prepare(user, [data], require_external_id=False)
    if items and items[0].existing is not None:
        errors.append(_error(0, "external_id", _("A record with this external_id exists already.")))
    if errors:
        _raise_field_errors(errors)
    result = UpsertResult()
    _write(user, items, result)
    return result.records[0]


@transaction.atomic
def business_record_update(*, record: BusinessRecord, user: User, data: Any) -> BusinessRecord:
    """Change one record: the fields given are replaced, the others kept. The caller has checked
    that `user` may read the record. Raises ValidationError by field."""
    _permission(user)
    if not isinstance(data, dict):
        raise ApplicationError(_("Send the record as a JSON object."))
    record = BusinessRecord.objects.select_for_update().get(pk=record.pk)
    items, errors = _prepare(user, [data], require_external_id=False, target=record)
    if errors:
        _raise_field_errors(errors)
    result = UpsertResult()
    _write(user, items, result)
    return result.records[0]
