"""Reads of the pipeline that depend on who asks: the leads and prospects list, follow-ups due, and the
conversion rates by source and by owner (computed in the database from the stage log)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from customers.models import Customer, Stage
from customers.pipeline.models import CustomerStageLog, LeadSource
from customers.selectors import customer_access_q

PIPELINE_STAGES = (Stage.LEAD, Stage.PROSPECT)


def pipeline_list(user, *, stage: str = "", overdue_only: bool = False, today: dt.date | None = None,
                  owner=None) -> QuerySet[Customer]:
    """Readable, active leads and prospects with their profile, the follow-up due soonest first."""
    qs = Customer.objects.filter(is_active=True, stage__in=PIPELINE_STAGES)
    q = customer_access_q(user)
    if q is not None:
        qs = qs.filter(q)
    if stage in PIPELINE_STAGES:
        qs = qs.filter(stage=stage)
    if owner is not None:
        qs = qs.filter(owner=owner)
    if overdue_only:
        qs = qs.filter(pipeline__follow_up_due__lte=today or timezone.localdate())
    return qs.select_related("pipeline", "owner", "industry").order_by(
        "pipeline__follow_up_due", "name", "pk")


def follow_ups_due(*, today: dt.date | None = None) -> QuerySet[Customer]:
    """Every active lead or prospect whose follow-up is due today or earlier (the reminder job's work)."""
    today = today or timezone.localdate()
    return (Customer.objects.filter(is_active=True, stage__in=PIPELINE_STAGES, pipeline__follow_up_due__lte=today,
                                    owner__is_active=True)
            .select_related("pipeline", "owner"))


@dataclass
class ConversionRow:
    key: str
    label: str
    leads: int
    validated: int
    won: int
    discarded: int
    lost: int

    @property
    def validation_rate(self) -> float | None:
        return round(100 * self.validated / self.leads, 1) if self.leads else None

    @property
    def win_rate(self) -> float | None:
        return round(100 * self.won / self.leads, 1) if self.leads else None


def conversion_rates(user, *, start: dt.date, end: dt.date, by: str = "source") -> list[ConversionRow]:
    """For the leads entered in [start, end] (of archives `user` may read): how many were validated as
    prospects and how many won, by lead source or by owner at entry, whenever the later step happened."""
    entered = CustomerStageLog.objects.filter(action="file", at__date__gte=start, at__date__lte=end)
    q = customer_access_q(user)
    if q is not None:
        entered = entered.filter(customer__in=Customer.objects.filter(q).values("pk"))
    key = "lead_source" if by == "source" else "owner"
    later = CustomerStageLog.objects.filter(customer_id__in=entered.values("customer_id"))
    steps: dict[int, set] = {}
    for customer_id, action in later.exclude(action="file").values_list("customer_id", "action"):
        steps.setdefault(customer_id, set()).add(action)
    groups: dict = {}
    for customer_id, group in entered.values_list("customer_id", key):
        counts = groups.setdefault(group, {"leads": 0, "validate": 0, "win": 0, "discard": 0, "lose": 0})
        counts["leads"] += 1
        for action in steps.get(customer_id, ()):
            if action in counts:
                counts[action] += 1
    labels = dict(LeadSource.choices)
    if by != "source":
        from crm.models import User

        labels = {u.pk: u.get_full_name() or u.username for u in User.objects.filter(pk__in=list(groups))}
    rows = [ConversionRow(key=str(group), label=str(labels.get(group, group or "—")), leads=c["leads"],
                          validated=c["validate"], won=c["win"], discarded=c["discard"], lost=c["lose"])
            for group, c in groups.items()]
    return sorted(rows, key=lambda row: (-row.leads, row.label))


def pipeline_counts(user) -> dict:
    qs = Customer.objects.filter(is_active=True, stage__in=PIPELINE_STAGES)
    q = customer_access_q(user)
    if q is not None:
        qs = qs.filter(q)
    today = timezone.localdate()
    return qs.aggregate(leads=Count("pk", filter=Q(stage=Stage.LEAD)),
                        prospects=Count("pk", filter=Q(stage=Stage.PROSPECT)),
                        overdue=Count("pk", filter=Q(pipeline__follow_up_due__lte=today)))
