"""The credit app's entries in the menus (crm.navigation), registered from CreditConfig.ready()."""

from django.utils.translation import gettext_lazy as _

from crm.navigation import NavItem, register
from crm.roles import Role


def register_navigation() -> None:
    # Credit officers only: the GM reaches a customer's credit file from its card (and /credit/ directly).
    register(NavItem(_("Credit queue"), "credit:queue", "shield-check", (Role.CREDIT_OFFICER,),
                     group="credit", order=10))
