"""Credit (SPEC §4): investigations, the scoring model's indicators, grades with their history, credit
records (信用档案) and credit overrides."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.models import TimeStampedModel
from crm.workflow import TransitionLog
from customers.models import MONEY, Customer, Tier


class Policy(models.TextChoices):
    """The credit policy a grade sets (SPEC §4.2); the values are the API's codes."""

    CREDIT = "credit", _("Credit sale within the limit")
    CASH_ON_DELIVERY = "cash_on_delivery", _("Cash on delivery")
    PREPAYMENT = "prepayment", _("Payment before shipment")
    PREPAYMENT_PHASE_OUT = "prepayment_phase_out", _("Payment before shipment strictly, phase-out")


GRADE_POLICY = {
    Tier.A: Policy.CREDIT,
    Tier.B: Policy.CASH_ON_DELIVERY,
    Tier.C: Policy.PREPAYMENT,
    Tier.D: Policy.PREPAYMENT_PHASE_OUT,
}


def policy_for(grade: str | None) -> Policy:
    """An ungraded customer pays before shipment (SPEC §4.2)."""
    return GRADE_POLICY.get(grade, Policy.PREPAYMENT)


def investigation_report_path(instance, filename: str) -> str:
    from crm.uploads import storage_name

    return f"credit/investigations/{instance.customer_id}/{storage_name(filename, default='report')}"


