from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm import rule_cache


class TimeStampedModel(models.Model):
    """Base of every domain model: when a row was created and last changed."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class LongJob(TimeStampedModel):
    """Base of a long-running job's row (an import, later a scoring run): when it was handed to the
    broker, the worker's heartbeat and how many times a worker took it (crm.jobs)."""

    queued_at = models.DateTimeField(
        _("queued at"), null=True, blank=True,
        help_text=_("When the job was handed to the job queue; empty while the queue could not be reached."))
    heartbeat_at = models.DateTimeField(
        _("last heartbeat"), null=True, blank=True,
        help_text=_("Stamped every few seconds by the worker running the job; a silent job lost its worker."))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)

    class Meta:
        abstract = True


class User(AbstractUser):
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default="zh-hans",
        help_text=_("Language of the pages and e-mails this user receives."),
    )
    phone = models.CharField(_("work phone"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} ({self.username})" if full else self.username


class Team(TimeStampedModel):
    """A department or branch (SPEC §1). Users may belong to several teams."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("Department")
        BRANCH = "branch", _("Branch")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.DEPARTMENT)
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("head"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="headed_teams",
        help_text=_("The department head who leads this team."),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("members"), related_name="teams", blank=True
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CalendarDay(models.Model):
    """A day the company's calendar sets apart from the statutory one (SPEC §5.2): a company day off,
    or an extra working day. A year the calendar library does not know yet is entered here from the
    State Council's schedule: its holidays as days off, its adjusted working days (调休) as working days."""

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Day off")
        WORKING_DAY = "working_day", _("Working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.DAY_OFF,
                            help_text=_("A day off is not worked even if the statutory calendar says so; a "
                                        "working day is worked even on a weekend or holiday."))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("company calendar")
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.reason}".strip()


class NumericRule(TimeStampedModel):
    """An admin's value for one of the numbers the apps register in crm.rules (thresholds, days,
    percentages); without a row, the registered default applies."""

    key = models.CharField(_("rule"), max_length=80, unique=True)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True, help_text=_("Why this value was chosen."))

    class Meta:
        verbose_name = _("numeric rule")
        verbose_name_plural = _("numeric rules")
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.key} = {self.value}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        rule_cache.clear()  # the cached value is stale now


class Notification(TimeStampedModel):
    """An in-app message shown under the bell in the header, and optionally e-mailed. Title and body are
    rendered in the recipient's language when the notification is created."""

    class EmailStatus(models.TextChoices):
        NONE = "", _("No e-mail")
        PENDING = "pending", _("To be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
        verbose_name=_("recipient"),
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # Makes scheduled jobs idempotent: the same key is never notified twice to the same person.
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, blank=True)
    email_status = models.CharField(_("e-mail"), max_length=10, choices=EmailStatus.choices, blank=True,
                                    default=EmailStatus.NONE)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"]),
                   models.Index(fields=["email_status", "created_at"], name="notification_email_due",
                                condition=models.Q(email_status="pending"))]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notification_unique_dedupe_key",
            )
        ]

    def __str__(self) -> str:
        return self.title
