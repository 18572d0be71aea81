"""The customer archive pages (SPEC §2.1, §2.2, §2.4, §2.7 forms 1 and 4, §8): the list with its
filters and groups, the card, filing and editing, the change history, handover, retirement, the
classification summary, the yearly refresh, and the printable and XLSX card.

Every page starts from customers.selectors: an archive the user may not read answers 404; a user
who may read it but not do the action gets 403. Non-owner reads, prints and exports are logged.
"""

import datetime as dt
import re
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from crm.audit import changes_of
from crm.exceptions import ApplicationError, PermissionDeniedError
from crm.forms_base import apply_service_error
from crm.history import Change, field_of, readable_changes
from crm.models import User
from crm.paginator import CappedPaginator
from crm.tabular import XLSX_CONTENT_TYPE
from crm.templatetags.crm_tags import cny, num
from customers.card_sections import section_sources_record_edit
from customers.filters import GROUP_BY_DIMENSIONS
from customers.forms import (
    CARD_SECTIONS,
    FINANCIAL_FIELDS,
    CustomerForm,
    CustomerListForm,
    DeactivateForm,
    HandoverAllForm,
    HandoverForm,
    RefreshNoteForm,
)
from customers.models import AccessLog, Contact, Customer, RefreshTask, ServiceNeed, service_type_label
from customers.policies import (
    can_check_sections,
    can_edit_customer,
    can_file_archive,
    can_handover_all,
    can_handover_customer,
    can_import,
    can_read_customer,
    can_see_financials,
    can_see_sensitive_personal,
    is_archive_keeper,
    sees_everything,
)
from customers.querysets import IdsFirst, OrderedByListName
from customers.selectors import customer_list, customers_visible_to
from customers.services import (
    DuplicateCustomerError,
    access_log_record,
    archive_refresh_complete,
    customer_create,
    customer_deactivate,
    customer_handover,
    customer_mark_checked,
    customer_reactivate,
    customer_update,
    customers_handover_all,
)
from customers.views.common import editable_customer, log_listing, log_read, readable_customer, require_staff
from customers.xlsx import card_workbook, classification_workbook

PAGE_SIZE = 50
CLASSIFICATION_PAGE_SIZE = 100
CLASSIFICATION_PRINT_MAX = 5000
RECENT_RECORDS = 20
EMPTY = "—"

# Columns of the list a user may sort by: ?sort=<key> or ?sort=-<key>.
SORTS = {
    "code": "code", "name": "name", "short_name": "short_name", "region": "region__name",
    "industry": "industry__name", "nature": "nature__name", "stage": "stage", "tier": "tier",
    "credit_grade": "credit_grade", "owner": "owner__username", "checked": "is_checked",
}
# Group-by dimensions whose filter takes an id rather than the shown name.
GROUP_LINK_FIELDS = {"owner": "owner_id", "route": "route_id"}


# --- Helpers -------------------------------------------------------------------------------------

def _url_or_empty(name: str, *args, query: str = "") -> str:
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:  # a page of an area not built yet
        return ""
    return f"{url}?{query}" if query else url


