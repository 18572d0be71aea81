"""Business records (交易记录, SPEC §2.5): who reads and writes them, and the one upsert engine behind
the bulk REST endpoint, the single-record API and the CSV/XLSX upload page.

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
from decimal import Decimal, InvalidOperation
from typing import Any

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.exceptions import ApplicationError, ConflictError, PermissionDeniedError
from crm.forms_base import BootstrapFormMixin
from crm.models import Team, User
from crm.roles import ARCHIVE_KEEPER_ROLES, Role, has_role, sees_everything
from customers.models import BusinessRecord, Customer, DataSource, ImportJob, ServiceType, Stage
from customers.normalize import normalize_name
from customers.selectors import customer_access_q, readable_customer_ids
from customers.services import DuplicateCustomerError, customer_create

MAX_BULK_RECORDS = 5000
# Who may write records (SPEC §1, §2.5); credit officers and account managers only read them.
WRITE_ROLES = (Role.INTEGRATION, *ARCHIVE_KEEPER_ROLES)
# The upload page is for people; the freight system uses the API.
UPLOAD_ROLES = ARCHIVE_KEEPER_ROLES

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
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
_NUMBER_NOISE = (",", "，", "¥", "￥", " ", "\u00a0")


# --- Who reads and writes ------------------------------------------------------------------------

def can_write_business_records(user) -> bool:
    return has_role(user, *WRITE_ROLES)


def can_upload_business_records(user) -> bool:
    return has_role(user, *UPLOAD_ROLES)


def business_records_visible_to(user) -> QuerySet[BusinessRecord]:
    """Records of the customers `user` may read (SPEC §8); integration users read them all, as they
    write them."""
    qs = BusinessRecord.objects.all()
    q = customer_access_q(user)
    if q is not None:
        qs = qs.filter(customer__in=Customer.objects.filter(q).values("pk"))
    return qs


def business_records_overdue(qs: QuerySet[BusinessRecord], *, today: dt.date | None = None) -> QuerySet:
    """Records with an open amount past their due date."""
    today = today or timezone.localdate()
    return qs.filter(due_date__lt=today, paid_amount__lt=F("amount"))


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


class _Invalid(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _error(index: int, field_name: str | None, message: str) -> dict:
    return {"index": index, "field": field_name or NON_FIELD, "message": str(message)}


def _chunks(values: Iterable, size: int = _IN_CHUNK) -> Iterator[list]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


# --- Parsing one value -----------------------------------------------------------------------------

def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _parse_text(value: Any, name: str) -> str:
    if _is_blank(value):
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise _Invalid(_("Write text."))
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a spreadsheet cell holding an id such as 10023 arrives as 10023.0
    text = " ".join(str(value).split())
    max_length = BusinessRecord._meta.get_field(name).max_length
    if len(text) > max_length:
        raise _Invalid(_("Write at most %(max)d characters.") % {"max": max_length})
    return text


def _parse_date(value: Any) -> dt.date | None:
    if _is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        for fmt in _DATE_FORMATS:
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        try:  # an ISO date-time from the freight system: its date counts
            return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        except ValueError:
            pass
    raise _Invalid(_("Write a date as YYYY-MM-DD."))


def _parse_decimal(value: Any, name: str) -> Decimal | None:
    if _is_blank(value):
        return None
    if isinstance(value, bool):
        raise _Invalid(_("Write a number."))
    from_float = isinstance(value, float)
    try:
        if from_float:
            number = Decimal(repr(value))
        elif isinstance(value, int | Decimal):
            number = Decimal(value)
        elif isinstance(value, str):
            text = value.strip()
            for noise in _NUMBER_NOISE:
                text = text.replace(noise, "")
            number = Decimal(text)
        else:
            raise _Invalid(_("Write a number."))
    except InvalidOperation:
        raise _Invalid(_("Write a number."))
    if not number.is_finite():
        raise _Invalid(_("Write a number."))
    model_field = BusinessRecord._meta.get_field(name)
    places, max_digits = model_field.decimal_places, model_field.max_digits
    if abs(number) >= Decimal(10) ** (max_digits - places):
        raise _Invalid(_("This number is too large."))
    rounded = number.quantize(Decimal(1).scaleb(-places))
    # Floats from spreadsheets carry binary noise (3 × 1.1 = 3.3000000000000003): forgive that, but
    # not a real fraction of a cent typed by someone.
    if rounded != number and not (from_float and abs(rounded - number) < Decimal("1e-9")):
        raise _Invalid(_("Write at most %(places)d decimal places.") % {"places": places})
    if rounded < 0:
        raise _Invalid(_("The number must not be negative."))
    return rounded


def _parse_service_type(value: Any) -> str:
    text = _parse_text(value, "service_type").lower()
    if text and not SERVICE_TYPE_RE.match(text):
        raise _Invalid(_("Use transport, warehousing, distribution, customs or other, optionally followed by a dot "
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
        if _is_blank(value):
            continue
        if key == "customer":
            if isinstance(value, bool):
                raise _Invalid(_("Give the customer's id as a whole number."))
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            try:
                number = int(str(value).strip())
            except ValueError:
                raise _Invalid(_("Give the customer's id as a whole number."))
            if not 0 < number <= MAX_DB_ID:
                raise _Invalid(_("No customer has this id."))
            return key, number
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise _Invalid(_("Write text."))
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = " ".join(str(value).split())
        if key == "customer_code":
            return key, text.upper()
        if len(text) > Customer._meta.get_field("name").max_length or not normalize_name(text):
            raise _Invalid(_("Write the customer's full name (at most 200 characters)."))
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
        except _Invalid as invalid:
            item.invalid_fields.add(name)
            errors.append(_error(index, name, invalid.message))
    try:
        item.ref = _parse_customer_ref(raw)
    except _Invalid as invalid:
        item.ref_invalid = True
        bad_key = next(key for key in CUSTOMER_KEYS if not _is_blank(raw.get(key)))
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
                BusinessRecord.objects.bulk_update(to_update, sorted(changed_fields | {"updated_at"}),
                                                   batch_size=_WRITE_BATCH)
    except IntegrityError:
        # Another batch stored one of these external_ids between our check and our write.
        raise ConflictError(_("Some of these records were stored by another import at the same moment; "
                              "send the batch again."))
    result.written = True


def _permission(user) -> None:
    if not can_write_business_records(user):
        raise PermissionDeniedError(_("You may not write business records."))


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


def business_record_totals(qs: QuerySet[BusinessRecord]) -> dict[str, Decimal]:
    """Sums of a list of records: amount, paid and open."""
    totals = qs.aggregate(amount=Sum("amount"), paid=Sum("paid_amount"), count=Count("id"))
    amount, paid = totals["amount"] or Decimal("0"), totals["paid"] or Decimal("0")
    return {"count": totals["count"], "amount": amount, "paid": paid, "open": amount - paid}


def unchecked_customers_for(user) -> QuerySet[Customer]:
    """The clerks' queue (SPEC §2.5): unchecked, active archives of the user's teams among those the
    user may read; everyone's for the GM and admins, who belong to no team."""
    q = customer_access_q(user)
    qs = Customer.objects.filter(is_checked=False, is_active=True)
    if q is not None:
        qs = qs.filter(q)
    team_ids = list(user.teams.values_list("id", flat=True))
    if team_ids:
        qs = qs.filter(Q(team_id__in=team_ids) | Q(owner=user))
    elif not sees_everything(user):
        qs = qs.filter(owner=user)
    return qs


