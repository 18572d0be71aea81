"""The Django admin of the customers app.

The admin is one more door, so the rules of SPEC §8 hold here too: every queryset starts from the
archive's read rule (a staff user sees only the archives they may read; anything else answers as
missing), writes go through customers.services and customers.card_sections (crm.admin_kit's
ServiceWriteMixin and the writers below), sensitive fields show only to those who may see them, files
are linked to the access-checked download view (MEDIA is not served), every export and every non-owner
read of an archive is logged. The generic pieces are crm.admin_kit's; this module adds the archive's
rule (CustomerChildAdmin) and its read log (CustomerReadLogMixin).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
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

from crm.admin_kit import (
    PRIVATE_FILES,
    AccessRuledChildAdmin,
    PermittedAutocompleteMixin,
    ReadOnlyMixin,
    ServiceWriteMixin,
    VisibleHistoryMixin,
    Writer,
    form_data,
)
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
    customer_access_q,
    handover_candidates,
    is_archive_keeper,
    owner_candidates,
)
from customers.resources import ContactResource, CustomerResource
from customers.selectors import customers_visible_to
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


# --- Writes go through the services (crm.admin_kit's writers) ---------------------------------------

class ContactWriter(Writer):
    @staticmethod
    def create(request, form, customer):
        return contact_create(customer=customer, user=request.user,
                              **form_data(form, CONTACT_FIELDS, changed_only=False))

    @staticmethod
    def update(request, obj, form):
        return contact_update(contact=obj, user=request.user, change_reason=_("Edited in the admin"),
                              **form_data(form, CONTACT_FIELDS, changed_only=True))

    @staticmethod
    def delete(request, obj):
        contact_deactivate(contact=obj, user=request.user, reason=_("Removed in the admin"))


class CompetitorWriter(Writer):
    @staticmethod
    def create(request, form, customer):
        return competitor_create(customer=customer, user=request.user,
                                 **form_data(form, COMPETITOR_FIELDS, changed_only=False))

    @staticmethod
    def update(request, obj, form):
        return competitor_update(competitor=obj, user=request.user,
                                 **form_data(form, COMPETITOR_FIELDS, changed_only=True))

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

class CustomerReadLogMixin:
    """A read in the admin is a read of an archive: logged in the access log on the admin's channel
    (access_log_record skips the owner's own reads)."""

    def log_record_read(self, request, customer, detail: str) -> None:
        log_read(request, customer, detail, channel=AccessLog.Channel.ADMIN)


class CustomerChildAdmin(CustomerReadLogMixin, AccessRuledChildAdmin):
    """Admin of a model that belongs to one customer (crm.admin_kit's child admin under the archive's
    rule): rows of readable archives only; a customer chosen only among readable, active ones; rows
    written by the model's services (`writer`), which refuse those who may not edit the archive (the
    buttons follow can_edit_customer); the customer of a row is not changed."""

    parent_field = "customer"

    def readable_parent_q(self, user):
        return customer_access_q(user)

    def parent_choices(self, request):
        return customers_visible_to(request.user, include_inactive=False)

    def may_edit_parent(self, user, customer) -> bool:
        return can_edit_customer(user, customer)


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


class OwnerChangeInline(ReadOnlyMixin, admin.TabularInline):
    """The owner history (客户专管员动态表), read-only: owners change by handover."""

    model = OwnerChange
    fk_name = "customer"
    extra = 0
    can_delete = False
    fields = ("changed_at", "from_user", "to_user", "reason", "handover_note", "changed_by", "files_received_by")
    readonly_fields = fields
    ordering = ("-changed_at", "-id")


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
class CustomerAdmin(CustomerReadLogMixin, ServiceWriteMixin, ImportExportMixin, VisibleHistoryMixin,
                    PermittedAutocompleteMixin, SimpleHistoryAdmin):
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


class AccessRequestLogInline(ReadOnlyMixin, admin.TabularInline):
    """The steps of a request, as its page's timeline shows them: read-only."""

    model = AccessRequestLog
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "actor", "action", "from_state", "to_state", "comment")


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
    fields = ("kind", "user", "status", "filename", "total_rows", "processed_rows", "preview_figures",
              "confirmed_at", "created_count", "updated_count", "errors", "attempts", "created_at")
    readonly_fields = fields
    list_select_related = ("user",)

    @admin.display(description=gettext_lazy("preview"))
    def preview_figures(self, obj):
        """What the worker's check of a large file found (its first rows stay on the import's page)."""
        if not obj.preview:
            return "—"
        return _("%(created)d new, %(updated)d updated, %(unchanged)d unchanged, %(errors)d errors") % {
            "created": obj.preview.get("created", 0), "updated": obj.preview.get("updated", 0),
            "unchanged": obj.preview.get("unchanged", 0), "errors": obj.preview.get("error_count", 0)}

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
