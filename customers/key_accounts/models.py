"""Key-account models. Imported by customers/models.py, so they belong to the customers app."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.models import TimeStampedModel
from crm.workflow import TransitionLog

# SPEC §3.3: thresholds in 10,000 CNY (万元); our defaults A 500, B 200, C 50, D 10.
DEFAULT_THRESHOLDS = {"A": Decimal("500"), "B": Decimal("200"), "C": Decimal("50"), "D": Decimal("10")}
TEN_THOUSAND = Decimal("10000")


class KeyAccountThreshold(models.Model):
    """The revenue targets (in 10,000 CNY) at or above which an approved key account gets tier A, B, C
    or D in a year. A year without a row uses SPEC's defaults."""

    year = models.PositiveIntegerField(_("year"), unique=True)
    tier_a = models.DecimalField(_("tier A from (10,000 CNY)"), max_digits=10, decimal_places=2,
                                 default=DEFAULT_THRESHOLDS["A"])
    tier_b = models.DecimalField(_("tier B from (10,000 CNY)"), max_digits=10, decimal_places=2,
                                 default=DEFAULT_THRESHOLDS["B"])
    tier_c = models.DecimalField(_("tier C from (10,000 CNY)"), max_digits=10, decimal_places=2,
                                 default=DEFAULT_THRESHOLDS["C"])
    tier_d = models.DecimalField(_("tier D from (10,000 CNY)"), max_digits=10, decimal_places=2,
                                 default=DEFAULT_THRESHOLDS["D"])

    class Meta:
        verbose_name = _("key-account thresholds")
        verbose_name_plural = _("key-account thresholds")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(tier_a__gt=models.F("tier_b")) & Q(tier_b__gt=models.F("tier_c"))
                & Q(tier_c__gt=models.F("tier_d")) & Q(tier_d__gt=0),
                name="key_account_thresholds_descending"),
        ]

    def __str__(self) -> str:
        return f"{self.year}: A {self.tier_a} / B {self.tier_b} / C {self.tier_c} / D {self.tier_d}"


