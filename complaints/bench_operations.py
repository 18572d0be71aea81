"""The complaint operations `make bench` times (bench/run.py finds this module through INSTALLED_APPS)."""

import datetime as dt

from bench.operations import PAGE_TARGET_MS, SUMMARY_TARGET_MS, Op

LAST_YEAR = dt.date.today().year - 1

OPERATIONS = [
    Op("complaint list, deadlines breached [clerk]", "clerk", "/complaints/", {"sla": "breached"}, PAGE_TARGET_MS),
    Op("complaint list, deadlines approaching [head]", "head", "/complaints/", {"sla": "approaching"},
       PAGE_TARGET_MS),
    Op("complaint statistics for a year [gm]", "gm", "/complaints/statistics/",
       {"start": f"{LAST_YEAR}-01-01", "end": f"{LAST_YEAR}-12-31"}, SUMMARY_TARGET_MS),
    Op("service request queue [clerk]", "clerk", "/complaints/requests/", {}, PAGE_TARGET_MS),
]
