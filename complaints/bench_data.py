"""The benchmark's complaints and service requests, in proportion to the customers (bench/generate.py finds
this module through INSTALLED_APPS and calls `generate(context)` once the customers exist).

COMPLAINTS_PER_CUSTOMER complaints (100,000 for 100,000 customers) received over the last two years, a
few customers complaining often. Each complaint's timeline is drawn (reply, judgement, assignment,
analysis, proposal, the two approvals, implementation, review, return visit) and its step is the first one
not reached by now: old complaints are closed or rejected, recent ones wait at every step, and a few got
stuck along the way, so that deadlines are met, late, breached and approaching. Deadlines are the
production rules' (sla.reply_due / sla.implement_due on the working-day calendar). Service requests in
every state. Written only while the tables are empty; no services, no step log."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

COMPLAINTS_PER_CUSTOMER = 1.0
REQUESTS_PER_CUSTOMER = 0.4
DAYS = 730
BATCH = 20_000
STUCK_SHARE = 0.04
INVALID_SHARE = 0.12
SUBJECTS = [("transport", 30), ("customs", 14), ("warehousing", 12), ("distribution", 16), ("billing", 10),
            ("service", 10), ("other", 8)]
CHANNELS = [("hotline", 45), ("email", 20), ("visit", 8), ("letter", 4), ("web", 18), ("other", 5)]
DESCRIPTIONS = {
    "transport": "货物比约定船期晚到港，影响客户生产安排。", "customs": "报关单信息有误，货物被查验滞留。",
    "warehousing": "入库时外包装受潮，部分纸箱变形。", "distribution": "配送司机未按预约时段送达。",
    "billing": "账单重复收取港杂费。", "service": "客服电话多次无人接听。", "other": "提货单收货人名称与合同不一致。"}
REMEDIES = ["discount", "compensation", "redelivery", "apology", "other"]
# The steps after registration, with the time each takes (hours, drawn uniformly between the bounds).
STEPS = [("judge", 2, 30), ("assign", 1, 10), ("analyse", 4, 60), ("propose", 2, 24), ("approve_division", 2, 24),
         ("approve_gm", 2, 24), ("implement", 4, 48), ("review", 24, 240)]
REQUEST_TYPES = ["order_query", "order_change", "quote", "return", "document", "other"]
LINES = ["import", "export", "international_trade", "transport", "loading", "distribution", "warehousing", ""]


def generate(context) -> str:
    parts = [_complaints(context), _requests(context)]
    return "; ".join(p for p in parts if p)


def _complainers(context, n: int) -> list[int]:
    """n customer ids: active customers, a few of them complaining often (a heavy tail, capped: the most
    frequent complainer has some 30 times the typical share, not one complaint in ten of the whole company)."""
    rng = context.rng
    active = [c for c in context.customers if c[4]]
    pool = rng.sample(active, max(1, min(len(active), round(len(active) * 0.4))))
    weights = [min(rng.paretovariate(1.6), 30.0) for _ in pool]
    return rng.choices(pool, weights=weights, k=n)


def _staff(context, customer) -> tuple[int, int | None]:
    """Who registers for this customer (a clerk of its team, else its owner) and the team's head."""
    team = context.teams.get(customer[2]) or {}
    clerks = team.get("clerks") or [customer[1]]
    return context.rng.choice(clerks), team.get("head")


