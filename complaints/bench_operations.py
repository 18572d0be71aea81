"""The complaint operations `make bench` times (bench/run.py finds this module through INSTALLED_APPS), on
the 100,000 complaints of complaints/bench_data.py: the list filtered by SLA state as the team's clerk, a
head, a handler and the GM (who sees all), and the statistics of last year."""

import datetime as dt

from bench.operations import PAGE_TARGET_MS, Op

LAST_YEAR = dt.date.today().year - 1
STATISTICS_TARGET_MS = 500
YEAR = {"start": f"{LAST_YEAR}-01-01", "end": f"{LAST_YEAR}-12-31"}

OPERATIONS = [
    Op("complaint list, deadlines breached [clerk]", "clerk", "/complaints/", {"sla": "breached"}, PAGE_TARGET_MS),
    Op("complaint list, deadlines breached [gm]", "gm", "/complaints/", {"sla": "breached"}, PAGE_TARGET_MS),
    Op("complaint list, deadlines approaching [head]", "head", "/complaints/", {"sla": "approaching"},
       PAGE_TARGET_MS),
    Op("complaint list, deadlines approaching [gm]", "gm", "/complaints/", {"sla": "approaching"}, PAGE_TARGET_MS),
    Op("complaint list, reply breached [handler]", "handler", "/complaints/", {"sla": "reply_breached"},
       PAGE_TARGET_MS),
    Op("complaint list, open [handler]", "handler", "/complaints/", {"state": "open"}, PAGE_TARGET_MS),
    Op("complaint statistics for a year [gm]", "gm", "/complaints/statistics/", YEAR, STATISTICS_TARGET_MS),
    Op("complaint statistics for a year [head]", "head", "/complaints/statistics/", YEAR, STATISTICS_TARGET_MS),
    Op("service request queue [clerk]", "clerk", "/complaints/requests/", {}, PAGE_TARGET_MS),
]


def personas() -> dict:
    """The handler: the user handling the most open complaints."""
    from django.db.models import Count

    from complaints.models import OPEN_STATES, Complaint
    from crm.models import User

    row = (Complaint.objects.filter(state__in=OPEN_STATES, handler__isnull=False).values("handler")
           .annotate(n=Count("pk")).order_by("-n", "handler").first())
    return {"handler": User.objects.get(pk=row["handler"])} if row else {}
