"""The customer archives' entries in the menus (crm.navigation), registered from CustomersConfig.ready()."""

from django.utils.translation import gettext_lazy as _

from crm.navigation import NavItem, register
from customers.policies import ARCHIVE_KEEPER_ROLES, AUDIT_ROLES, FILING_ROLES, LIBRARY_ROLES, STAFF_ROLES

REVIEWERS = AUDIT_ROLES


def register_navigation() -> None:
    register(
        NavItem(_("Customer archives"), "customers:list", "people", STAFF_ROLES, group="customers", order=10),
        NavItem(_("New archive"), "customers:create", "plus-circle", FILING_ROLES, group="customers", order=20),
        NavItem(_("To check"), "customers:unchecked_queue", "patch-check", ARCHIVE_KEEPER_ROLES,
                group="customers", order=30),
        NavItem(_("Yearly check"), "customers:refresh_tasks", "calendar-check", STAFF_ROLES, group="customers",
                order=40),
        NavItem(_("Leads and prospects"), "customers:leads", "funnel", FILING_ROLES, group="customers", order=42),
        NavItem(_("Key accounts"), "customers:key_accounts", "star", STAFF_ROLES, group="customers", order=45),
        NavItem(_("Business records"), "customers:business_records", "receipt", STAFF_ROLES, group="customers",
                order=50, divider_before=True),
        NavItem(_("Import"), "customers:import", "upload", ARCHIVE_KEEPER_ROLES, group="customers", order=60),
        NavItem(_("Document library"), "customers:library", "journal-text", LIBRARY_ROLES, group="customers",
                order=70),
        NavItem(_("Access requests"), "customers:access_requests", "key", STAFF_ROLES, group="customers",
                order=80, divider_before=True),
        NavItem(_("Classification summary"), "customers:classification", "grid-3x3", STAFF_ROLES,
                group="reports", order=10),
        NavItem(_("Satisfaction averages"), "customers:survey_averages", "emoji-smile", STAFF_ROLES, group="reports",
                order=30),
        NavItem(_("Lead conversion"), "customers:conversion", "graph-up", FILING_ROLES, group="reports", order=20),
        NavItem(_("Access log"), "customers:access_log", "eye", REVIEWERS, group="admin", order=10),
        NavItem(_("Change log"), "customers:change_log", "clock-history", REVIEWERS, group="admin", order=20),
    )
