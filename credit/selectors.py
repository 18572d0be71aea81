"""Reads of the credit app: the current rating, receivables, the integrity class, the reviews due, the
credit officer's queue, and the lists each door shows (already narrowed to what the user may see)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from credit.models import (
    SEVERITY_RANK,
    CreditInvestigation,
    CreditOverride,
    CreditRating,
    CreditRecord,
    CreditReservation,
    Integrity,
)
from credit.policies import credit_details_q
from crm.rules import rule_value
from customers.models import BusinessRecord, Customer, Tier, add_months

ZERO = Decimal("0")


def current_rating(customer: Customer) -> CreditRating | None:
    """The latest rating: it carries the grade in force, its limit and grace days."""
    return CreditRating.objects.filter(customer=customer).select_related("rated_by").order_by(
        "-rated_at", "-id").first()


def current_terms(customer: Customer) -> CreditRating | None:
    """The latest rating's grade, limit and grace days only (the credit check's read)."""
    return (CreditRating.objects.filter(customer=customer).only("grade", "credit_limit", "grace_days")
            .order_by("-rated_at", "-id").first())


@dataclass(frozen=True)
class Receivables:
    open: Decimal
    overdue: Decimal
    largest_shipment: Decimal | None


def receivables(customer: Customer, *, grace_days: int = 0, today: dt.date | None = None) -> Receivables:
    """Open = amount − paid; overdue = open after the due date plus `grace_days` (SPEC §4.2); and the
    largest single business record of the limit's lookback. One aggregate query."""
    today = today or timezone.localdate()
    start = add_months(today, -int(rule_value("CREDIT_LIMIT_LOOKBACK_MONTHS")))
    is_open = Q(paid_amount__lt=F("amount"))
    figures = BusinessRecord.objects.filter(customer=customer).aggregate(
        open=Sum(F("amount") - F("paid_amount"), filter=is_open),
        overdue=Sum(F("amount") - F("paid_amount"),
                    filter=is_open & Q(due_date__lt=today - dt.timedelta(days=grace_days or 0))),
        largest=Max("amount", filter=Q(date__gte=start, date__lte=today)))
    return Receivables(open=figures["open"] or ZERO, overdue=figures["overdue"] or ZERO,
                       largest_shipment=figures["largest"])


@dataclass(frozen=True)
class Reserved:
    total: Decimal
    largest_approved: Decimal  # the largest approved, valid override: the most one check could use


def overrides_reserved(customer: Customer, *, now: dt.datetime | None = None) -> Reserved:
    """Approved overrides not used yet, and used ones whose shipment's business record has not arrived,
    while they are valid: they count against the customer beside the open receivables. One query."""
    now = now or timezone.now()
    shipped = BusinessRecord.objects.filter(external_id=OuterRef("shipment_ref")).exclude(external_id="")
    approved = Q(status=CreditOverride.Status.APPROVED)
    figures = (CreditOverride.objects.filter(customer=customer, expires_at__gt=now)
               .annotate(shipped=Exists(shipped))
               .aggregate(approved=Sum("amount", filter=approved), largest=Max("amount", filter=approved),
                          used=Sum("consumed_amount", filter=Q(status=CreditOverride.Status.CONSUMED,
                                                               shipped=False))))
    return Reserved(total=(figures["approved"] or ZERO) + (figures["used"] or ZERO),
                    largest_approved=figures["largest"] or ZERO)


def reserved_by_overrides(customer: Customer, *, now: dt.datetime | None = None) -> Decimal:
    return overrides_reserved(customer, now=now).total


def reserved_by_checks(customer: Customer, *, except_shipment: str = "", now: dt.datetime | None = None) -> Decimal:
    """What allowed credit checks hold for shipments whose business record has not arrived yet, while held
    (`except_shipment`: a shipment checked again, whose own reservation it replaces). One query."""
    now = now or timezone.now()
    shipped = BusinessRecord.objects.filter(external_id=OuterRef("shipment_ref")).exclude(external_id="")
    qs = CreditReservation.objects.filter(customer=customer, expires_at__gt=now).exclude(Exists(shipped))
    if except_shipment:
        qs = qs.exclude(shipment_ref=except_shipment)
    return qs.aggregate(s=Sum("amount"))["s"] or ZERO


def integrity_class(customer: Customer, *, today: dt.date | None = None) -> str:
    """The most severe warning record of the last CREDIT_INTEGRITY_MONTHS (by event date), else
    trustworthy (SPEC §4.3, our rule)."""
    today = today or timezone.localdate()
    start = add_months(today, -int(rule_value("CREDIT_INTEGRITY_MONTHS")))
    severities = set(CreditRecord.objects.filter(
        customer=customer, kind=CreditRecord.Kind.WARNING, event_date__gte=start, event_date__lte=today,
    ).values_list("severity", flat=True).distinct())
    if not severities:
        return Integrity.TRUSTWORTHY.value
    return max(severities, key=lambda severity: SEVERITY_RANK[severity])


# --- Reviews due -------------------------------------------------------------------------------------

def _yearly_due_ratings(cutoff: dt.date) -> QuerySet[CreditRating]:
    """The latest rating of each active, graded customer, if given on or before `cutoff` (local day):
    a walk of the rated_at index, each rating checked against the (customer, rated_at) index for a
    newer one."""
    until = timezone.make_aware(dt.datetime.combine(cutoff + dt.timedelta(days=1), dt.time.min))
    newer = CreditRating.objects.filter(customer=OuterRef("customer_id")).filter(
        Q(rated_at__gt=OuterRef("rated_at")) | Q(rated_at=OuterRef("rated_at"), id__gt=OuterRef("id")))
    return CreditRating.objects.filter(rated_at__lt=until, customer__is_active=True,
                                       customer__credit_grade__isnull=False).exclude(Exists(newer))