def _user_label(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


def _duplicate_context(error: DuplicateCustomerError) -> dict:
    """The existing archive a duplicate names, with its link; the service names (`existing`) only an
    archive the user may read, so an unreadable one stays a bare "already filed" (SPEC §8)."""
    existing = error.extra.get("existing")
    if not existing:
        return {"url": ""}
    return {**existing, "url": reverse("customers:detail", args=[existing["id"]])}


def display_value(customer: Customer, name: str):
    """A card field as shown to people: choice labels, related names, lists of needs."""
    field = Customer._meta.get_field(name)
    value = getattr(customer, name)
    if name == "service_needs":
        labels = dict(ServiceNeed.choices)
        return "、".join(str(labels.get(code, code)) for code in value or [])
    if field.choices:
        return getattr(customer, f"get_{name}_display")() if value not in (None, "") else ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if value is None:
        return ""
    if field.is_relation:
        return str(value)
    return value


MONEY_FIELDS = {"registered_capital", "total_assets", "annual_revenue"}


def card_sections(customer: Customer, *, show_financials: bool, formatted: bool = True) -> list[dict]:
    """The card's sections as (label, value) pairs; the financials only for those who may see them.
    `formatted` writes amounts as ¥1,234.00 for pages; XLSX keeps numbers."""
    sections = []
    for key, title, names in CARD_SECTIONS:
        hidden = key == "financial" and not show_financials
        pairs = []
        for name in names:
            if hidden or (name in FINANCIAL_FIELDS and not show_financials):
                continue
            value = display_value(customer, name)
            if formatted and name in MONEY_FIELDS:
                value = cny(value)
            pairs.append((str(Customer._meta.get_field(name).verbose_name), value))
        sections.append({"key": key, "title": str(title), "pairs": pairs, "hidden": hidden})
    return sections


def _card_header_pairs(customer: Customer, *, formatted: bool) -> list[tuple[str, object]]:
    target = customer.annual_revenue_target
    return [
        (_("Customer code"), customer.code),
        (_("Key-account tier"), customer.tier or ""),
        (_("Annual revenue target (CNY)"), cny(target) if formatted else target),
        (_("Credit grade"), customer.credit_grade or ""),
        (_("Owner"), _user_label(customer.owner)),
        (_("Team"), customer.team.name if customer.team else ""),
        (_("Checked"), _("Yes") if customer.is_checked else _("No")),
        (_("Completeness (%)"), customer.completeness),
        (_("Last verified on"), customer.last_verified_on),
        (_("Next verification due"), customer.next_verification_due),
        (_("Status"), _("Active") if customer.is_active else _("Retired: %s") % customer.deactivation_reason),
    ]


def _record_totals(customer: Customer) -> dict:
    totals = customer.business_records.aggregate(amount=Sum("amount"), paid=Sum("paid_amount"), count=Count("pk"))
    amount, paid = totals["amount"] or Decimal("0"), totals["paid"] or Decimal("0")
    return {"amount": amount, "paid": paid, "open": amount - paid, "count": totals["count"]}


def _table(headers: list, rows: list[list], *, money: tuple[int, ...] = (), formatted: bool) -> dict:
    if formatted:
        rows = [[cny(v) if i in money else v.isoformat() if isinstance(v, dt.date) else
                 num(v) if isinstance(v, Decimal) else v for i, v in enumerate(row)] for row in rows]
    return {"headers": [str(h) for h in headers], "rows": rows}


def card_data(customer: Customer, *, user, formatted: bool = False) -> dict:
    """Everything the printed (`formatted`) and the XLSX card show, with what the reader may not see
    left out: contacts' personal data and the financials (SPEC §8)."""
    show_sensitive = can_see_sensitive_personal(user, customer)
    show_financials = can_see_financials(user, customer)
    sections = [{"key": "header", "title": _("Archive"), "hidden": False,
                 "pairs": _card_header_pairs(customer, formatted=formatted)},
                *card_sections(customer, show_financials=show_financials, formatted=formatted)]
    for section in sections:
        # Two label/value pairs per row on the printed form.
        section["rows"] = [section["pairs"][i:i + 2] for i in range(0, len(section["pairs"]), 2)]
    contacts = list(customer.contacts.filter(is_active=True))
    roles = [("is_primary", _("main contact")), ("is_decision_maker", _("decision maker")),
             ("is_legal_representative", _("legal representative")), ("is_owner", _("owner")),
             ("is_manager", _("manager"))]
    contact_rows = [[c.name, c.title, c.department, c.phone, c.email, c.get_gender_display(),
                     ", ".join(str(label) for attr, label in roles if getattr(c, attr)),
                     c.relation_to_decision_makers] for c in contacts]
    personal_rows = [[c.name, c.mobile, c.birth_date, c.age, c.native_place, c.home_address, c.education, c.family,
                      c.personality, c.hobbies, c.abilities, c.note] for c in contacts] if show_sensitive else []
    competitor_rows = [[_("Us (our company)"), "", "", _user_label(customer.owner), customer.our_goods,
                        customer.our_volume, customer.our_share, customer.our_price_level,
                        customer.our_sales_situation]]
    competitor_rows += [[c.name, c.address, c.nature, c.head, c.goods_supplied, c.volume, c.share, c.price_level,
                         c.sales_situation] for c in customer.competitors.all()]
    records = list(customer.business_records.all()[:RECENT_RECORDS])
    record_rows = [[r.date, r.contract_no, service_type_label(r.service_type), r.goods, r.volume, r.unit_price,
                    r.price_deviation, r.amount, r.paid_amount, r.paid_date, r.open_amount] for r in records]
    interaction_rows = [[x.date, x.get_kind_display(), x.contact.name if x.contact else "", _user_label(x.user),
                         x.summary] for x in customer.interactions.select_related("contact", "user")
                        .order_by("-date", "-id")[:RECENT_RECORDS]]
    document_rows = [[timezone.localtime(d.created_at).date(), d.get_category_display(), d.title,
                      _user_label(d.uploaded_by), d.note] for d in customer.documents.select_related("uploaded_by")]
    source_rows = [[s.get_section_display(), s.get_source_display(), _("Yes") if s.is_checked else _("No"),
                    _user_label(s.checked_by), timezone.localtime(s.checked_at).date() if s.checked_at else ""]
                   for s in customer.section_sources.select_related("checked_by").order_by("section")]
    changes = list(customer.owner_changes.select_related("from_user", "to_user", "files_received_by"))
    owner_rows = [[timezone.localtime(c.changed_at).date(), _user_label(c.from_user), _user_label(c.to_user),
                   c.reason, c.handover_note, _user_label(c.files_received_by)] for c in changes]
    return {
        "title": f"{_('Customer card')}: {customer.name} ({customer.code})",
        "sections": sections,
        "contacts": _table([_("Name"), _("Job title"), _("Department"), _("Work phone"), _("Email"), _("Gender"),
                            _("Role at the customer"), _("Relation to decision makers")], contact_rows,
                           formatted=formatted),
        "personal": _table([_("Name"), _("Mobile"), _("Birth date"), _("Age"), _("Native place"), _("Home address"),
                            _("Education"), _("Family"), _("Personality"), _("Hobbies"), _("Abilities"),
                            _("Remarks")], personal_rows, formatted=formatted),
        "competitors": _table([_("Company"), _("Address"), pgettext("competitor", "Nature"), _("Head"),
                               _("Goods carried"), _("Volume"),
                               _("Share (%)"), _("Price level"), _("Sales situation")], competitor_rows,
                              formatted=formatted),
        "records": {**_table([_("Date"), _("Contract no."), _("Service type"), _("Goods"), _("Shipped volume"),
                              _("Unit price"), f"{_('Deviation from contract rate')} (%)", _("Amount (CNY)"),
                              _("Paid (CNY)"), _("Date paid"), _("Outstanding (CNY)")], record_rows, money=(7, 8, 10),
                             formatted=formatted),
                    "totals": _record_totals(customer), "progress": customer.task_progress()},
        "interactions": _table([_("Date"), _("Kind"), _("Contact"), _("By"), _("Summary")], interaction_rows,
                               formatted=formatted),
        "documents": _table([_("Filed on"), _("Category"), _("Title"), _("Filed by"), _("Note")], document_rows,
                            formatted=formatted),
        "sources": _table([_("Section"), _("Data source"), _("Checked"), _("Checked by"), _("Checked on")],
                          source_rows, formatted=formatted),
        "owners": _table([_("Date"), _("Previous owner"), _("New owner"), _("Reason"), _("Handover note"),
                          _("Files received by")], owner_rows, formatted=formatted),
        "show_sensitive": show_sensitive,
        "show_financials": show_financials,
    }


# --- The list (SPEC §2.2) ------------------------------------------------------------------------

def _list_owners(user):
    """Owners offered in the filter: those of the archives the user may read, nobody else. For those
    who read every archive, one probe of the owner index per user (EXISTS) instead of collecting the
    owners of 100,000 archives."""
    visible = customers_visible_to(user)
    if sees_everything(user):
        return User.objects.filter(Exists(visible.filter(owner_id=OuterRef("pk")))).order_by("username")
    # DISTINCT first: the planner then joins the few owners to the users, instead of probing the
    # archives once per user (0.5 s for a clerk of a 12,000-archive team).
    return User.objects.filter(pk__in=visible.order_by().values("owner_id").distinct()).order_by("username")


def _filtered_customers(request):
    """The list form (bound to the query string) and the readable archives its filters select."""
    form = CustomerListForm(request.GET or None, owners=_list_owners(request.user))
    include_retired = request.GET.get("include_retired") in ("on", "1", "true", "True")
    qs = customer_list(user=request.user, filters=request.GET, include_inactive=include_retired)
    return form, qs


def _group_counts(request, qs, dimension: str) -> list[dict]:
    """Counts per value of one dimension, each linking to the list narrowed to it."""
    field, _label = GROUP_BY_DIMENSIONS[dimension]
    link_field = GROUP_LINK_FIELDS.get(dimension, field)
    columns = list(dict.fromkeys([field, link_field]))
    rows = qs.order_by().values(*columns).annotate(n=Count("pk")).order_by(field)
    model_field = Customer._meta.get_field(dimension) if dimension in GROUP_LINK_FIELDS or "__" not in field else None
    choices = dict(model_field.flatchoices) if model_field is not None and model_field.choices else {}
    result = []
    for row in rows:
        value, link_value = row[field], row[link_field]
        label = choices.get(value, value) if value not in (None, "") else _("(not set)")
        url = ""
        if link_value not in (None, ""):
            params = request.GET.copy()
            params[dimension] = str(link_value)
            params.pop("page", None)
            url = "?" + params.urlencode()
        result.append({"label": str(label), "count": row["n"], "url": url})
    return result


def _requested_groups(request, qs) -> tuple[list[dict] | None, str]:
    """The counts per value of the dimension the page is grouped by (?group_by=), and its label;
    (None, "") when it is not grouped."""
    group_by = request.GET.get("group_by", "")
    if group_by not in GROUP_BY_DIMENSIONS:
        return None, ""
    return _group_counts(request, qs, group_by), str(GROUP_BY_DIMENSIONS[group_by][1])


def _sorted(request, qs):
    sort = request.GET.get("sort", "")
    key = sort.lstrip("-")
    if key in SORTS:
        prefix = "-" if sort.startswith("-") else ""
        return qs.order_by(f"{prefix}{SORTS[key]}", f"{prefix}pk"), sort
    return qs.order_by("name", "pk"), ""


# Sorts by the name of a short admin list: paged list entry by list entry (customers.querysets).
LIST_NAME_SORTS = {"region": "region", "industry": "industry", "nature": "nature"}


def _paged(qs, current_sort: str):
    """What the paginator pages: `qs` as _sorted ordered it, its ids first, or, sorted by a list's name, the
    same rows read list entry by list entry."""
    field = LIST_NAME_SORTS.get(current_sort.lstrip("-"))
    if field is None:
        return IdsFirst(qs)
    return OrderedByListName(qs, field, descending=current_sort.startswith("-"))


def _columns(current_sort: str) -> list[dict]:
    labels = [
        ("code", _("Code")), ("name", _("Customer name")), ("short_name", _("Short name")), ("region", _("Territory")),
        ("industry", _("Industry")), ("nature", _("Nature")), ("stage", _("Stage")), ("tier", _("Tier")),
        ("credit_grade", _("Credit grade")), ("owner", _("Owner")), ("checked", _("Checked")),
    ]
    columns = []
    for key, label in labels:
        direction = "asc" if current_sort == key else "desc" if current_sort == f"-{key}" else ""
        columns.append({"key": key, "label": label, "direction": direction,
                        "next": f"-{key}" if direction == "asc" else key})
    return columns


def _export_query(request) -> str:
    params = request.GET.copy()
    for name in ("page", "sort", "group_by"):
        params.pop(name, None)
    return params.urlencode()


@login_required
def customer_list_view(request):
    require_staff(request.user)
    form, qs = _filtered_customers(request)
    groups, group_label = _requested_groups(request, qs)
    qs, current_sort = _sorted(request, qs)
    page = CappedPaginator(_paged(qs, current_sort), PAGE_SIZE).get_page(request.GET.get("page"))
    export_query = _export_query(request)
    return render(request, "customers/archive/list.html", {
        "form": form, "page_obj": page, "customers": page.object_list, "groups": groups,
        "group_label": group_label,
        "columns": _columns(current_sort), "total": page.paginator.count_label,
        # The export page belongs to the import/export area: its URL is the contract, not its name.
        "export_url": "/customers/export/?" + export_query,
        "export_xlsx_url": "/customers/export/?" + (export_query + "&" if export_query else "") + "format=xlsx",
        "can_create": can_file_archive(request.user),
        "can_import": can_import(request.user),
        "can_handover_all": can_handover_all(request.user),
    })


# --- The card (SPEC §2.1) ------------------------------------------------------------------------

CARD_QUERYSET = Customer.objects.select_related("owner", "team", "industry", "nature", "region", "route__region",
                                                "created_by", "checked_by")


@login_required
def customer_detail_view(request, pk: int):
    customer = readable_customer(request, pk, queryset=CARD_QUERYSET)
    log_read(request, customer)
    user = request.user
    show_financials = can_see_financials(user, customer)
    can_edit = can_edit_customer(user, customer)
    open_task = customer.refresh_tasks.filter(status=RefreshTask.Status.OPEN).first() if can_edit else None
    return render(request, "customers/archive/detail.html", {
        "customer": customer,
        "sections": card_sections(customer, show_financials=show_financials),
        "contacts": customer.contacts.all(),
        "competitors": customer.competitors.all(),
        "documents": customer.documents.select_related("uploaded_by"),
        "interactions": customer.interactions.select_related("user", "contact"),
        "owner_changes": customer.owner_changes.select_related("from_user", "to_user", "changed_by",
                                                               "files_received_by"),
        "records": customer.business_records.all()[:RECENT_RECORDS],
        "record_totals": _record_totals(customer),
        "records_url": _url_or_empty("customers:business_records", query=f"customer={customer.pk}"),
        "can_edit": can_edit,
        "can_handover": can_handover_customer(user, customer),
        "can_mark_checked": not customer.is_checked and can_check_sections(user, customer),
        "show_sensitive": can_see_sensitive_personal(user, customer),
        "show_financials": show_financials,
        "open_task": open_task,
        "today": timezone.localdate(),
    })


def _form_error_context(request, form, error) -> dict | None:
    """Put a service error on the form; a duplicate also names (and links) the existing archive."""
    apply_service_error(form, error)
    if isinstance(error, DuplicateCustomerError):
        return _duplicate_context(error)
    return None


@login_required
def customer_create_view(request):
    require_staff(request.user)
    if not can_file_archive(request.user):
        raise PermissionDenied
    form = CustomerForm(request.POST or None, user=request.user, creating=True)
    duplicate = None
    if request.method == "POST" and form.is_valid():
        owner = form.cleaned_data.get("owner") or request.user
        try:
            customer = customer_create(user=request.user, owner=owner, source=form.cleaned_data["source"],
                                       **form.model_values())
        except (ApplicationError, ValidationError) as error:
            duplicate = _form_error_context(request, form, error)
        else:
            messages.success(request, _("Archive %(code)s filed: %(name)s.") % {
                "code": customer.code, "name": customer.name})
            if can_read_customer(request.user, customer):
                return redirect("customers:detail", pk=customer.pk)
            return redirect("customers:list")
    return render(request, "customers/archive/form.html", {
        "form": form, "title": _("New customer archive"), "duplicate": duplicate, "customer": None})


@login_required
def customer_edit_view(request, pk: int):
    customer = editable_customer(request, pk)
    if request.method == "GET":
        log_read(request, customer, "edit form")
    show_financials = can_see_financials(request.user, customer)
    form = CustomerForm(request.POST or None, instance=customer, user=request.user, show_financials=show_financials)
    duplicate = None
    if request.method == "POST" and form.is_valid():
        values = form.model_values(only_changed=True)
        if not values:
            messages.info(request, _("Nothing was changed."))
            return redirect("customers:detail", pk=customer.pk)
        try:
            with transaction.atomic():
                customer_update(customer=customer, user=request.user,
                                change_reason=form.cleaned_data.get("change_reason", ""), **values)
                if form.cleaned_data.get("source"):
                    section_sources_record_edit(customer=customer, user=request.user,
                                                sections=form.changed_sections(), source=form.cleaned_data["source"])
        except PermissionDeniedError:
            raise PermissionDenied from None
        except (ApplicationError, ValidationError) as error:
            duplicate = _form_error_context(request, form, error)
        else:
            messages.success(request, _("The archive has been saved."))
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/archive/form.html", {
        "form": form, "title": _("Edit the archive"), "duplicate": duplicate, "customer": customer})


