"""Exports of customer archives and contacts (SPEC §8): exactly the rows of customer_list() for the
user, sensitive columns only where the user may see them, every cell formula-safe (crm.tabular), and
each export logged."""

from __future__ import annotations

from urllib.parse import urlencode

import tablib
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.exceptions import PermissionDeniedError
from crm.models import User
from crm.tabular import XLSX_CONTENT_TYPE, csv_stream, write_xlsx
from customers.models import AccessLog, Contact
from customers.policies import can_export
from customers.resources import ContactResource, CustomerResource
from customers.selectors import customer_list
from customers.services import access_log_record

XLSX_TYPE = XLSX_CONTENT_TYPE


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


def dataset_csv_stream(dataset: tablib.Dataset):
    return csv_stream(dataset.headers or [], dataset)


def dataset_xlsx(dataset: tablib.Dataset, *, title: str) -> bytes:
    return write_xlsx([(title, dataset.headers or [], dataset)])


def export_filename(kind: str, fmt: str) -> str:
    return f"{kind}-{timezone.localdate():%Y%m%d}.{fmt}"
