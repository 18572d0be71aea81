"""XLSX writers of the department's forms kept in the customers app (SPEC §2.7): the customer card
(客户资料卡, form 4) and the classification summary (客户归类汇总表, form 1).

Every cell goes through `safe_cell`, so that text typed by users or customers can never run as a
formula when the file is opened (CSV/XLSX injection).
"""

import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from crm.tabular import safe_cell

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
_SECTION_FILL = PatternFill("solid", fgColor="EEF1F5")
_WRAP = Alignment(wrap_text=True, vertical="top")


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _append(sheet: Worksheet, values: Iterable[Any], *, font: Font | None = None,
            fill: PatternFill | None = None) -> None:
    sheet.append([safe_cell(value) for value in values])
    if font or fill:
        for cell in sheet[sheet.max_row]:
            if font:
                cell.font = font
            if fill:
                cell.fill = fill


def _widths(sheet: Worksheet, widths: Sequence[int]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def _table_sheet(workbook: Workbook, title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]],
                 widths: Sequence[int] | None = None) -> Worksheet:
    sheet = workbook.create_sheet(title=title[:31])
    _append(sheet, headers, font=_BOLD, fill=_HEADER_FILL)
    for row in rows:
        _append(sheet, row)
    sheet.freeze_panes = "A2"
    _widths(sheet, widths or [18] * len(headers))
    return sheet


# --- The customer card (客户资料卡, form 4) ----------------------------------------------------------

def card_workbook(*, card: dict) -> bytes:
    """The card as a workbook: one sheet of label/value pairs by section, then one sheet per table.

    `card` is what customers.views.archive.card_data builds: {"title", "sections": [(title, [(label,
    value)])], "tables": [(title, headers, rows)]}; what the reader may not see is already left out.
    """
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Customer card")[:31]
    _append(sheet, [card["title"]], font=_TITLE)
    _append(sheet, [_("Printed on"), timezone.localdate()])
    for section_title, pairs in card["sections"]:
        _append(sheet, [])
        _append(sheet, [section_title, ""], font=_BOLD, fill=_SECTION_FILL)
        for label, value in pairs:
            _append(sheet, [label, value])
            sheet.cell(row=sheet.max_row, column=2).alignment = _WRAP
    _widths(sheet, [32, 80])
    for title, headers, rows in card["tables"]:
        _table_sheet(workbook, title, headers, rows)
    return _save(workbook)


# --- The classification summary (客户归类汇总表, form 1) --------------------------------------------

def classification_workbook(*, title: str, filter_text: str, headers: Sequence[str],
                            rows: Iterable[Sequence[Any]], groups: tuple[str, list[tuple[str, int]]] | None = None
                            ) -> bytes:
    """The summary table; with `groups` = (dimension label, [(group, count)]) a second sheet of counts."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Classification summary")[:31]
    _append(sheet, [title], font=_TITLE)
    _append(sheet, [_("Filters"), filter_text or _("none")])
    _append(sheet, [_("Exported on"), timezone.localdate()])
    _append(sheet, [])
    _append(sheet, headers, font=_BOLD, fill=_HEADER_FILL)
    sheet.freeze_panes = f"C{sheet.max_row + 1}"  # a coordinate: cell() would add an empty row
    for row in rows:
        _append(sheet, row)
    _widths(sheet, [6, 12, 36, 14, 14, 14, 12, 14, 16, 16, 14, 18, 14, 18, 16, 36])
    if groups:
        dimension, counts = groups
        _table_sheet(workbook, _("Groups"), [dimension, _("Customers")], counts, widths=[30, 12])
    return _save(workbook)
