"""The nine steps of a complaint (SPEC §5.2) on the workflow kit: actors (403), order (409), the rejection
path, the send-back, the clocks across the National Day week, two GM approvals at once."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection

from complaints.models import Complaint, Penalty
from complaints.selectors import complaint_list, complaints_visible_to, complaints_waiting_on
from complaints.services import complaint_act, complaint_register
from complaints.sla import APPROACHING, BREACHED, LATE, MET, OK, clock_state, working_hours_between
from crm.exceptions import ApplicationError, ConflictError, PermissionDeniedError
from crm.models import CalendarDay
from tests.complaints.conftest import SHANGHAI
from tests.conftest import needs_postgres
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_clocks_across_the_national_day_week(complaint):
    # Registered Wednesday 30 September 2026: reply by 1 October 10:00; implementation by the end of Tuesday
    # 13 October (1–7 October off, Saturday 10 October worked).
    assert complaint.reply_due_at == dt.datetime(2026, 10, 1, 10, 0, tzinfo=SHANGHAI)
    assert complaint.implement_due_at == dt.datetime(2026, 10, 13, 23, 59, 59, tzinfo=SHANGHAI)
    assert (complaint.step, complaint.status) == (2, "open")


def test_admin_entered_days_move_the_deadline(bob, customer):
    CalendarDay.objects.create(date=dt.date(2026, 10, 12), reason="公司年会")
    CalendarDay.objects.create(date=dt.date(2026, 10, 11), kind=CalendarDay.Kind.WORKING_DAY, reason="补班")
    complaint = complaint_register(user=bob, customer=customer, subject="billing", description="x",
                                   received_at=dt.datetime(2026, 9, 30, 9, 0, tzinfo=SHANGHAI))
    # 8, 9, 10 (adjusted Saturday), 11 (company extra day), 13 (12 off): the fifth working day is the 13th.
    assert complaint.implement_due_at.date() == dt.date(2026, 10, 13)
    CalendarDay.objects.filter(date=dt.date(2026, 10, 11)).delete()
    later = complaint_register(user=bob, customer=customer, subject="billing", description="y",
                               received_at=dt.datetime(2026, 9, 30, 9, 0, tzinfo=SHANGHAI))
    assert later.implement_due_at.date() == dt.date(2026, 10, 14)


def test_the_whole_way_with_one_send_back(complaint, bob, handler, dora, gm):
    complaint_act(complaint=complaint, user=bob, action="reply", data={"text": "已收到，正在核实"})
    complaint_act(complaint=complaint, user=bob, action="judge", data={"valid": True})
    complaint_act(complaint=complaint, user=bob, action="assign", data={"handler": handler.pk})
    complaint.refresh_from_db()
    assert (complaint.step, complaint.department.name, complaint.handler) == (4, "国运部", handler)
    complaint_act(complaint=complaint, user=handler, action="analyse",
                  data={"cause": "调度失误", "responsible": "张三"})
    complaint_act(complaint=complaint, user=handler, action="propose", data={"remedy_type": "discount",
                                                                            "amount": Decimal("500")})
    with pytest.raises(ApplicationError):
        complaint_act(complaint=complaint, user=dora, action="send_back")  # a comment is needed
    complaint_act(complaint=complaint, user=dora, action="send_back", comment="折价不足以弥补损失")
    complaint.refresh_from_db()
    assert complaint.step == 5
    complaint_act(complaint=complaint, user=handler, action="propose", data={"remedy_type": "compensation",
                                                                            "amount": Decimal("2000")})
    complaint_act(complaint=complaint, user=dora, action="approve_division")
    complaint_act(complaint=complaint, user=gm, action="approve_gm")
    complaint_act(complaint=complaint, user=handler, action="implement",
                  data={"text": "已赔付", "customer_notified": True, "penalty": Decimal("200")})
    complaint_act(complaint=complaint, user=dora, action="review", data={"text": "加强调度复核"})
    complaint.refresh_from_db()
    assert (complaint.step, complaint.status, complaint.first_reply_at is not None) == (9, "closed", True)
    complaint_act(complaint=complaint, user=bob, action="return_visit", data={"satisfaction": 4, "text": "满意"})
    with pytest.raises(ApplicationError):
        complaint_act(complaint=complaint, user=bob, action="return_visit", data={"satisfaction": 5})
    actions = list(complaint.log.order_by("at", "pk").values_list("action", flat=True))
    assert actions == ["register", "reply", "judge", "assign", "analyse", "propose", "send_back", "propose",
                       "approve_division", "approve_gm", "implement", "review", "return_visit"]
    assert list(Penalty.objects.values_list("person", "amount")) == [("张三", Decimal("200.00"))]


def test_rejection_path(complaint, bob):
    with pytest.raises(ApplicationError) as error:
        complaint_act(complaint=complaint, user=bob, action="judge", data={"valid": False, "text": ""})
    assert error.value.field == "text"
    complaint_act(complaint=complaint, user=bob, action="judge", data={"valid": False, "text": "经核实属不可抗力"})
    complaint.refresh_from_db()
    assert (complaint.step, complaint.status, complaint.reply_text) == (2, "rejected", "经核实属不可抗力")
    assert complaint.first_reply_at is not None
    with pytest.raises(ConflictError):
        complaint_act(complaint=complaint, user=bob, action="reply", data={"text": "x"})


def test_registration_steps_are_customer_service_work(complaint, credit_officer, gm):
    for user in (credit_officer, gm):
        with pytest.raises(PermissionDeniedError):
            complaint_act(complaint=complaint, user=user, action="judge", data={"valid": True})


def test_each_step_by_its_role(complaint, bob, handler, dora, gm, alice):
    complaint_act(complaint=complaint, user=bob, action="judge", data={"valid": True})
    complaint_act(complaint=complaint, user=bob, action="assign", data={"handler": handler.pk})
    with pytest.raises(PermissionDeniedError):  # step 4: the handler or a head, not the clerk
        complaint_act(complaint=complaint, user=bob, action="analyse", data={"cause": "x", "responsible": "y"})
    with pytest.raises(ConflictError):  # skipping step 4
        complaint_act(complaint=complaint, user=handler, action="propose", data={"remedy_type": "apology"})
    complaint_act(complaint=complaint, user=handler, action="analyse", data={"cause": "x", "responsible": "y"})
    complaint_act(complaint=complaint, user=handler, action="propose", data={"remedy_type": "apology"})
    with pytest.raises(PermissionDeniedError):
        complaint_act(complaint=complaint, user=gm, action="approve_division")
    with pytest.raises(ConflictError):
        complaint_act(complaint=complaint, user=gm, action="approve_gm")
    outsider_head = UserFactory(roles=["dept_head"])
    with pytest.raises(PermissionDeniedError):
        complaint_act(complaint=complaint, user=outsider_head, action="approve_division")
    complaint_act(complaint=complaint, user=dora, action="approve_division")
    with pytest.raises(PermissionDeniedError):
        complaint_act(complaint=complaint, user=dora, action="approve_gm")
    with pytest.raises(ConflictError):  # repeating step 6
        complaint_act(complaint=complaint, user=dora, action="approve_division")


def test_the_two_approvals_come_from_two_people(complaint, bob, handler, east_team):
    both = UserFactory(username="both", roles=["dept_head", "gm"], teams=[east_team])
    complaint_act(complaint=complaint, user=bob, action="judge", data={"valid": True})
    complaint_act(complaint=complaint, user=bob, action="assign", data={"handler": handler.pk})
    complaint_act(complaint=complaint, user=handler, action="analyse", data={"cause": "x", "responsible": "y"})
    complaint_act(complaint=complaint, user=handler, action="propose", data={"remedy_type": "apology"})
    complaint_act(complaint=complaint, user=both, action="approve_division")
    with pytest.raises(PermissionDeniedError, match="different people"):
        complaint_act(complaint=complaint, user=both, action="approve_gm")


def test_who_sees_a_complaint(complaint, alice, bob, charlie, dora, gm, handler, credit_officer):
    assert set(complaints_visible_to(alice)) == {complaint}  # the customer's owner
    assert set(complaints_visible_to(dora)) == {complaint}  # head of the customer's team
    assert set(complaints_visible_to(gm)) == {complaint}
    assert set(complaints_visible_to(charlie)) == set()
    assert set(complaints_visible_to(credit_officer)) == set()
    assert set(complaints_visible_to(handler)) == set()
    complaint_act(complaint=complaint, user=bob, action="judge", data={"valid": True})
    complaint_act(complaint=complaint, user=bob, action="assign", data={"handler": handler.pk})
    assert set(complaints_visible_to(handler)) == {complaint}
    assert list(complaints_waiting_on(handler)) == [complaint]


def test_a_complaint_seen_through_several_branches_is_listed_once(complaint, bob, customer, gm):
    """bob registered it, handles it and keeps the customer's team archives: three branches of the access
    rule, one row; the list's filters hold inside each branch."""
    complaint_act(complaint=complaint, user=bob, action="judge", data={"valid": True})
    complaint_act(complaint=complaint, user=bob, action="assign", data={"handler": bob.pk})
    other = complaint_register(user=gm, customer=customer, subject="billing", description="账单错误")
    assert list(complaint_list(bob)) == [other, complaint] and complaint_list(bob).count() == 2
    assert list(complaint_list(bob, subject="transport")) == [complaint]
    assert list(complaint_list(bob, state="analyse")) == [complaint]
    assert list(complaint_list(bob, department="x")) == []


