from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from crm.api.tokens import tokens_revoke_for
from crm.models import CalendarDay, Notification, NumericRule, Team, User
from crm.rules import RULES, check_rule_value, rule_choices


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = DjangoUserAdmin.fieldsets + ((_("CRM"), {"fields": ("language", "phone")}),)
    list_display = ("username", "first_name", "last_name", "email", "is_active", "is_staff", "roles")
    list_filter = ("is_active", "is_staff", "groups", "teams")
    actions = ["revoke_api_tokens"]

    @admin.display(description=_("roles"))
    def roles(self, obj):
        return ", ".join(g.name for g in obj.groups.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.action(description=_("Revoke API tokens (e.g. of an integration)"), permissions=["change"])
    def revoke_api_tokens(self, request, queryset):
        count = tokens_revoke_for(queryset)
        self.message_user(request, ngettext("%(count)d API token revoked.", "%(count)d API tokens revoked.", count)
                          % {"count": count}, messages.SUCCESS)


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
    """Staff see who was notified and whether it was read or e-mailed; what a notification says (an
    archive's name, an access request) only when it is their own: it may name an archive they may not read."""

    PRIVATE_FIELDS = ("title", "body", "url", "dedupe_key")
    list_display = ("shown_title", "recipient", "created_at", "read_at", "email_status", "emailed_at")
    list_filter = ("read_at", "email_status")
    search_fields = ("recipient__username",)  # a search by title would tell which archives were named
    raw_id_fields = ("recipient",)

    def get_queryset(self, request):
        mine = ExpressionWrapper(Q(recipient_id=request.user.pk), output_field=BooleanField())
        return super().get_queryset(request).annotate(is_mine=mine)

    @admin.display(description=_("title"))
    def shown_title(self, obj):
        return obj.title if getattr(obj, "is_mine", False) else _("(addressed to someone else)")

    def get_exclude(self, request, obj=None):
        if obj is not None and obj.recipient_id != request.user.pk:
            return self.PRIVATE_FIELDS
        return super().get_exclude(request, obj)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None and obj.recipient_id != request.user.pk:
            obj.title = str(_("(addressed to someone else)"))  # the page's title and breadcrumbs; never saved
        return obj

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.recipient_id != request.user.pk:
            return False  # read-only: the object shown carries a masked title
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.recipient_id != request.user.pk:
            return False
        return super().has_delete_permission(request, obj)


class NumericRuleForm(forms.ModelForm):
    key = forms.ChoiceField(label=_("rule"), choices=rule_choices)

    class Meta:
        model = NumericRule
        fields = ("key", "value", "note")

    def clean(self):
        data = super().clean()
        try:
            check_rule_value(data.get("key", ""), data.get("value"))
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    self.add_error(field, message)
        return data


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
