from customers.views import access, archive, brief, imports, records, related

app_name = "customers"

urlpatterns = [
    *archive.urlpatterns,
    *brief.urlpatterns,
    *related.urlpatterns,
    *access.urlpatterns,
    *imports.urlpatterns,
    *records.urlpatterns,
]
