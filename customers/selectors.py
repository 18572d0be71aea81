"""Reads of customer archives. Every door (pages, API, admin, search, exports, files, reports)
asks these functions which archives a user may read: one rule, held everywhere (SPEC §8)."""

from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from crm.roles import ADMIN_ROLE, ARCHIVE_KEEPER_ROLES, STAFF_ROLES, Role, has_role, role_names, sees_everything
from customers.models import AccessGrant, AccessRequest, Customer, LibraryDocument

_IN_CHUNK = 900  # ids per IN (...) query: below SQLite's historical 999-variable limit


def _team_ids(user) -> list[int]:
    cached = getattr(user, "_crm_team_ids", None)
    if cached is None:
        cached = list(user.teams.values_list("id", flat=True))
        user._crm_team_ids = cached
    return cached


def customer_access_q(user) -> Q | None:
    """The filter of the archives `user` may read; None means every archive.

    Account managers read their own customers; clerks and department heads the archives of their
    teams; GM, credit officers and admins all; anyone may read an archive while a grant lasts.
    Users who are only `integration` accounts may look every customer up, identity fields only (the
    API narrows them, every other door is closed to them); a person who also holds another role reads
    by that role, never by the integration role.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    if sees_everything(user) or is_identity_only(user):
        return None
    q = Q(owner=user)
    if has_role(user, Role.CLERK, Role.DEPT_HEAD):
        team_ids = _team_ids(user)
        if team_ids:
            q |= Q(team_id__in=team_ids)
    q |= Q(pk__in=AccessGrant.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=timezone.now())
           .values("customer_id"))
    return q


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


def can_read_customer(user, customer: Customer | int) -> bool:
    """Whether `user` may read the archive (a Customer or its id)."""
    q = customer_access_q(user)
    pk = getattr(customer, "pk", customer)
    return q is None or Customer.objects.filter(q, pk=pk).exists()


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


def user_is_team_staff_of(user, customer: Customer, *roles: str) -> bool:
    """Whether `user` holds one of `roles` and belongs to the customer's team."""
    return bool(customer.team_id and has_role(user, *roles) and customer.team_id in _team_ids(user))


def can_edit_customer(user, customer: Customer) -> bool:
    """The owner, the clerks and heads of its team, the GM and admins edit an archive."""
    if has_role(user, Role.GM, ADMIN_ROLE):
        return True
    if customer.owner_id == user.pk and has_role(user, Role.ACCOUNT_MANAGER, Role.CLERK, Role.DEPT_HEAD):
        return True
    return user_is_team_staff_of(user, customer, Role.CLERK, Role.DEPT_HEAD)


def can_handover_customer(user, customer: Customer) -> bool:
    """Clerks and heads of the customer's team, the GM and admins reassign owners."""
    if has_role(user, Role.GM, ADMIN_ROLE):
        return True
    return user_is_team_staff_of(user, customer, Role.CLERK, Role.DEPT_HEAD)


def can_see_sensitive_personal(user, customer: Customer) -> bool:
    """Contacts' personal data: owner, clerks and heads of the customer's team, the GM (SPEC §8)."""
    if has_role(user, Role.GM, ADMIN_ROLE):
        return True
    if customer.owner_id == user.pk and not has_role(user, Role.INTEGRATION):
        return True
    return user_is_team_staff_of(user, customer, Role.CLERK, Role.DEPT_HEAD)


def can_see_financials(user, customer: Customer) -> bool:
    """Financials: as personal data, and credit officers too."""
    return can_see_sensitive_personal(user, customer) or has_role(user, Role.CREDIT_OFFICER)


def is_identity_only(user) -> bool:
    """Integration users see identity fields only (SPEC §8 narrow doors)."""
    roles = role_names(user)
    return Role.INTEGRATION in roles and not (roles - {Role.INTEGRATION})


def department_heads_of(customer: Customer):
    """Who grants access to an archive: the department heads of the owner's teams and the customer's
    team (team heads and dept_head members). The inverse of decidable_customers_q."""
    from crm.models import User

    team_ids = set(customer.owner.teams.values_list("id", flat=True))
    if customer.team_id:
        team_ids.add(customer.team_id)
    return User.objects.filter(is_active=True).filter(
        Q(headed_teams__in=team_ids) | Q(teams__in=team_ids, groups__name=Role.DEPT_HEAD)
    ).distinct()


def decides_access(user) -> bool:
    """Department heads, the GM and admins decide access requests (SPEC §8)."""
    return has_role(user, Role.DEPT_HEAD, Role.GM, ADMIN_ROLE)


def decidable_customers_q(user, prefix: str = "") -> Q | None:
    """The archives whose access `user` decides, as a filter (`prefix` reaches the customer from
    another model): None means every archive (GM, admins); an empty filter for users who decide
    nothing. A department head decides for the archives of the teams they belong to or head, and for
    those whose owner belongs to one of these teams."""
    if has_role(user, Role.GM, ADMIN_ROLE):
        return None
    if not has_role(user, Role.DEPT_HEAD):
        return Q(pk__in=[])
    team_ids = set(user.teams.values_list("id", flat=True)) | set(user.headed_teams.values_list("id", flat=True))
    return Q(**{f"{prefix}team_id__in": team_ids}) | Q(**{f"{prefix}owner__teams__in": team_ids})


def can_grant_access(user, customer: Customer) -> bool:
    q = decidable_customers_q(user)
    return q is None or Customer.objects.filter(q, pk=customer.pk).exists()


def _of_decidable_customers(qs: QuerySet, user) -> QuerySet:
    q = decidable_customers_q(user, "customer__")
    if q is None:
        return qs
    # Through the pk, as the owner's teams join may repeat a row.
    return qs.filter(pk__in=qs.model.objects.filter(q).values("pk"))


def access_requests_decidable_by(user) -> QuerySet[AccessRequest]:
    """The access requests `user` may decide: those of the archives whose access they decide (GM: all)."""
    return _of_decidable_customers(
        AccessRequest.objects.select_related("customer__owner", "requester", "decided_by"), user)


def access_grants_revocable_by(user) -> QuerySet[AccessGrant]:
    """The grants `user` may revoke (the same heads who may give them)."""
    return _of_decidable_customers(AccessGrant.objects.select_related("customer__owner", "user", "granted_by"), user)


def can_check_sections(user, customer: Customer) -> bool:
    """Who checks data supplied by customers or the freight system: the clerks and heads of the
    customer's team, the GM, admins (among those who may edit the archive)."""
    return has_role(user, *ARCHIVE_KEEPER_ROLES) and can_edit_customer(user, customer)


# --- The shared document library (文档与知识) ------------------------------------------------------

# The library is for the department's staff; integration accounts and the club office do not see it.
LIBRARY_ROLES = STAFF_ROLES
LIBRARY_CONFIRM_ROLES = ARCHIVE_KEEPER_ROLES


def can_use_library(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and has_role(user, *LIBRARY_ROLES))


def can_confirm_library(user) -> bool:
    return can_use_library(user) and has_role(user, *LIBRARY_CONFIRM_ROLES)


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