def _warnings_since_grading() -> QuerySet[CreditRecord]:
    """Warning records of active customers not graded since (or never graded): no rating at or after
    the record's entry."""
    graded_since = CreditRating.objects.filter(customer=OuterRef("customer_id"), rated_at__gte=OuterRef("created_at"))
    return CreditRecord.objects.filter(kind=CreditRecord.Kind.WARNING, customer__is_active=True).exclude(
        Exists(graded_since))


def _reviews_due_of(candidates: Q) -> QuerySet[Customer]:
    latest = CreditRating.objects.filter(customer=OuterRef("pk")).order_by("-rated_at", "-id")
    warnings = CreditRecord.objects.filter(customer=OuterRef("pk"), kind=CreditRecord.Kind.WARNING)
    return (Customer.objects.filter(candidates).annotate(
        last_rating_id=Subquery(latest.values("pk")[:1]), last_rated_at=Subquery(latest.values("rated_at")[:1]),
        last_warning_id=Subquery(warnings.order_by("-created_at", "-id").values("pk")[:1]))
        .annotate(warning_after=Exists(warnings.filter(created_at__gt=OuterRef("last_rated_at"))))
        .select_related("owner").order_by(F("last_rated_at").asc(nulls_last=True), "pk"))


def reviews_due(*, now: dt.datetime | None = None) -> QuerySet[Customer]:
    """Active customers whose grade is due for review (SPEC §4.3): graded more than CREDIT_REVIEW_MONTHS
    ago, or with a warning record entered after the latest grading (or never graded). Each row carries
    `last_rating_id`, `last_rated_at`, `last_warning_id` and `review_reason` ("warning" or "yearly").

    Only the candidates are annotated: customers whose latest rating is old and customers with a warning
    record newer than any rating, both found from the credit tables' indexes (issue 11), not from a
    computation over every archive."""
    now = now or timezone.now()
    cutoff = add_months(timezone.localdate(now), -int(rule_value("CREDIT_REVIEW_MONTHS")))
    # Without the models' default orderings: SQLite refuses ORDER BY inside a UNION's parts.
    ids = (_yearly_due_ratings(cutoff).order_by().values("customer_id")
           .union(_warnings_since_grading().order_by().values("customer_id")))
    return _reviews_due_of(Q(pk__in=ids))


def reviews_due_first(limit: int, *, now: dt.datetime | None = None) -> list[Customer]:
    """The first `limit` rows of reviews_due(), in its order (the longest-ungraded first, the never graded
    last). Only two sets of candidates can come first: the `limit` oldest due ratings, read from the
    rated_at index, and the customers due after a warning record (few), each with the date of its latest
    rating; the `limit` first of both are then read by primary key. Three queries."""
    now = now or timezone.now()
    cutoff = add_months(timezone.localdate(now), -int(rule_value("CREDIT_REVIEW_MONTHS")))
    keys = dict(_yearly_due_ratings(cutoff).order_by("rated_at", "customer_id")
                .values_list("customer_id", "rated_at")[:limit])
    latest = CreditRating.objects.filter(customer=OuterRef("customer_id")).order_by("-rated_at", "-id")
    keys.update(_warnings_since_grading().order_by().annotate(last=Subquery(latest.values("rated_at")[:1]))
                .values_list("customer_id", "last").distinct())
    first = sorted(keys, key=lambda pk: (keys[pk] is None, keys[pk] or now, pk))[:limit]
    return list(_reviews_due_of(Q(pk__in=first)))


def review_reason(row: Customer) -> str:
    return "warning" if (getattr(row, "warning_after", False) or row.last_rated_at is None) else "yearly"


def next_review_on(customer: Customer, rating: CreditRating | None) -> dt.date | None:
    if rating is None:
        return None
    return add_months(timezone.localdate(rating.rated_at), int(rule_value("CREDIT_REVIEW_MONTHS")))


# --- Lists for the doors ---------------------------------------------------------------------------------

def _narrow(qs: QuerySet, user) -> QuerySet:
    q = credit_details_q(user)
    return qs if q is None else qs.filter(q)


def ratings_visible_to(user) -> QuerySet[CreditRating]:
    return _narrow(CreditRating.objects.select_related("customer", "rated_by"), user)


def records_visible_to(user) -> QuerySet[CreditRecord]:
    return _narrow(CreditRecord.objects.select_related("customer", "entered_by"), user)


def investigations_visible_to(user) -> QuerySet[CreditInvestigation]:
    return _narrow(CreditInvestigation.objects.select_related("customer", "investigated_by"), user)


def overrides_visible_to(user) -> QuerySet[CreditOverride]:
    return _narrow(CreditOverride.objects.select_related("customer", "requested_by", "approved_by"), user)


def recent_warnings(*, days: int = 90) -> QuerySet[CreditRecord]:
    since = timezone.localdate() - dt.timedelta(days=days)
    return (CreditRecord.objects.filter(kind=CreditRecord.Kind.WARNING, entered_on__gte=since)
            .select_related("customer", "entered_by").order_by("-entered_on", "-id"))


def grade_counts() -> dict[str, int]:
    # COUNT(*), not COUNT(id): the partial index customer_active_credit_grade alone then answers.
    counts = dict(Customer.objects.filter(is_active=True).values_list("credit_grade").annotate(n=Count("*"))
                  .order_by())
    return {grade: counts.get(grade, 0) for grade in [*Tier.values, None]}
