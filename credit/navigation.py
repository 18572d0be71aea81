"""The credit app's entries in the menus (crm.navigation), registered from CreditConfig.ready()."""

from django.utils.translation import gettext_lazy as _

from crm.navigation import NavItem, register
from crm.roles import Role


def register_navigation() -> None:
    register(NavItem(_("Credit queue"), "credit:queue", "shield-check", (Role.CREDIT_OFFICER, Role.GM),
                     group="credit", order=10))