def _complaints(context) -> str:
    from django.utils import timezone

    from complaints import sla
    from complaints.models import Complaint, ComplaintDepartment, RoutingRule

    if not context.empty(Complaint):
        return ""
    rng, now = context.rng, context.now
    n = round(len(context.customers) * COMPLAINTS_PER_CUSTOMER)
    subjects, subject_weights = zip(*SUBJECTS, strict=True)
    channels, channel_weights = zip(*CHANNELS, strict=True)
    routing = dict(RoutingRule.objects.values_list("subject", "department_id"))
    departments = list(ComplaintDepartment.objects.values_list("pk", flat=True)) or [None]
    staff = context.users("clerk") + context.users("account_manager")
    handlers = rng.sample(staff, min(len(staff), max(10, len(context.customers) // 1500))) or [context.gm]
    handler_weights = [rng.uniform(0.3, 3.0) for _ in handlers]
    due_by_day: dict[dt.date, dt.datetime] = {}
    reply_hours = sla.reply_due(now) - now
    clock = sla.WorkingClock(timezone.localdate(now) - dt.timedelta(days=DAYS + 1),
                             timezone.localdate(now) + dt.timedelta(days=1))
    table = context.Table(Complaint)
    complaint_id = context.next_id(Complaint)
    counts: dict[str, int] = {}
    breached = 0
    for customer in _complainers(context, n):
        age = dt.timedelta(days=DAYS * rng.random() ** 1.15, seconds=rng.randint(0, 86_399))
        received = now - age
        day = timezone.localtime(received).date()
        if day not in due_by_day:
            due_by_day[day] = sla.implement_due(received)
        subject = rng.choices(subjects, weights=subject_weights)[0]
        registrar, head = _staff(context, customer)
        row = {"id": complaint_id, "customer_id": customer[0], "complainant": rng.choice("王李张刘陈杨赵") + "先生",
               "contact": f"13{rng.randint(0, 999_999_999):09d}", "received_at": received,
               "channel": rng.choices(channels, weights=channel_weights)[0], "subject": subject,
               "description": DESCRIPTIONS[subject], "demand": rng.choice(["赔偿损失", "减免费用", "尽快处理", ""]),
               "shipment_no": f"SH{rng.randint(0, 99_999_999):08d}" if rng.random() < 0.6 else "",
               "registered_by_id": registrar, "reply_due_at": received + reply_hours,
               "implement_due_at": due_by_day[day], "created_at": received, "updated_at": received}
        reply_at = received + dt.timedelta(hours=rng.uniform(0.3, 20) if rng.random() < 0.88 else rng.uniform(20, 60))
        if reply_at <= now:
            row.update(first_reply_at=reply_at, reply_text="已收到您的投诉，我们正在核实处理。")
        # The timeline: each step's moment; a stuck complaint never gets past its step.
        stuck = rng.randrange(len(STEPS)) if rng.random() < STUCK_SHARE else None
        moments, at = [], received
        for k, (_step, low, high) in enumerate(STEPS):
            at = at + dt.timedelta(hours=rng.uniform(low, high))
            moments.append(None if stuck is not None and k >= stuck else at)
        done = [m is not None and m <= now for m in moments]
        invalid = rng.random() < INVALID_SHARE
        if done[0]:
            row.update(is_valid=not invalid, judged_at=moments[0])
            if invalid:
                reply = row.get("first_reply_at") or moments[0]
                row.update(first_reply_at=reply, reply_text="经核查，延误系收货方未及时提货所致，已向客户说明。",
                           closed_at=moments[0], state="rejected")
        if row.get("state") != "rejected":
            state = next((STEPS[k][0] for k, d in enumerate(done) if not d), "closed")
            row["state"] = state
            if done[1]:
                row.update(department_id=routing.get(subject) or rng.choice(departments),
                           handler_id=rng.choices(handlers, weights=handler_weights)[0], assigned_at=moments[1])
            if done[2]:
                row.update(cause="现场操作未按作业指导书执行，交接环节缺少复核。", responsible="操作员",
                           analysed_at=moments[2])
            if done[3]:
                remedy = rng.choice(REMEDIES)
                amount = Decimal(rng.randrange(200, 20_000, 100)) if remedy in ("discount", "compensation") else None
                row.update(remedy_type=remedy, remedy_amount=amount, loss=amount)
            if done[4]:
                row["division_approved_by_id"] = head or context.gm
            if done[5]:
                row["gm_approved_by_id"] = context.gm
            if done[6]:
                row.update(implementation="已按方案落实并通知客户。", customer_notified=True, implemented_at=moments[6])
            if done[7]:
                row.update(review="加强交接复核，纳入月度培训。", closed_at=moments[7])
                if rng.random() < 0.6 and moments[7] + dt.timedelta(days=3) <= now:
                    row.update(return_visit_satisfaction=rng.choice([3, 4, 4, 5, 5]), return_visit_text="问题已解决",
                               return_visit_at=moments[7] + dt.timedelta(days=3))
            if state != "closed" and (row.get("first_reply_at") is None and row["reply_due_at"] < now
                                      or row.get("implemented_at") is None and row["implement_due_at"] < now):
                breached += 1
        counts[row["state"]] = counts.get(row["state"], 0) + 1
        row.update(sla.durations(row, clock=clock))
        table.add(**row)
        complaint_id += 1
        if len(table.rows) >= BATCH:
            context.write(table)
    context.write(table)
    return (f"{n:,} complaints (" + ", ".join(f"{v:,} {k}" for k, v in sorted(counts.items()))
            + f"; {breached:,} open past a deadline)")


def _requests(context) -> str:
    from complaints.models import ServiceRequest

    if not context.empty(ServiceRequest):
        return ""
    rng, now = context.rng, context.now
    n = round(len(context.customers) * REQUESTS_PER_CUSTOMER)
    table = context.Table(ServiceRequest)
    request_id = context.next_id(ServiceRequest)
    counts: dict[str, int] = {}
    for customer in _complainers(context, n):
        received = now - dt.timedelta(days=DAYS * rng.random() ** 1.5, seconds=rng.randint(0, 86_399))
        clerk, head = _staff(context, customer)
        age_hours = (now - received).total_seconds() / 3600
        row = {"id": request_id, "customer_id": customer[0], "channel": rng.choice(["hotline", "hotline", "email",
                                                                                    "web"]),
               "caller": rng.choice("王李张刘陈杨赵") + "女士", "order_no": f"SO{rng.randint(0, 9_999_999):07d}",
               "request_type": rng.choice(REQUEST_TYPES), "business_line": rng.choice(LINES),
               "question": "询问货物当前状态及预计到达时间", "received_at": received, "registered_by_id": clerk,
               "assignee_id": clerk, "created_at": received, "updated_at": received}
        if age_hours < 48 and rng.random() < 0.6:
            state = rng.choice(["open", "open", "escalated"])
        elif age_hours < 24 * 14:
            state = rng.choice(["answered", "answered", "closed", "open", "escalated"])
        else:
            state = rng.choice(["closed", "closed", "closed", "answered"])
        if state != "open" or rng.random() < 0.5:
            row["first_response_at"] = min(now, received + dt.timedelta(minutes=rng.randint(1, 240)))
        if state == "escalated":
            row.update(escalated_to_id=head or context.gm, escalated_department="国运部",
                       escalation_reason="需要运营部门确认")
        if state in ("answered", "closed"):
            row.update(result="已答复客户：货物预计三日内到港。",
                       answered_at=min(now, received + dt.timedelta(hours=rng.uniform(0.1, 30))))
        if state == "closed":
            row["score"] = rng.choice([3, 4, 4, 5, 5])
        row["state"] = state
        counts[state] = counts.get(state, 0) + 1
        table.add(**row)
        request_id += 1
    context.write(table)
    return f"{n:,} service requests (" + ", ".join(f"{v:,} {k}" for k, v in sorted(counts.items())) + ")"
