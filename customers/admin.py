"""The Django admin of the customers app.

The admin is one more door, so the rules of SPEC §8 hold here too: every queryset starts from
customers.selectors (a staff user sees only the archives they may read; anything else answers as
missing), writes of archives go through customers.services, sensitive fields show only to those who
may see them, files are linked to the access-checked download view (MEDIA is not served), every
export and every non-owner read of an archive is logged.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from import_export.forms import ExportForm
from simple_history.admin import SimpleHistoryAdmin

from crm.exceptions import ApplicationError
from crm.forms_base import apply_service_error
from crm.lists import NamedListAdmin
from crm.roles import has_role
from customers.access_requests import access_grant_revoke
from customers.card_sections import (
    COMPETITOR_FIELDS,
    CONTACT_FIELDS,
    competitor_create,
    competitor_delete,
    competitor_update,
    contact_create,
    contact_deactivate,
    contact_update,
    document_create,
    document_delete,
    interaction_create,
    library_document_confirm,
    library_document_create,
)
from customers.exports import export_log
from customers.models import (
    AccessGrant,
    AccessLog,
    AccessRequest,
    AccessRequestLog,
    BusinessRecord,
    Competitor,
    Contact,
    Customer,
    CustomerDocument,
    CustomerNature,
    ImportJob,
    Industry,
    Interaction,
    LibraryDocument,
    OwnerChange,
    RefreshTask,
    Region,
    Route,
    SectionSource,
)
from customers.policies import (
    EMERGENCY_READ_MAX_HOURS,
    FILING_ROLES,
    can_edit_customer,
    can_emergency_read,
    can_export,
    can_file_archive,
    can_import,
    can_review_logs,
    can_see_financials,
    can_see_sensitive_personal,
    handover_candidates,
    is_archive_keeper,
    owner_candidates,
)
from customers.resources import ContactResource, CustomerResource
from customers.selectors import customer_access_q, customers_visible_to
from customers.services import (
    PROTECTED_FIELDS,
    access_grant_emergency,
    customer_create,
    customer_deactivate,
    customer_handover,
    customer_mark_checked,
    customer_reactivate,
    customer_update,
)
from customers.views.common import file_name, log_read

# FileFields never render a link to MEDIA (which is not served); files are reached through
# the access-checked download views instead.
PRIVATE_FILES = {models.FileField: {"widget": forms.FileInput}}


def _reverse_or_empty(name: str, args: list) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # the download views live in another module; absent until it is installed
        return ""


def document_download_link(document: CustomerDocument) -> str:
    url = _reverse_or_empty("customers:document_download", [document.customer_id, document.pk])
    name = file_name(document.file)
    if not name:
        return "—"
    return format_html('<a href="{}">{}</a>', url, name) if url else name


class PermittedAutocompleteMixin:
    """Autocomplete widgets only for related models whose admin the user may view (the JSON view
    answers 403 otherwise); the others fall back to plain selects."""

    def get_autocomplete_fields(self, request):
        permitted = []
        for name in super().get_autocomplete_fields(request):
            related_admin = self.admin_site._registry.get(self.model._meta.get_field(name).related_model)
            if related_admin is not None and related_admin.has_view_permission(request):
                permitted.append(name)
        return permitted


# --- Writes go through the services -------------------------------------------------------------------

SERVICE_ERRORS = (ApplicationError, ValidationError)


class _Refused(Exception):
    """A service refused a write of the change form; the errors wait on the request by form prefix."""


def _form_data(form, allowed, *, changed_only: bool) -> dict:
    names = form.changed_data if changed_only else list(form.cleaned_data)
    return {name: form.cleaned_data[name] for name in names if name in allowed and name in form.cleaned_data}


def _refusal_form(form_class, request):
    """The form class, showing beside its fields the errors a service gave on the first try (below)."""

    class RefusalForm(form_class):
        def clean(self):
            cleaned = super().clean()
            error = getattr(request, "_service_refusals", {}).get(self.prefix or "")
            if error is not None:
                apply_service_error(self, error)
            return cleaned

    RefusalForm.__name__ = form_class.__name__
    return RefusalForm


class Writer:
    """How the admin writes one model: through its services. A writer without `update` makes
    existing rows read-only; without `delete` they cannot be deleted."""

    create = None  # (request, form, customer) -> obj
    update = None  # (request, obj, form) -> obj
    delete = None  # (request, obj) -> None


class ContactWriter(Writer):
    @staticmethod
    def create(request, form, customer):
        return contact_create(customer=customer, user=request.user,
                              **_form_data(form, CONTACT_FIELDS, changed_only=False))

    @staticmethod
    def update(request, obj, form):
        return contact_update(contact=obj, user=request.user, change_reason=_("Edited in the admin"),
                              **_form_data(form, CONTACT_FIELDS, changed_only=True))

    @staticmethod
    def delete(request, obj):
        contact_deactivate(contact=obj, user=request.user, reason=_("Removed in the admin"))


class CompetitorWriter(Writer):
    @staticmethod
    def create(request, form, customer):
        return competitor_create(customer=customer, user=request.user,
                                 **_form_data(form, COMPETITOR_FIELDS, changed_only=False))

    @staticmethod
    def update(request, obj, form):
        return competitor_update(competitor=obj, user=request.user,
                                 **_form_data(form, COMPETITOR_FIELDS, changed_only=True))

    @staticmethod
    def delete(request, obj):
        competitor_delete(competitor=obj, user=request.user)


class DocumentWriter(Writer):
    @staticmethod
    def create(request, form, customer):
        data = form.cleaned_data
        return document_create(customer=customer, user=request.user, category=data.get("category") or "",
                               title=data.get("title") or "", file=data.get("file"), note=data.get("note") or "")

    @staticmethod
    def update(request, obj, form):
        raise ApplicationError(_("A filed document is not changed; delete it and file the new one."))

    @staticmethod
    def delete(request, obj):
        document_delete(document=obj, user=request.user)


class InteractionWriter(Writer):
    @staticmethod
    def create(request, form, customer):
        data = form.cleaned_data
        return interaction_create(customer=customer, user=request.user, kind=data.get("kind") or "",
                                  summary=data.get("summary") or "", date=data.get("date"),
                                  contact=data.get("contact"))


class LibraryWriter(Writer):
    @staticmethod
    def create(request, form, customer):
        data = form.cleaned_data
        document = library_document_create(user=request.user, title=data.get("title") or "",
                                           category=data.get("category") or "", file=data.get("file"),
                                           description=data.get("description") or "",
                                           keywords=data.get("keywords") or "")
        if data.get("is_confirmed"):
            document = library_document_confirm(document=document, user=request.user)
        return document

    @staticmethod
    def update(request, obj, form):
        if "is_confirmed" in form.changed_data:
            return library_document_confirm(document=obj, user=request.user,
                                            confirmed=form.cleaned_data["is_confirmed"])
        return obj


class ServiceWriteMixin:
    """Every write of this admin, its inlines included, goes through the services (customers.services,
    customers.card_sections): the same rules as the pages and the API. A refusal is shown as form
    errors beside the field it names, never a 500: the first try is rolled back with its transaction and
    the form is validated again with the services' errors (`_refusal_form`).

    `writer` writes the admin's own model; `inline_writers` maps an inline model to its writer."""

    writer: type[Writer] = Writer
    inline_writers: dict = {}

    def _refuse(self, request, form, error):
        request._service_refusals = {**getattr(request, "_service_refusals", {}), form.prefix or "": error}
        raise _Refused

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _Refused:
            # changeform_view's transaction is rolled back: nothing of the first try is kept.
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        return _refusal_form(super().get_form(request, obj, change=change, **kwargs), request)

    def get_formsets_with_inlines(self, request, obj=None):
        for formset, inline in super().get_formsets_with_inlines(request, obj):
            formset.form = _refusal_form(formset.form, request)
            yield formset, inline

    def has_change_permission(self, request, obj=None):
        if obj is not None and self.writer.update is None:
            return False
        return super().has_change_permission(request, obj)

    def has_add_permission(self, request, *args):
        return self.writer.create is not None and super().has_add_permission(request, *args)

    def has_delete_permission(self, request, obj=None):
        return self.writer.delete is not None and super().has_delete_permission(request, obj)

    def service_create(self, request, form):
        return self.writer.create(request, form, form.cleaned_data.get("customer"))

    def save_model(self, request, obj, form, change):
        try:
            saved = self.writer.update(request, obj, form) if change else self.service_create(request, form)
        except SERVICE_ERRORS as error:
            self._refuse(request, form, error)
        # The admin goes on with `obj` (log entry, inlines, redirect): make it the saved row.
        if saved is not None and saved is not obj:
            obj.__dict__.update(saved.__dict__)

    def delete_model(self, request, obj):
        self.writer.delete(request, obj)

    def delete_queryset(self, request, queryset):
        try:
            with transaction.atomic():
                for obj in queryset:
                    self.writer.delete(request, obj)
        except ApplicationError as error:
            self.message_user(request, str(error.message), messages.ERROR)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            with transaction.atomic():
                return super().delete_view(request, object_id, extra_context)
        except ApplicationError as error:
            self.message_user(request, str(error.message), messages.ERROR)
            return self.response_post_save_change(request, None)

    def save_formset(self, request, form, formset, change):
        writer = self.inline_writers.get(formset.model)
        if writer is None:  # a read-only inline
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            return
        customer = form.instance
        new, changed, deleted = [], [], []
        for inline_form in formset.forms:
            if formset.can_delete and formset._should_delete_form(inline_form):
                if inline_form.instance.pk is None:
                    continue
                action, args, bucket = writer.delete, (request, inline_form.instance), deleted
            elif not inline_form.has_changed():
                continue
            elif inline_form.instance.pk is None:
                action, args, bucket = writer.create, (request, inline_form, customer), new
            else:
                action, args, bucket = writer.update, (request, inline_form.instance, inline_form), changed
            if action is None:
                continue
            try:
                result = action(*args)
            except SERVICE_ERRORS as error:
                self._refuse(request, inline_form, error)
            if bucket is changed:
                changed.append((result, inline_form.changed_data))
            else:
                bucket.append(result if result is not None else inline_form.instance)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = new, changed, deleted


