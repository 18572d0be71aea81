"""Reads of business records (SPEC §2.5, §8): who reads them, overdue records, totals, and the clerks'
queue of unchecked archives created by the freight system."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from customers.models import BusinessRecord, Customer
from customers.policies import sees_everything
from customers.selectors import customer_access_q


def business_records_visible_to(user) -> QuerySet[BusinessRecord]:
    """Records of the customers `user` may read (SPEC §8); integration users read them all, as they
    write them."""
    qs = BusinessRecord.objects.all()
    q = customer_access_q(user)
    if q is not None:
        qs = qs.filter(customer__in=Customer.objects.filter(q).values("pk"))
    return qs


def business_records_overdue(qs: QuerySet[BusinessRecord], *, today: dt.date | None = None) -> QuerySet:
    """Records with an open amount past their due date."""
    today = today or timezone.localdate()
    return qs.filter(due_date__lt=today, paid_amount__lt=F("amount"))


def business_record_totals(qs: QuerySet[BusinessRecord]) -> dict[str, Decimal]:
    """Sums of a list of records: amount, paid and open."""
    totals = qs.aggregate(amount=Sum("amount"), paid=Sum("paid_amount"), count=Count("id"))
    amount, paid = totals["amount"] or Decimal("0"), totals["paid"] or Decimal("0")
    return {"count": totals["count"], "amount": amount, "paid": paid, "open": amount - paid}


def unchecked_customers_for(user) -> QuerySet[Customer]:
    """The clerks' queue (SPEC §2.5): unchecked, active archives of the user's teams among those the
    user may read; everyone's for the GM, who belongs to no team."""
    q = customer_access_q(user)
    qs = Customer.objects.filter(is_checked=False, is_active=True)
    if q is not None:
        qs = qs.filter(q)
    team_ids = list(user.teams.values_list("id", flat=True))
    if team_ids:
        qs = qs.filter(Q(team_id__in=team_ids) | Q(owner=user))
    elif not sees_everything(user):
        qs = qs.filter(owner=user)
    return qs
