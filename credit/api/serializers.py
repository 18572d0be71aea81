"""Serializers of the credit API (SPEC §9): shapes only; writes go through credit.services."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from credit.models import CreditInvestigation, CreditOverride, CreditRating, CreditRecord, Policy
from customers.models import Tier

MONEY = {"max_digits": 16, "decimal_places": 2}


class CreditCheckSerializer(serializers.Serializer):
    allowed = serializers.BooleanField(help_text=_("Whether the amount may be shipped on credit."))
    grade = serializers.ChoiceField(choices=Tier.choices, allow_null=True)
    policy = serializers.ChoiceField(choices=Policy.choices)
    open_receivables = serializers.DecimalField(**MONEY)
    overdue_receivables = serializers.DecimalField(
        **MONEY, help_text=_("Open after the due date (for grade A, after the due date plus its grace days)."))
    remaining_limit = serializers.DecimalField(
        **MONEY, help_text=_("Limit − open receivables − what valid overrides reserve, for grade A; 0 otherwise."))
    reason = serializers.CharField(help_text=_("The reason in words, in the caller's language."))
    credit_limit = serializers.DecimalField(**MONEY)
    reserved_by_overrides = serializers.DecimalField(**MONEY, help_text=_("Approved overrides not shipped yet."))
    reserved_by_checks = serializers.DecimalField(
        **MONEY, help_text=_("Held by earlier allowed checks whose shipment has no business record yet."))
    grace_days = serializers.IntegerField()
    override = serializers.IntegerField(allow_null=True, help_text=_("The override this check used, if any."))


class CreditRatingSerializer(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="customer_id", read_only=True)
    rated_by = serializers.IntegerField(source="rated_by_id", read_only=True)
    policy = serializers.SerializerMethodField()

    class Meta:
        model = CreditRating
        fields = ["id", "customer", "grade", "policy", "proposed_grade", "score", "reason", "credit_limit",
                  "grace_days", "largest_shipment", "rated_by", "rated_at", "indicators"]
        read_only_fields = fields

    def get_policy(self, obj) -> str:
        from credit.models import policy_for

        return policy_for(obj.grade).value


class CreditRatingInputSerializer(serializers.Serializer):
    customer = serializers.IntegerField(min_value=1)
    grade = serializers.ChoiceField(choices=Tier.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    credit_limit = serializers.DecimalField(**MONEY, required=False, allow_null=True, default=None)
    grace_days = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0,
                                          max_value=365)


class CreditRecordSerializer(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="customer_id", read_only=True)
    entered_by = serializers.IntegerField(source="entered_by_id", read_only=True)
    days_late = serializers.IntegerField(read_only=True)

    class Meta:
        model = CreditRecord
        fields = ["id", "customer", "kind", "severity", "event_date", "entered_on", "days_late", "title",
                  "description", "source", "entered_by"]
        read_only_fields = fields


class CreditInvestigationSerializer(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="customer_id", read_only=True)
    investigated_by = serializers.IntegerField(source="investigated_by_id", read_only=True)
    report_url = serializers.SerializerMethodField()

    class Meta:
        model = CreditInvestigation
        fields = ["id", "customer", "investigated_on", "subject", "sources", "findings", "agency", "report_name",
                  "report_url", "investigated_by"]
        read_only_fields = fields

    def get_report_url(self, obj) -> str | None:
        from django.urls import reverse

        return reverse("credit:investigation_report", args=[obj.pk]) if obj.report else None


class CreditOverrideSerializer(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="customer_id", read_only=True)

    class Meta:
        model = CreditOverride
        fields = ["id", "customer", "amount", "shipment_ref", "reason", "status", "requested_by", "approved_by",
                  "approved_at", "expires_at", "consumed_at", "consumed_amount"]
        read_only_fields = fields
