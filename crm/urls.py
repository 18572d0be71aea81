from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularSwaggerSplitView

from crm import views
from crm.api.views import SchemaView, api_not_found

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(success_url="/profile/"), name="password_change"),
    path("profile/", views.profile, name="profile"),
    path("language/", views.set_language, name="set_language"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_mark_read, name="notifications_mark_read"),
    path("healthz/", views.healthz, name="healthz"),
    path("robots.txt", views.robots),
    path("customers/", include("customers.urls")),
    path("complaints/", include("complaints.urls")),
    path("credit/", include("credit.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("crm.api_router")),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: the Content-Security-Policy allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Keep last among the api/ routes: any other /api/ URL answers a JSON 404.
    re_path(r"^api/(?P<path>.*)$", api_not_found),
]

handler400 = "crm.views.bad_request"
handler403 = "crm.views.permission_denied"
handler404 = "crm.views.page_not_found"
handler500 = "crm.views.server_error"
