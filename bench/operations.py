"""The operations `make bench` times, as each role meets them. Adding one is a line here (or, for an
app, a module `<app>/bench_operations.py` with `OPERATIONS = [...]`, found through INSTALLED_APPS):

    Op("interactions list", "clerk", "/interactions/", target_ms=150),
    Op("API orders", "integration", "/api/v1/orders/", {"page_size": 100}, target_ms=150),

`as_` is one of the personas of bench/run.py (gm, clerk, head, manager, credit, integration); the path
may hold `{customer}`, replaced by an archive that persona may read, and `{fragment}` (a part of a
company name), `{contact}` (a contact's name), `{mobile}` (a mobile prefix), `{phone}` (a company phone
prefix, with its area code) chosen from the data. The integration persona authenticates with its
API token, the others with a session, all through the WSGI application.
"""

from dataclasses import dataclass, field

PAGE_TARGET_MS = 150
SEARCH_TARGET_MS = 200
SUMMARY_TARGET_MS = 300


@dataclass(frozen=True)
class Op:
    name: str
    as_: str
    path: str
    params: dict = field(default_factory=dict)
    target_ms: int = PAGE_TARGET_MS


STAFF = ("gm", "clerk", "head", "manager")

OPERATIONS: list[Op] = [
    *[Op(f"customer list [{who}]", who, "/customers/") for who in STAFF],
    Op("customer list page 40 [clerk]", "clerk", "/customers/", {"page": 40}),
    Op("customer list sorted by territory [gm]", "gm", "/customers/", {"sort": "-region"}),
    Op("customer list filtered stage+region [head]", "head", "/customers/", {"stage": "lost", "region": "华东"}),
    Op("customer list grouped by owner [clerk]", "clerk", "/customers/", {"group_by": "owner"}),
    Op("customer card [manager]", "manager", "/customers/{customer}/"),
    Op("customer card [clerk]", "clerk", "/customers/{customer}/"),
    *[Op(f"search name fragment [{who}]", who, "/customers/", {"q": "{fragment}"}, SEARCH_TARGET_MS)
      for who in STAFF],
    Op("search contact name [clerk]", "clerk", "/customers/", {"q": "{contact}"}, SEARCH_TARGET_MS),
    Op("search contact name [gm]", "gm", "/customers/", {"q": "{contact}"}, SEARCH_TARGET_MS),
    Op("search mobile prefix [clerk]", "clerk", "/customers/", {"q": "{mobile}"}, SEARCH_TARGET_MS),
    Op("search mobile prefix [gm]", "gm", "/customers/", {"q": "{mobile}"}, SEARCH_TARGET_MS),
    Op("search phone with area code [manager]", "manager", "/customers/", {"q": "{phone}"}, SEARCH_TARGET_MS),
    *[Op(f"classification summary [{who}]", who, "/customers/classification/", {}, SUMMARY_TARGET_MS)
      for who in ("gm", "clerk")],
    Op("API customer list 100 [gm]", "gm", "/api/v1/customers/", {"page_size": 100}),
    Op("API customer list 200 [clerk]", "clerk", "/api/v1/customers/", {"page_size": 200}),
    Op("API customer list 100 [integration]", "integration", "/api/v1/customers/", {"page_size": 100}),
    Op("API customer search [integration]", "integration", "/api/v1/customers/", {"q": "{fragment}"},
       SEARCH_TARGET_MS),
    Op("API customer detail [manager]", "manager", "/api/v1/customers/{customer}/"),
    Op("API business records of a customer [manager]", "manager", "/api/v1/business-records/",
       {"customer": "{customer}"}),
]
