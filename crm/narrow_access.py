"""The access hook: how an app grants narrow read access to a customer (SPEC §8's narrow doors).

The archive's own rule (owner, team, grant, role) lives in customers.selectors. Other apps give some
people a narrow view of a customer they may not read in full: the club office sees the identity and
contacts of member customers; a complaint handler sees the customer's name, code and contacts' work
phones. Such an app registers a provider from its AppConfig.ready():

    register_narrow_access(
        "complaint_handler",
        customer_ids=lambda user: Complaint.objects.filter(handler=user).values("customer_id"),
        scopes={Scope.IDENTITY, Scope.CONTACT_WORK_PHONES},
    )

`customer_ids(user)` returns a queryset of customer ids (a subquery: it is never evaluated in Python)
or None when the provider grants the user nothing. customers.selectors asks every provider through
`narrow_scopes()`, so crm never imports an app and no app imports another to widen access.
"""

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class Scope(StrEnum):
    """What of a customer a narrow door shows."""

    IDENTITY = "identity"  # name, short name, code, address, phone (no financials, no classification)
    CONTACTS = "contacts"  # contacts' names, titles, departments, work phones and e-mails
    CONTACT_WORK_PHONES = "contact_work_phones"  # contacts' names and work phones only


@dataclass(frozen=True)
class NarrowAccess:
    name: str
    customer_ids: Callable
    scopes: frozenset[Scope]


PROVIDERS: dict[str, NarrowAccess] = {}


def register_narrow_access(name: str, *, customer_ids: Callable, scopes) -> NarrowAccess:
    provider = NarrowAccess(name=name, customer_ids=customer_ids, scopes=frozenset(Scope(s) for s in scopes))
    PROVIDERS[name] = provider
    return provider


def unregister_narrow_access(name: str) -> None:
    PROVIDERS.pop(name, None)


def narrow_grants(user) -> list[tuple[NarrowAccess, object]]:
    """(provider, customer-id subquery) for every provider that grants `user` something."""
    grants = []
    for provider in PROVIDERS.values():
        ids = provider.customer_ids(user)
        if ids is not None:
            grants.append((provider, ids))
    return grants


def narrow_scopes(user, customer_id: int) -> frozenset[Scope]:
    """The scopes through which `user` may see customer `customer_id` narrowly (one query per
    provider that grants the user something)."""
    scopes: set[Scope] = set()
    for provider, ids in narrow_grants(user):
        if provider.scopes - scopes and _contains(ids, customer_id):
            scopes |= provider.scopes
    return frozenset(scopes)


def _contains(ids, customer_id: int) -> bool:
    if isinstance(ids, list | set | tuple | frozenset):
        return customer_id in ids
    # A values() queryset of one column: filter it by that column.
    field = ids.query.values_select[0] if ids.query.values_select else "pk"
    return ids.filter(**{field: customer_id}).exists()
