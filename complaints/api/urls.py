"""/api/v1/ routes of the complaints app (SPEC §9)."""

from complaints.api.views import ComplaintViewSet


def register(router) -> None:
    router.register("complaints", ComplaintViewSet, basename="complaint")
