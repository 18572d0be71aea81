"""The benchmark's rows of the pipeline and of key accounts, in proportion to the customers (bench/generate.py
finds this module through INSTALLED_APPS and calls `generate(context)` once the customers exist).

Pipeline: every lead and prospect has its profile (source, value grade, importance, a follow-up due date,
some overdue) and its filing in the stage log; prospects were validated, a share of the transacting, lost
and discarded archives came through the pipeline too (file, validate, win / lose / discard), so that the
conversion rates have a history. Key accounts: the year's thresholds, applications for about 3 % of the
transacting customers in every state (waiting for the head, waiting for the GM, approved, rejected), the
approved ones with their tier on the archive, some tier changes proposed from revenue.

Each part is written only while its own tables are empty; no services, no history rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

LEAD_SOURCES = [("personal_network", 18), ("public_media", 8), ("authorities", 6), ("customer_referral", 20),
                ("forwarder_referral", 12), ("exhibition", 12), ("web", 14), ("directory", 6), ("other", 4)]
VOLUMES = ["每月 20 个标箱", "每周两车", "每年约 500 吨", "季度 60 票", "旺季每天 3 车"]
ROUTES = ["上海—汉堡", "宁波—洛杉矶", "深圳—新加坡", "天津—釜山", "广州—迪拜", "青岛—鹿特丹"]
GOODS = ["电子产品", "服装", "机械设备", "化工原料", "食品", "家具", "汽车配件"]
APPLICATION_SHARE = 0.03
APPLICATION_STATES = [("approved", 45), ("rejected", 15), ("pending_head", 22), ("pending_gm", 18)]


def generate(context) -> str:
    parts = [_pipeline(context), _key_accounts(context), _revenue(context)]
    return "; ".join(p for p in parts if p)


def _revenue(context) -> str:
    """The nightly revenue summary the candidates page ranks, as the job would have left it today (a
    derived table: recomputed when not from today)."""
    from customers.key_accounts.models import CustomerRevenue
    from customers.key_accounts.services import customer_revenue_refresh

    if CustomerRevenue.objects.filter(computed_on=context.today).exists():
        return ""
    return f"revenue of the last 12 months summed for {customer_revenue_refresh(today=context.today):,} customers"


def _pipeline(context) -> str:
    from customers.pipeline.models import CustomerStageLog, PipelineProfile

    if not context.empty(PipelineProfile, CustomerStageLog):
        return ""
    rng, now, today = context.rng, context.now, context.today
    sources, source_weights = zip(*LEAD_SOURCES, strict=True)
    profiles, logs = context.Table(PipelineProfile), context.Table(CustomerStageLog)
    profile_id, log_id = context.next_id(PipelineProfile), context.next_id(CustomerStageLog)

    def log(customer_id, owner_id, action, from_state, to_state, at, source=""):
        nonlocal log_id
        logs.add(id=log_id, customer_id=customer_id, owner_id=owner_id, actor_id=owner_id, action=action,
                 from_state=from_state, to_state=to_state, at=min(at, now), lead_source=source, data={})
        log_id += 1

    for customer_id, owner_id, _team, stage, is_active, created in context.customers:
        source = rng.choices(sources, weights=source_weights)[0]
        if stage in ("lead", "prospect"):
            due = None
            if is_active and rng.random() < 0.92:
                due = today + dt.timedelta(days=rng.randint(-45, 60))  # about a third overdue
            prospect = stage == "prospect"
            profiles.add(
                id=profile_id, customer_id=customer_id, lead_source=source, value_grade=rng.choice("AABBBCC"),
                importance=rng.choice(["high", "medium", "medium", "low"]), follow_up_due=due,
                follow_up_note=rng.choice(["电话回访", "发送报价", "上门拜访", "确认运量", ""]),
                main_contact=rng.choice("王李张刘陈杨") + rng.choice(["经理", "总", "主管"]),
                expected_volume=rng.choice(VOLUMES) if prospect else "",
                route_requirements=rng.choice(ROUTES) if prospect else "",
                goods=rng.choice(GOODS), created_at=created, updated_at=created)
            profile_id += 1
            log(customer_id, owner_id, "file", "", "lead", created, source)
            if prospect:
                log(customer_id, owner_id, "validate", "lead", "prospect",
                    created + dt.timedelta(days=rng.randint(3, 90)))
        elif rng.random() < 0.25:  # an archive that came through the pipeline
            log(customer_id, owner_id, "file", "", "lead", created, source)
            if stage == "discarded":
                log(customer_id, owner_id, "discard", "lead", "discarded", created + dt.timedelta(days=20))
                continue
            log(customer_id, owner_id, "validate", "lead", "prospect", created + dt.timedelta(days=15))
            if stage == "customer":
                log(customer_id, owner_id, "win", "prospect", "customer", created + dt.timedelta(days=45))
            elif stage == "lost":
                log(customer_id, owner_id, "lose", "prospect", "lost", created + dt.timedelta(days=60))
    n_profiles, n_logs = len(profiles.rows), len(logs.rows)
    context.write(profiles, logs)
    return f"{n_profiles:,} pipeline profiles, {n_logs:,} stage changes"


def _key_accounts(context) -> str:
    from django.db.models import Sum

    from customers.key_accounts.models import TEN_THOUSAND, KeyAccountApplication, KeyAccountThreshold
    from customers.key_accounts.services import thresholds_for, tier_for_target
    from customers.models import BusinessRecord, Customer

    if not context.empty(KeyAccountApplication):
        return ""
    rng, now, today = context.rng, context.now, context.today
    if context.empty(KeyAccountThreshold):
        KeyAccountThreshold.objects.bulk_create([KeyAccountThreshold(year=y) for y in (today.year - 1, today.year)])
    thresholds = thresholds_for(today.year)
    floor = thresholds["D"] * TEN_THOUSAND
    revenue = dict(BusinessRecord.objects.filter(date__gt=today - dt.timedelta(days=365), date__lte=today)
                   .order_by().values("customer").annotate(s=Sum("amount")).values_list("customer", "s"))
    eligible = [c for c in context.customers if c[3] == "customer" and c[4] and revenue.get(c[0], 0) >= floor]
    chosen = rng.sample(eligible, min(len(eligible), round(len(context.customers) * APPLICATION_SHARE)))
    states, state_weights = zip(*APPLICATION_STATES, strict=True)
    teams = context.teams
    applications = context.Table(KeyAccountApplication)
    app_id = context.next_id(KeyAccountApplication)
    tiers: dict[str, list[int]] = {}
    targets: dict[int, Decimal] = {}
    counts: dict[str, int] = {}
    for customer_id, owner_id, team_id, _stage, _active, _created in chosen:
        actual = Decimal(revenue[customer_id]).quantize(Decimal("0.01"))
        target = max((actual * Decimal(str(rng.uniform(0.9, 1.6))) / TEN_THOUSAND).quantize(Decimal("1")),
                     thresholds["D"] + 1) * TEN_THOUSAND
        tier = tier_for_target(target, year=today.year, thresholds=thresholds)
        status = rng.choices(states, weights=state_weights)[0]
        open_ = status.startswith("pending")
        created = now - dt.timedelta(days=rng.randint(1, 40) if open_ else rng.randint(45, 700),
                                     seconds=rng.randint(0, 86_400))
        head = (teams.get(team_id) or {}).get("head") or context.gm
        row = dict(id=app_id, customer_id=customer_id, kind="new", year=created.year, applicant_id=owner_id,
                   annual_revenue_target=target, proposed_tier=tier, previous_tier="",
                   reason="年运量稳定增长，申请列为大客户以获得专属服务", scale=rng.choice(["大型", "中型"]),
                   credit_standing=rng.choice(["良好", "一般"]), actual_revenue=actual, status=status,
                   created_at=created, updated_at=created)
        if status in ("pending_gm", "approved") or (status == "rejected" and rng.random() < 0.5):
            row.update(head_decided_by_id=head, head_decided_at=created + dt.timedelta(days=2))
            if status == "rejected":
                row.update(gm_decided_by_id=context.gm, gm_decided_at=created + dt.timedelta(days=5))
        elif status == "rejected":
            row.update(head_decided_by_id=head, head_decided_at=created + dt.timedelta(days=2))
        if status == "approved":
            row.update(gm_decided_by_id=context.gm, gm_decided_at=created + dt.timedelta(days=5))
            tiers.setdefault(tier, []).append(customer_id)
            targets[customer_id] = target
        applications.add(**row)
        counts[status] = counts.get(status, 0) + 1
        app_id += 1
    team_of = {c[0]: c[2] for c in chosen}
    # Tier changes the yearly job proposed for some approved key accounts, decided or waiting.
    for tier, customer_ids in list(tiers.items()):
        for customer_id in customer_ids:
            if rng.random() > 0.15:
                continue
            actual = Decimal(revenue[customer_id]).quantize(Decimal("0.01"))
            new_tier = tier_for_target(actual, year=today.year, thresholds=thresholds) or "D"
            status = rng.choice(["pending_head", "pending_gm", "rejected"])
            created = now - dt.timedelta(days=rng.randint(1, 30))
            head = (teams.get(team_of[customer_id]) or {}).get("head")
            row = dict(id=app_id, customer_id=customer_id, kind="tier_change", year=today.year,
                       annual_revenue_target=targets[customer_id], proposed_tier=new_tier, previous_tier=tier,
                       reason="根据近12个月实际营业额调整等级", actual_revenue=actual, status=status,
                       created_at=created, updated_at=created)
            if status != "pending_head":
                row.update(head_decided_by_id=head or context.gm, head_decided_at=created + dt.timedelta(hours=5))
            applications.add(**row)
            counts[status] = counts.get(status, 0) + 1
            app_id += 1
    n = len(applications.rows)
    context.write(applications)
    for tier, customer_ids in tiers.items():
        context.update_in(Customer, customer_ids, tier=tier)
    for customer_id, target in targets.items():
        Customer.objects.filter(pk=customer_id).update(annual_revenue_target=target)
    return f"{n:,} key-account applications (" + ", ".join(f"{v:,} {k}" for k, v in sorted(counts.items())) + ")"
