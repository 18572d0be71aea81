"""Change audit: who changed what, when, and the values before and after.

Built on django-simple-history. An app registers a model with `audit.register(Model)` in its
models.py; every save then writes a historical row with the user (from the request middleware, or
set explicitly by a service through `set_actor`), and `changes_of(obj)` lists the differences.
"""

from dataclasses import dataclass
from typing import Any

from simple_history import register as _register
from simple_history.models import HistoricalRecords

AUDITED_MODELS: list[type] = []


def register(model, **kwargs) -> None:
    _register(model, app=model._meta.app_label, **kwargs)
    AUDITED_MODELS.append(model)


def set_actor(obj, user) -> None:
    """Name the user behind the next save of `obj` (for tasks and commands with no request)."""
    obj._history_user = user


@dataclass
class FieldChange:
    field: str
    label: str
    before: Any
    after: Any


@dataclass
class ChangeEntry:
    at: Any
    user: Any
    kind: str  # "+" created, "~" changed, "-" deleted
    reason: str
    changes: list[FieldChange]


def changes_of(obj, *, limit: int = 100) -> list[ChangeEntry]:
    """The change history of one object, newest first, each entry with its field differences."""
    records = list(obj.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1])
    model = obj.__class__
    entries = []
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous)
            for change in delta.changes:
                try:
                    label = model._meta.get_field(change.field).verbose_name
                except Exception:
                    label = change.field
                changes.append(FieldChange(change.field, str(label), change.old, change.new))
        entries.append(ChangeEntry(record.history_date, record.history_user, record.history_type,
                                   record.history_change_reason or "", changes))
    return entries


__all__ = ["register", "set_actor", "changes_of", "HistoricalRecords", "AUDITED_MODELS"]
