"""Working-day calendar: Chinese statutory holidays and adjusted working days (调休) from the
`chinesecalendar` library, corrected by the company calendar kept in the admin (CalendarDay): company
days off, and extra working days. A year the library does not know yet (the State Council publishes
the next year's schedule late in the year) is entered there; until then it counts Monday to Friday.
"""

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import chinese_calendar
from django.utils import timezone


@dataclass(frozen=True)
class CompanyCalendar:
    days_off: frozenset[dt.date]
    working_days: frozenset[dt.date]


def company_calendar() -> CompanyCalendar:
    """The admin's calendar days, read once per computation."""
    from crm.models import CalendarDay

    days_off, working_days = set(), set()
    for date, kind in CalendarDay.objects.values_list("date", "kind"):
        (working_days if kind == CalendarDay.Kind.WORKING_DAY else days_off).add(date)
    return CompanyCalendar(days_off=frozenset(days_off), working_days=frozenset(working_days))


def is_working_day(day: dt.date, *, calendar: CompanyCalendar | None = None) -> bool:
    calendar = calendar or company_calendar()
    if day in calendar.days_off:
        return False
    if day in calendar.working_days:
        return True
    return _statutory_working_day(day)


@lru_cache(maxsize=4096)
def _statutory_working_day(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        # Years the library does not know yet: Monday to Friday.
        return day.weekday() < 5


@lru_cache(maxsize=64)
def library_knows_year(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def year_is_covered(year: int) -> bool:
    """Whether the statutory schedule of `year` is known: from the library, or entered in the admin
    (any calendar day of that year counts as the admin having entered the published schedule)."""
    from crm.models import CalendarDay

    return library_knows_year(year) or CalendarDay.objects.filter(date__year=year).exists()


def uncovered_years(*, today: dt.date | None = None, warn_from_month: int = 11) -> list[int]:
    """The years whose schedule should be known by now and is not: the current year, and from
    `warn_from_month` on the coming one. The admin home shows them as a warning."""
    today = today or timezone.localdate()
    years = [today.year] + ([today.year + 1] if today.month >= warn_from_month else [])
    return [year for year in years if not year_is_covered(year)]


def add_working_days(day: dt.date, n: int) -> dt.date:
    """The n-th working day after `day` (n >= 0; n == 0 gives `day` itself)."""
    if n < 0:
        raise ValueError("n must not be negative")
    calendar = company_calendar()
    current = day
    remaining = n
    while remaining:
        current += dt.timedelta(days=1)
        if is_working_day(current, calendar=calendar):
            remaining -= 1
    return current


def working_days_between(start: dt.date, end: dt.date) -> int:
    """How many working days lie in (start, end]."""
    calendar = company_calendar()
    count, current = 0, start
    while current < end:
        current += dt.timedelta(days=1)
        count += is_working_day(current, calendar=calendar)
    return count
