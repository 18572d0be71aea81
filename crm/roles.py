"""The roles of SPEC §1. Each role is a Django group with this exact name."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CLERK = "clerk", _("Sales clerk")
    ACCOUNT_MANAGER = "account_manager", _("Account manager")
    DEPT_HEAD = "dept_head", _("Department head")
    GM = "gm", _("General manager")
    CREDIT_OFFICER = "credit_officer", _("Credit officer")
    CLUB_OFFICE = "club_office", _("Club office")
    INTEGRATION = "integration", _("Integration (other systems)")


# "admin" is not a group: it is Django's superuser/staff flag, as IT runs the Django admin.
ADMIN_ROLE = "admin"
ALL_ROLE_NAMES = [r.value for r in Role] + [ADMIN_ROLE]

# The role sets and rules of each app live in its policies module (customers/policies.py, ...).


def role_names(user) -> frozenset[str]:
    """The user's role names, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_crm_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            cached = cached | {ADMIN_ROLE}
        user._crm_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(role_names(user) & set(roles))
