"""Complaint pages, the escalation job (once per breach) and the statistics against hand-computed values."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints.jobs import complaint_breaches_escalate
from complaints.models import Complaint
from complaints.services import complaint_act, complaint_register
from complaints.sla import WorkingClock
from complaints.statistics import complaint_statistics
from crm.models import Notification
from tests.complaints.conftest import SHANGHAI
from tests.factories import BusinessRecordFactory

pytestmark = pytest.mark.django_db


def test_register_from_a_call_then_steps_in_the_browser(client, bob, customer, handler, dora, gm):
    client.force_login(bob)
    options = client.get(reverse("complaints:customer_lookup"), {"q": customer.code[:4]}).content.decode()
    assert f"{customer.code} · {customer.name}" in options
    response = client.post(reverse("complaints:register"), {
        "customer_label": f"{customer.code} · {customer.name}", "channel": "hotline", "subject": "transport",
        "description": "货损", "demand": "赔偿"})
    complaint = Complaint.objects.get()
    assert response.status_code == 302 and response.url == reverse("complaints:detail", args=[complaint.pk])
    page = client.get(response.url).content.decode()
    assert 'id="step-judge"' in page and 'id="step-reply"' in page
    client.post(reverse("complaints:act", args=[complaint.pk]), {"action": "judge", "valid": "yes"})
    client.post(reverse("complaints:act", args=[complaint.pk]), {"action": "assign", "handler": str(handler.pk)})
    complaint.refresh_from_db()
    assert (complaint.step, complaint.handler) == (4, handler)
    again = client.post(reverse("complaints:act", args=[complaint.pk]), {"action": "assign",
                                                                         "handler": str(handler.pk)}, follow=True)
    assert "moved on" in again.content.decode()
    client.force_login(handler)
    handler_page = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert 'id="step-analyse"' in handler_page and reverse("customers:brief", args=[customer.pk]) in handler_page
    brief = client.get(reverse("customers:brief", args=[customer.pk]))
    assert brief.status_code == 200  # the handler's narrow door
    assert client.get(reverse("customers:detail", args=[customer.pk])).status_code == 404
    printed = client.get(reverse("complaints:print", args=[complaint.pk])).content.decode()
    assert "货损" in printed and 'id="complaint-steps"' in printed


def test_unknown_customer_label_is_a_field_error(client, bob):
    client.force_login(bob)
    response = client.post(reverse("complaints:register"), {"customer_label": "不存在的公司", "subject": "transport",
                                                            "description": "x", "channel": "hotline"})
    assert response.status_code == 200 and response.context["form"].errors["customer_label"]


def test_outsiders_see_nothing(client, complaint, charlie, integration_user):
    client.force_login(charlie)
    assert client.get(reverse("complaints:detail", args=[complaint.pk])).status_code == 404
    assert client.post(reverse("complaints:act", args=[complaint.pk]), {"action": "reply", "text": "x"}
                       ).status_code == 404
    assert client.get(reverse("complaints:list")).context["page_obj"].paginator.count == 0
    client.force_login(integration_user)
    assert client.get(reverse("complaints:list")).status_code == 404


def test_escalation_is_sent_once_per_breach(complaint, dora, bob, handler):
    after_reply = complaint.reply_due_at + dt.timedelta(minutes=1)
    assert complaint_breaches_escalate(now=after_reply) == 1
    assert complaint_breaches_escalate(now=after_reply) == 0
    assert Notification.objects.filter(recipient=dora).count() == 1
    after_both = complaint.implement_due_at + dt.timedelta(minutes=1)
    assert complaint_breaches_escalate(now=after_both) == 1  # the implementation clock, once
    assert complaint_breaches_escalate(now=after_both) == 0
    complaint_act(complaint=complaint, user=bob, action="reply", data={"text": "x"})


def test_working_clock_matches_the_calendar():
    clock = WorkingClock(dt.date(2026, 9, 1), dt.date(2026, 10, 31))
    # Wednesday 30 Sep 10:00 → Thursday 8 Oct 10:00: 14 h of the 30th, nothing 1–7 Oct, 10 h of the 8th.
    assert clock.hours(dt.datetime(2026, 9, 30, 10, tzinfo=SHANGHAI), dt.datetime(2026, 10, 8, 10, tzinfo=SHANGHAI)
                       ) == 24


def test_statistics_against_hand_computed_values(bob, customer, alice, gm, handler, dora):
    year = timezone.localdate().year
    base = timezone.make_aware(dt.datetime(year, 3, 2, 9, 0))  # a Monday in March of this year or close to it
    for i in range(10):
        BusinessRecordFactory(customer=customer, date=dt.date(year, 3, 1) + dt.timedelta(days=i),
                              amount=Decimal("100"))
    made = [complaint_register(user=bob, customer=customer, subject=subject, description="x",
                               received_at=base + dt.timedelta(days=i))
            for i, subject in enumerate(["transport", "transport", "billing", "service"])]
    complaint_act(complaint=made[0], user=bob, action="judge", data={"valid": True})
    complaint_act(complaint=made[1], user=bob, action="judge", data={"valid": True})
    complaint_act(complaint=made[2], user=bob, action="judge", data={"valid": False, "text": "不属实"})
    stats = complaint_statistics(gm, start=dt.date(year, 1, 1), end=dt.date(year, 12, 31))
    assert (stats.complaints, stats.shipments, stats.rate_per_100_shipments) == (4, 10, 40.0)
    assert [(r["subject"], r["count"], r["share"]) for r in stats.by_subject] == [
        ("transport", 2, 50.0), ("billing", 1, 25.0), ("service", 1, 25.0)]
    assert (stats.judged, stats.valid, stats.validity_rate) == (3, 2, 66.7)
    assert stats.first_reply_hours["count"] == 1  # the rejection's explanation is the reply
    assert stats.repeat_complainers == [{"customer": customer.pk, "name": customer.name, "code": customer.code,
                                         "count": 4}]
    assert complaint_statistics(alice, start=dt.date(year, 1, 1), end=dt.date(year, 12, 31)).complaints == 4


def test_statistics_page_xlsx_and_api(client, api_for, complaint, gm):
    client.force_login(gm)
    page = client.get(reverse("complaints:statistics"), {"start": "2026-01-01", "end": "2026-12-31"})
    assert page.status_code == 200 and page.context["stats"].complaints == 1
    xlsx = client.get(reverse("complaints:statistics"), {"start": "2026-01-01", "end": "2026-12-31",
                                                         "format": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    body = api_for(gm).get("/api/v1/analytics/complaints/", {"start": "2026-01-01", "end": "2026-12-31"}).json()
    assert body["complaints"] == 1 and body["by_subject"][0]["subject"] == "transport"
    assert api_for(gm).get("/api/v1/analytics/complaints/", {"start": "2026-12-31", "end": "2026-01-01"}
                           ).status_code == 400


def test_list_query_count_is_flat(client, gm, bob, customer, django_assert_max_num_queries):
    for _ in range(15):
        complaint_register(user=bob, customer=customer, subject="billing", description="x")
    client.force_login(gm)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("complaints:list")).status_code == 200
