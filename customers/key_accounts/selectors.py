"""Reads of key accounts that depend on who asks (SPEC §3, §8): applications of readable customers,
the approval queue, and the candidates proposed from revenue and frequency."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from crm.roles import Role, has_role
from customers.key_accounts.models import TEN_THOUSAND, KeyAccountApplication
from customers.key_accounts.policies import can_see_applications
from customers.key_accounts.services import thresholds_for
from customers.models import BusinessRecord, Customer, Stage
from customers.selectors import customer_access_q, decidable_customers_q

Status = KeyAccountApplication.Status


def applications_visible_to(user) -> QuerySet[KeyAccountApplication]:
    """Applications of the customers `user` may read."""
    qs = KeyAccountApplication.objects.select_related("customer", "applicant", "head_decided_by", "gm_decided_by")
    if not can_see_applications(user):
        return qs.none()
    q = customer_access_q(user)
    if q is not None:
        qs = qs.filter(customer__in=Customer.objects.filter(q).values("pk"))
    return qs


def applications_waiting_for(user) -> QuerySet[KeyAccountApplication]:
    """What waits for `user`'s decision: a department head's first approval for the customers of their
    teams, the GM's final approval (never one the GM approved as head)."""
    qs = applications_visible_to(user)
    waiting = Q(pk__in=[])
    if has_role(user, Role.DEPT_HEAD):
        decidable = decidable_customers_q(user, prefix="customer__")
        waiting |= Q(status=Status.PENDING_HEAD) & (decidable if decidable is not None else Q())
    if has_role(user, Role.GM):
        waiting |= Q(status=Status.PENDING_GM) & ~Q(head_decided_by=user)
    return qs.filter(waiting).distinct().order_by("created_at", "id")


def key_account_candidates(user, *, today: dt.date | None = None, min_records: int = 2, limit: int = 100):
    """Transacting customers that are not key accounts yet and whose revenue of the last 12 months reaches
    tier D's threshold, with at least `min_records` business records: the revenue, the record count and
    the tier the revenue would give, richest first (SPEC §3.1: proposed from RFM and revenue).

    The figures come from CustomerRevenue when the nightly refresh ran today (an index gives the richest
    first), otherwise they are summed from the business records here (the same answer, slower)."""
    from customers.key_accounts.models import CANDIDATE_WINDOW_DAYS, CustomerRevenue

    today = today or timezone.localdate()
    thresholds = thresholds_for(today.year)
    # A customer whose application already waits for a decision is no longer a candidate: it is in the queue.
    qs = (Customer.objects.filter(is_active=True, stage=Stage.CUSTOMER, tier__isnull=True)
          .exclude(key_account_applications__status__in=[Status.PENDING_HEAD, Status.PENDING_GM]))
    q = customer_access_q(user)
    if q is not None:
        qs = qs.filter(q)
    floor = thresholds["D"] * TEN_THOUSAND
    if CustomerRevenue.objects.filter(computed_on=today).exists():
        qs = (qs.filter(revenue_summary__computed_on=today, revenue_summary__revenue__gte=floor,
                        revenue_summary__record_count__gte=min_records)
              .annotate(revenue=F("revenue_summary__revenue"), record_count=F("revenue_summary__record_count"))
              .order_by("-revenue_summary__revenue", "revenue_summary__customer_id"))
    else:
        since = today - dt.timedelta(days=CANDIDATE_WINDOW_DAYS)
        records = BusinessRecord.objects.filter(customer=OuterRef("pk"), date__gt=since, date__lte=today).order_by()
        money = DecimalField(max_digits=18, decimal_places=2)
        revenue = Subquery(records.values("customer").annotate(total=Sum("amount")).values("total")[:1],
                           output_field=money)
        count = Subquery(records.values("customer").annotate(n=Count("pk")).values("n")[:1])
        qs = (qs.annotate(revenue=Coalesce(revenue, Value(Decimal("0")), output_field=money),
                          record_count=Coalesce(count, Value(0)))
              .filter(revenue__gte=floor, record_count__gte=min_records).order_by("-revenue", "pk"))
    rows = list(qs.select_related("owner")[:limit])
    for customer in rows:
        customer.candidate_tier = next(t for t in ("A", "B", "C", "D")
                                       if customer.revenue >= thresholds[t] * TEN_THOUSAND)
    return rows
