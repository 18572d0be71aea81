"""The working-day calendar: statutory holidays, adjusted working days (调休) and company days off."""

import datetime as dt

import pytest

from crm.models import CalendarDay
from crm.workdays import add_working_days, is_working_day, uncovered_years, working_days_between, year_is_covered

pytestmark = pytest.mark.django_db


def test_national_day_holiday_and_adjusted_saturday():
    # 1-7 October 2026 are holidays; Saturday 10 October is an adjusted working day.
    assert add_working_days(dt.date(2026, 9, 30), 5) == dt.date(2026, 10, 13)
    assert is_working_day(dt.date(2026, 10, 10))
    assert not is_working_day(dt.date(2026, 10, 5))
    assert add_working_days(dt.date(2026, 9, 30), 0) == dt.date(2026, 9, 30)


def test_company_day_off_shifts_the_deadline():
    CalendarDay.objects.create(date=dt.date(2026, 10, 12), reason="公司年会")
    assert not is_working_day(dt.date(2026, 10, 12))
    assert add_working_days(dt.date(2026, 9, 30), 5) == dt.date(2026, 10, 14)


def test_working_days_between():
    assert working_days_between(dt.date(2026, 9, 30), dt.date(2026, 10, 13)) == 5
    assert working_days_between(dt.date(2026, 10, 13), dt.date(2026, 10, 13)) == 0
    # An ordinary week: Monday 16 November to Monday 23 November 2026.
    assert working_days_between(dt.date(2026, 11, 16), dt.date(2026, 11, 23)) == 5
    CalendarDay.objects.create(date=dt.date(2026, 11, 18))
    assert working_days_between(dt.date(2026, 11, 16), dt.date(2026, 11, 23)) == 4


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        add_working_days(dt.date(2026, 1, 5), -1)


def test_year_beyond_the_library_falls_back_to_weekdays():
    # Friday 2 January 2099 → Monday 5 January 2099.
    assert add_working_days(dt.date(2099, 1, 2), 1) == dt.date(2099, 1, 5)


def test_extra_working_day_entered_by_the_admin_counts():
    # Saturday 21 November 2026 made a working day by the company: a deadline moves one day earlier.
    assert add_working_days(dt.date(2026, 11, 19), 2) == dt.date(2026, 11, 23)
    CalendarDay.objects.create(date=dt.date(2026, 11, 21), kind=CalendarDay.Kind.WORKING_DAY, reason="补班")
    assert is_working_day(dt.date(2026, 11, 21))
    assert add_working_days(dt.date(2026, 11, 19), 2) == dt.date(2026, 11, 21)


def test_a_year_the_library_does_not_know_is_entered_in_the_admin():
    # 2099's schedule as an admin would enter it: 1-3 January off (Thursday to Saturday), Sunday 4 worked.
    assert not year_is_covered(2099)
    for day in (1, 2, 3):
        CalendarDay.objects.create(date=dt.date(2099, 1, day), reason="元旦")
    CalendarDay.objects.create(date=dt.date(2099, 1, 4), kind=CalendarDay.Kind.WORKING_DAY, reason="元旦调休")
    assert year_is_covered(2099)
    assert not is_working_day(dt.date(2099, 1, 2))
    assert is_working_day(dt.date(2099, 1, 4))
    # Wednesday 31 December 2098 + 2 working days: Sunday 4 January, then Monday 5 January.
    assert add_working_days(dt.date(2098, 12, 31), 2) == dt.date(2099, 1, 5)


def test_uncovered_years_warn_for_the_coming_year_from_november():
    assert uncovered_years(today=dt.date(2098, 6, 1)) == [2098]
    assert uncovered_years(today=dt.date(2098, 11, 1)) == [2098, 2099]
    assert uncovered_years(today=dt.date(2026, 6, 1)) == []


def test_admin_home_warns_when_the_coming_year_is_not_covered(admin_client, settings, monkeypatch):
    import crm.workdays

    monkeypatch.setattr(crm.workdays.timezone, "localdate", lambda: dt.date(2098, 11, 20))
    page = admin_client.get("/admin/").content.decode()
    assert "2098" in page and "2099" in page and "/admin/crm/calendarday/" in page
    CalendarDay.objects.create(date=dt.date(2098, 1, 1), reason="元旦")
    CalendarDay.objects.create(date=dt.date(2099, 1, 1), reason="元旦")
    page = admin_client.get("/admin/").content.decode()
    assert 'id="calendar-warning"' not in page
