from django.conf import settings
from django.utils.translation import gettext_lazy as _

from crm.navigation import navigation_for
from crm.roles import ADMIN_ROLE, Role, role_names


def shell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"CURRENCY": settings.CURRENCY}
    roles = role_names(user)
    return {
        "CURRENCY": settings.CURRENCY,
        "nav_menus": navigation_for(user, getattr(getattr(request, "resolver_match", None), "view_name", "")),
        "user_role_labels": [label for value, label in Role.choices if value in roles]
        + ([_("IT administrator")] if ADMIN_ROLE in roles else []),
        "unread_notifications": user.notifications.filter(read_at__isnull=True).count(),
    }
