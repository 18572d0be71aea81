"""django-import-export resources of customer archives and contacts, for the admin's import and
export screens. The columns come from customers.imports.columns; the rules (access, duplicates, all or
nothing) live in customers.imports.importers, which these resources call: the admin import and the
import page run the same code.
"""

from __future__ import annotations

from typing import Any

import tablib
from django.utils.translation import gettext_lazy as _
from import_export import resources
from import_export.fields import Field

from crm.tabular import safe_cell
from customers.imports.admin_results import to_import_export_result
from customers.imports.columns import CONTACT_COLUMNS, CUSTOMER_COLUMNS, Column
from customers.imports.importers import run_import
from customers.models import Contact, Customer


class _ColumnResource(resources.Resource):
    """A resource whose fields come from a column list, narrowed to what `user` may see."""

    columns: tuple[Column, ...] = ()
    kind = ""

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self.fields = {c.field: Field(attribute=c.field, column_name=c.label, readonly=not c.importable)
                       for c in self.columns}

    @classmethod
    def get_display_name(cls):
        return str(cls._meta.name)

    def get_user_visible_fields(self):
        return [f for f in self.fields.values() if not f.readonly]

    def get_import_fields(self):
        return self.get_user_visible_fields()

    # --- export ------------------------------------------------------------------------------

    def may_see_sensitive(self, obj) -> bool:  # pragma: no cover - overridden
        raise NotImplementedError

    def export_value(self, obj, column: Column) -> Any:
        raise NotImplementedError  # pragma: no cover - overridden

    def export(self, queryset=None, **kwargs) -> tablib.Dataset:
        """The rows of `queryset` (already narrowed to what the user may read). Sensitive columns are
        written only when the user may see them for at least one row, and then left empty on the
        rows they may not see. Every text cell is neutralised against formula injection."""
        rows = list(queryset if queryset is not None else [])
        allowed = {id(obj): self.may_see_sensitive(obj) for obj in rows}
        columns = [c for c in self.columns if not c.sensitive or any(allowed.values())]
        dataset = tablib.Dataset(headers=[c.header for c in columns])
        for obj in rows:
            dataset.append([
                safe_cell("" if c.sensitive and not allowed[id(obj)] else self.export_value(obj, c))
                for c in columns
            ])
        return dataset

    @staticmethod
    def _plain(value: Any) -> Any:
        if value is None:
            return ""
        if isinstance(value, bool):
            return str(_("Yes") if value else _("No"))
        return value

    # --- import: the admin's import screens run the same service as the import page ----------

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None,
                    collect_failed_rows=False, rollback_on_validation_errors=False, **kwargs):
        user = kwargs.get("user") or self.user
        result = run_import(kind=self.kind, user=user, dataset=dataset, dry_run=dry_run)
        return to_import_export_result(result, dataset)


class CustomerResource(_ColumnResource):
    """Customer archives. Existing archives are matched by their code (import_id_fields); a row
    without a code files a new archive."""

    columns = CUSTOMER_COLUMNS
    kind = "customers"

    class Meta:
        model = Customer
        import_id_fields = ["code"]
        name = _("Customer archives")

    def may_see_sensitive(self, obj: Customer) -> bool:
        from customers.policies import can_see_financials

        return self.user is not None and can_see_financials(self.user, obj)

    def export_value(self, obj: Customer, column: Column) -> Any:
        field = column.field
        if column.kind == "choice":
            return obj._get_FIELD_display(Customer._meta.get_field(field)) if getattr(obj, field) else ""
        if column.kind in ("fk", "route"):
            related = getattr(obj, field)
            return related.name if related is not None else ""
        if column.kind == "owner":
            return obj.owner.username
        return self._plain(getattr(obj, field))


class ContactResource(_ColumnResource):
    """Contacts, matched by customer code and name."""

    columns = CONTACT_COLUMNS
    kind = "contacts"

    class Meta:
        model = Contact
        import_id_fields = ["customer_code", "name"]
        name = _("Contacts")

    def may_see_sensitive(self, obj: Contact) -> bool:
        from customers.policies import can_see_sensitive_personal

        return self.user is not None and can_see_sensitive_personal(self.user, obj.customer)

    def export_value(self, obj: Contact, column: Column) -> Any:
        field = column.field
        if field == "customer_code":
            return obj.customer.code
        if field == "customer_name":
            return obj.customer.name
        if column.kind == "choice":
            return obj.get_gender_display() if obj.gender else ""
        return self._plain(getattr(obj, field))


RESOURCES = {"customers": CustomerResource, "contacts": ContactResource}
