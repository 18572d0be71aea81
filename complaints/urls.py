from complaints.views import urlpatterns as urlpatterns  # noqa: F401

app_name = "complaints"
