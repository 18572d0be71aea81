"""Pure, reusable filters of the archive (no access rule, no write): shared by filters, selectors and services."""

import datetime as dt

from django.utils import timezone

from crm.rules import rule_value
from customers.models import add_months


def refresh_due_cutoff(today: dt.date | None = None) -> dt.date:
    """Archives last verified on or before this day are due: those whose next verification date
    (Customer.next_verification_due) is today or earlier, the exact anniversary included. The cutoff
    is pushed past the days that month-end clamping maps onto today (29 February → 28 February)."""
    today = today or timezone.localdate()
    months = rule_value("ARCHIVE_REFRESH_MONTHS")
    cutoff = add_months(today, -months)
    while add_months(cutoff + dt.timedelta(days=1), months) <= today:
        cutoff += dt.timedelta(days=1)
    return cutoff
