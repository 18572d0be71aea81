from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers")

    def ready(self):
        from customers import home, rules  # noqa: F401  (register the home-page panels and the numbers)
        from customers.key_accounts import home as key_account_home  # noqa: F401
        from customers.navigation import register_navigation

        register_navigation()
        from customers import demo

        demo.register()
