"""The complaints' entries in the menus (crm.navigation), registered from ComplaintsConfig.ready()."""

from django.utils.translation import gettext_lazy as _

from complaints.policies import REGISTER_ROLES
from crm.navigation import NavItem, register


def register_navigation() -> None:
    register(
        NavItem(_("Service requests"), "complaints:requests", "telephone-inbound", REGISTER_ROLES, group="service",
                order=10),
        NavItem(_("Complaints"), "complaints:list", "megaphone", REGISTER_ROLES, group="service", order=20),
        NavItem(_("Register a complaint"), "complaints:register", "plus-circle", REGISTER_ROLES, group="service",
                order=25),
        NavItem(_("Complaint statistics"), "complaints:statistics", "bar-chart", REGISTER_ROLES, group="reports",
                order=40),
    )
