"""Reviews due yearly and after any warning record (SPEC §4.3): the daily job reminds each credit officer
once per due review (SPEC §10)."""

import datetime as dt

import pytest
from django.utils import timezone

from credit.models import CreditRating
from credit.selectors import review_reason, reviews_due
from credit.services import credit_rating_create, credit_record_create, credit_reviews_notify
from credit.tasks import credit_reviews_due_task
from crm.models import Notification
from tests.credit.conftest import days_ago
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


def _age(rating: CreditRating, days: int) -> None:
    CreditRating.objects.filter(pk=rating.pk).update(rated_at=timezone.now() - dt.timedelta(days=days))


def test_yearly_review_reminds_every_officer_once(customer, officer):
    second_officer = UserFactory(username="credo2", roles=["credit_officer"])
    rating = credit_rating_create(customer=customer, user=officer, grade="C", reason="first")
    fresh = CustomerFactory(owner=customer.owner)
    credit_rating_create(customer=fresh, user=officer, grade="B", reason="recent")
    assert credit_reviews_notify() == 0
    _age(rating, 366)
    assert [c.pk for c in reviews_due()] == [customer.pk]
    assert credit_reviews_notify() == 2
    assert credit_reviews_notify() == 0  # a repeated run sends nothing twice
    notices = Notification.objects.filter(dedupe_key__startswith="credit-review")
    assert sorted(n.recipient_id for n in notices) == sorted([officer.pk, second_officer.pk])
    assert notices.first().title == f"Yearly credit review due: {customer.name}"
    # Graded again: no longer due; a year later it is a new review, reminded again.
    new = credit_rating_create(customer=customer, user=officer, grade="C", reason="reviewed")
    assert list(reviews_due()) == []
    _age(rating, 800)
    _age(new, 400)
    assert credit_reviews_notify() == 2


def test_a_warning_record_makes_the_review_due(customer, officer):
    credit_rating_create(customer=customer, user=officer, grade="B", reason="fine")
    credit_record_create(customer=customer, user=officer, kind="hint", event_date=days_ago(1), title="late once")
    assert list(reviews_due()) == []
    credit_record_create(customer=customer, user=officer, kind="warning", severity="dishonest",
                         event_date=days_ago(1), title="court ruling")
    due = list(reviews_due())
    assert [c.pk for c in due] == [customer.pk] and review_reason(due[0]) == "warning"
    assert credit_reviews_due_task.apply().get() == 1
    assert credit_reviews_due_task.apply().get() == 0
    assert Notification.objects.get(recipient=officer).title.startswith("Credit review due after a warning record")
    credit_rating_create(customer=customer, user=officer, grade="D", reason="after the ruling")
    assert list(reviews_due()) == []


def test_an_ungraded_customer_with_a_warning_is_due(customer, officer):
    credit_record_create(customer=customer, user=officer, kind="warning", severity="warning",
                         event_date=days_ago(3), title="penalty")
    assert [c.pk for c in reviews_due()] == [customer.pk]


def test_notices_are_in_the_officers_language(customer, officer):
    officer.language = "zh-hans"
    officer.save()
    rating = credit_rating_create(customer=customer, user=officer, grade="C", reason="x")
    _age(rating, 400)
    credit_reviews_notify()
    title = Notification.objects.get(recipient=officer).title
    assert customer.name in title and "Yearly" not in title
