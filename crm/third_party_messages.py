"""Messages of third-party apps that ship no Simplified Chinese catalogue (django-axes), listed here so
`make messages` extracts them into ours: the project catalogue comes first, so the admin shows them
in Chinese. Axes' log-in records are named apart from the CRM's archive access log."""

from django.utils.translation import gettext_noop

AXES_MESSAGES = (
    gettext_noop("Access Attempt"), gettext_noop("Access lock out"), gettext_noop("Attempt Remaining"),
    gettext_noop("Attempt Time"), gettext_noop("Clean up expired attempts"), gettext_noop("Expires At"),
    gettext_noop("Failed Logins"), gettext_noop("Form Data"), gettext_noop("GET Data"), gettext_noop("HTTP Accept"),
    gettext_noop("IP Address"), gettext_noop("Locked Out"), gettext_noop("Logout Time"), gettext_noop("Meta Data"),
    gettext_noop("Not set"), gettext_noop("POST Data"), gettext_noop("Path"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("The time when access attempt expires and is no longer valid."), gettext_noop("User Agent"),
    gettext_noop("Username"), gettext_noop("access attempt expiration"), gettext_noop("access attempt expirations"),
    gettext_noop("access attempt"), gettext_noop("access attempts"), gettext_noop("access failure"),
    gettext_noop("access failures"), gettext_noop("access log"), gettext_noop("access logs"),
    gettext_noop("Login Time"), gettext_noop("Log-in security"),
)


def name_third_party_apps() -> None:
    """Axes' admin section is titled in the CRM's words (its AppConfig has no verbose name)."""
    from django.apps import apps
    from django.utils.translation import gettext_lazy

    if apps.is_installed("axes"):
        apps.get_app_config("axes").verbose_name = gettext_lazy("Log-in security")
