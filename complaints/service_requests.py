"""Inquiries and service requests (SPEC §5.1): registration from a call, escalation, the answer and the
customer's score, on the workflow kit; queues per user and per team; reminders of unanswered ones."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from complaints.models import ServiceRequest, ServiceRequestLog
from complaints.policies import REGISTER_ROLES, SERVICE_ROLES
from crm.exceptions import ApplicationError, PermissionDeniedError
from crm.jobs import job_key
from crm.models import User
from crm.notifications import notify
from crm.roles import Role, has_role
from crm.workflow import Action, Workflow
from customers.models import Customer
from customers.policies import is_identity_only, team_ids

State = ServiceRequest.State
UNANSWERED_REMINDER_HOURS = 4
REMINDER_JOB = "service-request-unanswered"


def requests_visible_to(user) -> QuerySet[ServiceRequest]:
    qs = ServiceRequest.objects.select_related("customer", "assignee", "registered_by", "escalated_to")
    if not getattr(user, "is_authenticated", False) or is_identity_only(user):
        return qs.none()
    if has_role(user, Role.GM):
        return qs
    q = Q(registered_by=user) | Q(assignee=user) | Q(escalated_to=user) | Q(customer__owner=user)
    teams = team_ids(user) if has_role(user, Role.CLERK, Role.DEPT_HEAD) else []
    if teams:
        q |= Q(customer__team_id__in=teams)
    return qs.filter(q)


def request_queue(user, *, team: bool = False) -> QuerySet[ServiceRequest]:
    """My open requests (assigned or escalated to me), or those of my teams' customers."""
    qs = requests_visible_to(user).filter(state__in=[State.OPEN, State.ESCALATED])
    if team:
        return qs.filter(customer__team_id__in=team_ids(user))
    return qs.filter(Q(assignee=user, state=State.OPEN) | Q(escalated_to=user, state=State.ESCALATED))


@transaction.atomic
def service_request_register(*, user: User, customer: Customer, request_type: str, question: str,
                             assignee: User | None = None, received_at: dt.datetime | None = None,
                             **fields) -> ServiceRequest:
    if not has_role(user, *REGISTER_ROLES) or is_identity_only(user):
        raise PermissionDeniedError(_("You may not register service requests."))
    request = ServiceRequest(customer=customer, registered_by=user, assignee=assignee or user,
                             request_type=request_type, question=question, received_at=received_at or timezone.now(),
                             **fields)
    request.full_clean()
    request.save()
    REQUEST_FLOW.log(request, action="register", user=user, to_state=request.state)
    return request


class EscalateInput(serializers.Serializer):
    to = serializers.IntegerField(min_value=1, required=False, help_text="The superior's user id.")
    department = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=300)


class AnswerInput(serializers.Serializer):
    result = serializers.CharField(max_length=4000)


class ScoreInput(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5)


def _may_work(user, request) -> bool:
    return has_role(user, *SERVICE_ROLES) or request.escalated_to_id == user.pk


def _first_response(request) -> list[str]:
    if request.first_response_at is None:
        request.first_response_at = timezone.now()
        return ["first_response_at"]
    return []


def _escalate(request, *, user, data, comment) -> list[str]:
    target = User.objects.filter(pk=data.get("to"), is_active=True).first() if data.get("to") else None
    if target is None and not (data.get("department") or "").strip():
        raise ApplicationError(_("Escalate to a person or a department."), field="to")
    request.escalated_to, request.escalated_department = target, (data.get("department") or "").strip()
    request.escalation_reason = data["reason"]
    return ["escalated_to", "escalated_department", "escalation_reason", *_first_response(request)]


def _answer(request, *, user, data, comment) -> list[str]:
    request.result, request.answered_at = data["result"], timezone.now()
    return ["result", "answered_at", *_first_response(request)]


def _score(request, *, user, data, comment) -> list[str]:
    request.score = data["score"]
    return ["score"]


REQUEST_FLOW = Workflow(
    model=ServiceRequest, log_model=ServiceRequestLog, state_field="state",
    moved_on=gettext_lazy("This request has moved on since you opened it: reload it."),
    actions=[
        Action("escalate", gettext_lazy("Escalate"), sources=[State.OPEN], target=State.ESCALATED, guard=_may_work,
               apply=_escalate, fields=EscalateInput, style="outline-warning"),
        Action("answer", gettext_lazy("Give the result"), sources=[State.OPEN, State.ESCALATED],
               target=State.ANSWERED, guard=_may_work, apply=_answer, fields=AnswerInput, style="success"),
        Action("score", gettext_lazy("Record the customer's score"), sources=[State.ANSWERED], target=State.CLOSED,
               guard=_may_work, apply=_score, fields=ScoreInput),
    ],
)
REGISTER_LABEL = gettext_lazy("Registered")


def service_request_act(*, request: ServiceRequest, user: User, action: str, data: dict | None = None,
                        comment: str = "") -> ServiceRequest:
    return REQUEST_FLOW.transition(request, action=action, user=user, comment=comment, data=data or {})


def unanswered_request_reminders_send(*, now: dt.datetime | None = None) -> int:
    """One reminder per request still without a response after UNANSWERED_REMINDER_HOURS, to whoever holds it."""
    now = now or timezone.now()
    stale = (ServiceRequest.objects.filter(state__in=[State.OPEN, State.ESCALATED], first_response_at__isnull=True,
                                           received_at__lt=now - dt.timedelta(hours=UNANSWERED_REMINDER_HOURS))
             .select_related("assignee", "customer"))
    sent = 0
    for request in stale.iterator(chunk_size=500):
        notice = notify(recipient=request.assignee, title=gettext_lazy("Unanswered service request #%(id)s: %(name)s"),
                        params={"id": request.pk, "name": request.customer.name},
                        url=reverse("complaints:request_detail", args=[request.pk]),
                        dedupe_key=job_key(REMINDER_JOB, request.pk))
        sent += notice is not None
    return sent