# --- Change history (SPEC §8: before/after, who, when) ---------------------------------------------

PLACEHOLDER_CODE = re.compile(r"^T[0-9a-f]{16}$")  # customers.services: the code before the id is known


def _is_code_assignment(change) -> bool:
    return change.field == "code" and bool(PLACEHOLDER_CODE.match(str(change.before or "")))


@login_required
def customer_history_view(request, pk: int):
    """GM, admins and the people who may edit the archive see its changes."""
    customer = editable_customer(request, pk)
    log_read(request, customer, "change history")
    entries = []
    for entry in changes_of(customer):
        entries.append({
            "at": entry.at, "user": _user_label(entry.user) or _("system"), "kind": entry.kind,
            "reason": entry.reason,
            "changes": [Change(field_of(Customer, change.field), change.label, change.before, change.after)
                        for change in entry.changes if not _is_code_assignment(change)],
        })
    # Every value of the page shown through the one formatter (crm.history), related names in one query each.
    readable_changes([change for entry in entries for change in entry["changes"]],
                     list_labels={"service_needs": dict(ServiceNeed.choices)})
    return render(request, "customers/archive/history.html", {"customer": customer, "entries": entries})


# --- Handover (SPEC §2.1 owner history) ------------------------------------------------------------

@login_required
def customer_handover_view(request, pk: int):
    customer = readable_customer(request, pk, queryset=Customer.objects.select_related("owner", "team"))
    if not can_handover_customer(request.user, customer):
        raise PermissionDenied
    form = HandoverForm(request.POST or None, customer=customer)
    if request.method == "GET":
        log_read(request, customer, "handover page")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            customer_handover(customer=customer, to_user=data["to_user"], user=request.user, reason=data["reason"],
                              note=data["note"], files_received_by=data["files_received_by"])
        except PermissionDeniedError:
            raise PermissionDenied from None
        except (ApplicationError, ValidationError) as error:
            apply_service_error(form, error, field_map={"to": "to_user"})
        else:
            messages.success(request, _("%(name)s has been handed over to %(user)s.") % {
                "name": customer.name, "user": _user_label(data["to_user"])})
            if can_read_customer(request.user, customer):
                return redirect("customers:detail", pk=customer.pk)
            return redirect("customers:list")
    return render(request, "customers/archive/handover.html", {"customer": customer, "form": form})


