"""The credit evaluation (信用评估, SPEC §4.1): each enabled indicator's value from the business records,
the financials, the years of cooperation and the credit records, turned into points (0–100), weighted by
the admin-editable CreditIndicator rows; the score proposes a grade from the admin-editable cut-offs.

A value the archive lacks (no financials, no business yet) gives no points: credit is earned from evidence
(our choice), and the credit officer may set another grade with a reason."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Max, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from credit.models import CreditIndicator, CreditRecord, IndicatorCode
from crm.rules import rule_value
from customers.models import BusinessRecord, Customer, Tier, add_months

ZERO = Decimal("0")
HUNDRED = Decimal("100")
# Points of the credit-records indicator: a clean file starts here; each record moves it.
RECORDS_BASE, POSITIVE_POINTS, HINT_POINTS = 80, 5, -15
WARNING_POINTS = {CreditRecord.Severity.WARNING: -40, CreditRecord.Severity.DISHONEST: -70,
                  CreditRecord.Severity.SERIOUSLY_DISHONEST: -100}
# Days overdue at which the indicator gives no points; asset-liability ratio bounds (%); return on assets
# giving full points (%); years of cooperation giving full points.
DAYS_OVERDUE_ZERO, ALR_FULL, ALR_ZERO, ROA_FULL, YEARS_FULL = 90, 40, 100, 10, 5


@dataclass
class IndicatorResult:
    code: str
    label: str
    value: str  # as shown: "92 %", "15 days", "no data"
    points: Decimal
    weight: Decimal
    contribution: Decimal = ZERO
    has_data: bool = True


@dataclass
class Evaluation:
    customer_id: int
    on: dt.date
    score: Decimal
    proposed_grade: str
    indicators: list[IndicatorResult] = field(default_factory=list)

    def as_json(self) -> list[dict]:
        return [{**asdict(row), "points": str(row.points), "weight": str(row.weight),
                 "contribution": str(row.contribution)} for row in self.indicators]


def _q1(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _clamp(value: Decimal) -> Decimal:
    return max(ZERO, min(HUNDRED, value))


def grade_for_score(score: Decimal) -> str:
    """≥ A cut-off → A, ≥ B → B, ≥ C → C, else D (SPEC §4.1, admin-editable)."""
    for grade, key in ((Tier.A, "CREDIT_CUTOFF_A"), (Tier.B, "CREDIT_CUTOFF_B"), (Tier.C, "CREDIT_CUTOFF_C")):
        if score >= Decimal(rule_value(key)):
            return grade.value
    return Tier.D.value


def _business_figures(customer: Customer, today: dt.date) -> dict:
    start = add_months(today, -int(rule_value("CREDIT_EVALUATION_MONTHS")))
    is_open = Q(paid_amount__lt=F("amount"))
    due = Q(due_date__lt=today)
    on_time = Q(paid_amount__gte=F("amount"), paid_date__isnull=False, paid_date__lte=F("due_date"))
    return BusinessRecord.objects.filter(customer=customer, date__gte=start, date__lte=today).aggregate(
        records=Count("pk"), total_amount=Sum("amount"), due_count=Count("pk", filter=due),
        on_time=Count("pk", filter=due & on_time),
        overdue=Sum(F("amount") - F("paid_amount"), filter=due & is_open),
        oldest_overdue=Min("due_date", filter=due & is_open))


def _record_figures(customer: Customer, today: dt.date) -> dict:
    start = add_months(today, -int(rule_value("CREDIT_INTEGRITY_MONTHS")))
    rows = (CreditRecord.objects.filter(customer=customer, event_date__gte=start, event_date__lte=today)
            .values("kind", "severity").annotate(n=Count("pk")).order_by())
    counts = {(row["kind"], row["severity"]): row["n"] for row in rows}
    return counts


def evaluate(customer: Customer, *, today: dt.date | None = None) -> Evaluation:
    """The evaluation of `customer` on `today` (a few queries, whatever the number of records)."""
    today = today or timezone.localdate()
    indicators = list(CreditIndicator.objects.filter(enabled=True))
    codes = {row.code for row in indicators}
    business = _business_figures(customer, today) if codes & {
        IndicatorCode.ON_TIME_RATIO, IndicatorCode.DAYS_OVERDUE, IndicatorCode.AMOUNT_OVERDUE} else {}
    records = _record_figures(customer, today) if IndicatorCode.CREDIT_RECORDS in codes else {}
    no_data = _("no data")
    results = []
    for row in indicators:
        label = str(row.get_code_display())
        value, points, has_data = no_data, ZERO, False
        if row.code == IndicatorCode.ON_TIME_RATIO and business.get("due_count"):
            ratio = Decimal(business["on_time"]) / Decimal(business["due_count"])
            value, points, has_data = f"{_q1(ratio * HUNDRED)} %", ratio * HUNDRED, True
        elif row.code == IndicatorCode.DAYS_OVERDUE and business.get("records"):
            oldest = business["oldest_overdue"]
            days = (today - oldest).days if oldest else 0
            value = _("%(days)s days") % {"days": days}
            points, has_data = HUNDRED - Decimal(days) * HUNDRED / DAYS_OVERDUE_ZERO, True
        elif row.code == IndicatorCode.AMOUNT_OVERDUE and business.get("total_amount"):
            overdue = business["overdue"] or ZERO
            value = f"{overdue:,.2f}"
            points, has_data = HUNDRED - overdue * HUNDRED / business["total_amount"], True
        elif row.code == IndicatorCode.ASSET_LIABILITY and customer.asset_liability_ratio is not None:
            ratio = customer.asset_liability_ratio
            value, has_data = f"{ratio} %", True
            points = (Decimal(ALR_ZERO) - ratio) * HUNDRED / Decimal(ALR_ZERO - ALR_FULL)
        elif row.code == IndicatorCode.RETURN_ON_ASSETS and customer.return_on_assets is not None:
            roa = customer.return_on_assets
            value, has_data, points = f"{roa} %", True, roa * HUNDRED / ROA_FULL
        elif row.code == IndicatorCode.COOPERATION_YEARS and customer.first_trade_on:
            years = Decimal((today - customer.first_trade_on).days) / Decimal("365.25")
            value = _("%(years)s years") % {"years": _q1(max(years, ZERO))}
            points, has_data = years * HUNDRED / YEARS_FULL, True
        elif row.code == IndicatorCode.CREDIT_RECORDS:
            positive = records.get((CreditRecord.Kind.POSITIVE, ""), 0)
            hints = records.get((CreditRecord.Kind.HINT, ""), 0)
            warnings = {sev: records.get((CreditRecord.Kind.WARNING, sev), 0) for sev in WARNING_POINTS}
            total = (RECORDS_BASE + POSITIVE_POINTS * positive + HINT_POINTS * hints
                     + sum(WARNING_POINTS[sev] * n for sev, n in warnings.items()))
            value = _("%(positive)s positive, %(hints)s hints, %(warnings)s warnings") % {
                "positive": positive, "hints": hints, "warnings": sum(warnings.values())}
            points, has_data = Decimal(total), True
        results.append(IndicatorResult(code=row.code, label=label, value=value, points=_q1(_clamp(points)),
                                       weight=row.weight, has_data=has_data))
    total_weight = sum((row.weight for row in results), ZERO)
    score = ZERO
    for row in results:
        row.contribution = _q1(row.points * row.weight / total_weight) if total_weight else ZERO
        score += row.points * row.weight / total_weight if total_weight else ZERO
    score = _q1(score)
    return Evaluation(customer_id=customer.pk, on=today, score=score, proposed_grade=grade_for_score(score),
                      indicators=results)


def largest_shipment(customer: Customer, *, today: dt.date | None = None) -> Decimal | None:
    """One shipment's value (SPEC §4.2, our rule): the largest single business record of the lookback."""
    today = today or timezone.localdate()
    start = add_months(today, -int(rule_value("CREDIT_LIMIT_LOOKBACK_MONTHS")))
    return BusinessRecord.objects.filter(customer=customer, date__gte=start, date__lte=today).aggregate(
        m=Max("amount"))["m"]
