"""Demo data of the pipeline and of key accounts, written through the services so that every history is
real: leads in every stage, key-account applications waiting at each level, approved key accounts in
every tier with service plans and satisfaction surveys. Adds nothing when applications exist already."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from crm.models import User
from customers.key_accounts.care import satisfaction_survey_create, service_plan_set
from customers.key_accounts.models import TEN_THOUSAND, KeyAccountApplication
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
                      .annotate(total=Sum("business_records__amount")).order_by("-total", "pk")
                      [:len(APPROVED) + len(WAITING)])
    applications = 0
    for customer, (tier, wan) in zip(candidates, APPROVED, strict=False):
        application = key_account_application_create(customer=customer, user=manager, reason=REASONS[tier],
                                                      annual_revenue_target=Decimal(wan) * TEN_THOUSAND,
                                                      scale="大型" if tier in "AB" else "中型")
        key_account_application_decide(application=application, user=head, action="approve", comment="同意")
        key_account_application_decide(application=application, user=gm, action="approve", comment="批准")
        if tier in "AB":
            service_plan_set(customer=customer, user=manager, on_call_24h=True, on_call_phone="400-820-8888",
                             door_to_door=True, green_channel=tier == "A",
                             green_channel_until=today + dt.timedelta(days=180) if tier == "A" else None,
                             tailored_scheme="专属客服与舱位保障，月度对账。")
        for months_ago in (14, 2) if tier in "AB" else (14,):
            satisfaction_survey_create(
                customer=customer, user=manager, surveyed_on=today - dt.timedelta(days=30 * months_ago),
                expected_quality=rng.randint(3, 5), experienced_quality=rng.randint(3, 5),
                perceived_value=rng.randint(3, 5), overall=rng.randint(3, 5), loyalty=rng.randint(3, 5),
                comments="总体满意，希望提高旺季舱位保障。")
        applications += 1
    for customer, (level, wan) in zip(candidates[len(APPROVED):], WAITING, strict=False):
        tier = "A" if wan >= 500 else "B" if wan >= 200 else "C" if wan >= 50 else "D"
        application = key_account_application_create(customer=customer, user=manager, reason=REASONS[tier],
                                                      annual_revenue_target=Decimal(wan) * TEN_THOUSAND)
        if level == "gm":
            key_account_application_decide(application=application, user=head, action="approve", comment="同意上报")
        applications += 1
    return {"leads": leads, "applications": applications}
