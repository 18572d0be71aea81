"""Demo data of complaints and service requests, written through the services so that every timeline is
real: complaints waiting at every step, some whose clocks have run out (received days ago and still
unanswered or unimplemented), some rejected with the courteous explanation, some closed with a return
visit, one remedy sent back once by the division head; a dozen service requests in each state.
Adds nothing when complaints exist already."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from complaints import sla
from complaints.models import Channel, Complaint, ComplaintLog, ServiceRequest, ServiceRequestLog
from complaints.service_requests import service_request_act, service_request_register
from complaints.services import complaint_act, complaint_register
from crm.models import User
from customers.models import Customer

# subject, channel, what happened, what the customer demands, shipment number
CASES = [
    ("transport", Channel.HOTLINE, "整柜货物比约定船期晚到港五天，生产线停工两天。", "赔偿停工损失", "SHA2611-0387"),
    ("customs", Channel.EMAIL, "报关单 HS 编码填错，货物被查验滞留三天，产生滞箱费。", "承担滞箱费", "NGB2610-1120"),
    ("warehousing", Channel.VISIT, "入库时外包装受潮，二十箱纸箱变形，客户拒收。", "重新包装并赔偿", "WH-2611-0045"),
    ("distribution", Channel.HOTLINE, "市内配送司机未按预约时段送达，收货方已下班。", "当天重新配送", "DS-2611-2290"),
    ("billing", Channel.LETTER, "十月账单重复收取港杂费 3,200 元。", "退还多收费用", ""),
    ("service", Channel.WEB, "客服电话多次无人接听，查询货物状态无果。", "指定专人对接", ""),
    ("transport", Channel.EMAIL, "拼箱货物在中转港被错配到其他航线。", "尽快改配并减免运费", "SZX2611-0912"),
    ("other", Channel.HOTLINE, "提货单上的收货人名称与合同不一致，无法提货。", "当天更正单证", ""),
]
# Where each demo complaint is left (the action it stops after), how many days ago it was received, and
# whether its first reply was given (a complaint received days ago without a reply has breached its clock).
PLAN = [
    ("register", 0, False), ("register", 3, False), ("register", 1, True),
    ("judge", 2, True), ("judge", 4, False),
    ("assign", 2, True), ("assign", 6, True),
    ("analyse", 3, True),
    ("propose", 3, True), ("propose", 5, True),
    ("approve_division", 4, True),
    ("send_back", 6, True),
    ("approve_gm", 12, True), ("approve_gm", 4, True),
    ("implement", 9, True), ("implement", 14, True),
    ("review", 20, True), ("review", 35, True), ("review", 48, True),
    ("return_visit", 26, True), ("return_visit", 40, True), ("return_visit", 55, True),
    ("rejected", 10, True), ("rejected", 30, True),
]
ORDER = ["register", "judge", "assign", "analyse", "propose", "approve_division", "approve_gm", "implement",
         "review", "return_visit"]
REMEDIES = [("compensation", "5000", "8000"), ("discount", "1200", "1200"), ("redelivery", None, "600"),
            ("apology", None, None)]
REQUESTS_PER_STATE = 12
QUESTIONS = [
    ("order_query", "export", "询问订舱单 SO 号对应的开船日期"),
    ("order_change", "transport", "要求将提货时间从周三改到周五"),
    ("quote", "international_trade", "询问上海到汉堡 40 尺整柜的运价"),
    ("return", "distribution", "收货方拒收，要求安排退货"),
    ("document", "import", "需要补开进口报关单的电子版"),
    ("other", "warehousing", "询问仓库周末是否可以出库"),
    ("order_query", "loading", "询问装箱进度及装箱照片"),
    ("quote", "deep_processing", "咨询保税区深加工结转的费用"),
]


def _complaint_steps(complaint: Complaint, *, stop: str, users: dict[str, User], handler: User,
                     rng: random.Random, case: int) -> None:
    clerk, head, gm = users["clerk"], users["head"], users["gm"]
    if stop == "rejected":
        complaint_act(complaint=complaint, user=clerk, action="judge", data={
            "valid": False, "text": "经核查，货物按合同约定时间交付，延误系收货方未及时提货所致，已向客户耐心说明。"})
        return
    remedy_type, amount, loss = REMEDIES[case % len(REMEDIES)]
    steps = {
        "judge": (clerk, {"valid": True}, "经核实投诉属实"),
        "assign": (clerk, {"handler": handler.pk}, ""),
        "analyse": (handler, {"cause": "现场操作未按作业指导书执行，交接环节缺少复核。",
                              "responsible": "操作员 张伟"}, ""),
        "propose": (handler, {"remedy_type": remedy_type, "amount": Decimal(amount) if amount else None,
                              "loss": Decimal(loss) if loss else None}, ""),
        "approve_division": (head, {}, "同意"),
        "approve_gm": (gm, {}, "批准"),
        "implement": (handler, {"text": "已按批准方案处理完毕，并书面致歉。", "customer_notified": True,
                                "feedback": "客户表示认可", "penalty": Decimal(rng.choice([100, 200, 300]))}, ""),
        "review": (head, {"text": "交接环节增加双人复核，每月抽查作业记录。"}, ""),
        "return_visit": (clerk, {"satisfaction": rng.randint(3, 5), "text": "客户确认问题已解决"}, ""),
    }
    last = ORDER.index("approve_division" if stop == "send_back" else stop)
    for action in ORDER[1:last + 1]:
        user, data, comment = steps[action]
        complaint_act(complaint=complaint, user=user, action=action, data=data, comment=comment)
    if stop == "send_back":
        # The division head approved, then the GM sent the remedy back once: it is proposed again and waits for
        # the division head a second time.
        complaint_act(complaint=complaint, user=gm, action="send_back", comment="赔偿金额偏高，请与客户重新协商")
        user, data, _ = steps["propose"]
        complaint_act(complaint=complaint, user=user, action="propose",
                      data={**data, "amount": Decimal("3000")})


def load_complaint_demo(users: dict[str, User], rng: random.Random) -> dict[str, int]:
    if Complaint.objects.exists():
        return {"complaints": 0, "service_requests": 0}
    heads_teams = list(users["head"].teams.values_list("pk", flat=True))
    customers = list(Customer.objects.filter(is_active=True, stage="customer", team_id__in=heads_teams)
                     .order_by("pk")[:60])
    if not customers:
        return {"complaints": 0, "service_requests": 0}
    handlers = [users[name] for name in ("manager1", "manager2", "credit") if name in users]
    now = timezone.now()
    complaints = 0
    for case, (stop, days_ago, replied) in enumerate(PLAN):
        subject, channel, description, demand, shipment = CASES[case % len(CASES)]
        customer = customers[rng.randrange(len(customers))]
        received_at = now - dt.timedelta(days=days_ago, hours=rng.randint(1, 6), minutes=rng.randint(0, 59))
        registrar = users["clerk"] if case % 3 else users["manager1"]
        complaint = complaint_register(user=registrar, customer=customer, subject=subject, description=description,
                                       demand=demand, channel=channel, received_at=received_at,
                                       complainant="客户联系人", contact=f"138 0000 {rng.randint(0, 9999):04d}",
                                       about="国运部" if subject == "transport" else "", shipment_no=shipment)
        if replied and stop != "rejected":
            complaint_act(complaint=complaint, user=users["clerk"], action="reply",
                          data={"text": "已收到您的投诉，我们正在核查，将尽快给您答复。"})
        _complaint_steps(complaint, stop=stop, users=users, handler=handlers[case % len(handlers)], rng=rng,
                         case=case)
        # The oldest closed complaint took its time: its remedy came after the five working days.
        _retime_complaint(complaint, now=now, gap=dt.timedelta(hours=30 if days_ago >= 55 else 7))
        complaints += 1
    return {"complaints": complaints, "service_requests": _load_requests(users, customers, rng, now)}


# The complaint's own time of each step, set from the time its log row is moved to.
STEP_TIME_FIELDS = {"reply": "first_reply_at", "judge": "judged_at", "assign": "assigned_at", "analyse": "analysed_at",
                    "implement": "implemented_at", "review": "closed_at", "return_visit": "return_visit_at"}


def _retime_complaint(complaint: Complaint, *, now: dt.datetime, gap: dt.timedelta) -> None:
    """The services stamp every step with the moment the demo runs; a lived-in history has the steps of an
    old complaint spread after its receipt (a reply within hours, a step every few hours), never in the future."""
    rows = list(ComplaintLog.objects.filter(complaint=complaint).order_by("at", "pk"))
    span = now - complaint.received_at - dt.timedelta(minutes=5)
    gap = min(gap, span / max(len(rows), 1))  # the first step after the receipt comes within two hours
    fields: dict[str, dt.datetime] = {}
    for index, row in enumerate(rows):
        offset = min(gap, dt.timedelta(hours=2)) + gap * (index - 1) if index else dt.timedelta(0)
        row.at = complaint.received_at + offset
        if row.action in STEP_TIME_FIELDS and not (row.action == "reply" and "first_reply_at" in fields):
            fields[STEP_TIME_FIELDS[row.action]] = row.at
        if row.action == "judge" and row.to_state == "rejected":
            fields.update(first_reply_at=row.at, closed_at=row.at)
    ComplaintLog.objects.bulk_update(rows, ["at"])
    moments = {name: getattr(complaint, name) for name in ("received_at", "assigned_at", "analysed_at")}
    fields.update(sla.durations({**moments, **fields}))
    Complaint.objects.filter(pk=complaint.pk).update(**fields)


def _retime_request(request: ServiceRequest, rng: random.Random, now: dt.datetime) -> None:
    rows = list(ServiceRequestLog.objects.filter(request=request).order_by("at", "pk"))
    fields: dict[str, dt.datetime] = {}
    at = request.received_at
    for index, row in enumerate(rows):
        if index:
            at = min(at + dt.timedelta(minutes=rng.randint(5, 240)), now)
        row.at = at
        if row.action in ("escalate", "answer") and "first_response_at" not in fields:
            fields["first_response_at"] = at
        if row.action == "answer":
            fields["answered_at"] = at
    ServiceRequestLog.objects.bulk_update(rows, ["at"])
    ServiceRequest.objects.filter(pk=request.pk).update(**fields)


def _load_requests(users: dict[str, User], customers: list[Customer], rng: random.Random, now: dt.datetime) -> int:
    clerk, head = users["clerk"], users["head"]
    assignees = [clerk] + [users[name] for name in ("manager1", "manager2") if name in users]
    made = 0
    for state in ServiceRequest.State:
        for number in range(REQUESTS_PER_STATE):
            request_type, line, question = QUESTIONS[(made + number) % len(QUESTIONS)]
            request = service_request_register(
                user=clerk, customer=customers[rng.randrange(len(customers))], request_type=request_type,
                business_line=line, question=question, assignee=assignees[number % len(assignees)],
                received_at=now - dt.timedelta(hours=rng.randint(1, 24 * 20)), caller="来电客户",
                channel=Channel.HOTLINE if number % 4 else Channel.EMAIL, order_no=f"SO2611{made:04d}")
            if state == ServiceRequest.State.ESCALATED:
                service_request_act(request=request, user=request.assignee, action="escalate",
                                    data={"to": head.pk, "reason": "涉及运价调整，需上级审批"})
            elif state != ServiceRequest.State.OPEN:
                service_request_act(request=request, user=request.assignee, action="answer",
                                    data={"result": "已答复客户并发送确认邮件"})
                if state == ServiceRequest.State.CLOSED:
                    service_request_act(request=request, user=request.assignee, action="score",
                                        data={"score": rng.randint(3, 5)})
            _retime_request(request, rng, now)
            made += 1
    return made


def _load(*, users, teams, rng, customers) -> str:
    counts = load_complaint_demo(users, rng)
    if not any(counts.values()):
        return ""
    return "Created {complaints} complaints and {service_requests} service requests.".format(**counts)


def register() -> None:
    from crm.demo import register_demo

    register_demo("complaints", _load, order=40)
