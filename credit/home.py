"""The credit officer's home panel (crm.home): reviews due, customers with overdue receivables, recent
warning records; a few queries."""

from django.urls import reverse
from django.utils.translation import gettext as _

from credit.overdue import overdue_customer_count
from credit.selectors import recent_warnings, reviews_due
from crm.home import home_panel
from crm.roles import Role, has_role


@home_panel
def credit_queue_panel(user) -> dict | None:
    if not has_role(user, Role.CREDIT_OFFICER):
        return None
    url = reverse("credit:queue")
    return {
        "title": _("Credit queue"),
        "url": url,
        "rows": [
            {"label": _("Reviews due"), "url": f"{url}#reviews-due", "value": reviews_due().count()},
            {"label": _("Customers with overdue receivables"), "url": f"{url}#overdue-customers",
             "value": overdue_customer_count()},
            {"label": _("Warning records of the last 90 days"), "url": f"{url}#recent-warnings",
             "value": recent_warnings().count()},
        ],
    }
