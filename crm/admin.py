from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from crm.models import CompanyDayOff, Notification, Team, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = DjangoUserAdmin.fieldsets + ((_("CRM"), {"fields": ("language", "phone")}),)
    list_display = ("username", "first_name", "last_name", "email", "is_active", "is_staff", "roles")
    list_filter = ("is_active", "is_staff", "groups", "teams")

    @admin.display(description=_("roles"))
    def roles(self, obj):
        return ", ".join(g.name for g in obj.groups.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "head", "member_count")
    list_filter = ("kind",)
    search_fields = ("name",)
    autocomplete_fields = ("head",)
    filter_horizontal = ("members",)

    @admin.display(description=_("members"))
    def member_count(self, obj):
        return obj.members.count()


@admin.register(CompanyDayOff)
class CompanyDayOffAdmin(admin.ModelAdmin):
    list_display = ("date", "reason")
    date_hierarchy = "date"


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "recipient", "created_at", "read_at")
    list_filter = ("read_at",)
    search_fields = ("title", "recipient__username")
    raw_id_fields = ("recipient",)
