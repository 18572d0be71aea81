import datetime as dt
import zoneinfo

import pytest

from complaints.services import complaint_register
from tests.factories import UserFactory

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture
def handler(east_team):
    """A coordinator of the international transport department, outside the customer's archive."""
    return UserFactory(username="handler", roles=["account_manager"])


@pytest.fixture
def complaint(bob, customer):
    return complaint_register(user=bob, customer=customer, subject="transport", description="货物延误三天",
                              demand="赔偿延误损失", received_at=dt.datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI))