@login_required
def customers_handover_all_view(request):
    """All of a leaving manager's archives, reassigned in one operation (nothing left ownerless)."""
    require_staff(request.user)
    if not can_handover_all(request.user):
        raise PermissionDenied
    visible = customers_visible_to(request.user)
    owners = (User.objects.filter(pk__in=visible.values("owner_id"))
              .annotate(archive_count=Count("owned_customers", distinct=True,
                                            filter=Q(owned_customers__in=visible.filter(is_active=True))))
              .order_by("username"))
    form = HandoverAllForm(request.POST or None, user=request.user, owners=owners)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            count = customers_handover_all(from_user=data["from_user"], to_user=data["to_user"], user=request.user,
                                           reason=data["reason"], note=data["note"],
                                           files_received_by=data["files_received_by"])
        except PermissionDeniedError:
            # The service names the archive at fault, which the user may not be allowed to read.
            form.add_error("from_user", _("Some archives of this user belong to teams you do not keep: ask the GM "
                                          "or an administrator to hand them over."))
        except (ApplicationError, ValidationError) as error:
            apply_service_error(form, error, field_map={"to": "to_user", "from": "from_user"})
        else:
            messages.success(request, _("%(count)d archives handed over from %(from)s to %(to)s.") % {
                "count": count, "from": _user_label(data["from_user"]), "to": _user_label(data["to_user"])})
            return redirect(reverse("customers:list") + f"?owner={data['to_user'].pk}")
    return render(request, "customers/archive/handover_all.html", {"form": form, "owners": owners})


