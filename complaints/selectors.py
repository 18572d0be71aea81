"""Reads of complaints by who asks (SPEC §5.2): the registrar, the handler, the customer's owner, clerks
and heads of the customer's team, the GM. Lists filter by step, subject, department, SLA state, period."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from complaints.models import OPEN_STATES, Complaint, State
from complaints.policies import TEAM_ROLES
from crm.roles import Role, has_role
from customers.models import Customer
from customers.policies import is_identity_only, team_ids

SLA_FILTERS = ("reply_breached", "implement_breached", "breached", "approaching")


def complaint_access_branches(user) -> list[Q] | None:
    """Who may see a complaint, as separate conditions an index serves each: the registrar, the handler, the
    customer's owner or team. None: every complaint (the GM); []: none."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or is_identity_only(user):
        return []
    if has_role(user, Role.GM):
        return None
    customers = Q(owner=user)
    teams = team_ids(user) if has_role(user, *TEAM_ROLES) else []
    if teams:
        customers |= Q(team_id__in=teams)
    return [Q(registered_by=user), Q(handler=user),
            Q(customer_id__in=Customer.objects.filter(customers).order_by().values("pk"))]


def complaints_visible_to(user, where: Q | None = None) -> QuerySet[Complaint]:
    """The complaints `user` may see (of those matching `where`). The access rule's branches are read apart
    and joined by UNION, each with `where` inside: an OR across the customer join makes PostgreSQL read every
    complaint of the period (a department head's year of statistics: 63 ms a query instead of 15)."""
    qs = Complaint.objects.select_related("customer", "department", "handler", "registered_by")
    branches = complaint_access_branches(user)
    if branches is None:
        return qs if where is None else qs.filter(where)
    if not branches:
        return qs.none()
    # `where` is not repeated outside: the planner would count its selectivity twice, expect two rows and
    # join them to every user (66 ms for a clerk's breached complaints instead of 25).
    plain = Complaint.objects.filter(where or Q()).order_by().values("pk")
    first, *rest = (plain.filter(branch) for branch in branches)
    return qs.filter(pk__in=first.union(*rest))


def complaint_list(user, *, state: str = "", subject: str = "", department: str = "", sla: str = "",
                   start: dt.date | None = None, end: dt.date | None = None, now: dt.datetime | None = None
                   ) -> QuerySet[Complaint]:
    now = now or timezone.now()
    where = Q()
    if state in State.values:
        where &= Q(state=state)
    elif state == "open":
        where &= Q(state__in=OPEN_STATES)
    if subject:
        where &= Q(subject=subject)
    if department:
        where &= Q(department_id=department) if str(department).isdigit() else Q(pk__in=[])
    if start:
        where &= Q(received_at__date__gte=start)
    if end:
        where &= Q(received_at__date__lte=end)
    reply_breached = Q(state__in=OPEN_STATES, first_reply_at__isnull=True, reply_due_at__lt=now)
    implement_breached = Q(state__in=OPEN_STATES, implemented_at__isnull=True, implement_due_at__lt=now)
    if sla == "reply_breached":
        where &= reply_breached
    elif sla == "implement_breached":
        where &= implement_breached
    elif sla == "breached":
        where &= reply_breached | implement_breached
    elif sla == "approaching":
        from crm.rules import rule_value

        # Calendar hours as a bound the database can use; the page marks the exact working-hour state.
        soon = now + dt.timedelta(hours=max(rule_value("COMPLAINT_APPROACHING_WORKING_HOURS"), 0) * 3)
        where &= Q(state__in=OPEN_STATES) & (
            Q(first_reply_at__isnull=True, reply_due_at__gte=now, reply_due_at__lte=soon)
            | Q(implemented_at__isnull=True, implement_due_at__gte=now, implement_due_at__lte=soon))
    # The filters go inside each branch of the access rule: a clerk's team holds 12,000 archives.
    qs = complaints_visible_to(user, where)
    return qs.order_by("-received_at", "-id")


def complaints_waiting_on(user) -> QuerySet[Complaint]:
    """What waits for `user`'s action: steps 4, 5, 8 for the handler; step 6 for heads of the customer's
    team; step 7 for the GM; step 9 for heads and the GM; steps 2–3 for customer-service staff of the team."""
    qs = complaints_visible_to(user)
    waiting = Q(handler=user, state__in=[State.ANALYSE, State.PROPOSE, State.IMPLEMENT])
    teams = team_ids(user)
    if has_role(user, Role.DEPT_HEAD):
        waiting |= Q(state__in=[State.APPROVE_DIVISION, State.REVIEW], customer__team_id__in=teams)
    if has_role(user, Role.GM):
        waiting |= Q(state__in=[State.APPROVE_GM, State.REVIEW])
    if has_role(user, Role.CLERK, Role.ACCOUNT_MANAGER):
        waiting |= Q(state__in=[State.JUDGE, State.ASSIGN]) & (Q(registered_by=user) | Q(customer__owner=user)
                                                               | Q(customer__team_id__in=teams))
    return qs.filter(waiting).order_by("received_at", "id")
