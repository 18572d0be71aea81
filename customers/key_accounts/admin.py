"""Admin of key accounts: the thresholds per year are edited here; applications are read-only (they are
decided on their pages and through the API, by the workflow's service)."""

from django.contrib import admin

from customers.key_accounts.models import (
    KeyAccountApplication,
    KeyAccountApplicationLog,
    KeyAccountThreshold,
    ServicePlan,
    TierStrategy,
)
from customers.key_accounts.selectors import applications_visible_to


@admin.register(KeyAccountThreshold)
class KeyAccountThresholdAdmin(admin.ModelAdmin):
    list_display = ("year", "tier_a", "tier_b", "tier_c", "tier_d")


class ApplicationLogInline(admin.TabularInline):
    model = KeyAccountApplicationLog
    extra = 0
    fields = ("at", "actor", "action", "from_state", "to_state", "comment")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(KeyAccountApplication)
class KeyAccountApplicationAdmin(admin.ModelAdmin):
    list_display = ("customer", "kind", "year", "annual_revenue_target", "proposed_tier", "status", "created_at")
    list_filter = ("status", "kind", "year", "proposed_tier")
    search_fields = ("customer__name", "customer__code")
    inlines = [ApplicationLogInline]

    def get_queryset(self, request):
        return applications_visible_to(request.user)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TierStrategy)
class TierStrategyAdmin(admin.ModelAdmin):
    """The key-account strategy table (大客户对策一览表)."""

    list_display = ("tier", "strategy", "service_focus")


@admin.register(ServicePlan)
class ServicePlanAdmin(admin.ModelAdmin):
    """Read-only here: plans are written on the card, by the service that checks who may edit the archive."""

    list_display = ("customer", "on_call_24h", "door_to_door", "green_channel", "green_channel_until", "updated_at")
    search_fields = ("customer__name", "customer__code")

    def get_queryset(self, request):
        from customers.selectors import customers_visible_to

        return super().get_queryset(request).filter(customer__in=customers_visible_to(request.user).values("pk"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
