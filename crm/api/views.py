from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.throttling import AnonRateThrottle


class TokenThrottle(AnonRateThrottle):
    rate = "30/min"


@extend_schema(
    request=inline_serializer("TokenRequest", {"username": serializers.CharField(),
                                               "password": serializers.CharField()}),
    responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}),
)
class TokenView(ObtainAuthToken):
    """POST {"username","password"} → {"token"}; then send `Authorization: Token <token>`."""

    throttle_classes = [TokenThrottle]
