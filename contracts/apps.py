from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = _("Bids and contracts")

    def ready(self):
        from contracts import rules  # noqa: F401  (registers its admin-editable numbers)
