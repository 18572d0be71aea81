from customers.views import access, archive, imports, records, related

app_name = "customers"

urlpatterns = [
    *archive.urlpatterns,
    *related.urlpatterns,
    *access.urlpatterns,
    *imports.urlpatterns,
    *records.urlpatterns,
]
