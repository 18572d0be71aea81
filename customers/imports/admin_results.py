"""The import's result in django-import-export's terms, for the admin's preview and confirm pages."""

from __future__ import annotations

from collections import defaultdict

import tablib
from django.core.exceptions import ValidationError

from crm.tabular import cell_text, display_cell
from customers.imports.importers import NEW, UNCHANGED, UPDATE, ImportResult


def to_import_export_result(result: ImportResult, dataset: tablib.Dataset):
    """The same result in django-import-export's terms, for the admin's preview and confirm pages."""
    from import_export.results import Error, Result, RowResult

    converted = Result()
    converted.diff_headers = [cell_text(header) for header in dataset.headers or []]
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
        row = dict(zip(converted.diff_headers, [display_cell(value) for value in values], strict=False))
        converted.append_invalid_row(number, row, ValidationError(dict(messages)))
        converted.totals[RowResult.IMPORT_TYPE_INVALID] += 1
    types = {NEW: RowResult.IMPORT_TYPE_NEW, UPDATE: RowResult.IMPORT_TYPE_UPDATE,
             UNCHANGED: RowResult.IMPORT_TYPE_SKIP}
    for number, action in sorted(result.actions.items()):
        if action not in types:
            continue
        row_result = RowResult()
        row_result.import_type = types[action]
        row_result.diff = [display_cell(value) for value in dataset[number - 2]]
        instance = result.objects.get(number)
        if instance is not None:
            row_result.instance = instance
            row_result.add_instance_info(instance)
        converted.append_row_result(row_result)
        converted.increment_row_result_total(row_result)
    return converted

