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
