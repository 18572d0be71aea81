"""Admin of complaints: the routing rules and departments are edited here; complaints are read-only (their
steps are taken on their pages and through the API, by the workflow's service)."""

from django.contrib import admin

from complaints.models import Complaint, ComplaintDepartment, ComplaintLog, Penalty, RoutingRule
from complaints.selectors import complaints_visible_to
from crm.admin_kit import ReadOnlyMixin
from crm.lists import NamedListAdmin


@admin.register(ComplaintDepartment)
class ComplaintDepartmentAdmin(NamedListAdmin):
    list_display = ("name", "is_external", "sort_order", "is_active")
    list_editable = ("is_external", "sort_order", "is_active")


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("subject", "department")


class ComplaintLogInline(ReadOnlyMixin, admin.TabularInline):
    model = ComplaintLog
    extra = 0
    fields = ("at", "actor", "action", "from_state", "to_state", "comment")
    readonly_fields = fields
    can_delete = False


class PenaltyInline(ReadOnlyMixin, admin.TabularInline):
    model = Penalty
    extra = 0
    readonly_fields = ("person", "amount", "reason")
    can_delete = False


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("pk", "customer", "subject", "state", "received_at", "reply_due_at", "implement_due_at")
    list_filter = ("state", "subject", "channel", "department")
    search_fields = ("customer__name", "customer__code", "shipment_no")
    inlines = [PenaltyInline, ComplaintLogInline]

    def get_queryset(self, request):
        return complaints_visible_to(request.user)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]
