"""The project's URLs plus an API view that fails, for the JSON error tests."""

from django.urls import path

from crm.urls import urlpatterns as project_urlpatterns


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("api/v1/boom/", boom), *project_urlpatterns]
