"""REST door of complaints (SPEC §9): `complaints/` and `complaints/{id}/actions/`. A complaint one may not
see answers 404; a step by the wrong person 403; a step that does not fit the current one 409."""

from dataclasses import asdict

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints.api.serializers import ComplaintSerializer
from complaints.models import Complaint
from complaints.selectors import complaint_list, complaints_visible_to
from complaints.services import COMPLAINT_FLOW, complaint_register
from complaints.statistics import complaint_statistics
from crm.api.workflow import WorkflowActionsMixin
from customers.models import Customer
from customers.policies import is_identity_only

WRITABLE = ("received_at", "channel", "subject", "description", "demand", "complainant", "contact", "about",
            "shipment_no", "contract_no")


@extend_schema_view(
    list=extend_schema(summary="Complaints you may see (filters: state, subject, department, sla, start, end)"),
    retrieve=extend_schema(summary="One complaint with its history"),
    create=extend_schema(summary="Register a complaint (step 1) for any customer"),
)
class ComplaintViewSet(WorkflowActionsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = ComplaintSerializer
    workflow = COMPLAINT_FLOW
    schema_prefix = "Complaint"
    queryset = Complaint.objects.none()
    ordering_fields = ["received_at", "reply_due_at", "implement_due_at"]
    search_fields = ["customer__name", "customer__code", "description", "shipment_no"]
    filterset_fields: list[str] = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Complaint.objects.none()
        params = self.request.query_params if self.action == "list" else {}
        qs = complaint_list(self.request.user, state=params.get("state", ""), subject=params.get("subject", ""),
                            department=params.get("department", ""), sla=params.get("sla", "")) \
            if self.action == "list" else complaints_visible_to(self.request.user)
        return qs.prefetch_related("log", "penalties")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        customer = get_object_or_404(Customer.objects.filter(is_active=True), pk=data.pop("customer_id"))
        complaint = complaint_register(user=request.user, customer=customer,
                                       **{name: data[name] for name in WRITABLE if name in data})
        complaint = complaints_visible_to(request.user).prefetch_related("log", "penalties").get(pk=complaint.pk)
        return Response(self.get_serializer(complaint).data, status=status.HTTP_201_CREATED)


class StatisticsQuerySerializer(serializers.Serializer):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)


class ComplaintStatisticsView(APIView):
    """`GET analytics/complaints/?start=&end=`: the complaint statistics of the period over the complaints the
    caller may see (SPEC §5.2)."""

    @extend_schema(parameters=[StatisticsQuerySerializer], summary="Complaint statistics of a period",
                   responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        if is_identity_only(request.user):
            raise PermissionDenied()
        query = StatisticsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        today = timezone.localdate()
        start = query.validated_data.get("start") or today.replace(month=1, day=1)
        end = query.validated_data.get("end") or today
        if start > end:
            raise serializers.ValidationError({"end": ["The end comes before the start."]})
        return Response(asdict(complaint_statistics(request.user, start=start, end=end)))
