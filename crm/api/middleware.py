"""JSON everywhere under /api/ (SPEC §9), also for answers DRF does not write: Django's 404 and 500,
the CSRF 403, a 400 for a bad Host or an oversized body, the lockout page."""

from http import HTTPStatus

from django.http import JsonResponse
from django.utils.translation import gettext

API_PREFIX = "/api/"

# The `detail` of an error whose HTML page is replaced, by status.
_DETAILS = {
    400: lambda: gettext("Bad request."),
    403: lambda: gettext("You may not do this."),
    404: lambda: gettext("Not found."),
    405: lambda: gettext("Method not allowed."),
    413: lambda: gettext("The request is too large."),
    429: lambda: gettext("Too many requests: wait and try again."),
    500: lambda: gettext("Server error: the request was not carried out. Try again later."),
}


def _is_json(response) -> bool:
    content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    return content_type == "application/json" or content_type.endswith("+json")


def _phrase(status_code: int) -> str:
    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return gettext("Error.")


class ApiJsonErrorsMiddleware:
    """Replaces a non-JSON error answer to an /api/ URL with `{"detail": ...}` and the same status."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (response.status_code >= 400 and request.path_info.startswith(API_PREFIX)
                and not getattr(response, "streaming", False) and not _is_json(response)):
            data = getattr(response, "data", None)  # a DRF answer rendered as HTML (the browsable API)
            if not isinstance(data, dict):
                detail = _DETAILS.get(response.status_code)
                data = {"detail": detail() if detail else _phrase(response.status_code)}
            json_response = JsonResponse(data, status=response.status_code, json_dumps_params={"ensure_ascii": False})
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    json_response[header] = response[header]
            return json_response
        return response
