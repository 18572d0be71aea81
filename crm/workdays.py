"""Working-day calendar: Chinese statutory holidays and adjusted working days (调休) from the
`chinesecalendar` library, minus the company's own days off kept in the admin (CompanyDayOff)."""

import datetime as dt
from functools import lru_cache

import chinese_calendar


def _company_days_off() -> frozenset[dt.date]:
    from crm.models import CompanyDayOff

    return frozenset(CompanyDayOff.objects.values_list("date", flat=True))


def is_working_day(day: dt.date, *, company_days_off: frozenset[dt.date] | None = None) -> bool:
    if company_days_off is None:
        company_days_off = _company_days_off()
    if day in company_days_off:
        return False
    return _statutory_working_day(day)


@lru_cache(maxsize=4096)
def _statutory_working_day(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        # Years the library does not know yet: Monday to Friday.
        return day.weekday() < 5


def add_working_days(day: dt.date, n: int) -> dt.date:
    """The n-th working day after `day` (n >= 0; n == 0 gives `day` itself)."""
    if n < 0:
        raise ValueError("n must not be negative")
    days_off = _company_days_off()
    current = day
    remaining = n
    while remaining:
        current += dt.timedelta(days=1)
        if is_working_day(current, company_days_off=days_off):
            remaining -= 1
    return current


def working_days_between(start: dt.date, end: dt.date) -> int:
    """How many working days lie in (start, end]."""
    days_off = _company_days_off()
    count, current = 0, start
    while current < end:
        current += dt.timedelta(days=1)
        count += is_working_day(current, company_days_off=days_off)
    return count
