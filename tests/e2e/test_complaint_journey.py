"""Acceptance journey of a complaint (SPEC §5.2, form 8), in the browser, each step by the person who owns it:
the clerk registers it, replies, judges it valid and assigns it; the handler analyses the cause and proposes
a remedy; the division head sends it back once, then approves the remedy proposed again; the GM approves;
the handler implements it; the head reviews and closes it; the clerk records the return visit. The
timeline shows every step, and the printed card carries every step.
"""

import pytest
from playwright.sync_api import expect

from complaints.models import Complaint, State
from tests.e2e.conftest import log_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
STEPS = ["register", "reply", "judge", "assign", "analyse", "propose", "send_back", "propose", "approve_division",
         "approve_gm", "implement", "review", "return_visit"]


@pytest.fixture
def handler(east_team):
    """A coordinator of the international transport department, outside the customer's archive."""
    return UserFactory(username="handler", first_name="周", last_name="运", roles=["account_manager"])


def act(page, action: str, fields: dict | None = None, comment: str = ""):
    form = page.locator(f"#step-{action}")
    for name, value in (fields or {}).items():
        control = form.locator(f"[name={name}]")
        if control.evaluate("el => el.tagName") == "SELECT":
            control.select_option(str(value))
        elif control.get_attribute("type") == "checkbox":
            control.check()
        else:
            control.fill(str(value))
    if comment:
        form.locator("[name=comment]").fill(comment)
    form.locator(f"#do-{action}").click()
    expect(page.locator(".alert-danger")).to_have_count(0)


def test_complaint_from_registration_to_return_visit(new_page, customer, bob, dora, gm, handler):
    clerk = log_in(new_page(), "bob")
    clerk.goto("/complaints/new/")
    clerk.fill("#id_customer_label", customer.code)
    clerk.select_option("#id_channel", "hotline")
    clerk.select_option("#id_subject", "transport")
    clerk.fill("#id_complainant", "王经理")
    clerk.fill("#id_shipment_no", "SHA2611-0387")
    clerk.fill("#id_description", "整柜货物比约定船期晚到港五天")
    clerk.fill("#id_demand", "赔偿停工损失")
    clerk.click("#complaint-save")
    expect(clerk.locator(".alert-success")).to_contain_text("the first reply is due by")
    complaint = Complaint.objects.get()
    expect(clerk.locator("#complaint-step")).to_contain_text("Step 2")
    act(clerk, "reply", {"text": "已收到，正在核查"})
    act(clerk, "judge", {"valid": "yes"})
    expect(clerk.locator("#complaint-step")).to_contain_text("Step 3")
    act(clerk, "assign", {"department": "国运部", "handler": handler.pk})
    expect(clerk.locator("#complaint-step")).to_contain_text("Step 4")
    # The clerk may not take the handler's step: no form for it.
    expect(clerk.locator("#step-analyse")).to_have_count(0)

    worker = log_in(new_page(), "handler")
    worker.goto(f"/complaints/{complaint.pk}/")
    act(worker, "analyse", {"cause": "码头作业延误未及时通知", "responsible": "操作员 张伟"})
    act(worker, "propose", {"remedy_type": "compensation", "amount": "8000", "loss": "12000"})
    expect(worker.locator("#complaint-step")).to_contain_text("Step 6")

    head = log_in(new_page(), "dora")
    head.goto(f"/complaints/{complaint.pk}/")
    act(head, "send_back", comment="金额偏高，请与客户协商")
    expect(head.locator("#complaint-step")).to_contain_text("Step 5")

    worker.goto(f"/complaints/{complaint.pk}/")
    act(worker, "propose", {"remedy_type": "compensation", "amount": "5000", "loss": "12000"})
    head.goto(f"/complaints/{complaint.pk}/")
    act(head, "approve_division", comment="同意")
    expect(head.locator("#complaint-step")).to_contain_text("Step 7")
    # The same person cannot give both approvals: the head has no GM form.
    expect(head.locator("#step-approve_gm")).to_have_count(0)

    boss = log_in(new_page(), "gm")
    boss.goto(f"/complaints/{complaint.pk}/")
    act(boss, "approve_gm", comment="批准")
    expect(boss.locator("#complaint-step")).to_contain_text("Step 8")

    worker.goto(f"/complaints/{complaint.pk}/")
    act(worker, "implement", {"text": "已赔付 5000 元并书面致歉", "customer_notified": True, "feedback": "客户认可",
                              "penalty": "300"})
    expect(worker.locator("#complaint-step")).to_contain_text("Step 9")

    head.goto(f"/complaints/{complaint.pk}/")
    act(head, "review", {"text": "增加到港延误预警"})
    expect(head.locator("#complaint-status")).to_have_text("Closed")

    clerk.goto(f"/complaints/{complaint.pk}/")
    act(clerk, "return_visit", {"satisfaction": "4", "text": "客户确认已解决"})
    expect(clerk.locator("#step-return_visit")).to_have_count(0)
    expect(clerk.locator("#timeline li")).to_have_count(len(STEPS))
    actions = clerk.locator("#timeline li").evaluate_all("items => items.map(li => li.dataset.action)")
    assert actions == STEPS

    clerk.click("#complaint-print")
    card = clerk.locator("#complaint-card")
    for text in ("SHA2611-0387", "码头作业延误未及时通知", "5,000", "已赔付 5000 元并书面致歉", "增加到港延误预警",
                 "4/5 客户确认已解决", "300"):
        expect(card).to_contain_text(text)
    expect(clerk.locator("#complaint-steps tbody tr")).to_have_count(len(STEPS))
    expect(clerk.locator("#complaint-steps")).to_contain_text("金额偏高，请与客户协商")

    complaint.refresh_from_db()
    assert (complaint.state, complaint.return_visit_satisfaction, complaint.handler_id) == (State.CLOSED, 4,
                                                                                            handler.pk)
    assert (complaint.division_approved_by_id, complaint.gm_approved_by_id) == (dora.pk, gm.pk)
    assert str(complaint.remedy_amount) == "5000.00" and complaint.penalties.get().amount == 300
