from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self):
        from complaints import access, calendar_changes, home, rules  # noqa: F401  (home panel, admin numbers)
        from complaints.navigation import register_navigation

        access.register()
        calendar_changes.register()
        register_navigation()
        from complaints import demo

        demo.register()
