"""The complaint demo data: complaints at every step, breached clocks, rejections, closings with return
visits, one send-back; a dozen service requests in each state; nothing added a second time."""

import random

import pytest
from django.utils import timezone

from complaints.demo import PLAN, REQUESTS_PER_STATE, load_complaint_demo
from complaints.models import Complaint, ComplaintLog, ServiceRequest, State
from tests.factories import CustomerFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_users():
    team = TeamFactory(name="华东分公司")
    users = {
        "clerk": UserFactory(username="clerk", roles=["clerk"], teams=[team]),
        "manager1": UserFactory(username="manager1", roles=["account_manager"], teams=[team]),
        "manager2": UserFactory(username="manager2", roles=["account_manager"], teams=[team]),
        "head": UserFactory(username="head", roles=["dept_head"], teams=[team]),
        "gm": UserFactory(username="gm", roles=["gm"]),
        "credit": UserFactory(username="credit", roles=["credit_officer"]),
    }
    team.head = users["head"]
    team.save()
    for _ in range(6):
        CustomerFactory(owner=users["manager1"], team=team, stage="customer")
    return users


def test_demo_fills_every_step_and_request_state(demo_users):
    counts = load_complaint_demo(demo_users, random.Random(7))
    assert counts == {"complaints": len(PLAN), "service_requests": 4 * REQUESTS_PER_STATE}
    states = list(Complaint.objects.values_list("state", flat=True))
    assert set(states) == set(State)
    assert states.count(State.REJECTED) == 2
    closed = Complaint.objects.filter(state=State.CLOSED)
    assert closed.count() == 6 and closed.exclude(return_visit_at=None).count() == 3
    assert all(1 <= c.return_visit_satisfaction <= 5 for c in closed.exclude(return_visit_at=None))
    # One remedy was sent back once, proposed again, and waits for the division head again.
    sent_back = ComplaintLog.objects.filter(action="send_back")
    assert sent_back.count() == 1
    again = sent_back.get().complaint
    assert again.state == State.APPROVE_DIVISION and again.remedy_amount == 3000
    assert list(again.log.values_list("action", flat=True).order_by("pk"))[-3:] == [
        "approve_division", "send_back", "propose"]
    now = timezone.now()
    # Clocks run out: complaints received days ago with no reply, and remedies not implemented in time.
    unanswered = Complaint.objects.filter(first_reply_at=None).exclude(state=State.REJECTED)
    assert unanswered.count() == 3 and unanswered.filter(reply_due_at__lt=now).count() == 2
    assert Complaint.objects.filter(state=State.IMPLEMENT, implement_due_at__lt=now).count() == 1
    assert ServiceRequest.objects.count() == 4 * REQUESTS_PER_STATE
    # Histories are spread after each receipt, never in the future: replies on time, one remedy late.
    assert not ComplaintLog.objects.filter(at__gt=now).exists()
    replied = Complaint.objects.exclude(first_reply_at=None)
    assert replied.count() == len(PLAN) - 3
    assert [c.pk for c in replied if not c.received_at < c.first_reply_at <= c.reply_due_at] == []
    implemented = Complaint.objects.exclude(implemented_at=None)
    assert sorted(c.implemented_at <= c.implement_due_at for c in implemented) == [False] + [True] * 7
    answered = ServiceRequest.objects.exclude(answered_at=None)
    assert answered.count() == 24
    assert [(r.received_at, r.answered_at) for r in answered if not r.received_at < r.answered_at <= now] == []
    for state in ServiceRequest.State:
        assert ServiceRequest.objects.filter(state=state).count() == REQUESTS_PER_STATE
    assert ServiceRequest.objects.filter(state="escalated", escalated_to=demo_users["head"]).count() == 12
    assert load_complaint_demo(demo_users, random.Random(7)) == {"complaints": 0, "service_requests": 0}
    assert Complaint.objects.count() == len(PLAN)
