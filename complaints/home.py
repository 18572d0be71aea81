"""The complaints' home-page panel (crm.home): what waits on me, with the overdue ones marked."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.policies import REGISTER_ROLES
from complaints.selectors import complaints_waiting_on
from crm.home import home_panel
from crm.roles import has_role

PANEL_ROWS = 6


@home_panel
def complaints_waiting_panel(user) -> dict | None:
    if not has_role(user, *REGISTER_ROLES):
        return None
    now = timezone.now()
    waiting = list(complaints_waiting_on(user)[:PANEL_ROWS])
    rows = [{"label": f"#{c.pk} {c.customer.name} · {c.get_state_display()}",
             "url": reverse("complaints:detail", args=[c.pk]),
             "value": _("overdue") if (c.first_reply_at is None and c.reply_due_at < now)
             or (c.implemented_at is None and c.implement_due_at < now) else ""} for c in waiting]
    return {"title": _("Complaints waiting on me"), "url": reverse("complaints:list") + "?state=open",
            "rows": rows, "empty": _("No complaint waits on you.")}
