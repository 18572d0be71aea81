"""Tabular input and output shared by every import, upload and export of the CRM.

Reading: `read_table()` turns an uploaded CSV or XLSX file into a header row and body rows. CSV files
come from Chinese Excel as GB18030/GBK, from other programs as UTF-8 (with or without a byte-order
mark); all are read with their Chinese intact.

Cells: one parser per kind of value (`parse_text`, `parse_date`, `parse_decimal`, `parse_int`,
`parse_bool`), used by the archive import, the business-record upload and the bulk API alike, so a
value means the same thing in every door. They raise `CellError` with a message for the user.

Writing: `safe_cell()` is the one formula-safe conversion; `csv_stream()` and `xlsx_workbook()` /
`write_xlsx()` apply it to every cell. A text cell starting with = + - @ tab or CR would be run as a
formula (or a DDE call) by spreadsheet programs: it is written with a leading single quote.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from crm.text import CONTROL_CHARACTERS_MESSAGE, CONTROL_CHARACTERS_RE

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"

# A text cell starting with one of these is read as a formula (or a DDE call) by spreadsheet programs.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# CSV encodings tried in this order: UTF-8 (a BOM is dropped), then GB18030, a superset of GBK/GB2312.
CSV_ENCODINGS = ("utf-8-sig", "gb18030")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
NUMBER_NOISE = (",", "，", "¥", "￥", " ", "\u00a0")
TRUE_WORDS = frozenset({"1", "true", "yes", "y", "是", "有", "√", "✓", "对"})
FALSE_WORDS = frozenset({"0", "false", "no", "n", "否", "无", "不", "不是", "×"})


class CellError(ValueError):
    """A cell or value that cannot be read as what its column holds; `message` is for the user."""

    def __init__(self, message: Any):
        super().__init__(str(message))
        self.message = str(message)


class TableError(ValueError):
    """A file that cannot be read as a table at all."""

    def __init__(self, message: Any):
        super().__init__(str(message))
        self.message = str(message)


# --- Reading files -------------------------------------------------------------------------------

@dataclass
class Table:
    headers: list[str]
    rows: list[list[Any]]


def read_table(*, content: bytes, filename: str, max_bytes: int | None = None,
               max_rows: int | None = None) -> Table:
    """The header row and the body rows of a CSV (UTF-8 or GB18030) or XLSX file.

    Trailing empty header cells are dropped and every row is cut or padded to the header's width;
    blank rows inside the data are kept, so row numbers match the spreadsheet. Raises TableError."""
    name = (filename or "").lower()
    if max_bytes is not None and len(content) > max_bytes:
        raise TableError(_("The file is larger than %(size)d MB; split it.") % {"size": max_bytes // (1024 * 1024)})
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(content)
    elif name.endswith((".csv", ".txt")):
        rows = _csv_rows(content)
    else:
        raise TableError(_("Upload a CSV or XLSX file."))
    if not rows or all(is_blank(value) for value in rows[0]):
        raise TableError(_("The file is empty: its first row must hold the column headers."))
    headers = [cell_text(value) for value in rows[0]]
    while headers and not headers[-1]:
        headers.pop()
    width = len(headers)
    body = [list(row[:width]) + [None] * (width - len(row)) for row in rows[1:]]
    while body and all(is_blank(value) for value in body[-1]):
        body.pop()
    if max_rows is not None and len(body) > max_rows:
        raise TableError(_("The file has more than %(max)d rows; split it.") % {"max": max_rows})
    return Table(headers=headers, rows=body)


def decode_csv(content: bytes) -> str:
    """The text of a CSV file saved as UTF-8 (BOM or not) or by Chinese Excel (GB18030/GBK)."""
    for encoding in CSV_ENCODINGS:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError(_("This CSV file is neither UTF-8 nor GB18030 text."))


def _csv_rows(content: bytes) -> list[list[str]]:
    text = decode_csv(content)
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        raise TableError(_("This CSV file cannot be read."))


def _xlsx_rows(content: bytes) -> list[tuple]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            return [tuple(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
        finally:
            workbook.close()
    except Exception:  # a broken or renamed file: openpyxl raises many kinds
        raise TableError(_("This file cannot be read as an XLSX workbook."))


# --- Cells -----------------------------------------------------------------------------------------

def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: Any) -> str:
    """The text of a cell: numbers typed into text columns (phones, codes) lose Excel's ".0", dates
    are ISO, and a cell our own export neutralised ("'=x") reads back as it was ("=x")."""
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
    if text.startswith("'") and text[1:2] and text[1:2] in FORMULA_PREFIXES:
        text = text[1:]
    return text


def check_no_control_characters(text: str) -> str:
    if CONTROL_CHARACTERS_RE.search(text):
        raise CellError(CONTROL_CHARACTERS_MESSAGE)
    return text


def parse_text(value: Any, *, max_length: int | None = None, collapse_spaces: bool = False) -> str:
    """Text from a cell or a JSON value. Objects, lists and booleans are refused, as are control
    characters; `collapse_spaces` turns every run of white space into one space."""
    if is_blank(value):
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal | dt.date):
        raise CellError(_("Write text."))
    text = cell_text(value)
    check_no_control_characters(text)
    if collapse_spaces:
        text = " ".join(text.split())
    if max_length is not None and len(text) > max_length:
        raise CellError(_("Write at most %(max)d characters.") % {"max": max_length})
    return text


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    key = cell_text(value).casefold()
    if key in TRUE_WORDS or key == str(_("Yes")).casefold():
        return True
    if key in FALSE_WORDS or key == str(_("No")).casefold():
        return False
    raise CellError(_("Write yes or no (是/否)."))


def parse_date(value: Any) -> dt.date | None:
    """A date from a cell (date, date-time, or text in one of DATE_FORMATS) or an ISO date-time sent
    by another system, whose date counts. Blank is None."""
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        for fmt in DATE_FORMATS:
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        try:
            return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        except ValueError:
            pass
    raise CellError(_("Write a date as YYYY-MM-DD."))


def parse_decimal(value: Any, *, max_digits: int | None = None, decimal_places: int | None = None,
                  allow_negative: bool = True) -> Decimal | None:
    """A number from a cell or JSON value; thousands separators and ¥ signs are ignored. With
    `decimal_places` the number is rounded to them, forgiving only a float's binary noise
    (3 × 1.1 = 3.3000000000000003), not a fraction typed by someone. Blank is None."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise CellError(_("Write a number."))
    from_float = isinstance(value, float)
    try:
        if from_float:
            number = Decimal(repr(value))
        elif isinstance(value, int | Decimal):
            number = Decimal(value)
        elif isinstance(value, str):
            text = cell_text(value)
            for noise in NUMBER_NOISE:
                text = text.replace(noise, "")
            number = Decimal(text)
        else:
            raise CellError(_("Write a number."))
    except InvalidOperation:
        raise CellError(_("Write a number."))
    if not number.is_finite():
        raise CellError(_("Write a number."))
    if not allow_negative and number < 0:
        raise CellError(_("The number must not be negative."))
    if decimal_places is not None:
        if max_digits is not None and abs(number) >= Decimal(10) ** (max_digits - decimal_places):
            raise CellError(_("This number is too large."))
        rounded = number.quantize(Decimal(1).scaleb(-decimal_places))
        if rounded != number and not (from_float and abs(rounded - number) < Decimal("1e-9")):
            raise CellError(_("Write at most %(places)d decimal places.") % {"places": decimal_places})
        number = rounded
    return number


