"""Complaints (SPEC §5.2): the complaint card (客户投诉管理卡, form 8) and its nine-step workflow.

The workflow's state is `state`; the API's `step` (the number of the step now waiting) and `status`
(open / rejected / closed) are derived from it, as SPEC §5.2 defines them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.lists import NamedListItem
from crm.models import TimeStampedModel
from crm.workflow import TransitionLog

MONEY = {"max_digits": 14, "decimal_places": 2}


class Channel(models.TextChoices):
    HOTLINE = "hotline", _("Hotline")
    EMAIL = "email", _("E-mail")
    VISIT = "visit", _("Visit")
    LETTER = "letter", _("Letter")
    WEB = "web", _("Web")
    OTHER = "other", _("Other")


class Subject(models.TextChoices):
    TRANSPORT = "transport", _("Transport")
    CUSTOMS = "customs", _("Customs declaration and inspection")
    WAREHOUSING = "warehousing", _("Warehousing")
    DISTRIBUTION = "distribution", _("Distribution")
    BILLING = "billing", _("Billing")
    SERVICE = "service", _("Service attitude")
    OTHER = "other", _("Other")


class RemedyType(models.TextChoices):
    DISCOUNT = "discount", _("Discount")
    COMPENSATION = "compensation", _("Compensation")
    REDELIVERY = "redelivery", _("Re-delivery")
    APOLOGY = "apology", _("Apology")
    OTHER = "other", _("Other")


class State(models.TextChoices):
    JUDGE = "judge", _("Judge validity")
    ASSIGN = "assign", _("Assign the responsible department")
    ANALYSE = "analyse", _("Cause analysis")
    PROPOSE = "propose", _("Remedy proposal")
    APPROVE_DIVISION = "approve_division", _("Division-head approval")
    APPROVE_GM = "approve_gm", _("General manager approval")
    IMPLEMENT = "implement", _("Implementation")
    REVIEW = "review", _("Review")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected as not valid")


STEP_OF_STATE = {State.JUDGE: 2, State.ASSIGN: 3, State.ANALYSE: 4, State.PROPOSE: 5, State.APPROVE_DIVISION: 6,
                 State.APPROVE_GM: 7, State.IMPLEMENT: 8, State.REVIEW: 9, State.CLOSED: 9, State.REJECTED: 2}
OPEN_STATES = tuple(s for s in State if s not in (State.CLOSED, State.REJECTED))


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    REJECTED = "rejected", _("Rejected")
    CLOSED = "closed", _("Closed")


class ComplaintDepartment(NamedListItem):
    """A department that handles complaints; an external party (the customs broker 报关行) is one too,
    with an internal coordinator as the complaint's handler."""

    is_external = models.BooleanField(_("external party"), default=False)

    class Meta(NamedListItem.Meta):
        verbose_name = _("complaint department")
        verbose_name_plural = _("complaint departments")


class RoutingRule(models.Model):
    """Which department a complaint of a subject goes to by default (admin-editable, SPEC §5.2)."""

    subject = models.CharField(_("subject"), max_length=20, choices=Subject.choices, unique=True)
    department = models.ForeignKey(ComplaintDepartment, on_delete=models.PROTECT, verbose_name=_("department"))

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["subject"]

    def __str__(self) -> str:
        return f"{self.get_subject_display()} → {self.department}"


