"""The navigation of the browser shell: one dropdown menu per domain, filled by the apps.

crm/ imports no app. Each app adds its entries from its AppConfig.ready()::

    from crm.navigation import NavItem, register
    register(NavItem(_("Customers"), "customers:list", "people", group="customers", roles=STAFF_ROLES))

The groups are fixed here (the department's domains, in menu order); a group shows only when the user
may open at least one of its entries, so a role sees the few menus it uses and an app that has not landed
yet adds nothing. Entries whose URL does not resolve (an app not installed) are left out.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.roles import role_names


@dataclass(frozen=True)
class NavGroup:
    key: str
    label: str
    icon: str


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    icon: str
    roles: tuple[str, ...] | None = None  # None: every signed-in user
    group: str = "customers"
    order: int = 100  # within the group; equal orders keep the registration order
    staff_only: bool = False  # Django admin pages: needs is_staff as well as the role
    divider_before: bool = False


GROUPS: tuple[NavGroup, ...] = (
    NavGroup("customers", _("Customers"), "people"),
    NavGroup("credit", _("Credit"), "shield-check"),
    NavGroup("service", pgettext_lazy("menu", "Service"), "headset"),
    NavGroup("visits", _("Visits"), "geo-alt"),
    NavGroup("club", _("Club"), "award"),
    NavGroup("contracts", _("Contracts"), "file-earmark-text"),
    NavGroup("reports", _("Reports"), "bar-chart"),
    NavGroup("admin", pgettext_lazy("menu", "Admin"), "gear"),
)
GROUP_KEYS = frozenset(group.key for group in GROUPS)

NAVIGATION: list[NavItem] = []

# The Django admin itself: crm's own entry (the admin site is a project URL, not an app's).
ADMIN_SITE_ITEM = NavItem(_("Administration site"), "admin:index", "sliders", None, group="admin",
                          order=900, staff_only=True, divider_before=True)


def register(*items: NavItem) -> None:
    """Add entries to the menus (idempotent: ready() may run twice in tests)."""
    for item in items:
        if item.group not in GROUP_KEYS:
            raise ValueError(f"unknown navigation group {item.group!r}: one of {sorted(GROUP_KEYS)}")
        if item not in NAVIGATION:
            NAVIGATION.append(item)


def _visible(item: NavItem, user, roles: frozenset[str]) -> bool:
    if item.staff_only and not user.is_staff:
        return False
    return item.roles is None or bool(roles & set(item.roles))


def navigation_for(user, current: str = "") -> list[dict]:
    """The menus this user sees: [{key, label, icon, active, items: [{label, url, icon, url_name, active}]}].

    `current` is the resolved view name of the page, to mark the open entry and its menu.
    """
    roles = role_names(user)
    entries = [*NAVIGATION, ADMIN_SITE_ITEM]
    menus = []
    for group in GROUPS:
        items = []
        in_group = sorted((e for e in entries if e.group == group.key), key=lambda e: e.order)
        for item in in_group:
            if not _visible(item, user, roles):
                continue
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:  # an app not installed yet
                continue
            items.append({"label": item.label, "url": url, "icon": item.icon, "url_name": item.url_name,
                          "active": item.url_name == current, "divider_before": item.divider_before and bool(items)})
        if items:
            menus.append({"key": group.key, "label": group.label, "icon": group.icon, "items": items,
                          "active": any(i["active"] for i in items)})
    return menus
