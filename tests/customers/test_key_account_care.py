"""Service plans, tier strategies and satisfaction surveys of key accounts."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from crm.exceptions import ApplicationError, PermissionDeniedError
from crm.models import Notification
from customers.key_accounts.care import (
    satisfaction_survey_create,
    satisfaction_survey_reminders_send,
    service_plan_of,
    service_plan_set,
    survey_averages,
)
from customers.key_accounts.models import TierStrategy
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
SCORES = {"expected_quality": 4, "experienced_quality": 3, "perceived_value": 4, "overall": 4, "loyalty": 5}


def test_service_plan_rules(customer, alice, charlie):
    with pytest.raises(ApplicationError) as error:
        service_plan_set(customer=customer, user=alice, green_channel=True)
    assert error.value.field == "green_channel_until"
    with pytest.raises(ApplicationError) as error:
        service_plan_set(customer=customer, user=alice, on_call_24h=True)
    assert error.value.field == "on_call_phone"
    with pytest.raises(PermissionDeniedError):
        service_plan_set(customer=customer, user=charlie, door_to_door=True)
    assert service_plan_of(customer) is None
    service_plan_set(customer=customer, user=alice, on_call_24h=True, on_call_phone="400-800-1234",
                     green_channel=True, green_channel_until=dt.date(2027, 3, 31))
    plan = service_plan_of(customer)
    assert plan.on_call_phone == "400-800-1234"
    assert plan.green_channel_active(dt.date(2027, 3, 31)) and not plan.green_channel_active(dt.date(2027, 4, 1))


def test_card_shows_the_plan_and_the_strategy(client, customer, alice):
    customer.tier = "A"
    customer.save()
    service_plan_set(customer=customer, user=alice, door_to_door=True, green_channel=True,
                     green_channel_until=dt.date(2099, 1, 1))
    client.force_login(alice)
    page = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert 'id="service-plan"' in page and "2099-01-01" in page
    assert TierStrategy.objects.get(tier="A").strategy[:20] in page
    assert 'id="service-plan-link"' in page and 'id="apply-key-account"' in page


def test_surveys_history_and_averages(customer, alice, gm, east_team):
    other = CustomerFactory(owner=alice, team=east_team, tier="B")
    customer.tier = "A"
    customer.save()
    satisfaction_survey_create(customer=customer, user=alice, surveyed_on=dt.date(2026, 1, 5), **SCORES)
    satisfaction_survey_create(customer=customer, user=alice, surveyed_on=dt.date(2026, 7, 5),
                               **{**SCORES, "overall": 2})
    satisfaction_survey_create(customer=other, user=alice, surveyed_on=dt.date(2026, 7, 5), **SCORES)
    rows = {row["customer__tier"]: row for row in survey_averages(gm, by="tier")}
    assert (rows["A"]["surveys"], rows["A"]["overall"], rows["B"]["overall"]) == (2, 3.0, 4.0)
    with pytest.raises(ValidationError):
        satisfaction_survey_create(customer=customer, user=alice, **{**SCORES, "loyalty": 6})


def test_survey_reminders_once_per_month(customer, alice):
    customer.tier = "C"
    customer.save()
    today = dt.date(2026, 12, 1)
    assert satisfaction_survey_reminders_send(today=today) == 1
    assert satisfaction_survey_reminders_send(today=today) == 0
    assert Notification.objects.filter(recipient=alice).count() == 1
    satisfaction_survey_create(customer=customer, user=alice, surveyed_on=dt.date(2026, 12, 1), **SCORES)
    assert satisfaction_survey_reminders_send(today=dt.date(2027, 1, 1)) == 0
    assert satisfaction_survey_reminders_send(today=dt.date(2027, 12, 2)) == 1


def test_survey_page(client, customer, alice, charlie):
    client.force_login(alice)
    response = client.post(reverse("customers:surveys", args=[customer.pk]),
                           {"surveyed_on": "2026-11-30", **SCORES, "comments": "准时"})
    assert response.status_code == 302
    page = client.get(reverse("customers:surveys", args=[customer.pk]))
    assert page.context["chart"]["categories"] == ["2026-11-30"] and "准时" in page.content.decode()
    client.force_login(charlie)
    assert client.get(reverse("customers:surveys", args=[customer.pk])).status_code == 404
    assert client.get(reverse("customers:survey_averages")).status_code == 200