# --- Checked mark, retirement -------------------------------------------------------------------

def _card_action(request, customer: Customer, service, success: str):
    """A button on the card: one service call on the archive (its refusal answers 403), then the card."""
    try:
        service(customer=customer, user=request.user)
    except PermissionDeniedError:
        raise PermissionDenied from None
    messages.success(request, success)
    return redirect("customers:detail", pk=customer.pk)


@login_required
@require_POST
def customer_mark_checked_view(request, pk: int):
    return _card_action(request, readable_customer(request, pk), customer_mark_checked,
                        _("The archive is marked as checked."))


@login_required
def customer_deactivate_view(request, pk: int):
    customer = editable_customer(request, pk)
    form = DeactivateForm(request.POST or None)
    if request.method == "GET":
        log_read(request, customer, "retirement page")
    if request.method == "POST" and form.is_valid():
        try:
            customer_deactivate(customer=customer, user=request.user, reason=form.cleaned_data["reason"])
        except PermissionDeniedError:
            raise PermissionDenied from None
        except ApplicationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("The archive has been retired. It stays available for reports and audits."))
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/archive/deactivate.html", {"customer": customer, "form": form})


@login_required
@require_POST
def customer_reactivate_view(request, pk: int):
    return _card_action(request, editable_customer(request, pk), customer_reactivate, _("The archive is active again."))


