"""Writes of key accounts (SPEC §3): filing an application, the two decisions, the yearly tier-change
proposals. Only the GM's final approval changes a customer's tier and target, through
customers.services.customer_key_account_set."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.exceptions import ApplicationError, ConflictError, PermissionDeniedError
from crm.models import User
from crm.workflow import Action, Workflow
from customers.key_accounts.models import (
    DEFAULT_THRESHOLDS,
    TEN_THOUSAND,
    KeyAccountApplication,
    KeyAccountApplicationLog,
    KeyAccountThreshold,
)
from customers.key_accounts.policies import can_file_application, may_decide_now
from customers.models import BusinessRecord, Customer
from customers.services import customer_key_account_set

Status = KeyAccountApplication.Status
TABLE_FIELDS = ("business_strategy", "scale", "operating_condition", "credit_standing", "development_bottlenecks",
                "bargaining_power")


# --- Tiers (SPEC §3.3) -----------------------------------------------------------------------------

def thresholds_for(year: int) -> dict[str, Decimal]:
    """{"A": ..., "D": ...} in 10,000 CNY for `year`: the admin's row, else SPEC's defaults."""
    row = KeyAccountThreshold.objects.filter(year=year).first()
    if row is None:
        return dict(DEFAULT_THRESHOLDS)
    return {"A": row.tier_a, "B": row.tier_b, "C": row.tier_c, "D": row.tier_d}


def tier_for_target(target: Decimal, *, year: int, thresholds: dict | None = None) -> str | None:
    """The tier an annual revenue target (CNY) gives: at or above threshold A → A, else at or above B → B,
    and so on; None below D."""
    limits = thresholds or thresholds_for(year)
    for tier in ("A", "B", "C", "D"):
        if target >= limits[tier] * TEN_THOUSAND:
            return tier
    return None


# --- Filing ----------------------------------------------------------------------------------------

@transaction.atomic
def key_account_application_create(*, customer: Customer, user: User, annual_revenue_target: Decimal,
                                   reason: str, year: int | None = None, **table) -> KeyAccountApplication:
    """File an application (大客户申请表). A target below threshold D is refused (400); a customer with an
    application already waiting gets a conflict (409)."""
    if not can_file_application(user, customer):
        raise PermissionDeniedError(_("You may not file a key-account application for this customer."))
    unknown = set(table) - set(TABLE_FIELDS)
    if unknown:
        raise ApplicationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)), field=sorted(unknown)[0])
    if not (reason or "").strip():
        raise ApplicationError(_("Give the reasons for the application."), field="reason")
    year = year or timezone.localdate().year
    if annual_revenue_target is None or annual_revenue_target <= 0:
        raise ApplicationError(_("Give the annual revenue target in CNY."), field="annual_revenue_target")
    thresholds = thresholds_for(year)
    tier = tier_for_target(annual_revenue_target, year=year, thresholds=thresholds)
    if tier is None:
        raise ApplicationError(
            _("The target is below the threshold of tier D (%(d)s × 10,000 CNY in %(year)s): it is not a key "
              "account.") % {"d": thresholds["D"], "year": year}, field="annual_revenue_target")
    if KeyAccountApplication.objects.filter(customer=customer, status__in=KeyAccountApplication.OPEN).exists():
        raise ConflictError(_("An application for this customer is already waiting for a decision."))
    application = KeyAccountApplication(
        customer=customer, applicant=user, year=year, annual_revenue_target=annual_revenue_target,
        proposed_tier=tier, previous_tier=customer.tier or "", reason=reason.strip(),
        actual_revenue=revenue_of([customer.pk]).get(customer.pk, Decimal("0")),
        **{name: (value or "").strip() for name, value in table.items()})
    application.full_clean()
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:  # a colleague filed one at the same moment
        raise ConflictError(_("An application for this customer is already waiting for a decision."))
    KEY_ACCOUNT_FLOW.log(application, action="file", user=user, to_state=application.status,
                         comment=application.reason)
    return application


# --- The two decisions -----------------------------------------------------------------------------

def _approve(application: KeyAccountApplication, *, user, data, comment) -> list[str]:
    now = timezone.now()
    # The kit has already set the new state: PENDING_GM after the head's approval, APPROVED after the GM's.
    if application.status == Status.PENDING_GM:
        application.head_decided_by, application.head_decided_at = user, now
        return ["head_decided_by", "head_decided_at"]
    if application.head_decided_by_id == user.pk:
        raise PermissionDeniedError(_("The two approvals must come from different people."))
    application.gm_decided_by, application.gm_decided_at = user, now
    customer_key_account_set(
        customer=application.customer, tier=application.proposed_tier,
        annual_revenue_target=application.annual_revenue_target, user=user,
        reason=_("Key-account application #%(id)s approved") % {"id": application.pk})
    return ["gm_decided_by", "gm_decided_at"]


def _approve_target(application: KeyAccountApplication, data) -> str:
    return Status.PENDING_GM if application.status == Status.PENDING_HEAD else Status.APPROVED


def _reject(application: KeyAccountApplication, *, user, data, comment) -> list[str]:
    if not (comment or "").strip():
        raise ApplicationError(_("Say why the application is rejected."), field="comment")
    now = timezone.now()
    if application.head_decided_by_id is None:
        application.head_decided_by, application.head_decided_at = user, now
        return ["head_decided_by", "head_decided_at"]
    application.gm_decided_by, application.gm_decided_at = user, now
    return ["gm_decided_by", "gm_decided_at"]


KEY_ACCOUNT_FLOW = Workflow(
    model=KeyAccountApplication, log_model=KeyAccountApplicationLog, state_field="status",
    moved_on=gettext_lazy("This application has already been decided at this level: reload it to see where it is."),
    actions=[
        Action("approve", gettext_lazy("Approve"), sources=[Status.PENDING_HEAD, Status.PENDING_GM],
               target=_approve_target, guard=may_decide_now, apply=_approve, style="success",
               denied=gettext_lazy("Only a department head of the customer's team, then the general manager, "
                                   "decide this application.")),
        Action("reject", gettext_lazy("Reject"), sources=[Status.PENDING_HEAD, Status.PENDING_GM],
               target=Status.REJECTED, guard=may_decide_now, apply=_reject, style="danger",
               denied=gettext_lazy("Only a department head of the customer's team, then the general manager, "
                                   "decide this application.")),
    ],
)
FILE_LABEL = gettext_lazy("Filed")


def key_account_application_decide(*, application: KeyAccountApplication, user: User, action: str,
                                   comment: str = "") -> KeyAccountApplication:
    return KEY_ACCOUNT_FLOW.transition(application, action=action, user=user, comment=comment)


# --- Revenue and the yearly tier-change proposals --------------------------------------------------

def revenue_of(customer_ids, *, since: dt.date | None = None, until: dt.date | None = None) -> dict[int, Decimal]:
    """Business-record revenue per customer over [since, until] (default: the last 12 months)."""
    until = until or timezone.localdate()
    since = since or (until - dt.timedelta(days=365))
    rows = (BusinessRecord.objects.filter(customer_id__in=customer_ids, date__gte=since, date__lte=until)
            .values("customer_id").annotate(total=Sum("amount")))
    # SQLite sums decimals as floats: round back to cents.
    return {row["customer_id"]: Decimal(str(row["total"] or 0)).quantize(Decimal("0.01")) for row in rows}


@transaction.atomic
def customer_revenue_refresh(*, today: dt.date | None = None) -> int:
    """Recompute every customer's revenue and business-record count of the key-account candidates' window
    (the 365 days up to `today`) into CustomerRevenue: one aggregate over the business records, written in
    bulk. The nightly job's work; returns the number of customers with business records in the window."""
    from customers.key_accounts.models import CANDIDATE_WINDOW_DAYS, CustomerRevenue

    today = today or timezone.localdate()
    since = today - dt.timedelta(days=CANDIDATE_WINDOW_DAYS)
    rows = (BusinessRecord.objects.filter(date__gt=since, date__lte=today).order_by().values("customer_id")
            .annotate(total=Sum("amount"), n=Count("pk")).values_list("customer_id", "total", "n"))
    CustomerRevenue.objects.all().delete()
    summaries = [CustomerRevenue(customer_id=pk, revenue=Decimal(str(total or 0)).quantize(Decimal("0.01")),
                                 record_count=n, computed_on=today) for pk, total, n in rows.iterator(chunk_size=5000)]
    CustomerRevenue.objects.bulk_create(summaries, batch_size=5000)
    return len(summaries)


