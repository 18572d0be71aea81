"""The benchmark's credit rows, in proportion to the customers (bench/generate.py finds this module through
INSTALLED_APPS and calls `generate(context)` once the customers exist).

About a third of the active transacting customers are graded (A 15 %, B 35 %, C 35 %, D 15 %; a fifth
with an earlier grading in their history, a few overridden, some graded more than a year ago so that
reviews fall due), the latest grade on the archive; investigations for some of them, credit records
(positive, hints, warnings of each severity) and overrides in every state. And one customer with exactly
CHECK_RECORDS business records, graded A with a limit, for the credit check's timing: bench/run.py finds
it by the external id CHECK_MARKER of its first record.

The grades are written only while the credit tables are empty, the check's customer only while its
marker record is missing; no services, no history rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

CHECK_RECORDS = 1000
CHECK_MARKER = "BENCH-CHECK-0001"
GRADED_SHARE = 0.33
GRADES = [("A", 15), ("B", 35), ("C", 35), ("D", 15)]
SCORES = {"A": (85, 98), "B": (70, 85), "C": (55, 70), "D": (30, 55)}
SUBJECTS = ["经营状况与付款能力", "银行资信", "工商登记与涉诉情况", "供应商口碑", "实地走访"]
SOURCES = ["实地走访；开户银行", "工商信息系统；法院公告", "同行及供应商访谈", "专业征信机构报告"]


def generate(context) -> str:
    parts = [_grades(context), _check_customer(context)]
    return "; ".join(p for p in parts if p)


def _grades(context) -> str:
    from credit.models import CreditInvestigation, CreditOverride, CreditRating, CreditRecord
    from customers.models import Customer

    if not context.empty(CreditRating, CreditInvestigation, CreditRecord, CreditOverride):
        return ""
    rng, now, today = context.rng, context.now, context.today
    officer = context.credit_officer
    active = [c for c in context.customers if c[3] == "customer" and c[4]]
    graded = rng.sample(active, min(len(active), round(len(context.customers) * GRADED_SHARE)))
    grades, weights = zip(*GRADES, strict=True)
    ratings, investigations = context.Table(CreditRating), context.Table(CreditInvestigation)
    records, overrides = context.Table(CreditRecord), context.Table(CreditOverride)
    rating_id, investigation_id = context.next_id(CreditRating), context.next_id(CreditInvestigation)
    record_id, override_id = context.next_id(CreditRecord), context.next_id(CreditOverride)
    by_grade: dict[str, list[int]] = {}

    def rating(customer_id, grade, at, *, override=False):
        nonlocal rating_id
        low, high = SCORES[grade]
        proposed = grade
        if override:
            proposed = grades[min(3, grades.index(grade) + 1)]
        extra = {}
        if grade == "A":
            extra = {"credit_limit": Decimal(rng.randrange(100_000, 1_000_000, 10_000)),
                     "grace_days": rng.choice([15, 30, 30, 45])}
        ratings.add(id=rating_id, customer_id=customer_id, rated_at=at, rated_by_id=officer,
                    score=Decimal(f"{rng.uniform(low, high):.1f}"), proposed_grade=proposed, grade=grade,
                    reason="人工调整：结合实地调查结果" if override else "", indicators=[],
                    largest_shipment=Decimal(rng.randint(50_000, 300_000)), **extra)
        rating_id += 1

    for customer_id, _owner, _team, _stage, _active, _created in graded:
        grade = rng.choices(grades, weights=weights)[0]
        at = now - dt.timedelta(days=rng.randint(1, 540), seconds=rng.randint(0, 86_400))
        if rng.random() < 0.2:
            rating(customer_id, rng.choice(grades), at - dt.timedelta(days=rng.randint(300, 400)))
        rating(customer_id, grade, at, override=rng.random() < 0.05)
        by_grade.setdefault(grade, []).append(customer_id)
        if rng.random() < 0.1:
            on = (at - dt.timedelta(days=rng.randint(1, 20))).date()
            investigations.add(id=investigation_id, customer_id=customer_id, investigated_on=on,
                               subject=rng.choice(SUBJECTS), sources=rng.choice(SOURCES),
                               findings="经营正常，付款基本及时" if grade in "AB" else "存在拖欠，需加强跟踪",
                               investigated_by_id=officer, created_at=at, updated_at=at)
            investigation_id += 1
        if rng.random() < 0.08:
            kind = "warning" if grade in "CD" else rng.choice(["positive", "hint"])
            event = today - dt.timedelta(days=rng.randint(1, 700))
            records.add(id=record_id, customer_id=customer_id, kind=kind,
                        severity=rng.choice(["warning", "warning", "dishonest", "seriously_dishonest"])
                        if kind == "warning" else "",
                        event_date=event, entered_on=event + dt.timedelta(days=rng.choice([0, 1, 2, 5, 30])),
                        title={"positive": "按时足额付款", "hint": "付款周期变长", "warning": "逾期未付运费"}[kind],
                        source="财务部", entered_by_id=officer, created_at=now, updated_at=now)
            record_id += 1
    # Overrides in every state, on graded B–D customers (one open per customer at most).
    statuses = ["requested", "approved", "rejected", "consumed", "expired"]
    requesters = context.users("account_manager") or [officer]
    pool = [c for g in "BCD" for c in by_grade.get(g, [])]
    for k, customer_id in enumerate(rng.sample(pool, min(len(pool), max(5, len(context.customers) // 500)))):
        status = statuses[k % len(statuses)]
        created = now - dt.timedelta(days=rng.randint(0, 90))
        decided = status != "requested"
        overrides.add(id=override_id, customer_id=customer_id, amount=Decimal(rng.randrange(5_000, 200_000, 1000)),
                      reason="老客户临时周转，已承诺月底付款", status=status, requested_by_id=rng.choice(requesters),
                      approved_by_id=officer if decided and status != "rejected" else None,
                      approved_at=created + dt.timedelta(hours=3) if decided else None,
                      expires_at=(now + dt.timedelta(days=rng.randint(1, 7))) if status == "approved"
                      else created + dt.timedelta(days=3) if decided else None,
                      consumed_at=created + dt.timedelta(days=1) if status == "consumed" else None,
                      consumed_amount=Decimal("5000") if status == "consumed" else None,
                      created_at=created, updated_at=created)
        override_id += 1
    n_ratings = len(ratings.rows)
    n_other = len(investigations.rows), len(records.rows), len(overrides.rows)
    context.write(ratings, investigations, records, overrides)
    for grade, customer_ids in by_grade.items():
        context.update_in(Customer, customer_ids, credit_grade=grade)
    return (f"{sum(len(v) for v in by_grade.values()):,} customers graded ({n_ratings:,} ratings), "
            f"{n_other[0]:,} investigations, {n_other[1]:,} credit records, {n_other[2]:,} overrides")


def check_customer_id() -> int | None:
    """The customer with exactly CHECK_RECORDS business records (None before generation)."""
    from customers.models import BusinessRecord

    return BusinessRecord.objects.filter(external_id=CHECK_MARKER).values_list("customer_id", flat=True).first()


def _check_customer(context) -> str:
    from django.db.models import Exists, OuterRef

    from credit.models import CreditRating
    from customers.models import BusinessRecord, Customer

    if check_customer_id() is not None:
        return ""
    rng, now, today = context.rng, context.now, context.today
    customer = (Customer.objects.filter(is_active=True, stage="customer")
                .exclude(Exists(BusinessRecord.objects.filter(customer=OuterRef("pk"))))
                .exclude(Exists(CreditRating.objects.filter(customer=OuterRef("pk"))))
                .order_by("pk").first())
    if customer is None:
        return ""
    records = context.Table(BusinessRecord)
    record_id = context.next_id(BusinessRecord)
    largest = Decimal("0")
    for k in range(CHECK_RECORDS):
        date = today - dt.timedelta(days=rng.randint(0, 720) if k != 1 else 40)
        amount = Decimal(rng.randint(2_000, 60_000) if k != 1 else 500_000)  # the limit: its largest shipment
        # Paid, except some of the last ten days: open receivables within the limit, nothing overdue.
        paid = amount if (today - date).days > 10 or rng.random() < 0.7 else Decimal("0")
        largest = max(largest, amount)
        records.add(id=record_id, customer_id=customer.pk, external_id=CHECK_MARKER if k == 0
                    else f"BENCH-CHECK-{k + 1:04d}", date=date, service_type=rng.choice(["transport.sea",
                                                                                        "transport.road"]),
                    goods="电子产品", amount=amount, due_date=date + dt.timedelta(days=30), paid_amount=paid,
                    paid_date=date + dt.timedelta(days=20) if paid else None, created_at=now, updated_at=now)
        record_id += 1
    rating = context.Table(CreditRating)
    rating.add(id=context.next_id(CreditRating), customer_id=customer.pk, rated_at=now - dt.timedelta(days=30),
               rated_by_id=context.credit_officer, score=Decimal("92.5"), proposed_grade="A", grade="A",
               credit_limit=Decimal("2000000"), grace_days=30, largest_shipment=largest, indicators=[])
    context.write(records, rating)
    Customer.objects.filter(pk=customer.pk).update(credit_grade="A")
    return f"customer {customer.code} with {CHECK_RECORDS:,} business records, graded A, for the credit check"
