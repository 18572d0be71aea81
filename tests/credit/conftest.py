import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.factories import BusinessRecordFactory


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def record(customer, amount="10000.00", *, date=None, due=None, paid="0", paid_date=None, **extra):
    return BusinessRecordFactory(customer=customer, amount=Decimal(amount), date=date or days_ago(10),
                                 due_date=due or (timezone.localdate() + dt.timedelta(days=20)),
                                 paid_amount=Decimal(paid), paid_date=paid_date, **extra)


@pytest.fixture
def officer(credit_officer):
    return credit_officer


@pytest.fixture
def grade_a(customer, officer):
    """`customer` graded A with a limit of 10,000 (its largest record) and 30 grace days, nothing open."""
    from credit.services import credit_rating_create

    record(customer, "10000.00", paid="10000.00", paid_date=days_ago(5), date=days_ago(30), due=days_ago(5))
    credit_rating_create(customer=customer, user=officer, grade="A", reason="good payer", credit_limit=None,
                         grace_days=30)
    customer.refresh_from_db()
    return customer


@pytest.fixture
def reference_data(transactional_db):
    """A transactional test runs after another one flushed the tables: the role groups and the scoring
    model's default indicators (data migrations) are put back."""
    import importlib

    from django.apps import apps as django_apps
    from django.contrib.auth.models import Group

    roles = importlib.import_module("crm.migrations.0002_role_groups")
    for role in roles.ROLE_PERMISSIONS:
        Group.objects.get_or_create(name=role)
    importlib.import_module("credit.migrations.0002_default_indicators").create(django_apps, None)
