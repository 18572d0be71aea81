"""REST door of key-account applications (SPEC §9): `key-accounts/applications/` lists the applications of
readable customers and files one; `key-accounts/applications/{id}/actions/` approves or rejects it (the
department head, then the GM). A target below threshold D answers 400, a decision on a decided
application 409, a decision by the wrong person 403."""

from decimal import Decimal

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from crm.api.workflow import HistoryField, WorkflowActionsMixin
from customers.key_accounts.models import KeyAccountApplication
from customers.key_accounts.selectors import applications_visible_to
from customers.key_accounts.services import KEY_ACCOUNT_FLOW, TABLE_FIELDS, key_account_application_create
from customers.selectors import customer_get_for_user


class KeyAccountApplicationSerializer(serializers.ModelSerializer):
    customer = serializers.IntegerField(source="customer_id", min_value=1, help_text="The customer's id.")
    annual_revenue_target = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=Decimal("0.01"),
                                                     help_text="In CNY; at least threshold D of the year.")
    reason = serializers.CharField(max_length=4000)
    history = HistoryField()

    class Meta:
        model = KeyAccountApplication
        fields = ["id", "customer", "kind", "year", "applicant", "annual_revenue_target", "proposed_tier",
                  "previous_tier", "reason", *TABLE_FIELDS, "actual_revenue", "status", "head_decided_by",
                  "head_decided_at", "gm_decided_by", "gm_decided_at", "created_at", "history"]
        read_only_fields = ["id", "kind", "year", "applicant", "proposed_tier", "previous_tier", "actual_revenue",
                            "status", "head_decided_by", "head_decided_at", "gm_decided_by", "gm_decided_at",
                            "created_at", "history"]
        extra_kwargs = {name: {"required": False, "allow_blank": True} for name in TABLE_FIELDS}


@extend_schema_view(
    list=extend_schema(summary="Key-account applications of the customers you may read"),
    retrieve=extend_schema(summary="One key-account application with its history"),
    create=extend_schema(summary="File a key-account application (tier follows the target)"),
)
class KeyAccountApplicationViewSet(WorkflowActionsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                                   mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = KeyAccountApplicationSerializer
    workflow = KEY_ACCOUNT_FLOW
    schema_prefix = "KeyAccountApplication"
    queryset = KeyAccountApplication.objects.none()
    filterset_fields = ["status", "customer", "kind", "year"]
    ordering_fields = ["created_at", "annual_revenue_target"]
    ordering = ["-created_at", "-id"]
    search_fields = ["customer__name", "customer__code"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return KeyAccountApplication.objects.none()
        return applications_visible_to(self.request.user).prefetch_related("log").order_by("-created_at", "-id")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        customer = customer_get_for_user(request.user, data.pop("customer_id"))  # 404 for one you may not read
        application = key_account_application_create(
            customer=customer, user=request.user, annual_revenue_target=data.pop("annual_revenue_target"),
            reason=data.pop("reason"), **{name: data[name] for name in TABLE_FIELDS if name in data})
        application = self.get_queryset().get(pk=application.pk)
        return Response(self.get_serializer(application).data, status=status.HTTP_201_CREATED)
