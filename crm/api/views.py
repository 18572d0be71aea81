"""The token endpoint (SPEC §9), the schema view and the JSON 404 for /api/ URLs no route matches."""

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.api.schema import error_response
from crm.api.throttling import SuccessfulLoginThrottle
from crm.api.tokens import token_issue


class TokenCredentialsSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as `Authorization: Token <token>`.")
    expiry = serializers.DateTimeField(allow_null=True, help_text="When the token stops working.")


class LockedOut(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = _("Too many failed log-in attempts: this account is locked for a while from this address.")
    default_code = "locked_out"


@extend_schema(
    summary="Get an API token",
    description="Needs no authentication (a signed-in browser needs no CSRF token either). Each call issues "
                "a new token, valid for `API_TOKEN_TTL_HOURS` (30 days unless configured), ended earlier by a "
                "password change, deactivation of the account or an admin. Five wrong passwords lock the "
                "username from that address for a while (429).",
    request=TokenCredentialsSerializer,
    responses={200: TokenSerializer,
               400: error_response(400, "Wrong username or password (`non_field_errors`), or a field missing."),
               429: error_response(429, "Locked out after failed attempts, or too many logins from this address.")},
)
class TokenView(APIView):
    """POST {"username","password"} → {"token", "expiry"}; then send `Authorization: Token <token>`."""

    # No authentication: a browser's session cookie would otherwise bring CSRF checks (a 403).
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [SuccessfulLoginThrottle]

    def get_throttles(self):
        self._throttles = super().get_throttles()
        return self._throttles

    def post(self, request):
        credentials = TokenCredentialsSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        # Through django-axes' backend: a failure counts towards the lockout, a locked-out user gets no token.
        user = authenticate(request=request, **credentials.validated_data)
        if user is None:
            if getattr(request, "axes_locked_out", False):
                raise LockedOut()
            raise exceptions.ValidationError(
                {"non_field_errors": [_("Unable to log in with provided credentials.")]})
        token, key = token_issue(user=user)
        for throttle in getattr(self, "_throttles", []):
            throttle.count_success()
        # As a login: last_login, and axes' reset of the failures.
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        return Response(TokenSerializer({"token": key, "expiry": token.expiry}).data)


def api_not_found(request, path=""):
    """Any /api/ URL no route matches: a JSON 404 (not Django's HTML page). A path that exists with a
    trailing slash says so (and a GET is redirected there, as APPEND_SLASH would)."""
    full_path = request.path_info
    if not full_path.endswith("/"):
        try:
            match = resolve(full_path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not api_not_found:
            if request.method in ("GET", "HEAD"):
                return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
            return JsonResponse({"detail": gettext("Not found. API paths end with a slash: %(path)s")
                                 % {"path": request.path + "/"}}, status=404)
    return JsonResponse({"detail": gettext("Not found.")}, status=404)


class SchemaView(SpectacularAPIView):
    """/api/schema/, generated in English whatever the reader's language: the titles and descriptions
    that a generator turns into type names stay fixed (crm.api.schema)."""

    def _get_schema_response(self, request):
        with translation.override("en"):
            return super()._get_schema_response(request)
