from customers.key_accounts import care_views
from customers.key_accounts import views as key_accounts
from customers.pipeline import views as pipeline
from customers.views import access, archive, brief, card_sections, imports, records

app_name = "customers"

urlpatterns = [
    *archive.urlpatterns,
    *brief.urlpatterns,
    *key_accounts.urlpatterns,
    *care_views.urlpatterns,
    *pipeline.urlpatterns,
    *card_sections.urlpatterns,
    *access.urlpatterns,
    *imports.urlpatterns,
    *records.urlpatterns,
]
