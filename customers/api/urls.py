"""/api/v1/ routes of the customers app (SPEC §9); crm/api_router.py calls `register(router)` and adds
`urlpatterns` (the contacts nested under their customer)."""

from django.urls import path

from customers.api.access import AccessRequestViewSet
from customers.api.views import BusinessRecordViewSet, ContactViewSet, CustomerViewSet
from customers.key_accounts.api import KeyAccountApplicationViewSet
from customers.pipeline.api import ConversionView


def register(router) -> None:
    router.register("customers", CustomerViewSet, basename="customer")
    router.register("business-records", BusinessRecordViewSet, basename="business-record")
    router.register("access-requests", AccessRequestViewSet, basename="access-request")
    router.register("key-accounts/applications", KeyAccountApplicationViewSet, basename="key-account-application")


urlpatterns = [
    path("analytics/conversion/", ConversionView.as_view(), name="analytics-conversion"),
    path("customers/<int:customer_pk>/contacts/",
         ContactViewSet.as_view({"get": "list", "post": "create"}), name="customer-contact-list"),
    path("customers/<int:customer_pk>/contacts/<int:pk>/",
         ContactViewSet.as_view({"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}),
         name="customer-contact-detail"),
]
