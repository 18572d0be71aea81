from rest_framework import serializers

from complaints.models import Channel, Complaint, Status, Subject
from crm.api.workflow import HistoryField


class PenaltySerializer(serializers.Serializer):
    person = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    reason = serializers.CharField()


class ComplaintSerializer(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="customer_id", min_value=1, help_text="The customer's id.")
    received_at = serializers.DateTimeField(required=False, help_text="Default: now.")
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.HOTLINE)
    subject = serializers.ChoiceField(choices=Subject.choices)
    step = serializers.IntegerField(read_only=True, help_text="The number of the step now waiting (2–9).")
    status = serializers.ChoiceField(choices=Status.choices, read_only=True)
    department = serializers.CharField(source="department.name", read_only=True, default=None)
    penalties = PenaltySerializer(many=True, read_only=True)
    history = HistoryField()

    class Meta:
        model = Complaint
        fields = ["id", "customer", "received_at", "channel", "subject", "description", "demand", "complainant",
                  "contact", "about", "shipment_no", "contract_no", "step", "status", "state", "reply_due_at",
                  "implement_due_at", "first_reply_at", "reply_text", "is_valid", "department", "handler", "cause",
                  "responsible", "remedy_type", "remedy_amount", "loss", "division_approved_by", "gm_approved_by",
                  "implementation", "customer_notified", "customer_feedback", "penalties", "review", "closed_at",
                  "return_visit_satisfaction", "return_visit_text", "registered_by", "history"]
        read_only_fields = [f for f in fields if f not in (
            "customer", "received_at", "channel", "subject", "description", "demand", "complainant", "contact",
            "about", "shipment_no", "contract_no")]
        extra_kwargs = {name: {"required": False} for name in ("demand", "complainant", "contact", "about",
                                                              "shipment_no", "contract_no")}
