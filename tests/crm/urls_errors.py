"""The project's URLs plus tiny API views that raise each kind of error, for the exception handler tests."""

from django.core.exceptions import ValidationError
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.exceptions import ApplicationError, ConflictError, PermissionDeniedError
from crm.urls import urlpatterns as project_urlpatterns


class RaiseView(APIView):
    def post(self, request, kind):
        if kind == "application":
            raise ApplicationError("The amount must be positive.", field="amount")
        if kind == "conflict":
            raise ConflictError()
        if kind == "denied":
            raise PermissionDeniedError()
        if kind == "django-validation":
            raise ValidationError({"due_date": ["The due date is before the date."]})
        if kind == "django-validation-plain":
            raise ValidationError("Nothing to import.")
        return Response({"echo": request.data})


urlpatterns = [path("test-errors/<str:kind>/", RaiseView.as_view()), *project_urlpatterns]
