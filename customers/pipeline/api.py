"""`GET /api/v1/analytics/conversion/?start=&end=&by=source|owner`: the conversion rates of the leads entered
in a period, by lead source or by owner, over the archives the caller may read."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from customers.pipeline.selectors import conversion_rates
from customers.policies import is_identity_only


class ConversionQuerySerializer(serializers.Serializer):
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    by = serializers.ChoiceField(choices=["source", "owner"], default="source")

    def validate(self, data):
        today = timezone.localdate()
        data.setdefault("start", today.replace(month=1, day=1))
        data.setdefault("end", today)
        if data["start"] > data["end"]:
            raise serializers.ValidationError({"end": ["The end comes before the start."]})
        return data


class ConversionRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    leads = serializers.IntegerField()
    validated = serializers.IntegerField()
    won = serializers.IntegerField()
    discarded = serializers.IntegerField()
    lost = serializers.IntegerField()
    validation_rate = serializers.FloatField(allow_null=True, help_text="Per cent of the leads.")
    win_rate = serializers.FloatField(allow_null=True, help_text="Per cent of the leads.")


class ConversionSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    by = serializers.CharField()
    rows = ConversionRowSerializer(many=True)


class ConversionView(APIView):
    @extend_schema(parameters=[ConversionQuerySerializer], responses=ConversionSerializer,
                   summary="Lead conversion rates by source or owner")
    def get(self, request):
        if is_identity_only(request.user):
            from rest_framework.exceptions import PermissionDenied

            raise PermissionDenied()
        query = ConversionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        rows = conversion_rates(request.user, start=params["start"], end=params["end"], by=params["by"])
        return Response(ConversionSerializer({**params, "rows": rows}).data)
