"""Service plans, tier strategies and satisfaction surveys of key accounts (SPEC §3.2, §3.3, §2.6): the
writes, the reads by who asks, and the monthly job that reminds owners of surveys due."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Avg, Count, Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.exceptions import ApplicationError, PermissionDeniedError
from crm.jobs import job_key
from crm.models import User
from crm.notifications import notify
from customers.key_accounts.models import SatisfactionSurvey, ServicePlan
from customers.models import Customer
from customers.policies import can_edit_customer
from customers.selectors import customer_access_q

PLAN_FIELDS = ("on_call_24h", "on_call_phone", "tailored_scheme", "door_to_door", "green_channel",
               "green_channel_until", "note")
SURVEY_FIELDS = (*SatisfactionSurvey.SCORE_FIELDS, "comments")
SURVEY_DUE_JOB = "satisfaction-survey-due"
SURVEY_EVERY_DAYS = 365


@transaction.atomic
def service_plan_set(*, customer: Customer, user: User, **fields) -> ServicePlan:
    if not can_edit_customer(user, customer):
        raise PermissionDeniedError(_("You may not edit this archive."))
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise ApplicationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)), field=sorted(unknown)[0])
    plan, _created = ServicePlan.objects.select_for_update().get_or_create(customer=customer)
    for name, value in fields.items():
        setattr(plan, name, value)
    if plan.green_channel and plan.green_channel_until is None:
        raise ApplicationError(_("A green channel is time-limited: give its end date."), field="green_channel_until")
    if plan.on_call_24h and not plan.on_call_phone.strip():
        raise ApplicationError(_("Give the number of the 24-hour line."), field="on_call_phone")
    plan.updated_by = user
    plan.full_clean(exclude=["customer"])
    plan.save()
    return plan


def service_plan_of(customer: Customer) -> ServicePlan | None:
    """The plan to show (on the card, to a complaint handler), or None when it offers nothing."""
    plan = ServicePlan.objects.filter(customer=customer).first()
    return plan if plan is not None and plan.has_anything() else None


@transaction.atomic
def satisfaction_survey_create(*, customer: Customer, user: User, surveyed_on: dt.date | None = None,
                               **fields) -> SatisfactionSurvey:
    if not can_edit_customer(user, customer):
        raise PermissionDeniedError(_("You may not edit this archive."))
    unknown = set(fields) - set(SURVEY_FIELDS)
    if unknown:
        raise ApplicationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)), field=sorted(unknown)[0])
    survey = SatisfactionSurvey(customer=customer, surveyed_by=user, surveyed_on=surveyed_on or timezone.localdate(),
                                **fields)
    survey.full_clean()
    survey.save()
    return survey


def survey_averages(user, *, by: str = "tier", since: dt.date | None = None) -> list[dict]:
    """Average scores of the surveys of readable customers, by key-account tier or by owner."""
    qs = SatisfactionSurvey.objects.all()
    q = customer_access_q(user)
    if q is not None:
        qs = qs.filter(customer__in=Customer.objects.filter(q).values("pk"))
    if since is not None:
        qs = qs.filter(surveyed_on__gte=since)
    group = "customer__tier" if by == "tier" else "customer__owner__username"
    return list(qs.values(group).annotate(
        surveys=Count("pk"), **{name: Avg(name) for name in SatisfactionSurvey.SCORE_FIELDS}).order_by(group))


def surveys_due(*, today: dt.date | None = None) -> QuerySet[Customer]:
    """Key accounts without a survey in the last year (SPEC §2.6: surveyed at least yearly)."""
    today = today or timezone.localdate()
    recent = SatisfactionSurvey.objects.filter(customer=OuterRef("pk"),
                                               surveyed_on__gt=today - dt.timedelta(days=SURVEY_EVERY_DAYS))
    return (Customer.objects.filter(tier__isnull=False, is_active=True, owner__is_active=True)
            .exclude(Exists(recent)).select_related("owner"))


def satisfaction_survey_reminders_send(*, today: dt.date | None = None) -> int:
    """One reminder per key account and month it is due (the monthly job of SPEC §10), once however often
    the job runs."""
    today = today or timezone.localdate()
    sent = 0
    for customer in surveys_due(today=today).iterator(chunk_size=500):
        notice = notify(recipient=customer.owner, title=gettext_lazy("Satisfaction survey due: %(name)s"),
                        params={"name": customer.name}, url=reverse("customers:surveys", args=[customer.pk]),
                        dedupe_key=job_key(SURVEY_DUE_JOB, customer.pk, f"{today:%Y-%m}"))
        sent += notice is not None
    return sent