class Complaint(TimeStampedModel):
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="complaints",
                                 verbose_name=_("customer"))
    complainant = models.CharField(_("complainant"), max_length=100, blank=True)
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    received_at = models.DateTimeField(_("received at"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.HOTLINE)
    subject = models.CharField(_("subject"), max_length=20, choices=Subject.choices)
    about = models.CharField(_("what or whom it is about"), max_length=200, blank=True,
                             help_text=_("A department, a person or a shipment (投诉对象)."))
    description = models.TextField(_("what happened"))
    demand = models.TextField(_("what the customer demands"), blank=True)
    shipment_no = models.CharField(_("shipment number"), max_length=60, blank=True)
    contract_no = models.CharField(_("contract number"), max_length=60, blank=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("registered by"))

    state = models.CharField(_("step"), max_length=20, choices=State.choices, default=State.JUDGE, db_index=True)
    reply_due_at = models.DateTimeField(_("first reply due"))
    implement_due_at = models.DateTimeField(_("implementation due"))
    first_reply_at = models.DateTimeField(_("first reply at"), null=True, blank=True)
    reply_text = models.TextField(_("reply to the customer"), blank=True)
    is_valid = models.BooleanField(_("valid"), null=True, blank=True)
    judged_at = models.DateTimeField(_("judged at"), null=True, blank=True)
    department = models.ForeignKey(ComplaintDepartment, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="complaints", verbose_name=_("responsible department"))
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="handled_complaints", verbose_name=_("handler"))
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    cause = models.TextField(_("cause"), blank=True)
    responsible = models.CharField(_("person(s) responsible"), max_length=200, blank=True)
    analysed_at = models.DateTimeField(_("analysed at"), null=True, blank=True)
    remedy_type = models.CharField(_("remedy"), max_length=20, choices=RemedyType.choices, blank=True)
    remedy_amount = models.DecimalField(_("remedy amount (CNY)"), **MONEY, null=True, blank=True)
    loss = models.DecimalField(_("loss it answers (CNY)"), **MONEY, null=True, blank=True)
    division_approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                             blank=True, related_name="+", verbose_name=_("approved by the division"))
    gm_approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="+", verbose_name=_("approved by the general manager"))
    implementation = models.TextField(_("implementation"), blank=True)
    customer_notified = models.BooleanField(_("customer notified"), default=False)
    customer_feedback = models.TextField(_("customer's feedback"), blank=True)
    implemented_at = models.DateTimeField(_("implemented at"), null=True, blank=True)
    review = models.TextField(_("review: lessons and improvements"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Fixed when the later moment is stamped (complaints.sla.DURATIONS), for the statistics.
    first_reply_hours = models.FloatField(_("first reply (working hours)"), null=True, blank=True, editable=False)
    resolution_hours = models.FloatField(_("resolution (working hours)"), null=True, blank=True, editable=False)
    response_hours = models.FloatField(_("department response (working hours)"), null=True, blank=True,
                                       editable=False)
    return_visit_satisfaction = models.PositiveSmallIntegerField(_("return-visit satisfaction"), null=True,
                                                                 blank=True)
    return_visit_text = models.TextField(_("return visit"), blank=True)
    return_visit_at = models.DateTimeField(_("return visit at"), null=True, blank=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["state", "reply_due_at"], name="complaint_state_reply_due"),
            models.Index(fields=["state", "implement_due_at"], name="complaint_state_impl_due"),
            models.Index(fields=["received_at", "id"], name="complaint_received"),
            models.Index(fields=["customer", "received_at"], name="complaint_customer_received"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(return_visit_satisfaction__isnull=True)
                                   | Q(return_visit_satisfaction__range=(1, 5)), name="complaint_satisfaction_1_5"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.customer} · {self.get_subject_display()}"

    @property
    def step(self) -> int:
        return STEP_OF_STATE[self.state]

    @property
    def status(self) -> str:
        if self.state == State.CLOSED:
            return Status.CLOSED
        if self.state == State.REJECTED:
            return Status.REJECTED
        return Status.OPEN

    def get_status_display(self) -> str:
        return str(Status(self.status).label)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class Penalty(models.Model):
    """A penalty recorded at implementation (SPEC §5.2 step 8): on the direct responsible person, the
    department manager, or whoever delayed handling."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="penalties",
                                  verbose_name=_("complaint"))
    person = models.CharField(_("person"), max_length=100)
    amount = models.DecimalField(_("amount (CNY)"), **MONEY)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("penalty")
        verbose_name_plural = _("penalties")
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="penalty_amount_not_negative")]

    def __str__(self) -> str:
        return f"{self.person} {self.amount}"


class ComplaintLog(TransitionLog):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="log",
                                  verbose_name=_("complaint"))

    class Meta(TransitionLog.Meta):
        verbose_name = _("complaint step")
        verbose_name_plural = _("complaint steps")


# --- Inquiries and service requests (SPEC §5.1) --------------------------------------------------------

class RequestType(models.TextChoices):
    ORDER_QUERY = "order_query", _("Order query")
    ORDER_CHANGE = "order_change", _("Order change")
    QUOTE = "quote", _("Quote")
    RETURN = "return", _("Return or exchange")
    DOCUMENT = "document", _("Document")
    OTHER = "other", _("Other")


class BusinessLine(models.TextChoices):
    IMPORT = "import", _("Import")
    EXPORT = "export", _("Export")
    INTERNATIONAL_TRADE = "international_trade", _("International trade")
    TRANSPORT = "transport", _("Transport")
    LOADING = "loading", _("Loading and unloading")
    DISTRIBUTION = "distribution", _("Distribution")
    WAREHOUSING = "warehousing", _("Warehousing")
    DEEP_PROCESSING = "deep_processing", _("Deep processing")
    FINANCING = "financing", _("Financing")


class ServiceRequest(TimeStampedModel):
    """An inquiry or service request (业务咨询与服务请求): registered from a call in seconds, answered at once
    or escalated to a superior or another department, ended with the result and the customer's score."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        ESCALATED = "escalated", _("Escalated")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed with the customer's score")

    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="service_requests",
                                 verbose_name=_("customer"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.HOTLINE)
    caller = models.CharField(_("caller"), max_length=100, blank=True)
    order_no = models.CharField(_("order or shipment number"), max_length=60, blank=True)
    request_type = models.CharField(_("type"), max_length=20, choices=RequestType.choices)
    business_line = models.CharField(_("business line"), max_length=30, choices=BusinessLine.choices, blank=True)
    question = models.TextField(_("question"))
    received_at = models.DateTimeField(_("received at"))
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                      verbose_name=_("registered by"))
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="service_requests",
                                 verbose_name=_("assignee"))
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.OPEN, db_index=True)
    escalated_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("escalated to"))
    escalated_department = models.CharField(_("escalated to department"), max_length=100, blank=True)
    escalation_reason = models.CharField(_("reason for escalating"), max_length=300, blank=True)
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    result = models.TextField(_("result given to the customer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("customer's score"), null=True, blank=True)

    class Meta:
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["assignee", "state"], name="request_assignee_state"),
                   models.Index(fields=["state", "received_at"], name="request_state_received")]
        constraints = [models.CheckConstraint(condition=Q(score__isnull=True) | Q(score__range=(1, 5)),
                                              name="request_score_1_5")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.customer} · {self.get_request_type_display()}"


class ServiceRequestLog(TransitionLog):
    request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="log",
                                verbose_name=_("service request"))

    class Meta(TransitionLog.Meta):
        verbose_name = _("service request step")
        verbose_name_plural = _("service request steps")
