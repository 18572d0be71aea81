"""Demo credit data for crm_demo: customers in every grade (A with limits and grace days), a few warning
and positive records, investigations and one approved override; written through the credit services.
Idempotent: nothing is added once any grade exists."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from credit.models import CreditRating
from credit.scoring import evaluate
from credit.services import (
    credit_investigation_create,
    credit_override_grant,
    credit_rating_create,
    credit_record_create,
)
from crm.exceptions import ApplicationError
from customers.models import Customer

PER_GRADE = 12


@transaction.atomic
def credit_demo(*, officer) -> str:
    if CreditRating.objects.exists():
        return "Credit grades exist already: no demo credit data added."
    customers = list(Customer.objects.filter(is_active=True, business_records__isnull=False).distinct()
                     .order_by("pk")[:PER_GRADE * 4])
    if not customers:
        return "No customers with business records: no demo credit data added."
    scored = sorted(((evaluate(c), c) for c in customers), key=lambda pair: (-pair[0].score, pair[1].pk))
    today = timezone.localdate()
    counts = {"A": 0, "B": 0, "C": 0, "D": 0}
    for index, (evaluation, customer) in enumerate(scored):
        grade = "ABCD"[min(index // PER_GRADE, 3)]
        reason = "" if grade == evaluation.proposed_grade else (
            f"演示数据：综合调查结果定为{grade}级（评分建议{evaluation.proposed_grade}级）")
        if grade == "D":
            credit_record_create(customer=customer, user=officer, kind="warning",
                                 severity=("dishonest", "warning", "seriously_dishonest")[index % 3],
                                 event_date=today - dt.timedelta(days=20 + index), title="逾期未付运费，经催收无果",
                                 source="财务部")
        if grade == "A":
            credit_record_create(customer=customer, user=officer, kind="positive",
                                 event_date=today - dt.timedelta(days=40 + index), title="全年按期回款",
                                 source="财务部")
            if index % 4 == 0:
                credit_investigation_create(customer=customer, user=officer,
                                            investigated_on=today - dt.timedelta(days=30),
                                            subject="银行资信与工商登记", sources="开户银行；国家企业信用信息公示系统",
                                            findings="经营正常，无不良记录", agency="")
        credit_rating_create(customer=customer, user=officer, grade=grade, reason=reason,
                             grace_days=30 if grade == "A" else None)
        counts[grade] += 1
    # A warning on a graded C customer makes its review due; a hint record shows late entry.
    for _evaluation, customer in scored[PER_GRADE * 2:PER_GRADE * 2 + 2]:
        credit_record_create(customer=customer, user=officer, kind="hint", event_date=today - dt.timedelta(days=75),
                             title="拖延回款两周", source="客户经理")
        credit_record_create(customer=customer, user=officer, kind="warning", severity="warning",
                             event_date=today - dt.timedelta(days=5), title="被税务机关处罚", source="公开信息")
    overrides = 0
    for _evaluation, customer in scored[PER_GRADE:PER_GRADE * 2]:
        try:
            credit_override_grant(customer=customer, user=officer, amount="20000.00", days=3,
                                  reason="旺季临时周转，总经理同意")
        except ApplicationError:
            continue
        overrides += 1
        break
    return ("Credit: graded {A} A, {B} B, {C} C, {D} D customers; {o} override.".format(**counts, o=overrides))


def _load(*, users, teams, rng, customers) -> str:
    return credit_demo(officer=users["credit"])


def register() -> None:
    from crm.demo import register_demo

    register_demo("credit", _load, order=20)