class KeyAccountApplication(TimeStampedModel):
    """A key-account application (大客户申请表) with the key-account management table's fields
    (大客户管理表), decided by a department head of the customer's team, then by the GM."""

    class Status(models.TextChoices):
        PENDING_HEAD = "pending_head", _("Waiting for the department head")
        PENDING_GM = "pending_gm", _("Waiting for the general manager")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    class Kind(models.TextChoices):
        NEW = "new", _("New key account")
        TIER_CHANGE = "tier_change", _("Tier change proposed from actual revenue")

    OPEN = (Status.PENDING_HEAD, Status.PENDING_GM)

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="key_account_applications", verbose_name=_("customer"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.NEW)
    year = models.PositiveIntegerField(_("year"), help_text=_("The year whose thresholds set the tier."))
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("applicant"),
                                  help_text=_("Empty for a proposal made by the yearly job."))
    annual_revenue_target = models.DecimalField(_("annual revenue target (CNY)"), max_digits=16, decimal_places=2)
    proposed_tier = models.CharField(_("tier it gives"), max_length=1)
    previous_tier = models.CharField(_("tier before"), max_length=1, blank=True)
    reason = models.TextField(_("reasons"))
    # The key-account management table (大客户管理表).
    business_strategy = models.TextField(_("business strategy"), blank=True)
    scale = models.CharField(_("scale"), max_length=200, blank=True)
    operating_condition = models.TextField(_("operating condition"), blank=True)
    credit_standing = models.CharField(_("credit standing"), max_length=200, blank=True)
    development_bottlenecks = models.TextField(_("development bottlenecks"), blank=True)
    bargaining_power = models.CharField(_("the representative's bargaining power"), max_length=200, blank=True)
    actual_revenue = models.DecimalField(_("revenue of the last 12 months (CNY)"), max_digits=16, decimal_places=2,
                                         null=True, blank=True)

    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING_HEAD)
    head_decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+", verbose_name=_("department head"))
    head_decided_at = models.DateTimeField(_("department head decided at"), null=True, blank=True)
    gm_decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+", verbose_name=_("general manager"))
    gm_decided_at = models.DateTimeField(_("general manager decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("key-account application")
        verbose_name_plural = _("key-account applications")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open application per customer: a second is refused by the database, not only by a check.
            models.UniqueConstraint(fields=["customer"], condition=Q(status__in=["pending_head", "pending_gm"]),
                                    name="key_account_one_open_application"),
            models.CheckConstraint(condition=Q(annual_revenue_target__gt=0), name="key_account_target_positive"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="key_account_status_created")]

    def __str__(self) -> str:
        return f"{self.customer} → {self.proposed_tier} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def target_in_ten_thousands(self) -> Decimal:
        return (self.annual_revenue_target / TEN_THOUSAND).quantize(Decimal("0.01"))


class KeyAccountApplicationLog(TransitionLog):
    application = models.ForeignKey(KeyAccountApplication, on_delete=models.CASCADE, related_name="log",
                                    verbose_name=_("application"))

    class Meta(TransitionLog.Meta):
        verbose_name = _("key-account application step")
        verbose_name_plural = _("key-account application steps")


class TierStrategy(models.Model):
    """The key-account strategy per tier (大客户对策一览表), edited by the admin."""

    tier = models.CharField(_("tier"), max_length=1, unique=True, choices=[(t, t) for t in "ABCD"])
    strategy = models.TextField(_("strategy"))
    service_focus = models.TextField(_("service focus"), blank=True)

    class Meta:
        verbose_name = _("tier strategy")
        verbose_name_plural = _("tier strategies")
        ordering = ["tier"]

    def __str__(self) -> str:
        return f"{self.tier}: {self.strategy[:40]}"


class ServicePlan(TimeStampedModel):
    """A key account's personalised service plan (个性化服务方案, SPEC §3.2): shown on the card and to whoever
    handles the customer's complaints."""

    customer = models.OneToOneField("customers.Customer", on_delete=models.CASCADE, related_name="service_plan",
                                    verbose_name=_("customer"))
    on_call_24h = models.BooleanField(_("24-hour on-call line"), default=False)
    on_call_phone = models.CharField(_("on-call phone"), max_length=40, blank=True)
    tailored_scheme = models.TextField(_("tailored service scheme"), blank=True)
    door_to_door = models.BooleanField(_("door-to-door pickup and delivery"), default=False)
    green_channel = models.BooleanField(_("green channel (VIP priority)"), default=False)
    green_channel_until = models.DateField(_("green channel until"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("updated by"))

    class Meta:
        verbose_name = _("service plan")
        verbose_name_plural = _("service plans")

    def __str__(self) -> str:
        return str(self.customer)

    def green_channel_active(self, today) -> bool:
        return self.green_channel and (self.green_channel_until is None or self.green_channel_until >= today)

    def has_anything(self) -> bool:
        return bool(self.on_call_24h or self.tailored_scheme or self.door_to_door or self.green_channel)


class SatisfactionSurvey(TimeStampedModel):
    """A satisfaction survey of one customer (满意度调查, SPEC §2.6): the three scores the documents name
    (expected quality, experienced quality, perceived value), overall satisfaction and loyalty intention."""

    SCORE = {"choices": [(n, str(n)) for n in range(1, 6)]}

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="surveys",
                                 verbose_name=_("customer"))
    surveyed_on = models.DateField(_("surveyed on"))
    expected_quality = models.PositiveSmallIntegerField(_("expected quality"), **SCORE)
    experienced_quality = models.PositiveSmallIntegerField(_("experienced quality"), **SCORE)
    perceived_value = models.PositiveSmallIntegerField(_("perceived value"), **SCORE)
    overall = models.PositiveSmallIntegerField(_("overall satisfaction"), **SCORE)
    loyalty = models.PositiveSmallIntegerField(_("loyalty intention"), **SCORE)
    comments = models.TextField(_("comments"), blank=True)
    surveyed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("surveyed by"))

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        ordering = ["-surveyed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expected_quality__range=(1, 5)) & Q(experienced_quality__range=(1, 5))
                & Q(perceived_value__range=(1, 5)) & Q(overall__range=(1, 5)) & Q(loyalty__range=(1, 5)),
                name="satisfaction_scores_1_to_5"),
        ]
        indexes = [models.Index(fields=["customer", "surveyed_on"], name="survey_customer_date")]

    def __str__(self) -> str:
        return f"{self.customer} {self.surveyed_on}"

    SCORE_FIELDS = ("expected_quality", "experienced_quality", "perceived_value", "overall", "loyalty")


# The key-account candidates' window: revenue and business records of the 365 days up to a date.
CANDIDATE_WINDOW_DAYS = 365


class CustomerRevenue(models.Model):
    """A customer's revenue and business-record count of the 12 months up to `computed_on` (the window of
    the key-account candidates), refreshed every night by customers.tasks.customer_revenue_refresh_task:
    the candidates page ranks them without summing millions of business records per request."""

    customer = models.OneToOneField("customers.Customer", on_delete=models.CASCADE, primary_key=True,
                                    related_name="revenue_summary", verbose_name=_("customer"))
    revenue = models.DecimalField(_("revenue of the last 12 months (CNY)"), max_digits=18, decimal_places=2)
    record_count = models.PositiveIntegerField(_("business records of the last 12 months"))
    computed_on = models.DateField(_("computed on"))

    class Meta:
        verbose_name = _("customer revenue")
        verbose_name_plural = _("customer revenues")
        indexes = [models.Index(fields=["-revenue", "customer"], name="customer_revenue_rank")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.revenue} ({self.computed_on})"
