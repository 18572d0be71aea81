"""Pipeline models. Imported by customers/models.py, so they belong to the customers app."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.models import TimeStampedModel
from crm.workflow import TransitionLog


class LeadSource(models.TextChoices):
    PERSONAL_NETWORK = "personal_network", _("Personal network")
    PUBLIC_MEDIA = "public_media", _("Public media")
    AUTHORITIES = "authorities", _("Customs and inspection authorities")
    CUSTOMER_REFERRAL = "customer_referral", _("Referral by a customer")
    FORWARDER_REFERRAL = "forwarder_referral", _("Referral by a forwarder")
    EXHIBITION = "exhibition", _("Exhibition")
    WEB = "web", _("Web")
    DIRECTORY = "directory", _("Directory")
    OTHER = "other", _("Other")


class ValueGrade(models.TextChoices):
    A = "A", _("A · high value")
    B = "B", _("B · medium value")
    C = "C", _("C · low value")


class Importance(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class PipelineProfile(TimeStampedModel):
    """What the pipeline knows of a lead or prospect beyond its archive card."""

    customer = models.OneToOneField("customers.Customer", on_delete=models.CASCADE, related_name="pipeline",
                                    verbose_name=_("customer"))
    lead_source = models.CharField(_("lead source"), max_length=30, choices=LeadSource.choices,
                                   default=LeadSource.OTHER)
    value_grade = models.CharField(_("value grade"), max_length=1, choices=ValueGrade.choices, default=ValueGrade.B)
    importance = models.CharField(_("importance"), max_length=10, choices=Importance.choices,
                                  default=Importance.MEDIUM)
    follow_up_due = models.DateField(_("next follow-up"), null=True, blank=True, db_index=True)
    follow_up_note = models.CharField(_("follow-up"), max_length=300, blank=True)
    # The prospect's card (潜在客户)
    main_contact = models.CharField(_("main contact"), max_length=100, blank=True)
    expected_volume = models.CharField(_("volume"), max_length=200, blank=True)
    route_requirements = models.CharField(_("route requirements"), max_length=300, blank=True)
    goods = models.CharField(_("goods"), max_length=200, blank=True)
    price_tolerance = models.CharField(_("price tolerance"), max_length=200, blank=True)
    reputation = models.CharField(_("reputation"), max_length=200, blank=True)
    competition = models.TextField(_("competition"), blank=True)
    service_needs = models.TextField(_("service needs"), blank=True)
    development_value = models.TextField(_("development-value assessment"), blank=True)
    development_strategy = models.TextField(_("development strategy"), blank=True)

    class Meta:
        verbose_name = _("pipeline profile")
        verbose_name_plural = _("pipeline profiles")

    def __str__(self) -> str:
        return str(self.customer)


class CustomerStageLog(TransitionLog):
    """Every stage change of an archive (SPEC §2.3: who and when), and its filing as a lead."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="stage_log",
                                 verbose_name=_("customer"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("owner then"))
    lead_source = models.CharField(_("lead source"), max_length=30, blank=True)

    class Meta(TransitionLog.Meta):
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        indexes = [models.Index(fields=["action", "at"], name="stage_log_action_at")]
