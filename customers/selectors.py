"""Reads of customer archives. Every door (pages, API, admin, search, exports, files, reports)
asks these functions which archives a user may read: one rule, held everywhere (SPEC §8)."""

from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.http import Http404

from crm.roles import Role
from customers.models import AccessGrant, AccessRequest, Customer, LibraryDocument
from customers.policies import can_use_library, customer_access_q, decidable_customers_q, is_identity_only

_IN_CHUNK = 900  # ids per IN (...) query: below SQLite's historical 999-variable limit


def customers_visible_to(user, *, include_inactive: bool = True) -> QuerySet[Customer]:
    qs = Customer.objects.all()
    q = customer_access_q(user)
    if q is not None:
        qs = qs.filter(q)
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs


def customer_get_for_user(user, pk, *, queryset: QuerySet[Customer] | None = None) -> Customer:
    """The archive, or Http404 when it does not exist or the user may not read it."""
    qs = queryset if queryset is not None else Customer.objects.all()
    q = customer_access_q(user)
    if q is not None:
        qs = qs.filter(q)
    try:
        return qs.get(pk=pk)
    except (Customer.DoesNotExist, ValueError, TypeError):
        raise Http404("No such customer")


def readable_customer_ids(user, customer_ids: Iterable[int]) -> set[int] | None:
    """Which of these archives `user` may read; None means all of them."""
    q = customer_access_q(user)
    if q is None:
        return None
    ids = list(set(customer_ids))
    readable: set[int] = set()
    for start in range(0, len(ids), _IN_CHUNK):
        readable |= set(Customer.objects.filter(q, pk__in=ids[start:start + _IN_CHUNK]).values_list("pk", flat=True))
    return readable


def customer_list(*, user, filters: dict | None = None, include_inactive: bool = False) -> QuerySet[Customer]:
    """The working list: readable archives (active ones unless asked), filtered by CustomerFilter,
    with what the list shows joined in."""
    from customers.filters import CustomerFilter

    qs = customers_visible_to(user, include_inactive=include_inactive or bool((filters or {}).get("is_active")))
    qs = qs.select_related("owner", "team", "industry", "nature", "region", "route")
    if filters:
        qs = CustomerFilter(filters, queryset=qs).qs
    return qs


def department_heads_of(customer: Customer):
    """Who grants access to an archive: the department heads of the owner's teams and the customer's
    team (team heads and dept_head members). The inverse of decidable_customers_q."""
    from crm.models import User

    teams = set(customer.owner.teams.values_list("id", flat=True))
    if customer.team_id:
        teams.add(customer.team_id)
    return User.objects.filter(is_active=True).filter(
        Q(headed_teams__in=teams) | Q(teams__in=teams, groups__name=Role.DEPT_HEAD)
    ).distinct()


def _of_decidable_customers(qs: QuerySet, user) -> QuerySet:
    q = decidable_customers_q(user, "customer__")
    if q is None:
        return qs
    # Through the pk, as the owner's teams join may repeat a row.
    return qs.filter(pk__in=qs.model.objects.filter(q).values("pk"))


def access_requests_decidable_by(user) -> QuerySet[AccessRequest]:
    """The access requests `user` may decide: those of the archives whose access they decide (GM: all).
    A request naming no archive (customers/access_requests.py records those too) is nobody's to decide."""
    return _of_decidable_customers(AccessRequest.objects.filter(customer__isnull=False).select_related(
        "customer__owner", "requester", "decided_by"), user)


def access_grants_revocable_by(user) -> QuerySet[AccessGrant]:
    """The grants `user` may revoke (the same heads who may give them)."""
    return _of_decidable_customers(AccessGrant.objects.select_related("customer__owner", "user", "granted_by"), user)


# --- The shared document library (文档与知识) ------------------------------------------------------

def library_document_list(*, user, q: str = "", category: str = "",
                          confirmed: bool | None = None) -> QuerySet[LibraryDocument]:
    """The library as `user` may see it (everything for staff, nothing for others), searched and filtered."""
    if not can_use_library(user):
        return LibraryDocument.objects.none()
    qs = LibraryDocument.objects.select_related("uploaded_by", "confirmed_by")
    for word in (q or "").split():
        qs = qs.filter(Q(title__icontains=word) | Q(description__icontains=word) | Q(keywords__icontains=word))
    if category:
        qs = qs.filter(category=category)
    if confirmed is not None:
        qs = qs.filter(is_confirmed=confirmed)
    return qs


def customer_brief_get(user, pk) -> tuple[Customer, frozenset]:
    """The archive and the scopes through which `user` may see it: every scope for a reader of the
    archive, else those an app's narrow door grants (crm.narrow_access: a complaint handler, the club
    office). Http404 when neither lets the user see it."""
    from crm.narrow_access import Scope, narrow_scopes

    try:
        customer = customer_get_for_user(user, pk)
    except Http404:
        customer = None
    if customer is not None and not is_identity_only(user):
        return customer, frozenset(Scope)
    try:
        number = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such customer")
    scopes = narrow_scopes(user, number)
    if not scopes:
        raise Http404("No such customer")
    try:
        return Customer.objects.get(pk=number), scopes
    except Customer.DoesNotExist:
        raise Http404("No such customer")