class CreditInvestigation(TimeStampedModel):
    """A credit investigation (信用调查): what was investigated, from which sources, when, and what was found;
    a specialist agency's report may be attached (served only to readers of the archive's financials)."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="credit_investigations",
                                 verbose_name=_("customer"))
    investigated_on = models.DateField(_("investigated on"))
    subject = models.CharField(_("what was investigated"), max_length=300)
    sources = models.TextField(_("sources"), help_text=_("Where the information came from: visits, banks, "
                                                          "registries, suppliers, an agency…"))
    findings = models.TextField(_("findings"))
    agency = models.CharField(_("agency"), max_length=200, blank=True,
                              help_text=_("The specialist agency whose report is attached, if any."))
    report = models.FileField(_("agency report"), upload_to=investigation_report_path, blank=True, max_length=300)
    report_name = models.CharField(_("report file name"), max_length=255, blank=True, editable=False)
    investigated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                        verbose_name=_("investigated by"))

    class Meta:
        verbose_name = _("credit investigation")
        verbose_name_plural = _("credit investigations")
        ordering = ["-investigated_on", "-id"]

    def __str__(self) -> str:
        return f"{self.investigated_on} {self.subject}"


class IndicatorCode(models.TextChoices):
    """The indicators the scoring model knows how to compute (credit.scoring)."""

    ON_TIME_RATIO = "on_time_ratio", _("On-time payment ratio")
    DAYS_OVERDUE = "days_overdue", _("Days overdue")
    AMOUNT_OVERDUE = "amount_overdue", _("Amount overdue")
    ASSET_LIABILITY = "asset_liability_ratio", _("Asset-liability ratio")
    RETURN_ON_ASSETS = "return_on_assets", _("Return on assets")
    COOPERATION_YEARS = "cooperation_years", _("Years of cooperation")
    CREDIT_RECORDS = "credit_records", _("Credit records")


class CreditIndicator(models.Model):
    """One indicator of the scoring model with its admin-editable weight. The score is the weighted mean of
    the enabled indicators' points (0–100 each)."""

    code = models.CharField(_("indicator"), max_length=40, choices=IndicatorCode.choices, unique=True)
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=2, validators=[MinValueValidator(0)],
                                 help_text=_("Relative weight; the weights of the enabled indicators need not "
                                             "add up to 100."))
    enabled = models.BooleanField(_("enabled"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("credit indicator")
        verbose_name_plural = _("credit indicators")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return str(self.get_code_display())


class CreditRating(models.Model):
    """One grading of a customer (资信分级): the score and proposal at the time, the grade set, by whom, when
    and why. Rows are never changed: the history makes wrong, missing or late information traceable."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="credit_ratings",
                                 verbose_name=_("customer"))
    rated_at = models.DateTimeField(_("graded at"), db_index=True)
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("graded by"))
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1)
    proposed_grade = models.CharField(_("proposed grade"), max_length=1, choices=Tier.choices)
    grade = models.CharField(_("grade set"), max_length=1, choices=Tier.choices)
    reason = models.TextField(_("reason"), blank=True)
    credit_limit = models.DecimalField(_("credit limit (CNY)"), **MONEY, null=True, blank=True,
                                       help_text=_("Grade A only: at most the largest single business record of "
                                                   "the lookback period."))
    grace_days = models.PositiveSmallIntegerField(_("grace days"), null=True, blank=True,
                                                  help_text=_("Grade A only: payment grace period after the due "
                                                              "date."))
    largest_shipment = models.DecimalField(_("largest shipment (CNY)"), **MONEY, null=True, blank=True,
                                           help_text=_("The largest single business record when graded."))
    indicators = models.JSONField(_("indicator values"), default=list, blank=True,
                                  help_text=_("Each indicator's value, points, weight and contribution."))

    class Meta:
        verbose_name = _("credit rating")
        verbose_name_plural = _("credit ratings")
        ordering = ["-rated_at", "-id"]
        indexes = [models.Index(fields=["customer", "rated_at"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.grade} {self.rated_at:%Y-%m-%d}"

    @property
    def is_override(self) -> bool:
        return self.grade != self.proposed_grade


class CreditRecord(TimeStampedModel):
    """An entry of the customer's credit file (SPEC §4.3), with the date of the event and the date it was
    entered, so late reporting shows."""

    class Kind(models.TextChoices):
        POSITIVE = "positive", _("Positive record")
        HINT = "hint", _("Hint record")
        WARNING = "warning", _("Warning record")

    class Severity(models.TextChoices):
        WARNING = "warning", _("Warning")
        DISHONEST = "dishonest", _("Dishonest")
        SERIOUSLY_DISHONEST = "seriously_dishonest", _("Seriously dishonest")

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="credit_records",
                                 verbose_name=_("customer"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    severity = models.CharField(_("severity"), max_length=20, choices=Severity.choices, blank=True,
                                help_text=_("Warning records only."))
    event_date = models.DateField(_("event date"))
    entered_on = models.DateField(_("entered on"), help_text=_("When the record was entered in the CRM."))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("entered by"))

    class Meta:
        verbose_name = _("credit record")
        verbose_name_plural = _("credit records")
        ordering = ["-event_date", "-id"]
        indexes = [models.Index(fields=["customer", "kind", "event_date"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="warning") & ~Q(severity="")) | (~Q(kind="warning") & Q(severity="")),
                name="credit_record_severity_for_warnings_only"),
        ]

    def __str__(self) -> str:
        return f"{self.event_date} {self.title}"

    @property
    def days_late(self) -> int:
        """Days between the event and its entry: late reporting (迟报) shows."""
        return (self.entered_on - self.event_date).days


# Integrity classes (SPEC §4.3, our rule): the most severe warning record of the lookback, else trustworthy.
class Integrity(models.TextChoices):
    TRUSTWORTHY = "trustworthy", _("Trustworthy")
    WARNING = "warning", _("Bad credit: warning")
    DISHONEST = "dishonest", _("Bad credit: dishonest")
    SERIOUSLY_DISHONEST = "seriously_dishonest", _("Bad credit: seriously dishonest")


SEVERITY_RANK = {CreditRecord.Severity.WARNING: 1, CreditRecord.Severity.DISHONEST: 2,
                 CreditRecord.Severity.SERIOUSLY_DISHONEST: 3}


class CreditOverride(TimeStampedModel):
    """A credit officer's lift of a refused credit check for one customer and amount, for a limited time.

    Requested (by staff or a credit officer) → approved by a credit officer (with an expiry) → consumed by
    the one credit check that used it (the shipment it was for); an approved override not used in time
    expires. While approved and unexpired, and while consumed but its shipment's business record has not
    arrived, its amount counts against the customer beside the open receivables, so it cannot be
    stretched by asking again or by splitting the amount."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CONSUMED = "consumed", _("Used")
        EXPIRED = "expired", _("Expired")

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="credit_overrides",
                                 verbose_name=_("customer"))
    amount = models.DecimalField(_("amount (CNY)"), **MONEY, validators=[MinValueValidator(0)])
    shipment_ref = models.CharField(_("shipment"), max_length=64, blank=True,
                                    help_text=_("The freight system's id of the shipment it is for, if known."))
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.REQUESTED,
                              db_index=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("requested by"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    null=True, blank=True, verbose_name=_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("valid until"), null=True, blank=True)
    consumed_at = models.DateTimeField(_("used at"), null=True, blank=True)
    consumed_amount = models.DecimalField(_("amount used (CNY)"), **MONEY, null=True, blank=True)

    class Meta:
        verbose_name = _("credit override")
        verbose_name_plural = _("credit overrides")
        ordering = ["-created_at", "-id"]
        constraints = [
            # Asking again does not stretch an override: one open override per customer at a time.
            models.UniqueConstraint(fields=["customer"], condition=Q(status__in=["requested", "approved"]),
                                    name="credit_override_one_open_per_customer",
                                    violation_error_message=_("This customer already has an open override.")),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.amount} {self.status}"


class CreditReservation(models.Model):
    """The amount of a shipment the freight system's credit check allowed on credit, held against the
    customer's limit until the shipment's business record arrives (its `external_id` is the shipment) or the
    reservation lapses: two checks, split or duplicated orders cannot together exceed the limit. Checking the
    same shipment again replaces its reservation instead of adding one."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="credit_reservations",
                                 verbose_name=_("customer"))
    amount = models.DecimalField(_("amount (CNY)"), **MONEY)
    shipment_ref = models.CharField(_("shipment"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("checked at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("held until"), db_index=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("checked by"))

    class Meta:
        verbose_name = _("credit reservation")
        verbose_name_plural = _("credit reservations")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "expires_at"])]
        constraints = [
            models.UniqueConstraint(fields=["customer", "shipment_ref"], condition=~Q(shipment_ref=""),
                                    name="credit_reservation_one_per_shipment"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.amount} {self.shipment_ref}"


class CreditOverrideLog(TransitionLog):
    override = models.ForeignKey(CreditOverride, on_delete=models.CASCADE, related_name="log")

    class Meta(TransitionLog.Meta):
        verbose_name = _("credit override step")
        verbose_name_plural = _("credit override steps")


class OverdueSnapshot(models.Model):
    """The credit queue's customers with overdue receivables, computed at once for every customer
    (credit.overdue): ranking them by their overdue amount sums every open business record, too much
    for each view of the queue at 100,000 customers. A job refreshes it every few minutes; the queue
    reads the latest snapshot of the day while it is fresh and computes a new one otherwise."""

    as_of = models.DateField(_("due before"))
    computed_at = models.DateTimeField(_("computed at"))
    customers = models.PositiveIntegerField(_("customers with overdue receivables"), default=0)

    class Meta:
        verbose_name = _("overdue receivables snapshot")
        verbose_name_plural = _("overdue receivables snapshots")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.as_of} {self.customers}"


class OverdueSnapshotRow(models.Model):
    """One customer's receivables past their due date (grace days not applied) in a snapshot."""

    snapshot = models.ForeignKey(OverdueSnapshot, on_delete=models.CASCADE, related_name="rows")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+", verbose_name=_("customer"))
    overdue = models.DecimalField(_("overdue (CNY)"), **MONEY)

    class Meta:
        verbose_name = _("overdue receivables of a customer")
        verbose_name_plural = _("overdue receivables of customers")
        # The queue's order: the largest amounts of the snapshot first, from the index alone.
        indexes = [models.Index(fields=["snapshot", "-overdue", "customer"], name="credit_overdue_rank")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.overdue}"
