from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self):
        from complaints import access, home, rules  # noqa: F401  (home panel, admin-editable numbers)
        from complaints.navigation import register_navigation

        access.register()
        register_navigation()
        from complaints import demo

        demo.register()
