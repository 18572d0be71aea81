"""The home page per role: each app contributes panels (title, rows, link) through HOME_PANELS.

After the apps' panels comes the guide: for each of the user's menus, what is in it; for a domain of
the user's role whose app has not landed yet, where its work will appear. So no role meets a blank home.
"""

from collections.abc import Callable

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from crm.navigation import GROUPS, NAVIGATION, navigation_for
from crm.roles import ADMIN_ROLE, Role, role_names

HOME_PANELS: list[Callable] = []

# The domains each role works in (SPEC §1), in the order its guide lists them.
ROLE_DOMAINS: dict[str, tuple[str, ...]] = {
    Role.CLERK: ("customers", "service", "visits", "reports"),
    Role.ACCOUNT_MANAGER: ("customers", "visits", "contracts", "service", "club"),
    Role.DEPT_HEAD: ("customers", "service", "visits", "contracts", "reports"),
    Role.GM: ("customers", "credit", "service", "contracts", "reports", "admin"),
    Role.CREDIT_OFFICER: ("credit", "customers", "reports"),
    Role.CLUB_OFFICE: ("club",),
    ADMIN_ROLE: ("admin", "customers"),
}
# What a domain will hold once its app lands: shown while its menu is still missing.
COMING = {
    "customers": _("customer archives, business records and the document library"),
    "credit": _("credit investigations, evaluations, grades and the credit check of an order"),
    "service": _("complaints through the nine steps, with their deadlines"),
    "visits": _("visit and call plans, the due list and the work log"),
    "club": _("club members, applications, dues and events"),
    "contracts": _("bids, contracts and amendments"),
    "reports": _("the analyses and summaries of the department"),
    "admin": _("users, roles, lists and settings"),
}


def home_panel(func: Callable) -> Callable:
    """Register `func(user) -> dict | None` as a home-page panel."""
    HOME_PANELS.append(func)
    return func


def guide_panel(user) -> dict | None:
    """Where this user finds their work: the menus they have, and what is still to come for their role."""
    roles = role_names(user)
    if not roles:
        return None
    menus = {menu["key"]: menu for menu in navigation_for(user)}
    rows = []
    for menu in menus.values():
        items = pgettext_lazy("list separator", ", ").join(str(item["label"]) for item in menu["items"])
        rows.append({"label": format_lazy(_("{menu}: {items}"), menu=menu["label"], items=items),
                     "url": menu["items"][0]["url"], "value": ""})
    domains = [d for role in roles for d in ROLE_DOMAINS.get(role, ())]
    labels = {group.key: group.label for group in GROUPS}
    landed = {item.group for item in NAVIGATION}  # an app that has landed is not "coming soon" to anyone
    for domain in dict.fromkeys(domains):
        if domain not in menus and domain not in landed:
            rows.append({"label": format_lazy(_("{menu}: coming soon, with {what}"), menu=labels[domain],
                                              what=COMING[domain]), "url": "", "value": ""})
    return {"title": _("Where to find your work"), "url": "", "rows": rows, "guide": True}


def home_panels(user) -> list[dict]:
    panels = []
    for func in HOME_PANELS:
        panel = func(user)
        if panel:
            panels.append(panel)
    guide = guide_panel(user)
    if guide:
        panels.append(guide)
    return panels