# --- Filters (the API and the list page) -----------------------------------------------------------

class BusinessRecordFilterForm(BootstrapFormMixin, forms.Form):
    pass


class BusinessRecordFilter(django_filters.FilterSet):
    """Filters of business records, shared by the REST API and the list page."""

    q = django_filters.CharFilter(method="filter_search", label=gettext_lazy("Customer code or name"))
    customer = django_filters.NumberFilter(field_name="customer_id", label=gettext_lazy("Customer id"),
                                           min_value=1, max_value=MAX_DB_ID)
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=gettext_lazy("From"))
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=gettext_lazy("To"))
    service_type = django_filters.CharFilter(method="filter_service_type", label=gettext_lazy("Service type"),
                                             help_text=gettext_lazy("transport also finds transport.sea."))
    external_id = django_filters.CharFilter(field_name="external_id", label=gettext_lazy("Freight system id"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=gettext_lazy("Overdue only"))

    class Meta:
        model = BusinessRecord
        fields: list[str] = []
        form = BusinessRecordFilterForm

    def filter_search(self, queryset, name, value):
        value = " ".join((value or "").split())
        if not value:
            return queryset
        term = Q(customer__code__iexact=value) | Q(customer__name__icontains=value)
        normalized = normalize_name(value)
        if normalized:
            term |= Q(customer__name_normalized__contains=normalized)
        return queryset.filter(term)

    def filter_service_type(self, queryset, name, value):
        value = (value or "").strip().lower()
        if not value:
            return queryset
        return queryset.filter(Q(service_type=value) | Q(service_type__startswith=f"{value}."))

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = business_records_overdue(queryset)
        return overdue if value else queryset.exclude(pk__in=overdue.values("pk"))


# --- Files: the upload page (CSV/XLSX, preview, confirm) -------------------------------------------

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
    "date": ("date", "日期", "业务日期"),
    "contract_no": ("contract_no", "合同号", "合同编号"),
    "service_type": ("service_type", "业务类型", "服务类型"),
    "goods": ("goods", "货名"),
    "volume": ("volume", "货量", "数量"),
    "unit_price": ("unit_price", "单价"),
    "contract_unit_price": ("contract_unit_price", "合同单价", "合同运价"),
    "amount": ("amount", "金额"),
    "cost": ("cost", "成本"),
    "due_date": ("due_date", "付款期限", "应付日期", "到期日"),
    "paid_amount": ("paid_amount", "已付金额", "回款金额"),
    "paid_date": ("paid_date", "付款日期", "回款日期"),
}
SERVICE_TYPE_WORDS = {"运输": "transport", "仓储": "warehousing", "配送": "distribution", "报关": "customs",
                      "关务": "customs", "其他": "other", "其它": "other"}
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
    from customers.imports.importers import read_dataset  # the project's one reader of uploaded tables

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
    missing = [name for name in _REQUIRED_COLUMNS if name not in columns]
    if not any(key in columns for key in CUSTOMER_KEYS):
        missing.append("customer_code / customer_name")
    if missing:
        raise ApplicationError(_("The file lacks the columns: %(columns)s.") % {"columns": ", ".join(missing)},
                               field="file")
    records, rows = [], []
    for number, row in enumerate(dataset, start=2):
        if all(_is_blank(value) for value in row):
            continue
        record = {name: row[position] for position, name in mapping.items()}
        service_type = record.get("service_type")
        if isinstance(service_type, str) and service_type.strip() in SERVICE_TYPE_WORDS:
            record["service_type"] = SERVICE_TYPE_WORDS[service_type.strip()]
        records.append(record)
        rows.append(number)
    return FileRecords(records=records, rows=rows, columns=columns, ignored_headers=ignored)


def business_records_template_csv() -> bytes:
    """An empty upload file with its header row and one example row (UTF-8 with BOM, for Excel)."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(FILE_COLUMNS)
    today = timezone.localdate()
    writer.writerow(["FR-2026-000001", "C0000001", "", today.isoformat(), "HT-2026-001", "transport.sea", "电子产品",
                     "12.5", "960.00", "12000.00", "9800.00", (today + dt.timedelta(days=30)).isoformat(), "0", ""])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


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
        rows.append({"row": parsed.rows[index] if index is not None else None,
                     "column": "" if error["field"] == NON_FIELD else error["field"],
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
