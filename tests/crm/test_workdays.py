"""The working-day calendar: statutory holidays, adjusted working days (调休) and company days off."""

import datetime as dt

import pytest

from crm.models import CompanyDayOff
from crm.workdays import add_working_days, is_working_day, working_days_between

pytestmark = pytest.mark.django_db


def test_national_day_holiday_and_adjusted_saturday():
    # 1-7 October 2026 are holidays; Saturday 10 October is an adjusted working day.
    assert add_working_days(dt.date(2026, 9, 30), 5) == dt.date(2026, 10, 13)
    assert is_working_day(dt.date(2026, 10, 10))
    assert not is_working_day(dt.date(2026, 10, 5))
    assert add_working_days(dt.date(2026, 9, 30), 0) == dt.date(2026, 9, 30)


def test_company_day_off_shifts_the_deadline():
    CompanyDayOff.objects.create(date=dt.date(2026, 10, 12), reason="公司年会")
    assert not is_working_day(dt.date(2026, 10, 12))
    assert add_working_days(dt.date(2026, 9, 30), 5) == dt.date(2026, 10, 14)


def test_working_days_between():
    assert working_days_between(dt.date(2026, 9, 30), dt.date(2026, 10, 13)) == 5
    assert working_days_between(dt.date(2026, 10, 13), dt.date(2026, 10, 13)) == 0
    # An ordinary week: Monday 16 November to Monday 23 November 2026.
    assert working_days_between(dt.date(2026, 11, 16), dt.date(2026, 11, 23)) == 5
    CompanyDayOff.objects.create(date=dt.date(2026, 11, 18))
    assert working_days_between(dt.date(2026, 11, 16), dt.date(2026, 11, 23)) == 4


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        add_working_days(dt.date(2026, 1, 5), -1)


def test_year_beyond_the_library_falls_back_to_weekdays():
    # Friday 2 January 2099 → Monday 5 January 2099.
    assert add_working_days(dt.date(2099, 1, 2), 1) == dt.date(2099, 1, 5)
