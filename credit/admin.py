"""Admin of the credit app. The scoring model's indicators and weights are the admin's to edit; grades,
records, investigations and overrides are shown read-only, narrowed like every other door to those who
may see credit details (SPEC §8), and written through the credit services: a record added here is entered
by credit.services.credit_record_create (crm.admin_kit's ServiceWriteMixin: a refusal shows beside the
field it names)."""

from django.contrib import admin

from credit.models import (
    CreditIndicator,
    CreditInvestigation,
    CreditOverride,
    CreditRating,
    CreditRecord,
    CreditReservation,
)
from credit.policies import can_grade, credit_details_q
from credit.services import credit_record_create
from crm.admin_kit import ReadOnlyMixin, ServiceWriteMixin, Writer


@admin.register(CreditIndicator)
class CreditIndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "weight", "enabled", "sort_order"]
    list_editable = ["weight", "enabled", "sort_order"]
    list_filter = ["enabled"]

    def has_delete_permission(self, request, obj=None):
        return False  # switch an indicator off instead: past ratings keep naming it


class _CreditDetails(ReadOnlyMixin, admin.ModelAdmin):
    list_select_related = ["customer"]
    search_fields = ["customer__name", "customer__code"]
    autocomplete_fields = ["customer"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        q = credit_details_q(request.user)
        return qs if q is None else qs.filter(q)


@admin.register(CreditRating)
class CreditRatingAdmin(_CreditDetails):
    list_display = ["customer", "grade", "proposed_grade", "score", "credit_limit", "grace_days", "rated_by",
                    "rated_at"]
    list_filter = ["grade", "proposed_grade"]
    date_hierarchy = "rated_at"


class CreditRecordWriter(Writer):
    """Records are entered (by credit_record_create, its rules and its entry date), never changed here."""

    @staticmethod
    def create(request, form, customer):
        data = form.cleaned_data
        return credit_record_create(customer=customer, user=request.user, kind=data["kind"],
                                    severity=data.get("severity") or "", event_date=data["event_date"],
                                    title=data["title"], description=data.get("description") or "",
                                    source=data.get("source") or "")


@admin.register(CreditRecord)
class CreditRecordAdmin(ServiceWriteMixin, _CreditDetails):
    writer = CreditRecordWriter
    parent_field = "customer"
    list_display = ["customer", "kind", "severity", "event_date", "entered_on", "title", "entered_by"]
    list_filter = ["kind", "severity"]
    fields = ["customer", "kind", "severity", "event_date", "title", "description", "source"]

    def has_add_permission(self, request):
        return can_grade(request.user)


@admin.register(CreditInvestigation)
class CreditInvestigationAdmin(_CreditDetails):
    list_display = ["customer", "investigated_on", "subject", "agency", "investigated_by"]
    exclude = ["report"]  # the file is served by the credit page's door, to financial readers only


@admin.register(CreditOverride)
class CreditOverrideAdmin(_CreditDetails):
    list_display = ["customer", "amount", "status", "requested_by", "approved_by", "expires_at", "consumed_at"]
    list_filter = ["status"]


@admin.register(CreditReservation)
class CreditReservationAdmin(_CreditDetails):
    list_display = ["customer", "amount", "shipment_ref", "created_at", "expires_at", "checked_by"]
