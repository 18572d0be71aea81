"""The /api/v1/ router. Each app registers its viewsets in its api/urls.py `register(router)`."""

from importlib import import_module

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from crm.api.views import TokenView

router = DefaultRouter()
extra_urls = []

for app in ("customers", "credit", "complaints", "visits", "club", "contracts"):
    try:
        module = import_module(f"{app}.api.urls")
    except ModuleNotFoundError as error:
        if error.name not in (f"{app}.api", f"{app}.api.urls"):
            raise
        continue
    module.register(router)
    extra_urls += getattr(module, "urlpatterns", [])

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    *extra_urls,
    path("", include(router.urls)),
]
