from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("CRM core")

    def ready(self):
        # API tokens end when a user's password changes or the account is deactivated.
        from crm.api import tokens  # noqa: F401