# --- Printable and XLSX card (SPEC §2.7 form 4) ----------------------------------------------------

@login_required
def customer_print_view(request, pk: int):
    customer = readable_customer(request, pk, queryset=CARD_QUERYSET)
    access_log_record(user=request.user, action=AccessLog.Action.PRINT, channel=AccessLog.Channel.WEB,
                      customer=customer, request=request, detail="customer card")
    return render(request, "customers/archive/print.html", {
        "customer": customer, "card": card_data(customer, user=request.user, formatted=True),
        "today": timezone.localdate()})


def _attachment(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def customer_card_xlsx_view(request, pk: int):
    customer = readable_customer(request, pk, queryset=CARD_QUERYSET)
    card = card_data(customer, user=request.user)
    tables = [
        (_("Contacts"), card["contacts"]["headers"], card["contacts"]["rows"]),
        *([(_("Personal data"), card["personal"]["headers"], card["personal"]["rows"])]
          if card["show_sensitive"] else []),
        (_("Competitors"), card["competitors"]["headers"], card["competitors"]["rows"]),
        (_("Business records"), card["records"]["headers"], card["records"]["rows"]),
        (_("Interactions"), card["interactions"]["headers"], card["interactions"]["rows"]),
        (_("Documents"), card["documents"]["headers"], card["documents"]["rows"]),
        (_("Data sources"), card["sources"]["headers"], card["sources"]["rows"]),
        (_("Owner history"), card["owners"]["headers"], card["owners"]["rows"]),
    ]
    content = card_workbook(card={"title": card["title"],
                                  "sections": [(s["title"], s["pairs"] if not s["hidden"] else
                                                [(_("Hidden"), _("You may not see the financials."))])
                                               for s in card["sections"]],
                                  "tables": tables})
    access_log_record(user=request.user, action=AccessLog.Action.EXPORT, channel=AccessLog.Channel.WEB,
                      customer=customer, request=request, detail="customer card (xlsx)")
    return _attachment(content, f"customer-card-{customer.code}.xlsx")


# --- Classification summary (SPEC §2.2, §2.7 form 1) -----------------------------------------------

def _classification_queryset(request):
    form, qs = _filtered_customers(request)
    qs = qs.prefetch_related(Prefetch("contacts", to_attr="active_contacts",
                                      queryset=Contact.objects.filter(is_active=True).order_by("-is_primary", "pk")))
    return form, _sorted(request, qs)[0]


def classification_headers() -> list[str]:
    return [_("No."), _("Code"), _("Customer name"), _("Ownership"), _("Nature"), _("Location type"), _("Territory"),
            _("Route"), _("Industry"), _("Customer grade (tier / credit)"), _("Stage"), _("Owner"),
            _("Main contact"), _("Job title"), _("Contact's phone"), _("Address")]


def customer_grade(customer: Customer) -> str:
    return f"{customer.tier or EMPTY} / {customer.credit_grade or EMPTY}"


def classification_row(index: int, customer: Customer) -> list:
    contacts = getattr(customer, "active_contacts", None) or []
    contact = contacts[0] if contacts else None
    return [
        index, customer.code, customer.name, customer.get_ownership_display() if customer.ownership else "",
        customer.nature.name if customer.nature else "",
        customer.get_location_type_display() if customer.location_type else "",
        customer.region.name if customer.region else "", customer.route.name if customer.route else "",
        customer.industry.name if customer.industry else "", customer_grade(customer), customer.get_stage_display(),
        _user_label(customer.owner), contact.name if contact else "", contact.title if contact else "",
        contact.phone if contact else "", customer.address,  # 联系方式 belongs to the contact beside it
    ]


@login_required
def classification_view(request):
    require_staff(request.user)
    form, qs = _classification_queryset(request)
    groups, group_label = _requested_groups(request, qs)
    # ?all=1 is the printable summary: every row, as the XLSX has them (up to a bound a printer can take).
    show_all = request.GET.get("all") == "1"
    page_size = CLASSIFICATION_PRINT_MAX if show_all else CLASSIFICATION_PAGE_SIZE
    page = CappedPaginator(_paged(qs, _sorted(request, qs)[1]), page_size).get_page(
        1 if show_all else request.GET.get("page"))
    rows = [{"customer": c, "index": page.start_index() + i, "contact": (c.active_contacts or [None])[0]}
            for i, c in enumerate(page.object_list)]
    log_listing(request, {row["customer"].pk: row["customer"].owner_id for row in rows}, "classification summary")
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "customers/archive/classification.html", {
        "form": form, "page_obj": page, "rows": rows, "groups": groups, "total": page.paginator.count_label,
        "group_label": group_label, "show_all": show_all,
        "xlsx_url": reverse("customers:classification_xlsx") + ("?" + query.urlencode() if query else ""),
    })


