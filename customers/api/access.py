"""REST door of access requests (SPEC §8), on the workflow kit: `access-requests/` lists the user's own
requests and those they decide; `access-requests/{id}/actions/` grants, refuses or withdraws.

The requester sees what they asked for (`asked_for`), never the archive behind it until they may read it;
the deciding head sees the archive's id."""

from django.db.models import Q
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from crm.api.workflow import HistoryField, WorkflowActionsMixin
from customers.access_requests import ACCESS_FLOW
from customers.models import AccessRequest
from customers.selectors import access_requests_decidable_by, readable_customer_ids


class AccessRequestSerializer(serializers.ModelSerializer):
    asked_for = serializers.CharField(source="requested_as", read_only=True,
                                      help_text="The archive as the requester named it.")
    customer = serializers.SerializerMethodField(help_text="The archive's id, for those who decide or may read it.")
    history = HistoryField()

    class Meta:
        model = AccessRequest
        fields = ["id", "asked_for", "customer", "requester", "reason", "status", "created_at", "decided_by",
                  "decided_at", "decision_comment", "history"]
        read_only_fields = fields

    def get_customer(self, obj) -> int | None:
        shown = self.context.get("shown_customers")
        return obj.customer_id if shown is None or obj.customer_id in shown else None


@extend_schema_view(
    list=extend_schema(summary="Access requests: your own and those you decide"),
    retrieve=extend_schema(summary="One access request with its history"),
)
class AccessRequestViewSet(WorkflowActionsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                           viewsets.GenericViewSet):
    serializer_class = AccessRequestSerializer
    workflow = ACCESS_FLOW
    schema_prefix = "AccessRequest"
    queryset = AccessRequest.objects.none()
    ordering = ["-created_at", "-id"]
    filterset_fields = ["status"]
    search_fields: list[str] = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AccessRequest.objects.none()
        user = self.request.user
        decidable = access_requests_decidable_by(user).values("pk")
        return (AccessRequest.objects.filter(Q(requester=user) | Q(pk__in=decidable))
                .select_related("requester", "customer").prefetch_related("log").order_by("-created_at", "-id"))

    def get_serializer(self, *args, **kwargs):
        instance = args[0] if args else kwargs.get("instance")
        if instance is not None and not getattr(self, "swagger_fake_view", False):
            items = list(instance) if kwargs.get("many") else [instance]
            user = self.request.user
            readable = readable_customer_ids(user, [item.customer_id for item in items if item.customer_id])
            if readable is not None:
                readable |= set(access_requests_decidable_by(user).filter(pk__in=[item.pk for item in items])
                                .values_list("customer_id", flat=True))
            kwargs["context"] = {**self.get_serializer_context(), "shown_customers": readable}
        return super().get_serializer(*args, **kwargs)
