"""REST API of credit (SPEC §9): the credit check, grade history and grading, credit records,
investigations and overrides. Thin doors: reads through credit.selectors (narrowed to those who may see
credit details), writes through credit.services, whose errors the project's handler turns into JSON."""

import django_filters
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from credit.api.serializers import (
    CreditCheckSerializer,
    CreditInvestigationSerializer,
    CreditOverrideSerializer,
    CreditRatingInputSerializer,
    CreditRatingSerializer,
    CreditRecordSerializer,
)
from credit.models import CreditInvestigation, CreditOverride, CreditRating, CreditRecord
from credit.policies import can_decide_override, can_grade
from credit.selectors import investigations_visible_to, overrides_visible_to, ratings_visible_to, records_visible_to
from credit.services import (
    credit_check,
    credit_override_decide,
    credit_override_grant,
    credit_override_request,
    credit_rating_create,
)
from crm.api.filters import IdFilter
from crm.api.schema import error_response
from crm.exceptions import PermissionDeniedError
from customers.selectors import customer_get_for_user

ERRORS = {400: error_response(400), 403: error_response(403),
          404: error_response(404, "No such archive, or you may not read it.")}


class CustomerFilter(django_filters.FilterSet):
    customer = IdFilter(field_name="customer_id", label=gettext_lazy("Customer id"))


class CreditCheckView(APIView):
    """GET customers/{id}/credit-check/?amount= (SPEC §9). An allowed answer that used an override has
    taken it: the freight system asks once per shipment (give `shipment`, its id, to link them)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        operation_id="customers_credit_check",
        parameters=[
            OpenApiParameter("amount", OpenApiTypes.DECIMAL, required=True,
                             description="The shipment's amount in CNY (≥ 0, at most two decimals)."),
            OpenApiParameter("shipment", OpenApiTypes.STR, required=False,
                             description="The freight system's id of the shipment, recorded on a used override."),
        ],
        responses={200: CreditCheckSerializer, **ERRORS}, tags=["credit"])
    def get(self, request, customer_pk: int):
        customer = customer_get_for_user(request.user, customer_pk)
        check = credit_check(customer=customer, amount=request.query_params.get("amount"), user=request.user,
                             for_shipment=True, shipment_ref=request.query_params.get("shipment", "")[:64])
        return Response(CreditCheckSerializer(check.as_api()).data)


class CreditRatingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                          viewsets.GenericViewSet):
    """Grade history (filter `customer`); POST grades a customer (credit officers only)."""

    serializer_class = CreditRatingSerializer
    filterset_class = CustomerFilter
    ordering_fields = ["rated_at", "grade", "score"]
    ordering = ["-rated_at", "-id"]
    queryset = CreditRating.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CreditRating.objects.none()
        return ratings_visible_to(self.request.user)

    @extend_schema(request=CreditRatingInputSerializer, responses={201: CreditRatingSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        if not can_grade(request.user):
            raise PermissionDeniedError(_("Only credit officers grade customers."))
        data = CreditRatingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        customer = customer_get_for_user(request.user, values["customer"])
        rating = credit_rating_create(customer=customer, user=request.user, grade=values["grade"],
                                      reason=values["reason"], credit_limit=values["credit_limit"],
                                      grace_days=values["grace_days"])
        return Response(CreditRatingSerializer(rating).data, status=status.HTTP_201_CREATED)


class _ReadOnly(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    filterset_class = CustomerFilter


class CreditRecordViewSet(_ReadOnly):
    """Credit records (SPEC §4.3): positive, hint and warning records with event and entry dates."""

    serializer_class = CreditRecordSerializer
    ordering_fields = ["event_date", "entered_on"]
    ordering = ["-event_date", "-id"]
    queryset = CreditRecord.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CreditRecord.objects.none()
        return records_visible_to(self.request.user)


class CreditInvestigationViewSet(_ReadOnly):
    """Credit investigations; the agency report is downloaded from `report_url` by financial readers."""

    serializer_class = CreditInvestigationSerializer
    ordering_fields = ["investigated_on"]
    ordering = ["-investigated_on", "-id"]
    queryset = CreditInvestigation.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CreditInvestigation.objects.none()
        return investigations_visible_to(self.request.user)


class OverrideInputSerializer(serializers.Serializer):
    customer = serializers.IntegerField(min_value=1)
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0)
    reason = serializers.CharField()
    shipment_ref = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    days = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)


class OverrideActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["approve", "reject"])
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    days = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)


class CreditOverrideViewSet(_ReadOnly, mixins.CreateModelMixin):
    """Credit overrides: POST asks for one (a credit officer's POST grants it at once); a requested one is
    approved or rejected by a credit officer through actions/."""

    serializer_class = CreditOverrideSerializer
    ordering = ["-created_at", "-id"]
    queryset = CreditOverride.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CreditOverride.objects.none()
        return overrides_visible_to(self.request.user)

    @extend_schema(request=OverrideInputSerializer, responses={201: CreditOverrideSerializer, **ERRORS})
    def create(self, request, *args, **kwargs):
        data = OverrideInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        customer = customer_get_for_user(request.user, values["customer"])
        common = {"customer": customer, "user": request.user, "amount": values["amount"],
                  "reason": values["reason"], "shipment_ref": values["shipment_ref"]}
        if can_decide_override(request.user):
            override = credit_override_grant(**common, days=values["days"])
        else:
            override = credit_override_request(**common)
        return Response(CreditOverrideSerializer(override).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=OverrideActionSerializer, responses={200: CreditOverrideSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def actions(self, request, pk=None):
        override = self.get_object()
        data = OverrideActionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        override = credit_override_decide(override=override, user=request.user, action=values["action"],
                                          comment=values["comment"], days=values["days"])
        return Response(CreditOverrideSerializer(override).data)
