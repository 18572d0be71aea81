from django.conf import settings

from crm.navigation import navigation_for
from crm.roles import Role, role_names


def shell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"CURRENCY": settings.CURRENCY}
    roles = role_names(user)
    return {
        "CURRENCY": settings.CURRENCY,
        "nav_menus": navigation_for(user, getattr(getattr(request, "resolver_match", None), "view_name", "")),
        "user_role_labels": [label for value, label in Role.choices if value in roles],
        "unread_notifications": user.notifications.filter(read_at__isnull=True).count(),
    }
