"""/api/v1/ routes of the complaints app (SPEC §9)."""

from django.urls import path

from complaints.api.views import ComplaintStatisticsView, ComplaintViewSet


def register(router) -> None:
    router.register("complaints", ComplaintViewSet, basename="complaint")


urlpatterns = [
    path("analytics/complaints/", ComplaintStatisticsView.as_view(), name="analytics-complaints"),
]
