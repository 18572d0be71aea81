from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from crm.models import CalendarDay, Notification, NumericRule, Team, User
from crm.rules import RULES, rule_choices


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


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """The company calendar: days off and extra working days on top of the statutory calendar, and the
    whole schedule of a year the calendar library does not know yet."""

    list_display = ("date", "kind", "reason")
    list_filter = ("kind",)
    date_hierarchy = "date"
    search_fields = ("reason",)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "recipient", "created_at", "read_at")
    list_filter = ("read_at",)
    search_fields = ("title", "recipient__username")
    raw_id_fields = ("recipient",)


class NumericRuleForm(forms.ModelForm):
    key = forms.ChoiceField(label=_("rule"), choices=rule_choices)

    class Meta:
        model = NumericRule
        fields = ("key", "value", "note")


@admin.register(NumericRule)
class NumericRuleAdmin(admin.ModelAdmin):
    """The admin's values for the numbers the apps register (crm.rules); a rule without a row keeps
    its default, shown beside each value."""

    form = NumericRuleForm
    list_display = ("key", "label", "value", "default", "updated_at")
    search_fields = ("key", "note")

    @admin.display(description=_("what it sets"))
    def label(self, obj):
        spec = RULES.get(obj.key)
        return spec.label if spec else "–"

    @admin.display(description=_("default"))
    def default(self, obj):
        from crm.rules import rule_default

        return rule_default(obj.key) if obj.key in RULES else "–"
