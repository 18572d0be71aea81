"""Reads of complaints by who asks (SPEC §5.2): the registrar, the handler, the customer's owner, clerks
and heads of the customer's team, the GM. Lists filter by step, subject, department, SLA state, period."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from complaints.models import OPEN_STATES, Complaint, State
from complaints.policies import TEAM_ROLES
from crm.roles import Role, has_role
from customers.policies import is_identity_only, team_ids

SLA_FILTERS = ("reply_breached", "implement_breached", "breached", "approaching")


def complaint_access_q(user) -> Q | None:
    """None: every complaint (the GM)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or is_identity_only(user):
        return Q(pk__in=[])
    if has_role(user, Role.GM):
        return None
    q = Q(registered_by=user) | Q(handler=user) | Q(customer__owner=user)
    teams = team_ids(user) if has_role(user, *TEAM_ROLES) else []
    if teams:
        q |= Q(customer__team_id__in=teams)
    return q


def complaints_visible_to(user) -> QuerySet[Complaint]:
    qs = Complaint.objects.select_related("customer", "department", "handler", "registered_by")
    q = complaint_access_q(user)
    return qs if q is None else qs.filter(q)


def complaint_list(user, *, state: str = "", subject: str = "", department: str = "", sla: str = "",
                   start: dt.date | None = None, end: dt.date | None = None, now: dt.datetime | None = None
                   ) -> QuerySet[Complaint]:
    now = now or timezone.now()
    qs = complaints_visible_to(user)
    if state in State.values:
        qs = qs.filter(state=state)
    elif state == "open":
        qs = qs.filter(state__in=OPEN_STATES)
    if subject:
        qs = qs.filter(subject=subject)
    if department:
        qs = qs.filter(department_id=department) if str(department).isdigit() else qs.none()
    if start:
        qs = qs.filter(received_at__date__gte=start)
    if end:
        qs = qs.filter(received_at__date__lte=end)
    reply_breached = Q(state__in=OPEN_STATES, first_reply_at__isnull=True, reply_due_at__lt=now)
    implement_breached = Q(state__in=OPEN_STATES, implemented_at__isnull=True, implement_due_at__lt=now)
    if sla == "reply_breached":
        qs = qs.filter(reply_breached)
    elif sla == "implement_breached":
        qs = qs.filter(implement_breached)
    elif sla == "breached":
        qs = qs.filter(reply_breached | implement_breached)
    elif sla == "approaching":
        from crm.rules import rule_value

        # Calendar hours as a bound the database can use; the page marks the exact working-hour state.
        soon = now + dt.timedelta(hours=max(rule_value("COMPLAINT_APPROACHING_WORKING_HOURS"), 0) * 3)
        qs = qs.filter(Q(state__in=OPEN_STATES) & (
            Q(first_reply_at__isnull=True, reply_due_at__gte=now, reply_due_at__lte=soon)
            | Q(implemented_at__isnull=True, implement_due_at__gte=now, implement_due_at__lte=soon)))
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