def test_any_clerk_or_manager_registers_for_any_customer(charlie, customer, credit_officer):
    complaint = complaint_register(user=charlie, customer=customer, subject="service", description="态度差")
    assert set(complaints_visible_to(charlie)) == {complaint}
    with pytest.raises(PermissionDeniedError):
        complaint_register(user=credit_officer, customer=customer, subject="service", description="x")


def test_clock_states(complaint):
    due = complaint.reply_due_at
    assert clock_state(due=due, done_at=due, running=True) == MET
    assert clock_state(due=due, done_at=due + dt.timedelta(seconds=1), running=True) == LATE
    assert clock_state(due=due, done_at=None, running=True, now=due + dt.timedelta(minutes=1)) == BREACHED
    # Due on 1 October, a holiday: no working hour is left before it, so it is approaching all day.
    assert clock_state(due=due, done_at=None, running=True, now=due - dt.timedelta(hours=9)) == APPROACHING
    working = dt.datetime(2026, 11, 18, 12, 0, tzinfo=SHANGHAI)
    assert clock_state(due=working, done_at=None, running=True, now=working - dt.timedelta(hours=3)) == APPROACHING
    assert clock_state(due=working, done_at=None, running=True, now=working - dt.timedelta(hours=30)) == OK
    # Friday 18:00 → Monday 10:00 is 6 + 10 = 16 working hours (the weekend does not count).
    assert working_hours_between(dt.datetime(2026, 11, 20, 18, 0, tzinfo=SHANGHAI),
                                 dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)) == 16


