from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    name = "credit"
    verbose_name = _("Credit")

    def ready(self):
        from credit import home, rules  # noqa: F401  (register the home panel and the admin-editable numbers)
        from credit.navigation import register_navigation

        register_navigation()
        from credit import demo

        demo.register()