class ReadOnlyMixin:
    """Rows written elsewhere (by their own pages, workflows or the freight system): shown, never written here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Lists the admin keeps (SPEC §2.1: admin-editable) -------------------------------------------

admin.site.register(Industry, NamedListAdmin)
admin.site.register(Region, NamedListAdmin)
admin.site.register(CustomerNature, NamedListAdmin)


@admin.register(Route)
class RouteAdmin(admin.ModelAdmin):
    list_display = ("name", "region", "sequence")
    list_editable = ("sequence",)
    list_filter = ("region",)
    search_fields = ("name", "region__name")
    list_select_related = ("region",)


# --- Access rules shared by every admin of customer data ------------------------------------------

class ReadLogMixin:
    """Every read of an archive's page in the admin by someone who is not its owner is logged (SPEC §8):
    the change page of the archive or of a record of it, and their history."""

    def customer_of(self, obj):
        return obj

    def log_read(self, request, obj, detail: str = "") -> None:
        customer = self.customer_of(obj) if obj is not None else None
        if customer is not None:
            log_read(request, customer, detail, channel=AccessLog.Channel.ADMIN)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if object_id:
            obj = self.get_object(request, unquote(object_id))
            if obj is None:
                # An archive (or a record of one) the user may not read: 404 as on the pages, not the admin's
                # redirect to its index with a "does not exist" message.
                raise Http404
            if request.method == "GET":
                self.log_read(request, obj, "" if obj is self.customer_of(obj) else self.model._meta.model_name)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404
        return super().delete_view(request, object_id, extra_context)


class VisibleHistoryMixin(ReadLogMixin):
    """django-simple-history's pages, narrowed: the history of an archive one may not read is
    missing; it is shown only to those who may see every field it may contain; no revert (writes go
    through the services)."""

    def may_see_history(self, request, obj) -> bool:
        return True

    def _history_object(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if not self.may_see_history(request, obj):
            raise PermissionDenied
        return obj

    def history_view(self, request, object_id, extra_context=None):
        self.log_read(request, self._history_object(request, object_id), "history")
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._history_object(request, object_id)
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True


class CustomerChildAdmin(ServiceWriteMixin, ReadLogMixin, PermittedAutocompleteMixin, admin.ModelAdmin):
    """Admin of a model that belongs to one customer: rows of readable archives only; a customer
    may be chosen only among readable ones; rows are written by the model's services (`writer`), which
    refuse those who may not edit the archive; the customer of a row is not changed."""

    customer_field = "customer"
    formfield_overrides = PRIVATE_FILES

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if customer_access_q(request.user) is None:
            return queryset
        return queryset.filter(**{f"{self.customer_field}__in": customers_visible_to(request.user).values("pk")})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if db_field.name == self.customer_field:
            kwargs["queryset"] = customers_visible_to(request.user, include_inactive=False)
        elif related is not Customer and any(f.name == "customer" for f in related._meta.fields):
            # A plain select of another customer's records (a contact, say) lists readable archives' only.
            queryset = related._default_manager.all()
            if customer_access_q(request.user) is not None:
                queryset = queryset.filter(customer__in=customers_visible_to(request.user).values("pk"))
            kwargs["queryset"] = queryset
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def customer_of(self, obj):
        return getattr(obj, self.customer_field, None) if obj is not None else None

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or can_edit_customer(request.user, self.customer_of(obj))

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or can_edit_customer(request.user, self.customer_of(obj))

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        return readonly + (self.customer_field,) if obj is not None else readonly


# --- Customer archives -----------------------------------------------------------------------------

class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    show_change_link = True
    BASE_FIELDS = ("name", "title", "department", "phone", "email", "is_primary", "is_decision_maker")

    def get_fields(self, request, obj=None):
        if obj is not None and can_see_sensitive_personal(request.user, obj):
            return self.BASE_FIELDS + ("mobile", "birth_date", "home_address", "hobbies")
        return self.BASE_FIELDS

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and (obj is None or can_edit_customer(request.user, obj))

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or can_edit_customer(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or can_edit_customer(request.user, obj))


class CompetitorInline(ContactInline):
    model = Competitor
    show_change_link = False

    def get_fields(self, request, obj=None):
        return ("name", "nature", "goods_supplied", "volume", "share", "price_level", "sales_situation")


class DocumentInline(ContactInline):
    model = CustomerDocument
    show_change_link = False
    formfield_overrides = PRIVATE_FILES
    readonly_fields = ("download", "uploaded_by", "created_at")

    def get_fields(self, request, obj=None):
        if obj is not None and can_edit_customer(request.user, obj):
            return ("category", "title", "file", "download", "note", "uploaded_by", "created_at")
        # Read-only rows would render the file as a MEDIA link: show the checked download link only.
        return ("category", "title", "download", "note", "uploaded_by", "created_at")

    @admin.display(description=gettext_lazy("download"))
    def download(self, obj):
        return document_download_link(obj) if obj.pk else "—"


class OwnerChangeInline(admin.TabularInline):
    """The owner history (客户专管员动态表), read-only: owners change by handover."""

    model = OwnerChange
    fk_name = "customer"
    extra = 0
    can_delete = False
    fields = ("changed_at", "from_user", "to_user", "reason", "handover_note", "changed_by", "files_received_by")
    readonly_fields = fields
    ordering = ("-changed_at", "-id")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class HandoverForm(forms.Form):
    to_user = forms.ModelChoiceField(
        label=gettext_lazy("New owner"),
        queryset=handover_candidates())
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)
    note = forms.CharField(label=gettext_lazy("Handover note"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))


class EmergencyReadForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Customer code"), max_length=40)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=250,
                             help_text=gettext_lazy("The ticket or incident that needs the archive."))
    hours = forms.IntegerField(label=gettext_lazy("Hours"), min_value=1, max_value=EMERGENCY_READ_MAX_HOURS,
                               initial=4)


class RetireForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)


FINANCIAL_FIELDS = Customer.SENSITIVE_FINANCIAL_FIELDS


class CustomerWriter(Writer):
    @staticmethod
    def create(request, form, customer):
        fields = {name: value for name, value in form.cleaned_data.items()
                  if name not in PROTECTED_FIELDS and name != "team"}
        return customer_create(user=request.user, owner=form.cleaned_data.get("owner") or request.user,
                               team=form.cleaned_data.get("team"), **fields)

    @staticmethod
    def update(request, obj, form):
        data = {name: form.cleaned_data[name] for name in form.changed_data
                if name in form.cleaned_data and name not in PROTECTED_FIELDS}
        return customer_update(customer=obj, user=request.user, change_reason=_("Edited in the admin"), **data)


@admin.register(Customer)
class CustomerAdmin(ServiceWriteMixin, ImportExportMixin, VisibleHistoryMixin, PermittedAutocompleteMixin,
                    SimpleHistoryAdmin):
    writer = CustomerWriter
    inline_writers = {Contact: ContactWriter, Competitor: CompetitorWriter, CustomerDocument: DocumentWriter}
    resource_classes = [CustomerResource]
    formats = [base_formats.CSV, base_formats.XLSX]
    export_form_class = ExportForm
    to_encoding = "utf-8-sig"  # a BOM, so that Excel reads Chinese correctly
    list_display = ("code", "name", "stage", "tier", "credit_grade", "region", "industry", "owner", "team",
                    "is_checked", "is_active")
    list_display_links = ("code", "name")
    list_filter = ("stage", "tier", "credit_grade", "ownership", "nature", "location_type", "region", "industry",
                   "is_checked", "is_active", "churn_risk")
    search_fields = ("name", "short_name", "code", "credit_code", "phone")
    list_select_related = ("owner", "team", "region", "industry")
    autocomplete_fields = ("owner", "team", "industry", "nature", "region", "route")
    list_per_page = 50
    inlines = [ContactInline, CompetitorInline, DocumentInline, OwnerChangeInline]
    actions = ["handover_action", "mark_checked_action", "retire_action", "reactivate_action"]
    fieldsets = (
        (gettext_lazy("Identity"), {"fields": (
            "code", "name", "short_name", "credit_code", "legal_representative", "address", "postcode", "phone",
            "fax", "email", "website")}),
        (gettext_lazy("Classification"), {"fields": (
            "stage", "lost_reason", "industry", "ownership", "nature", "location_type", "region", "route")}),
        (gettext_lazy("Business profile"), {"classes": ("collapse",), "fields": (
            "founded_on", "first_trade_on", "organisation_form", "business_scope", "employees", "service_area",
            "sales_capability", "development_potential", "business_philosophy", "management_characteristics",
            "purchasing_policy", "typical_usage", "technical_requirements")}),
        (gettext_lazy("Logistics profile"), {"classes": ("collapse",), "fields": (
            "main_goods", "goods_specification", "packaging", "typical_volume", "origin_place",
            "destination_place", "has_trade_rights", "customs_domestic", "clearance_foreign",
            "transport_domestic", "transport_foreign", "loading_unloading", "service_needs")}),
        (gettext_lazy("Financial"), {"classes": ("collapse",), "fields": FINANCIAL_FIELDS}),
        (gettext_lazy("Our figures"), {"classes": ("collapse",), "fields": (
            "our_goods", "our_volume", "our_share", "our_price_level", "our_sales_situation")}),
        (gettext_lazy("Key account and credit"), {"fields": (
            "tier", "annual_revenue_target", "credit_grade", "churn_risk")}),
        (gettext_lazy("Owner and provenance"), {"fields": (
            "owner", "team", "source", "is_checked", "checked_by", "checked_at", "last_verified_on", "created_by")}),
        (gettext_lazy("Retirement"), {"classes": ("collapse",), "fields": (
            "is_active", "deactivated_at", "deactivation_reason")}),
    )
    # Set only by their own workflows (handover, key-account approval, credit grading, checking,
    # the yearly refresh, retirement).
    READ_ONLY = ("code", "tier", "annual_revenue_target", "credit_grade", "churn_risk", "is_checked", "checked_by",
                 "checked_at", "last_verified_on", "created_by", "is_active", "deactivated_at",
                 "deactivation_reason")

    # access

    def get_queryset(self, request):
        # The one rule of SPEC §8: changelist, change view, autocomplete, history and export all start here.
        return customers_visible_to(request.user).select_related("owner", "team", "region", "industry")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "owner":
            # The choices only: customer_create holds the rule (policies.can_assign_owner).
            kwargs["queryset"] = owner_candidates(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # The owner is given on creation; afterwards only the "hand over" action changes it.
        return self.READ_ONLY + (("owner",) if obj is not None else ())

    def get_fieldsets(self, request, obj=None):
        fieldsets = self.fieldsets
        if obj is not None and not can_see_financials(request.user, obj):
            fieldsets = tuple(fs for fs in fieldsets if fs[1]["fields"] is not FINANCIAL_FIELDS)
        return fieldsets

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or can_edit_customer(request.user, obj)

    def has_add_permission(self, request):
        # The button only: customer_create holds the rule.
        return can_file_archive(request.user) and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        # Archives are retired, never deleted (SPEC §2.1).
        return False

    def has_handover_permission(self, request):
        return is_archive_keeper(request.user)

    def has_import_permission(self, request):
        return can_import(request.user)

    def has_export_permission(self, request):
        return can_export(request.user)

    def may_see_history(self, request, obj) -> bool:
        # The history shows every field's old values, financial ones included.
        return can_see_financials(request.user, obj)

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {"user": request.user}

    def get_export_data(self, file_format, request, queryset, **kwargs):
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        export_log(user=request.user, kind="customers", count=queryset.count(), filters=request.GET,
                   request=request, channel=AccessLog.Channel.ADMIN)
        return data

    # writes go through the services (CustomerWriter, ServiceWriteMixin)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("owner", request.user.pk)
        return initial

    # actions

    def _intermediate(self, request, queryset, form, title, action):
        context = {**self.admin_site.each_context(request), "title": title, "form": form, "customers": queryset,
                   "action": action, "opts": self.model._meta,
                   "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME}
        return TemplateResponse(request, "admin/customers/customer/action_form.html", context)

    def _run(self, request, work, success: str):
        """Apply `work` to every selected archive in one transaction: all or none."""
        try:
            with transaction.atomic():
                count = work()
        except ApplicationError as exc:
            self.message_user(request, str(exc.message), messages.ERROR)
            return
        except ValidationError as exc:
            self.message_user(request, "; ".join(exc.messages), messages.ERROR)
            return
        self.message_user(request, success % {"count": count}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Hand the selected archives over to a new owner"),
                  permissions=["handover"])
    def handover_action(self, request, queryset):
        form = HandoverForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return self._intermediate(request, queryset, form, _("Hand archives over"), "handover_action")

        def work():
            for customer in queryset:
                customer_handover(customer=customer, to_user=form.cleaned_data["to_user"], user=request.user,
                                  reason=form.cleaned_data["reason"], note=form.cleaned_data["note"])
            return len(queryset)

        self._run(request, work, _("%(count)d archives handed over."))
        return None

    @admin.action(description=gettext_lazy("Mark the selected archives as checked"), permissions=["handover"])
    def mark_checked_action(self, request, queryset):
        def work():
            for customer in queryset:
                customer_mark_checked(customer=customer, user=request.user)
            return len(queryset)

        self._run(request, work, _("%(count)d archives marked as checked."))

    @admin.action(description=gettext_lazy("Retire the selected archives"), permissions=["change"])
    def retire_action(self, request, queryset):
        form = RetireForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return self._intermediate(request, queryset, form, _("Retire archives"), "retire_action")

        def work():
            for customer in queryset.filter(is_active=True):
                customer_deactivate(customer=customer, user=request.user, reason=form.cleaned_data["reason"])
            return queryset.count()

        self._run(request, work, _("%(count)d archives retired."))
        return None

    @admin.action(description=gettext_lazy("Reactivate the selected archives"), permissions=["change"])
    def reactivate_action(self, request, queryset):
        def work():
            for customer in queryset.filter(is_active=False):
                customer_reactivate(customer=customer, user=request.user)
            return queryset.count()

        self._run(request, work, _("%(count)d archives reactivated."))


# --- Records that belong to an archive ------------------------------------------------------------

@admin.register(Contact)
class ContactAdmin(ImportExportMixin, VisibleHistoryMixin, CustomerChildAdmin, SimpleHistoryAdmin):
    writer = ContactWriter
    resource_classes = [ContactResource]
    formats = [base_formats.CSV, base_formats.XLSX]
    export_form_class = ExportForm
    to_encoding = "utf-8-sig"
    list_display = ("name", "customer", "title", "department", "phone", "is_primary", "is_decision_maker", "is_active")
    list_filter = ("is_primary", "is_decision_maker", "is_active")
    search_fields = ("name", "phone", "email", "customer__name", "customer__code")
    list_select_related = ("customer",)
    autocomplete_fields = ("customer",)

    def get_exclude(self, request, obj=None):
        if obj is not None and not can_see_sensitive_personal(request.user, obj.customer):
            return Contact.SENSITIVE_FIELDS
        if obj is None and not has_role(request.user, *FILING_ROLES):
            return Contact.SENSITIVE_FIELDS
        return ()

    def get_fields(self, request, obj=None):
        excluded = set(self.get_exclude(request, obj))
        return [name for name in super().get_fields(request, obj) if name not in excluded]

    def may_see_history(self, request, obj) -> bool:
        return can_see_sensitive_personal(request.user, obj.customer)

    def has_import_permission(self, request):
        return can_import(request.user)

    def has_export_permission(self, request):
        return can_export(request.user)

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {"user": request.user}

    def get_export_data(self, file_format, request, queryset, **kwargs):
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        export_log(user=request.user, kind="contacts", count=queryset.count(), filters=request.GET,
                   request=request, channel=AccessLog.Channel.ADMIN)
        return data


@admin.register(Competitor)
class CompetitorAdmin(CustomerChildAdmin):
    writer = CompetitorWriter
    list_display = ("name", "customer", "share", "price_level")
    search_fields = ("name", "customer__name")
    list_select_related = ("customer",)
    autocomplete_fields = ("customer",)


@admin.register(CustomerDocument)
class CustomerDocumentAdmin(CustomerChildAdmin):
    class writer(DocumentWriter):  # noqa: N801  (filed documents are added and deleted, not changed)
        update = None

    list_display = ("title", "customer", "category", "download", "uploaded_by", "created_at")
    list_filter = ("category",)
    search_fields = ("title", "note", "customer__name", "customer__code")
    list_select_related = ("customer", "uploaded_by")
    autocomplete_fields = ("customer",)
    readonly_fields = ("download", "uploaded_by", "created_at")

    @admin.display(description=gettext_lazy("download"))
    def download(self, obj):
        return document_download_link(obj)

    def get_fields(self, request, obj=None):
        fields = ["customer", "category", "title", "file", "download", "note", "uploaded_by", "created_at"]
        if obj is not None and not self.has_change_permission(request, obj):
            fields.remove("file")  # a read-only file renders as a MEDIA link
        return fields


@admin.register(Interaction)
class InteractionAdmin(CustomerChildAdmin):
    """Interactions are logged, not edited: added through interaction_create (our side is the user)."""

    writer = InteractionWriter
    exclude = ("user",)
    list_display = ("date", "customer", "kind", "user", "summary")
    list_filter = ("kind",)
    date_hierarchy = "date"
    search_fields = ("summary", "customer__name")
    list_select_related = ("customer", "user")
    autocomplete_fields = ("customer", "contact")


@admin.register(SectionSource)
class SectionSourceAdmin(ReadOnlyMixin, CustomerChildAdmin):
    """Recorded on the card's data-sources page (section_sources_update, with the check-mark rule)."""

    list_display = ("customer", "section", "source", "is_checked", "checked_by", "checked_at")
    list_filter = ("section", "source", "is_checked")
    search_fields = ("customer__name",)
    autocomplete_fields = ("customer",)
    readonly_fields = ("checked_by", "checked_at")


