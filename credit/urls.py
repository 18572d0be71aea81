from django.urls import path

from credit import views

app_name = "credit"

urlpatterns = [
    path("", views.queue_view, name="queue"),
    path("customers/<int:pk>/", views.customer_credit_view, name="customer"),
    path("customers/<int:pk>/grade/", views.grade_view, name="grade"),
    path("customers/<int:pk>/records/new/", views.record_create_view, name="record_create"),
    path("customers/<int:pk>/investigations/new/", views.investigation_create_view, name="investigation_create"),
    path("customers/<int:pk>/overrides/new/", views.override_create_view, name="override_create"),
    path("customers/<int:pk>/form5/", views.form5_view, name="form5"),
    path("customers/<int:pk>/form5/print/", views.form5_print_view, name="form5_print"),
    path("customers/<int:pk>/form5.xlsx", views.form5_xlsx_view, name="form5_xlsx"),
    path("overrides/<int:override_pk>/decide/", views.override_decide_view, name="override_decide"),
    path("investigations/<int:investigation_pk>/report/", views.investigation_report_view,
         name="investigation_report"),
]
