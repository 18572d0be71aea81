"""Inquiries and service requests (SPEC §5.1): registration, escalation, result, score, queues, reminders."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints.models import ServiceRequest
from complaints.service_requests import (
    request_queue,
    requests_visible_to,
    service_request_act,
    service_request_register,
    unanswered_request_reminders_send,
)
from crm.exceptions import ApplicationError, ConflictError, PermissionDeniedError
from crm.models import Notification

pytestmark = pytest.mark.django_db


def test_register_escalate_answer_score(bob, customer, dora, charlie, credit_officer):
    item = service_request_register(user=bob, customer=customer, request_type="order_query", question="货到哪了？",
                                    order_no="SH2026-001", business_line="transport", caller="王先生")
    assert list(request_queue(bob)) == [item] and list(request_queue(dora)) == []
    with pytest.raises(ApplicationError):
        service_request_act(request=item, user=bob, action="escalate", data={"reason": "需调度确认"})
    service_request_act(request=item, user=bob, action="escalate", data={"to": dora.pk, "reason": "需调度确认"})
    assert list(request_queue(dora)) == [item] and list(request_queue(bob)) == []
    service_request_act(request=item, user=dora, action="answer", data={"result": "明日到港"})
    with pytest.raises(ConflictError):
        service_request_act(request=item, user=bob, action="escalate", data={"to": dora.pk, "reason": "x"})
    service_request_act(request=item, user=bob, action="score", data={"score": 5})
    item.refresh_from_db()
    assert (item.state, item.score, item.first_response_at is not None) == ("closed", 5, True)
    assert list(item.log.order_by("at", "pk").values_list("action", flat=True)) == [
        "register", "escalate", "answer", "score"]
    assert list(requests_visible_to(charlie)) == []
    with pytest.raises(PermissionDeniedError):
        service_request_register(user=credit_officer, customer=customer, request_type="quote", question="x")


def test_unanswered_reminder_once(bob, customer):
    item = service_request_register(user=bob, customer=customer, request_type="quote", question="报价",
                                    received_at=timezone.now() - dt.timedelta(hours=5))
    assert unanswered_request_reminders_send() == 1
    assert unanswered_request_reminders_send() == 0
    assert Notification.objects.filter(recipient=bob).count() == 1
    service_request_act(request=item, user=bob, action="answer", data={"result": "已报价"})
    assert unanswered_request_reminders_send(now=timezone.now() + dt.timedelta(days=1)) == 0


def test_pages(client, bob, customer, charlie):
    client.force_login(bob)
    response = client.post(reverse("complaints:request_register"), {
        "customer_label": customer.code, "request_type": "document", "channel": "hotline", "question": "要提单副本"})
    item = ServiceRequest.objects.get()
    assert response.status_code == 302 and response.url == reverse("complaints:request_detail", args=[item.pk])
    page = client.get(response.url).content.decode()
    assert 'id="step-answer"' in page and 'id="step-escalate"' in page
    client.post(reverse("complaints:request_act", args=[item.pk]), {"action": "answer", "result": "已发送"})
    item.refresh_from_db()
    assert item.state == "answered"
    client.force_login(charlie)
    assert client.get(reverse("complaints:request_detail", args=[item.pk])).status_code == 404
