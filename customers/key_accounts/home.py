"""The home-page panel of key accounts (crm.home): what waits for my decision, for department heads and the GM."""

from django.urls import reverse
from django.utils.translation import gettext as _

from crm.home import home_panel
from crm.roles import Role, has_role
from customers.key_accounts.selectors import applications_waiting_for

PANEL_ROWS = 5


@home_panel
def key_accounts_waiting_panel(user) -> dict | None:
    if not has_role(user, Role.DEPT_HEAD, Role.GM):
        return None
    waiting = applications_waiting_for(user)
    rows = [{"label": f"{a.customer.name} → {a.proposed_tier}", "url": reverse("customers:key_account_detail",
                                                                                args=[a.pk]),
             "value": a.get_status_display()} for a in waiting[:PANEL_ROWS]]
    count = waiting.count() if len(rows) == PANEL_ROWS else len(rows)
    return {
        "title": _("Key-account applications waiting for me (%(count)d)") % {"count": count},
        "url": reverse("customers:key_accounts") + "?show=mine",
        "rows": rows, "empty": _("Nothing waits for your decision."),
    }
