from complaints.request_views import urlpatterns as request_urlpatterns
from complaints.views import urlpatterns as complaint_urlpatterns

app_name = "complaints"
urlpatterns = [*request_urlpatterns, *complaint_urlpatterns]