@login_required
def classification_xlsx_view(request):
    require_staff(request.user)
    form, qs = _classification_queryset(request)
    rows = [classification_row(index, customer)
            for index, customer in enumerate(qs.iterator(chunk_size=2000), start=1)]
    counts, group_label = _requested_groups(request, qs)
    groups = (group_label, [(g["label"], g["count"]) for g in counts]) if counts is not None else None
    filter_text = "; ".join(f"{label}: {value}" for label, value in form.active_filters())
    content = classification_workbook(title=_("Customer classification summary"), filter_text=filter_text,
                                      headers=classification_headers(), rows=rows, groups=groups)
    access_log_record(user=request.user, action=AccessLog.Action.EXPORT, channel=AccessLog.Channel.WEB,
                      request=request,
                      detail=f"classification summary; filters: {_export_query(request) or '-'}; rows: {len(rows)}")
    return _attachment(content, f"classification-{timezone.localdate():%Y%m%d}.xlsx")


# --- Yearly refresh (SPEC §2.4) ------------------------------------------------------------------

@login_required
def refresh_tasks_view(request):
    """The user's own open refresh tasks; clerks, department heads and the GM also see the others' of
    the archives they may edit."""
    require_staff(request.user)
    tasks = (RefreshTask.objects.filter(status=RefreshTask.Status.OPEN)
             .select_related("customer", "customer__region", "owner").order_by("due_on", "customer__name"))
    mine = list(tasks.filter(owner=request.user, customer__is_active=True))
    others = []
    if is_archive_keeper(request.user):
        visible = customers_visible_to(request.user, include_inactive=False)
        others = [task for task in tasks.exclude(owner=request.user).filter(customer__in=visible)[:500]
                  if can_edit_customer(request.user, task.customer)]
    return render(request, "customers/archive/refresh_tasks.html", {
        "mine": mine, "others": others, "today": timezone.localdate()})