def test_sla_filters(complaint, gm, bob):
    after_reply_due = complaint.reply_due_at + dt.timedelta(minutes=1)
    assert list(complaint_list(gm, sla="reply_breached", now=after_reply_due)) == [complaint]
    assert list(complaint_list(gm, sla="implement_breached", now=after_reply_due)) == []
    complaint_act(complaint=complaint, user=bob, action="reply", data={"text": "收到"})
    assert list(complaint_list(gm, sla="reply_breached", now=after_reply_due)) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not needs_postgres(), reason="needs DATABASE_URL pointing at PostgreSQL")
def test_two_gm_approvals_at_once_apply_once(complaint, bob, handler, dora, gm):
    second = UserFactory(username="gm2", roles=["gm"])
    complaint_act(complaint=complaint, user=bob, action="judge", data={"valid": True})
    complaint_act(complaint=complaint, user=bob, action="assign", data={"handler": handler.pk})
    complaint_act(complaint=complaint, user=handler, action="analyse", data={"cause": "x", "responsible": "y"})
    complaint_act(complaint=complaint, user=handler, action="propose", data={"remedy_type": "apology"})
    complaint_act(complaint=complaint, user=dora, action="approve_division")
    barrier, outcomes = threading.Barrier(2), []

    def approve(user):
        try:
            barrier.wait()
            complaint_act(complaint=Complaint.objects.get(pk=complaint.pk), user=user, action="approve_gm")
            outcomes.append("ok")
        except ConflictError:
            outcomes.append("moved on")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(user,)) for user in (gm, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["moved on", "ok"]
    assert complaint.log.filter(action="approve_gm").count() == 1
