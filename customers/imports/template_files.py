"""Empty import files with the header row in the user's language, and a help sheet per column."""

from __future__ import annotations

from django.utils.translation import gettext as _

from crm.tabular import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_bytes, write_xlsx
from customers.imports.columns import COLUMNS, Column
from customers.models import Contact, Customer, CustomerNature, Industry, Region


def import_template(*, kind: str, fmt: str = "xlsx") -> tuple[bytes, str, str]:
    """An empty file with the header row of `kind` in the user's language; the XLSX has a second
    sheet explaining each column and listing the accepted names. Returns (content, filename, type)."""
    columns = [column for column in COLUMNS[kind] if column.importable]
    headers = [column.header for column in columns]
    filename = f"{kind}-import-template.{fmt}"
    if fmt == "csv":
        return csv_bytes(headers, []), filename, CSV_CONTENT_TYPE
    help_rows = [[column.header, _column_help(column)] for column in columns]
    content = write_xlsx([(_("Data"), headers, []), (_("Help"), [_("Column"), _("What to write")], help_rows)])
    return content, filename, XLSX_CONTENT_TYPE


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
