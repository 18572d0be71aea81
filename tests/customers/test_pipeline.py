"""The sales pipeline (SPEC §2.3): quick entry, the stage workflow with its history, follow-up reminders,
churn flags and the conversion rates."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.exceptions import ApplicationError, ConflictError, PermissionDeniedError
from crm.models import Notification
from customers.models import Customer, CustomerStageLog
from customers.pipeline.jobs import churn_risk_flags_update, lead_follow_up_reminders_send
from customers.pipeline.selectors import conversion_rates
from customers.pipeline.services import customer_stage_move, lead_create
from customers.services import DuplicateCustomerError
from tests.factories import BusinessRecordFactory, CustomerFactory

pytestmark = pytest.mark.django_db


def test_quick_entry_files_a_lead_with_its_contact_and_profile(alice):
    lead = lead_create(user=alice, name="宁波远洋贸易有限公司", contact_name="陈经理", contact_phone="13812345678",
                       lead_source="exhibition", value_grade="A", importance="high",
                       follow_up_due=dt.date(2026, 12, 10))
    assert (lead.stage, lead.owner, lead.pipeline.lead_source, lead.pipeline.value_grade) == (
        "lead", alice, "exhibition", "A")
    assert lead.contacts.get().is_primary and lead.contacts.get().phone == "13812345678"
    assert [(row.action, row.to_state, row.owner, row.lead_source) for row in lead.stage_log.all()] == [
        ("file", "lead", alice, "exhibition")]


def test_duplicate_lead_is_refused(alice, charlie):
    lead_create(user=alice, name="宁波远洋贸易有限公司")
    with pytest.raises(DuplicateCustomerError):
        lead_create(user=charlie, name="宁波远洋贸易有限公司 ")
    assert Customer.objects.count() == 1


def test_stage_steps_and_their_history(alice, bob):
    lead = lead_create(user=alice, name="甲公司")
    customer_stage_move(customer=lead, user=alice, action="validate")
    customer_stage_move(customer=lead, user=bob, action="win", comment="首单已发运")
    lead.refresh_from_db()
    assert lead.stage == "customer"
    assert [(r.action, r.actor, r.from_state, r.to_state) for r in lead.stage_log.order_by("at", "pk")] == [
        ("file", alice, "", "lead"), ("validate", alice, "lead", "prospect"), ("win", bob, "prospect", "customer")]
    with pytest.raises(ConflictError):
        customer_stage_move(customer=lead, user=alice, action="validate")


def test_discard_and_lose_need_a_reason(alice):
    lead = lead_create(user=alice, name="乙公司")
    with pytest.raises(ApplicationError):
        customer_stage_move(customer=lead, user=alice, action="discard")
    customer_stage_move(customer=lead, user=alice, action="discard", comment="无物流需求")
    lead.refresh_from_db()
    assert (lead.stage, lead.lost_reason) == ("discarded", "无物流需求")


def test_an_outsider_may_not_move_the_stage(alice, charlie):
    lead = lead_create(user=alice, name="丙公司")
    with pytest.raises(PermissionDeniedError):
        customer_stage_move(customer=lead, user=charlie, action="validate")


def test_follow_up_reminder_is_sent_once_however_often_the_job_runs(alice, bob):
    today = timezone.localdate()
    lead_create(user=alice, name="丁公司", follow_up_due=today - dt.timedelta(days=1))
    lead_create(user=alice, name="戊公司", follow_up_due=today + dt.timedelta(days=3))
    assert lead_follow_up_reminders_send() == 1
    assert lead_follow_up_reminders_send() == 0
    notice = Notification.objects.get(recipient=alice)
    assert "丁公司" in notice.title
    assert lead_follow_up_reminders_send(today=today + dt.timedelta(days=3)) == 1  # the other one, when due


def test_churn_flags_follow_the_business_records(alice, east_team, settings):
    today = dt.date(2026, 12, 1)
    quiet = CustomerFactory(owner=alice, team=east_team, stage="customer")
    busy = CustomerFactory(owner=alice, team=east_team, stage="customer")
    BusinessRecordFactory(customer=quiet, date=today - dt.timedelta(days=180), amount=Decimal("10"))
    BusinessRecordFactory(customer=busy, date=today - dt.timedelta(days=179), amount=Decimal("10"))
    assert churn_risk_flags_update(today=today) == (1, 0)
    assert churn_risk_flags_update(today=today) == (0, 0)
    quiet.refresh_from_db()
    assert quiet.churn_risk
    BusinessRecordFactory(customer=quiet, date=today, amount=Decimal("10"))
    assert churn_risk_flags_update(today=today) == (0, 1)


def test_conversion_rates_against_hand_computed_values(alice, charlie, gm):
    for index, source in enumerate(["exhibition"] * 4 + ["web"] * 2):
        owner = alice if index % 2 == 0 else charlie
        lead = lead_create(user=owner, name=f"公司{index}", lead_source=source)
        if index in (0, 1, 2, 4):
            customer_stage_move(customer=lead, user=owner, action="validate")
        if index in (0, 4):
            customer_stage_move(customer=lead, user=owner, action="win")
        if index == 3:
            customer_stage_move(customer=lead, user=owner, action="discard", comment="无需求")
    today = timezone.localdate()
    rows = {r.key: r for r in conversion_rates(gm, start=today, end=today, by="source")}
    assert (rows["exhibition"].leads, rows["exhibition"].validated, rows["exhibition"].won,
            rows["exhibition"].discarded) == (4, 3, 1, 1)
    assert (rows["exhibition"].validation_rate, rows["exhibition"].win_rate) == (75.0, 25.0)
    assert (rows["web"].leads, rows["web"].validated, rows["web"].won, rows["web"].win_rate) == (2, 1, 1, 50.0)
    by_owner = {r.key: r for r in conversion_rates(gm, start=today, end=today, by="owner")}
    assert (by_owner[str(alice.pk)].leads, by_owner[str(alice.pk)].won) == (3, 2)
    # An account manager counts only the leads of archives they may read.
    assert sum(r.leads for r in conversion_rates(alice, start=today, end=today)) == 3
    assert conversion_rates(gm, start=today - dt.timedelta(days=9), end=today - dt.timedelta(days=1)) == []


def test_pages_quick_entry_steps_and_conversion(client, alice):
    client.force_login(alice)
    response = client.post(reverse("customers:leads"), {"name": "己公司", "contact_name": "王", "lead_source": "web",
                                                         "value_grade": "B", "importance": "medium"})
    assert response.status_code == 302
    lead = Customer.objects.get(name="己公司")
    page = client.get(reverse("customers:leads")).content.decode()
    assert "己公司" in page
    card = client.get(reverse("customers:pipeline", args=[lead.pk])).content.decode()
    assert 'id="stage-validate"' in card and 'id="stage-discard"' in card
    client.post(reverse("customers:pipeline_move", args=[lead.pk]), {"action": "validate"})
    client.post(reverse("customers:pipeline", args=[lead.pk]), {
        "lead_source": "web", "value_grade": "A", "importance": "high", "goods": "电子产品",
        "development_strategy": "先做仓储"})
    lead.refresh_from_db()
    assert (lead.stage, lead.pipeline.goods, lead.pipeline.value_grade) == ("prospect", "电子产品", "A")
    client.post(reverse("customers:pipeline_move", args=[lead.pk]), {"action": "win"})
    lead.refresh_from_db()
    assert lead.stage == "customer"
    conversion = client.get(reverse("customers:conversion"))
    assert conversion.status_code == 200 and conversion.context["rows"][0].won == 1
    xlsx = client.get(reverse("customers:conversion") + "?format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert CustomerStageLog.objects.filter(customer=lead).count() == 3


def test_pages_closed_to_outsiders(client, alice, charlie, integration_user):
    lead = lead_create(user=alice, name="庚公司")
    client.force_login(charlie)
    assert client.get(reverse("customers:pipeline", args=[lead.pk])).status_code == 404
    assert client.post(reverse("customers:pipeline_move", args=[lead.pk]), {"action": "validate"}).status_code == 404
    assert "庚公司" not in client.get(reverse("customers:leads")).content.decode()
    client.force_login(integration_user)
    assert client.get(reverse("customers:leads")).status_code == 404


def test_a_stage_changed_by_an_edit_is_in_the_stage_history(alice):
    from customers.services import customer_update

    lead = lead_create(user=alice, name="辛公司", lead_source="web")
    customer_update(customer=lead, user=alice, stage="prospect")
    customer_update(customer=lead, user=alice, short_name="辛")  # no stage change, no row
    assert [(r.action, r.from_state, r.to_state, r.lead_source) for r in lead.stage_log.order_by("at", "pk")] == [
        ("file", "", "lead", "web"), ("edit", "lead", "prospect", "web")]


def test_conversion_api(api_for, alice, gm, integration_user):
    lead = lead_create(user=alice, name="壬公司", lead_source="web")
    customer_stage_move(customer=lead, user=alice, action="validate")
    body = api_for(gm).get("/api/v1/analytics/conversion/", {"by": "source"}).json()
    assert [(r["key"], r["leads"], r["validated"], r["validation_rate"]) for r in body["rows"]] == [
        ("web", 1, 1, 100.0)]
    assert api_for(gm).get("/api/v1/analytics/conversion/", {"start": "2026-12-09", "end": "2026-01-01"}
                           ).status_code == 400
    assert api_for(gm).get("/api/v1/analytics/conversion/", {"start": "yesterday"}).status_code == 400
    assert api_for(integration_user).get("/api/v1/analytics/conversion/").status_code == 403


def test_lead_list_pages_in_follow_up_order_with_flat_queries(client, alice, django_assert_max_num_queries):
    today = timezone.localdate()
    for i in range(3):
        lead_create(user=alice, name=f"先期{i}公司", lead_source="web", follow_up_due=today + dt.timedelta(days=9 - i))
    client.force_login(alice)
    client.get(reverse("customers:leads"))
    with django_assert_max_num_queries(16) as few:
        client.get(reverse("customers:leads"))
    for i in range(60):
        lead_create(user=alice, name=f"后续{i:02d}公司", lead_source="web",
                    follow_up_due=today + dt.timedelta(days=30 + i % 5))
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("customers:leads"))
    names = [customer.name for customer in page.context["page_obj"].object_list]
    assert names[:3] == ["先期2公司", "先期1公司", "先期0公司"] and len(names) == 50
    assert names[3:15] == sorted(f"后续{i:02d}公司" for i in range(0, 60, 5))  # due in 30 days, then by name
    second = client.get(reverse("customers:leads"), {"page": 2}).context["page_obj"]
    assert len(second.object_list) == 13 and second.paginator.count == 63
