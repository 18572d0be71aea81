"""Writes of complaints (SPEC §5.2): registration with its two clocks, and the nine steps on the workflow
kit. Every step locks the complaint row: of two people acting at once exactly one succeeds, the other is
told the complaint has moved on (409)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from complaints import policies, sla
from complaints.models import (
    OPEN_STATES,
    Channel,
    Complaint,
    ComplaintDepartment,
    ComplaintLog,
    Penalty,
    RemedyType,
    RoutingRule,
    State,
)
from complaints.sla import implement_due, reply_due
from crm.exceptions import ApplicationError, PermissionDeniedError
from crm.models import User
from crm.workflow import Action, Workflow
from customers.models import Customer

TEXT = {"max_length": 4000}


# --- The steps' inputs (the API's action bodies; the pages' forms carry the same names) ----------------

class ReplyInput(serializers.Serializer):
    text = serializers.CharField(**TEXT)


class JudgeInput(serializers.Serializer):
    valid = serializers.BooleanField()
    text = serializers.CharField(required=False, allow_blank=True, default="", **TEXT,
                                 help_text="For a complaint that is not valid: the courteous explanation (the reply).")


class AssignInput(serializers.Serializer):
    department = serializers.CharField(required=False, allow_blank=True, default="", max_length=100,
                                       help_text="A department's name; default: the subject's routing rule.")
    handler = serializers.IntegerField(min_value=1, help_text="The handler's user id.")


class AnalyseInput(serializers.Serializer):
    cause = serializers.CharField(**TEXT)
    responsible = serializers.CharField(max_length=200)


class ProposeInput(serializers.Serializer):
    remedy_type = serializers.ChoiceField(choices=RemedyType.choices)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0"), required=False,
                                      allow_null=True)
    loss = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0"), required=False,
                                    allow_null=True)


class PenaltyInput(serializers.Serializer):
    person = serializers.CharField(max_length=100)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0"))
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ImplementInput(serializers.Serializer):
    text = serializers.CharField(**TEXT)
    customer_notified = serializers.BooleanField()
    feedback = serializers.CharField(required=False, allow_blank=True, default="", **TEXT)
    penalty = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0"), required=False,
                                       allow_null=True, help_text="A penalty on the direct responsible person.")
    penalties = PenaltyInput(many=True, required=False)


class ReviewInput(serializers.Serializer):
    text = serializers.CharField(**TEXT)


class ReturnVisitInput(serializers.Serializer):
    satisfaction = serializers.IntegerField(min_value=1, max_value=5)
    text = serializers.CharField(required=False, allow_blank=True, default="", **TEXT)


# --- Registration ------------------------------------------------------------------------------------

@transaction.atomic
def complaint_register(*, user: User, customer: Customer, subject: str, description: str,
                       received_at: dt.datetime | None = None, channel: str = Channel.HOTLINE, demand: str = "",
                       complainant: str = "", contact: str = "", about: str = "", shipment_no: str = "",
                       contract_no: str = "") -> Complaint:
    """Record a complaint (step 1) for any customer; the clocks start at its receipt."""
    if not policies.can_register(user):
        raise PermissionDeniedError(_("You may not register complaints."))
    received_at = received_at or timezone.now()
    if received_at > timezone.now() + dt.timedelta(minutes=5):
        raise ApplicationError(_("A complaint cannot be received in the future."), field="received_at")
    complaint = Complaint(
        customer=customer, registered_by=user, received_at=received_at, channel=channel, subject=subject,
        description=description, demand=demand, complainant=complainant, contact=contact, about=about,
        shipment_no=shipment_no, contract_no=contract_no, reply_due_at=reply_due(received_at),
        implement_due_at=implement_due(received_at))
    complaint.full_clean()
    complaint.save()
    COMPLAINT_FLOW.log(complaint, action="register", user=user, to_state=complaint.state, comment=description[:500])
    return complaint


# --- The steps ---------------------------------------------------------------------------------------

def _reply(complaint: Complaint, *, user, data, comment) -> list[str]:
    complaint.reply_text = data["text"]
    fields = ["reply_text"]
    if complaint.first_reply_at is None:
        complaint.first_reply_at = timezone.now()
        fields.append("first_reply_at")
    return fields + sla.stamp_durations(complaint)


def _judge_target(complaint: Complaint, data) -> str:
    return State.ASSIGN if data.get("valid") else State.REJECTED


def _judge(complaint: Complaint, *, user, data, comment) -> list[str]:
    complaint.is_valid, complaint.judged_at = bool(data["valid"]), timezone.now()
    fields = ["is_valid", "judged_at"]
    if not data["valid"]:
        if not (data.get("text") or "").strip():
            raise ApplicationError(_("Write the courteous explanation for the customer: it is the reply."),
                                   field="text")
        fields += _reply(complaint, user=user, data=data, comment=comment)
        complaint.closed_at = timezone.now()
        fields.append("closed_at")
        fields += sla.stamp_durations(complaint)
    return fields


def default_department(subject: str) -> ComplaintDepartment | None:
    rule = RoutingRule.objects.select_related("department").filter(subject=subject).first()
    return rule.department if rule else None


def _assign(complaint: Complaint, *, user, data, comment) -> list[str]:
    name = (data.get("department") or "").strip()
    if name:
        department = ComplaintDepartment.objects.filter(name=name, is_active=True).first()
        if department is None:
            raise ApplicationError(_("No complaint department is called “%(name)s”.") % {"name": name},
                                   field="department")
    else:
        department = default_department(complaint.subject)
        if department is None:
            raise ApplicationError(_("No routing rule for this subject: name the department."), field="department")
    handler = User.objects.filter(pk=data.get("handler"), is_active=True).first()
    if handler is None or not handler.groups.exists():
        raise ApplicationError(_("The handler must be an active user of the department."), field="handler")
    complaint.department, complaint.handler, complaint.assigned_at = department, handler, timezone.now()
    return ["department", "handler", "assigned_at"]


def _analyse(complaint: Complaint, *, user, data, comment) -> list[str]:
    complaint.cause, complaint.responsible, complaint.analysed_at = data["cause"], data["responsible"], timezone.now()
    return ["cause", "responsible", "analysed_at", *sla.stamp_durations(complaint)]


def _propose(complaint: Complaint, *, user, data, comment) -> list[str]:
    complaint.remedy_type, complaint.remedy_amount, complaint.loss = (
        data["remedy_type"], data.get("amount"), data.get("loss"))
    # A remedy proposed again (after a send-back) goes through both approvals again.
    complaint.division_approved_by = complaint.gm_approved_by = None
    return ["remedy_type", "remedy_amount", "loss", "division_approved_by", "gm_approved_by"]


def _approve_division(complaint: Complaint, *, user, data, comment) -> list[str]:
    complaint.division_approved_by = user
    return ["division_approved_by"]


def _approve_gm(complaint: Complaint, *, user, data, comment) -> list[str]:
    if complaint.division_approved_by_id == user.pk:
        raise PermissionDeniedError(_("The two approvals must come from different people."))
    complaint.gm_approved_by = user
    return ["gm_approved_by"]


def _send_back(complaint: Complaint, *, user, data, comment) -> list[str]:
    if not (comment or "").strip():
        raise ApplicationError(_("Say why the remedy is sent back."), field="comment")
    return []


def _implement(complaint: Complaint, *, user, data, comment) -> list[str]:
    complaint.implementation, complaint.customer_notified = data["text"], bool(data["customer_notified"])
    complaint.customer_feedback, complaint.implemented_at = data.get("feedback") or "", timezone.now()
    penalties = [dict(p) for p in data.get("penalties") or []]
    if data.get("penalty") is not None:
        penalties.insert(0, {"person": complaint.responsible or _("direct responsible person"),
                             "amount": data["penalty"], "reason": _("Direct responsibility")})
    Penalty.objects.bulk_create([Penalty(complaint=complaint, person=p["person"], amount=p["amount"],
                                         reason=p.get("reason", "")) for p in penalties])
    return ["implementation", "customer_notified", "customer_feedback", "implemented_at"]


def _review(complaint: Complaint, *, user, data, comment) -> list[str]:
    complaint.review, complaint.closed_at = data["text"], timezone.now()
    return ["review", "closed_at", *sla.stamp_durations(complaint)]


def _return_visit(complaint: Complaint, *, user, data, comment) -> list[str]:
    if complaint.return_visit_at is not None:
        raise ApplicationError(_("The return visit has been recorded already."), field="satisfaction")
    complaint.return_visit_satisfaction, complaint.return_visit_text = data["satisfaction"], data.get("text") or ""
    complaint.return_visit_at = timezone.now()
    return ["return_visit_satisfaction", "return_visit_text", "return_visit_at"]


def _stays(complaint: Complaint, data) -> str:
    return complaint.state


COMPLAINT_FLOW = Workflow(
    model=Complaint, log_model=ComplaintLog, state_field="state",
    moved_on=gettext_lazy("This complaint has moved on since you opened it: reload it to see its current step."),
    actions=[
        Action("reply", gettext_lazy("Reply to the customer"), sources=list(OPEN_STATES), target=_stays,
               guard=policies.is_service_staff, apply=_reply, fields=ReplyInput, style="outline-primary",
               denied=gettext_lazy("Replies are given by customer-service staff or a department head.")),
        Action("judge", gettext_lazy("Judge validity"), sources=[State.JUDGE], target=_judge_target,
               guard=policies.is_service_staff, apply=_judge, fields=JudgeInput,
               denied=gettext_lazy("Validity is judged by customer-service staff or a department head.")),
        Action("assign", gettext_lazy("Assign"), sources=[State.ASSIGN], target=State.ANALYSE,
               guard=policies.is_service_staff, apply=_assign, fields=AssignInput,
               denied=gettext_lazy("The department is assigned by customer-service staff or a department head.")),
        Action("analyse", gettext_lazy("Record the cause"), sources=[State.ANALYSE], target=State.PROPOSE,
               guard=policies.is_handler_or_head, apply=_analyse, fields=AnalyseInput,
               denied=gettext_lazy("The cause is analysed by the handler or a department head.")),
        Action("propose", gettext_lazy("Propose a remedy"), sources=[State.PROPOSE], target=State.APPROVE_DIVISION,
               guard=policies.is_handler_or_head, apply=_propose, fields=ProposeInput,
               denied=gettext_lazy("The remedy is proposed by the handler or a department head.")),
        Action("approve_division", gettext_lazy("Approve (division head)"), sources=[State.APPROVE_DIVISION],
               target=State.APPROVE_GM, guard=policies.may_approve_division, apply=_approve_division,
               style="success",
               denied=gettext_lazy("A department head of the customer's team approves at this step.")),
        Action("approve_gm", gettext_lazy("Approve (general manager)"), sources=[State.APPROVE_GM],
               target=State.IMPLEMENT,
               guard=policies.may_approve_gm, apply=_approve_gm, style="success",
               denied=gettext_lazy("The general manager approves at this step.")),
        Action("send_back", gettext_lazy("Send back to the proposal"),
               sources=[State.APPROVE_DIVISION, State.APPROVE_GM], target=State.PROPOSE,
               guard=policies.may_send_back, apply=_send_back, style="outline-danger",
               denied=gettext_lazy("Only the approver of the step sends the remedy back.")),
        Action("implement", gettext_lazy("Record the implementation"), sources=[State.IMPLEMENT], target=State.REVIEW,
               guard=policies.is_handler_or_head, apply=_implement, fields=ImplementInput,
               denied=gettext_lazy("The remedy is implemented by the handler or a department head.")),
        Action("review", gettext_lazy("Review and close"), sources=[State.REVIEW], target=State.CLOSED,
               guard=policies.may_review, apply=_review, fields=ReviewInput,
               denied=gettext_lazy("The review is written by a department head or the general manager.")),
        Action("return_visit", gettext_lazy("Return visit"), sources=[State.CLOSED], target=State.CLOSED,
               guard=policies.is_service_staff, apply=_return_visit, fields=ReturnVisitInput,
               style="outline-success", denied=gettext_lazy("Return visits are made by customer-service staff.")),
    ],
)
REGISTER_LABEL = gettext_lazy("Registered")


def complaint_act(*, complaint: Complaint, user: User, action: str, comment: str = "", data: dict | None = None
                  ) -> Complaint:
    return COMPLAINT_FLOW.transition(complaint, action=action, user=user, comment=comment, data=data or {})
