"""Demo data of the pipeline and of key accounts, written through the services so that every history is
real: leads in every stage, key-account applications waiting at each level, approved key accounts in
every tier with service plans and satisfaction surveys. The services stamp every step with the moment the
demo runs; the applications are then dated over the past months (filed, decided a few days later), the
waiting ones in the past weeks. Adds nothing when applications exist already."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db.models import F, Sum
from django.utils import timezone

from crm.models import User
from customers.key_accounts.care import satisfaction_survey_create, service_plan_set
from customers.key_accounts.models import TEN_THOUSAND, KeyAccountApplication, KeyAccountApplicationLog
from customers.key_accounts.services import key_account_application_create, key_account_application_decide
from customers.models import Customer, Stage
from customers.pipeline.models import Importance, LeadSource, PipelineProfile, ValueGrade
from customers.pipeline.services import customer_stage_move, lead_create

LEADS = [
    ("宁波北仑海通进出口有限公司", "exhibition", "A", "high", ["validate"]),
    ("义乌小商品联合采购中心", "web", "B", "medium", []),
    ("嘉兴恒瑞化纤股份有限公司", "customer_referral", "A", "high", ["validate", "win"]),
    ("苏州工业园区晶耀电子有限公司", "forwarder_referral", "B", "medium", ["validate"]),
    ("温州鹿城鞋业贸易商行", "directory", "C", "low", ["discard"]),
    ("合肥新站冷链配送有限公司", "authorities", "B", "high", ["validate", "lose"]),
    ("绍兴柯桥纺织品交易公司", "personal_network", "A", "medium", []),
    ("常州武进机电设备有限公司", "public_media", "C", "low", []),
]
# Approved key accounts in every tier (target in 10,000 CNY), then applications waiting at each level.
APPROVED = [("A", 650), ("A", 520), ("B", 260), ("B", 210), ("C", 80), ("C", 55), ("D", 30), ("D", 12)]
WAITING = [("head", 320), ("head", 60), ("gm", 540), ("gm", 25)]
# How many days ago each was filed (in APPROVED's and WAITING's order): the approved over 14 months, tiers mixed,
# so that some C and D accounts are due for their yearly survey; the waiting ones in the past weeks.
APPROVED_FILED_DAYS_AGO = [380, 150, 300, 60, 420, 200, 260, 30]
WAITING_FILED_DAYS_AGO = [2, 9, 16, 6]
REASONS = {
    "A": "年运量大且稳定，海运整柜为主，愿签三年框架协议。",
    "B": "货量集中于华东航线，对时效要求高，有长期合作意向。",
    "C": "增长快，价格敏感度中等，需重点培育。",
    "D": "货量一般，付款及时，可作为潜力客户维护。",
}


def _profile_archive_leads(rng: random.Random, today: dt.date) -> int:
    """The archive demo's leads and prospects get what the quick entry records for a lead (source, value,
    importance, next follow-up, some of them due), so the pipeline list reads like a working one."""
    missing = Customer.objects.filter(stage__in=[Stage.LEAD, Stage.PROSPECT], pipeline__isnull=True).order_by("pk")
    profiles = [PipelineProfile(customer=customer, lead_source=rng.choice(LeadSource.values),
                                value_grade=rng.choice(ValueGrade.values), importance=rng.choice(Importance.values),
                                follow_up_due=today + dt.timedelta(days=rng.randint(-7, 30)))
                for customer in missing]
    PipelineProfile.objects.bulk_create(profiles)
    return len(profiles)


def _application_moments(customer: Customer, days_ago: int, decisions: int, rng: random.Random,
                          now: dt.datetime) -> list[dt.datetime]:
    """When the application was filed (`days_ago` days back, in office hours, but not before a month after the
    archive was filed and its first trade) and each of its `decisions` taken (1 to 5 days after the step
    before); increasing, never in the future."""
    today = timezone.localdate(now)
    settled = max(timezone.localdate(customer.created_at), customer.first_trade_on or dt.date.min)
    day = min(max(today - dt.timedelta(days=days_ago), settled + dt.timedelta(days=30)), today)
    moments: list[dt.datetime] = []
    for step in range(decisions + 1):
        if step:
            day = min(day + dt.timedelta(days=rng.randint(1, 5)), today)
        at = timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randint(9, 16), rng.randint(0, 59))))
        earliest = moments[-1] + dt.timedelta(minutes=1) if moments else customer.created_at
        moments.append(min(max(at, earliest), now))
    return moments


def _retime(application: KeyAccountApplication, moments: list[dt.datetime]) -> None:
    """Move the filing and the decisions (log rows and the application's own times) to `moments`."""
    rows = list(application.log.order_by("at", "pk"))
    for row, at in zip(rows, moments, strict=True):
        row.at = at
    KeyAccountApplicationLog.objects.bulk_update(rows, ["at"])
    fields = dict(zip(["created_at", "head_decided_at", "gm_decided_at"], moments, strict=False))
    KeyAccountApplication.objects.filter(pk=application.pk).update(**fields)


def load_key_account_demo(users: dict[str, User], rng: random.Random) -> dict[str, int]:
    if KeyAccountApplication.objects.exists():
        return {"leads": 0, "applications": 0}
    manager, head, gm = users["manager1"], users["head"], users["gm"]
    today = timezone.localdate()
    leads = 0
    for name, source, grade, importance, steps in LEADS:
        if Customer.objects.filter(name=name).exists():
            continue
        lead = lead_create(user=manager, name=name, contact_name="联系人", lead_source=source, value_grade=grade,
                           importance=importance, follow_up_due=today + dt.timedelta(days=rng.randint(-5, 20)))
        for step in steps:
            comment = {"discard": "经核实无跨境物流需求", "lose": "客户选择了竞争对手"}.get(step, "")
            customer_stage_move(customer=lead, user=manager, action=step, comment=comment)
        leads += 1
    _profile_archive_leads(rng, today)
    candidates = list(Customer.objects.filter(owner=manager, is_active=True, stage="customer", tier__isnull=True)
                      .annotate(total=Sum("business_records__amount"))
                      # The richest first, those without business records (a lead won today) last on any database.
                      .order_by(F("total").desc(nulls_last=True), "pk")
                      [:len(APPROVED) + len(WAITING)])
    applications = 0
    now = timezone.now()
    for customer, (tier, wan), days_ago in zip(candidates, APPROVED, APPROVED_FILED_DAYS_AGO, strict=False):
        moments = _application_moments(customer, days_ago, 2, rng, now)
        application = key_account_application_create(customer=customer, user=manager, reason=REASONS[tier],
                                                      annual_revenue_target=Decimal(wan) * TEN_THOUSAND,
                                                      scale="大型" if tier in "AB" else "中型",
                                                      year=timezone.localdate(moments[0]).year)
        key_account_application_decide(application=application, user=head, action="approve", comment="同意")
        key_account_application_decide(application=application, user=gm, action="approve", comment="批准")
        _retime(application, moments)
        if tier in "AB":
            service_plan_set(customer=customer, user=manager, on_call_24h=True, on_call_phone="400-820-8888",
                             door_to_door=True, green_channel=tier == "A",
                             green_channel_until=today + dt.timedelta(days=180) if tier == "A" else None,
                             tailored_scheme="专属客服与舱位保障，月度对账。")
        # Surveyed a month after becoming a key account; A and B again two months ago.
        surveyed = [timezone.localdate(moments[-1]) + dt.timedelta(days=30)]
        if tier in "AB" and surveyed[0] < today - dt.timedelta(days=120):
            surveyed.append(today - dt.timedelta(days=60))
        for surveyed_on in (day for day in surveyed if day <= today):
            satisfaction_survey_create(
                customer=customer, user=manager, surveyed_on=surveyed_on,
                expected_quality=rng.randint(3, 5), experienced_quality=rng.randint(3, 5),
                perceived_value=rng.randint(3, 5), overall=rng.randint(3, 5), loyalty=rng.randint(3, 5),
                comments="总体满意，希望提高旺季舱位保障。")
        applications += 1
    for customer, (level, wan), days_ago in zip(candidates[len(APPROVED):], WAITING, WAITING_FILED_DAYS_AGO,
                                                strict=False):
        tier = "A" if wan >= 500 else "B" if wan >= 200 else "C" if wan >= 50 else "D"
        moments = _application_moments(customer, days_ago, 1 if level == "gm" else 0, rng, now)
        application = key_account_application_create(customer=customer, user=manager, reason=REASONS[tier],
                                                      annual_revenue_target=Decimal(wan) * TEN_THOUSAND,
                                                      year=timezone.localdate(moments[0]).year)
        if level == "gm":
            key_account_application_decide(application=application, user=head, action="approve", comment="同意上报")
        _retime(application, moments)
        applications += 1
    return {"leads": leads, "applications": applications}