def parse_int(value: Any) -> int | None:
    number = parse_decimal(value)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise CellError(_("Write a whole number."))
    return int(number)


def display_cell(value: Any) -> str:
    return "" if value is None else cell_text(value)


# --- Writing ---------------------------------------------------------------------------------------

def safe_cell(value: Any) -> Any:
    """A value that is safe to write into a CSV or XLSX cell.

    Numbers, dates and booleans pass unchanged (they cannot carry a formula; aware date-times become
    local wall-clock time, as spreadsheets have no time zones); None stays empty; anything else
    becomes text without the control characters XLSX cannot hold, prefixed with a single quote when
    it starts with = + - @ tab or CR. Idempotent: "'=x" stays as it is."""
    if value is None or isinstance(value, bool | int | float | Decimal | dt.date | dt.time):
        if isinstance(value, dt.datetime) and timezone.is_aware(value):
            return timezone.localtime(value).replace(tzinfo=None)
        return value
    if isinstance(value, Promise):
        value = str(value)
    text = CONTROL_CHARACTERS_RE.sub("", str(value))
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_value(value: Any) -> Any:
    value = safe_cell(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def csv_stream(headers: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """CSV lines with a UTF-8 BOM first (so Excel reads Chinese correctly), every cell formula-safe;
    for a StreamingHttpResponse."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    yield writer.writerow([_csv_value(header) for header in headers])
    for row in rows:
        yield writer.writerow([_csv_value(value) for value in row])


def csv_bytes(headers: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    return "".join(csv_stream(headers, rows)).encode("utf-8")


def write_xlsx(sheets: Sequence[tuple[Any, Sequence[Any], Iterable[Sequence[Any]]]]) -> bytes:
    """A workbook of plain sheets `(title, headers, rows)`: bold, frozen header row, rough column
    widths, every cell formula-safe. The department's printed forms build richer sheets with
    `xlsx_workbook()` and `safe_cell()`."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = xlsx_workbook()
    for index, (title, headers, rows) in enumerate(sheets):
        sheet = workbook.active if index == 0 else workbook.create_sheet()
        sheet.title = str(title)[:31]
        sheet.append([safe_cell(str(header)) for header in headers])
        for header_cell in sheet[1]:
            header_cell.font = Font(bold=True)
        for row in rows:
            sheet.append([safe_cell(value) for value in row])
        sheet.freeze_panes = "A2"
        for position, header in enumerate(headers, start=1):
            sheet.column_dimensions[get_column_letter(position)].width = min(max(10, len(str(header)) * 2 + 2), 40)
    return xlsx_bytes(workbook)


def xlsx_workbook():
    import openpyxl

    return openpyxl.Workbook()


def xlsx_bytes(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