@transaction.atomic
def key_account_tier_proposals_create(*, year: int, user: User | None = None) -> int:
    """For each key account whose revenue in the previous year gives another tier under `year`'s thresholds,
    file a tier-change application (approved the same way). Idempotent: a customer with an open
    application, or already proposed for `year`, gets none. Returns how many were filed."""
    previous = dt.date(year - 1, 1, 1), dt.date(year - 1, 12, 31)
    accounts = list(Customer.objects.filter(tier__isnull=False, is_active=True).only("pk", "tier", "owner_id"))
    revenue = revenue_of([c.pk for c in accounts], since=previous[0], until=previous[1])
    busy = set(KeyAccountApplication.objects.filter(customer__in=[c.pk for c in accounts]).filter(
        status__in=KeyAccountApplication.OPEN).values_list("customer_id", flat=True)) | set(
        KeyAccountApplication.objects.filter(kind=KeyAccountApplication.Kind.TIER_CHANGE, year=year)
        .values_list("customer_id", flat=True))
    thresholds = thresholds_for(year)
    created = 0
    for customer in accounts:
        if customer.pk in busy:
            continue
        actual = revenue.get(customer.pk, Decimal("0"))
        tier = tier_for_target(actual, year=year, thresholds=thresholds) if actual > 0 else None
        if tier is None or tier == customer.tier:
            continue  # below D: ending a key account is a person's decision, not the job's
        application = KeyAccountApplication.objects.create(
            customer=customer, kind=KeyAccountApplication.Kind.TIER_CHANGE, year=year, applicant=None,
            annual_revenue_target=actual, proposed_tier=tier, previous_tier=customer.tier, actual_revenue=actual,
            reason=_("Revenue of %(year)s: %(amount)s CNY gives tier %(tier)s (now %(current)s).") % {
                "year": year - 1, "amount": f"{actual:,.2f}", "tier": tier, "current": customer.tier})
        KEY_ACCOUNT_FLOW.log(application, action="propose", user=user, to_state=application.status)
        created += 1
    return created