@login_required
def customer_refresh_view(request, pk: int):
    """Confirm the card unchanged, or correct it; either resets the verification date and closes the task."""
    customer = editable_customer(request, pk)
    if request.method == "GET":
        log_read(request, customer, "yearly check")
    show_financials = can_see_financials(request.user, customer)
    correcting = request.method == "POST" and request.POST.get("action") == "correct"
    form = CustomerForm(request.POST if correcting else None, instance=customer, user=request.user,
                        show_financials=show_financials, prefix="card")
    form.fields.pop("change_reason", None)  # the service records the refresh as the reason
    note_form = RefreshNoteForm(request.POST or None)
    if request.method == "POST" and note_form.is_valid() and (not correcting or form.is_valid()):
        corrected = form.model_values(only_changed=True) if correcting else {}
        try:
            archive_refresh_complete(customer=customer, user=request.user, corrected_fields=corrected,
                                     note=note_form.cleaned_data["note"])
        except PermissionDeniedError:
            raise PermissionDenied from None
        except (ApplicationError, ValidationError) as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("The archive of %(name)s is verified until %(date)s.") % {
                "name": customer.name, "date": Customer.objects.get(pk=customer.pk).next_verification_due})
            return redirect("customers:refresh_tasks")
    return render(request, "customers/archive/refresh.html", {
        "customer": customer, "form": form, "note_form": note_form, "correcting": correcting,
        "sections": card_sections(customer, show_financials=show_financials),
        "open_task": customer.refresh_tasks.filter(status=RefreshTask.Status.OPEN).first(),
    })


urlpatterns = [
    path("", customer_list_view, name="list"),
    path("new/", customer_create_view, name="create"),
    path("handover-all/", customers_handover_all_view, name="handover_all"),
    path("classification/", classification_view, name="classification"),
    path("classification.xlsx", classification_xlsx_view, name="classification_xlsx"),
    path("refresh/", refresh_tasks_view, name="refresh_tasks"),
    path("<int:pk>/", customer_detail_view, name="detail"),
    path("<int:pk>/edit/", customer_edit_view, name="edit"),
    path("<int:pk>/history/", customer_history_view, name="history"),
    path("<int:pk>/handover/", customer_handover_view, name="handover"),
    path("<int:pk>/deactivate/", customer_deactivate_view, name="deactivate"),
    path("<int:pk>/reactivate/", customer_reactivate_view, name="reactivate"),
    path("<int:pk>/check/", customer_mark_checked_view, name="mark_checked"),
    path("<int:pk>/print/", customer_print_view, name="print"),
    path("<int:pk>/card.xlsx", customer_card_xlsx_view, name="card_xlsx"),
    path("<int:pk>/refresh/", customer_refresh_view, name="refresh"),
]