@admin.register(OwnerChange)
class OwnerChangeAdmin(ReadOnlyMixin, CustomerChildAdmin):
    list_display = ("changed_at", "customer", "from_user", "to_user", "reason", "changed_by", "files_received_by")
    search_fields = ("customer__name", "customer__code", "reason")
    date_hierarchy = "changed_at"
    list_select_related = ("customer", "from_user", "to_user", "changed_by", "files_received_by")


class AccessRequestLogInline(admin.TabularInline):
    """The steps of a request, as its page's timeline shows them: read-only."""

    model = AccessRequestLog
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "actor", "action", "from_state", "to_state", "comment")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AccessRequest)
class AccessRequestAdmin(ReadOnlyMixin, CustomerChildAdmin):
    """Decided on the access-request page, by the owner's department head. Requests naming no archive
    (recorded alike so that the requester cannot tell, customers/access_requests.py) are not listed here."""

    list_display = ("created_at", "customer", "target_label", "requester", "status", "decided_by", "decided_at")
    list_filter = ("status",)
    search_fields = ("customer__name", "requester__username")
    list_select_related = ("customer", "requester", "decided_by")
    inlines = [AccessRequestLogInline]


@admin.register(AccessGrant)
class AccessGrantAdmin(ReadOnlyMixin, CustomerChildAdmin):
    list_display = ("customer", "user", "granted_by", "expires_at", "revoked_at")
    search_fields = ("customer__name", "user__username")
    list_select_related = ("customer", "user", "granted_by")
    actions = ["revoke_action"]

    @admin.action(description=gettext_lazy("Revoke the selected grants"), permissions=["view"])
    def revoke_action(self, request, queryset):
        try:
            with transaction.atomic():
                for grant in queryset.filter(revoked_at__isnull=True).select_related("customer__owner"):
                    access_grant_revoke(grant=grant, user=request.user)
        except ApplicationError as exc:
            self.message_user(request, str(exc.message), messages.ERROR)
            return
        self.message_user(request, _("The grants are revoked."), messages.SUCCESS)

    # The IT admin's break-glass read (SPEC §8): logged, short, announced to the GM.

    def get_urls(self):
        view = self.admin_site.admin_view(self.emergency_read_view)
        return [path("emergency-read/", view, name="customers_accessgrant_emergency_read"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "may_emergency_read": can_emergency_read(request.user)}
        return super().changelist_view(request, extra_context)

    def emergency_read_view(self, request):
        if not can_emergency_read(request.user):
            raise PermissionDenied
        form = EmergencyReadForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            customer = Customer.objects.filter(code=form.cleaned_data["code"].strip().upper()).first()
            if customer is None:
                form.add_error("code", _("No archive has this code."))
            else:
                try:
                    grant = access_grant_emergency(customer=customer, user=request.user,
                                                   reason=form.cleaned_data["reason"],
                                                   hours=form.cleaned_data["hours"], request=request)
                except ApplicationError as error:
                    apply_service_error(form, error)
                else:
                    self.message_user(request, _("Emergency read of %(code)s until %(end)s; it is logged.") % {
                        "code": customer.code, "end": timezone.localtime(grant.expires_at).strftime("%Y-%m-%d %H:%M")},
                        messages.WARNING)
                    return redirect("admin:customers_customer_change", customer.pk)
        context = {**self.admin_site.each_context(request), "title": _("Emergency read"), "form": form,
                   "opts": self.model._meta}
        return TemplateResponse(request, "admin/customers/accessgrant/emergency_read.html", context)


@admin.register(RefreshTask)
class RefreshTaskAdmin(ReadOnlyMixin, CustomerChildAdmin):
    list_display = ("customer", "owner", "due_on", "status", "completed_by", "completed_at")
    list_filter = ("status",)
    search_fields = ("customer__name", "owner__username")
    list_select_related = ("customer", "owner", "completed_by")


@admin.register(BusinessRecord)
class BusinessRecordAdmin(ReadOnlyMixin, CustomerChildAdmin):
    """Written by the freight system and the upload page (customers.business_records), by their rules."""

    list_display = ("date", "customer", "external_id", "contract_no", "service_type", "amount", "paid_amount",
                    "due_date", "paid_date")
    list_filter = ("service_type",)
    date_hierarchy = "date"
    search_fields = ("external_id", "contract_no", "goods", "customer__name", "customer__code")
    list_select_related = ("customer",)
    autocomplete_fields = ("customer",)


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Reviewed by the GM and admins only (SPEC §8)."""

    list_display = ("at", "user", "customer", "action", "channel", "ip_address", "detail")
    list_filter = ("action", "channel")
    search_fields = ("user__username", "customer__name", "customer__code", "detail")
    date_hierarchy = "at"
    list_select_related = ("user", "customer")

    def has_view_permission(self, request, obj=None):
        return can_review_logs(request.user) and request.user.is_staff

    def has_module_permission(self, request):
        return self.has_view_permission(request)


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("created_at", "kind", "user", "status", "total_rows", "created_count", "updated_count")
    list_filter = ("kind", "status")
    fields = ("kind", "user", "status", "filename", "total_rows", "processed_rows", "created_count",
              "updated_count", "errors", "created_at")
    readonly_fields = fields
    list_select_related = ("user",)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        # A job's file and errors hold archive data: each user sees their own (the IT admin reads no archive).
        return queryset.filter(user=request.user)

    @admin.display(description=gettext_lazy("file"))
    def filename(self, obj):
        return file_name(obj.file)


@admin.register(LibraryDocument)
class LibraryDocumentAdmin(ServiceWriteMixin, admin.ModelAdmin):
    """Added through library_document_create (upload rules), confirmed through library_document_confirm;
    otherwise a filed document is kept as it is."""

    writer = LibraryWriter
    list_display = ("title", "category", "is_confirmed", "uploaded_by", "created_at")
    list_filter = ("category", "is_confirmed")
    search_fields = ("title", "description", "keywords")
    formfield_overrides = PRIVATE_FILES
    readonly_fields = ("filename", "confirmed_by", "uploaded_by", "created_at")

    @admin.display(description=gettext_lazy("file"))
    def filename(self, obj):
        return file_name(obj.file)

    def get_fields(self, request, obj=None):
        fields = ["title", "category", "description", "keywords", "file", "filename", "is_confirmed",
                  "confirmed_by", "uploaded_by", "created_at"]
        if obj is not None:
            fields.remove("file")  # kept as filed; a read-only file would render as a MEDIA link
        return fields

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        return readonly + ("title", "category", "description", "keywords") if obj is not None else readonly


from customers.key_accounts import admin as key_account_admin  # noqa: E402, F401  (registers its admins)
