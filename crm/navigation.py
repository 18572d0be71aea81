"""The navigation of the browser shell, per role. Apps add their entries to NAVIGATION."""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from crm.roles import ADMIN_ROLE, ARCHIVE_KEEPER_ROLES, STAFF_ROLES, Role, role_names


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    icon: str
    roles: tuple[str, ...] | None = None  # None: every signed-in user


STAFF = STAFF_ROLES

# Who files and checks archives for the department: clerks, their heads, the GM and IT.
ARCHIVE_KEEPERS = ARCHIVE_KEEPER_ROLES

NAVIGATION: list[NavItem] = [
    NavItem(_("Home"), "home", "house"),
    NavItem(_("Customers"), "customers:list", "people", STAFF),
    NavItem(_("Classification summary"), "customers:classification", "grid-3x3", STAFF),
    NavItem(_("Business records"), "customers:business_records", "receipt", STAFF),
    NavItem(_("To check"), "customers:unchecked_queue", "patch-check", ARCHIVE_KEEPERS),
    NavItem(_("Import"), "customers:import", "upload", ARCHIVE_KEEPERS),
    NavItem(_("Document library"), "customers:library", "journal-text", STAFF),
    NavItem(_("Access requests"), "customers:access_requests", "key", STAFF),
    NavItem(_("Access log"), "customers:access_log", "eye", (Role.GM, ADMIN_ROLE)),
    NavItem(_("Change log"), "customers:change_log", "clock-history", (Role.GM, ADMIN_ROLE)),
]


def navigation_for(user) -> list[dict]:
    roles = role_names(user)
    items = []
    for item in NAVIGATION:
        if item.roles is not None and not roles & set(item.roles):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:  # an app not installed yet
            continue
        items.append({"label": item.label, "url": url, "icon": item.icon, "url_name": item.url_name})
    return items
