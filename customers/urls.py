from customers.key_accounts import views as key_accounts
from customers.views import access, archive, brief, imports, records, related

app_name = "customers"

urlpatterns = [
    *archive.urlpatterns,
    *brief.urlpatterns,
    *key_accounts.urlpatterns,
    *related.urlpatterns,
    *access.urlpatterns,
    *imports.urlpatterns,
    *records.urlpatterns,
]
