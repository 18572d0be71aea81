"""History display: values of a change shown as people know them, for every history page (an
archive's change history, the change log, later a credit file's or a contract's history).

`readable_changes()` takes the field changes of many history rows at once and turns each value into
text: choice labels (also of lists of choices), yes/no, related objects by name (one query per related
model for the whole page), dates and times in local time to the minute, "—" for empty."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

EMPTY = "—"


@dataclass
class Change:
    """One field's change: `field` is the model field (None for a field removed since)."""

    field: Any
    label: str
    before: Any
    after: Any

    def __getitem__(self, name: str) -> Any:  # pages and tests may read a change as a mapping
        return getattr(self, name)


def field_of(model, name: str):
    try:
        return model._meta.get_field(name)
    except Exception:  # a field removed since the record was written
        return None


def changes_between(record, previous, model) -> list[Change]:
    """The field changes of a django-simple-history row against the row before it."""
    if previous is None or record.history_type != "~":
        return []
    changes = []
    for change in record.diff_against(previous).changes:
        field = field_of(model, change.field)
        changes.append(Change(field, str(field.verbose_name) if field is not None else change.field,
                              change.old, change.new))
    return changes


def local_time(value) -> str:
    """A date-time as the department reads it: local time (Asia/Shanghai), to the minute."""
    if value is None:
        return EMPTY
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    return date_format(value, "Y-m-d")


def _choice_labels(field) -> dict:
    choices = getattr(field, "choices", None) or getattr(getattr(field, "base_field", None), "choices", None)
    return {key: str(label) for key, label in (dict(_flat(choices)) if choices else {}).items()}


def _flat(choices):
    for key, label in choices:
        if isinstance(label, list | tuple):
            yield from label
        else:
            yield key, label


def readable_changes(changes: Iterable[Change], *, list_labels: dict[str, dict] | None = None) -> None:
    """Replace `before` and `after` of every change by its text, in place. `list_labels` gives the
    labels of fields that hold a list of codes (e.g. {"service_needs": dict(ServiceNeed.choices)})."""
    changes = list(changes)
    wanted: dict[type, set] = {}
    for change in changes:
        field = change.field
        if field is not None and field.is_relation and field.many_to_one:
            wanted.setdefault(field.related_model, set()).update(
                v for v in (change.before, change.after) if v not in (None, ""))
    names = {model: {obj.pk: str(obj) for obj in model._default_manager.filter(pk__in=ids)}
             for model, ids in wanted.items()}
    list_labels = list_labels or {}

    def show(field, value):
        if value is None or value == "" or value == []:
            return EMPTY
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        if field is not None and field.is_relation and field.many_to_one:
            return names.get(field.related_model, {}).get(value, f"#{value}")
        labels = list_labels.get(getattr(field, "name", "")) or (_choice_labels(field) if field is not None else {})
        if isinstance(value, list | tuple):
            return "、".join(str(labels.get(item, item)) for item in value)
        if labels:
            return labels.get(value, str(value))
        if isinstance(value, dt.date):
            return local_time(value)
        return str(value)

    for change in changes:
        change.before, change.after = show(change.field, change.before), show(change.field, change.after)
