"""/api/v1/ routes of the credit app (SPEC §9); crm/api_router.py calls `register(router)` and adds
`urlpatterns` (the credit check under its customer)."""

from django.urls import path

from credit.api.views import (
    CreditCheckView,
    CreditInvestigationViewSet,
    CreditOverrideViewSet,
    CreditRatingViewSet,
    CreditRecordViewSet,
)


def register(router) -> None:
    router.register("credit/ratings", CreditRatingViewSet, basename="credit-rating")
    router.register("credit/records", CreditRecordViewSet, basename="credit-record")
    router.register("credit/investigations", CreditInvestigationViewSet, basename="credit-investigation")
    router.register("credit/overrides", CreditOverrideViewSet, basename="credit-override")


urlpatterns = [
    path("customers/<int:customer_pk>/credit-check/", CreditCheckView.as_view(), name="customer-credit-check"),
]
