"""Reads of customer archives. Every door (pages, API, admin, search, exports, files, reports)
asks these functions which archives a user may read: one rule, held everywhere (SPEC §8)."""

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from crm.roles import ADMIN_ROLE, Role, has_role, role_names, sees_everything
from customers.models import AccessGrant, Customer


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
    `integration` users may look every customer up, identity fields only (the API narrows them).
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    if sees_everything(user) or has_role(user, Role.INTEGRATION):
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
    team (team heads and dept_head members)."""
    from crm.models import User

    team_ids = set(customer.owner.teams.values_list("id", flat=True))
    if customer.team_id:
        team_ids.add(customer.team_id)
    return User.objects.filter(is_active=True).filter(
        Q(headed_teams__in=team_ids) | Q(teams__in=team_ids, groups__name=Role.DEPT_HEAD)
    ).distinct()


def can_grant_access(user, customer: Customer) -> bool:
    if has_role(user, Role.GM, ADMIN_ROLE):
        return True
    return has_role(user, Role.DEPT_HEAD) and department_heads_of(customer).filter(pk=user.pk).exists()
