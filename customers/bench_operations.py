"""The pipeline and key-account operations `make bench` times (bench/run.py finds this module through
INSTALLED_APPS), on the rows of customers/bench_data.py: the lead list, the key-account candidates
proposed from revenue, and the approval queue waiting for a department head and for the GM."""

from bench.operations import PAGE_TARGET_MS, Op

OPERATIONS = [
    Op("lead list [manager]", "manager", "/customers/leads/", {}, PAGE_TARGET_MS),
    Op("lead list [gm]", "gm", "/customers/leads/", {}, PAGE_TARGET_MS),
    Op("lead list, follow-ups due [head]", "head", "/customers/leads/", {"overdue": "1"}, PAGE_TARGET_MS),
    Op("key-account candidate proposal [head]", "head", "/customers/key-accounts/candidates/", {}, PAGE_TARGET_MS),
    Op("key-account candidate proposal [gm]", "gm", "/customers/key-accounts/candidates/", {}, PAGE_TARGET_MS),
    Op("key-account approval queue [head]", "head", "/customers/key-accounts/", {"show": "mine"}, PAGE_TARGET_MS),
    Op("key-account approval queue [gm]", "gm", "/customers/key-accounts/", {"show": "mine"}, PAGE_TARGET_MS),
]
