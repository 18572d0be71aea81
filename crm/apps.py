from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("CRM core")

    def ready(self):
        from crm.third_party_messages import name_third_party_apps

        name_third_party_apps()
        # Every form and API text field refuses control characters (NUL and other C0 controls).
        from crm.text import install_api_validator, install_form_validator

        install_api_validator()
        install_form_validator()
        # API tokens end when a user's password changes or the account is deactivated.
        from crm.api import tokens  # noqa: F401
