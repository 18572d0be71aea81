"""Reads of key accounts that depend on who asks (SPEC §3, §8): applications of readable customers,
the approval queue, and the candidates proposed from revenue and frequency."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, Value
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
    tier D's threshold, with at least `min_records` business records: the revenue, the record count, the
    last business date and the tier the revenue would give, richest first (SPEC §3.1: proposed from RFM
    and revenue)."""
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=365)
    thresholds = thresholds_for(today.year)
    records = BusinessRecord.objects.filter(customer=OuterRef("pk"), date__gt=since, date__lte=today).order_by()
    money = DecimalField(max_digits=18, decimal_places=2)
    revenue = Subquery(records.values("customer").annotate(total=Sum("amount")).values("total")[:1],
                       output_field=money)
    count = Subquery(records.values("customer").annotate(n=Count("pk")).values("n")[:1])
    # A customer whose application already waits for a decision is no longer a candidate: it is in the queue.
    qs = (Customer.objects.filter(is_active=True, stage=Stage.CUSTOMER, tier__isnull=True)
          .exclude(key_account_applications__status__in=[Status.PENDING_HEAD, Status.PENDING_GM]))
    q = customer_access_q(user)
    if q is not None:
        qs = qs.filter(q)
    qs = (qs.annotate(revenue=Coalesce(revenue, Value(Decimal("0")), output_field=money),
                      record_count=Coalesce(count, Value(0)))
          .filter(revenue__gte=thresholds["D"] * TEN_THOUSAND, record_count__gte=min_records)
          .select_related("owner").order_by("-revenue", "pk")[:limit])
    rows = list(qs)
    for customer in rows:
        customer.candidate_tier = next(t for t in ("A", "B", "C", "D")
                                       if customer.revenue >= thresholds[t] * TEN_THOUSAND)
    return rows
