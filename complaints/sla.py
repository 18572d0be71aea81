"""The complaint clocks on the working-day calendar (SPEC §5.2): the first reply within 24 hours of
receipt, the implementation by the end of the fifth working day after the day of registration."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from crm.rules import rule_value
from crm.workdays import add_working_days, company_calendar, is_working_day

REPLY, IMPLEMENT = "reply", "implement"
OK, APPROACHING, BREACHED, MET, LATE = "ok", "approaching", "breached", "met", "late"


def reply_due(received_at: dt.datetime) -> dt.datetime:
    return received_at + dt.timedelta(hours=rule_value("COMPLAINT_REPLY_HOURS"))


def implement_due(received_at: dt.datetime) -> dt.datetime:
    """The end (23:59:59, local time) of the n-th working day after the local day of registration."""
    day = timezone.localtime(received_at).date()
    due_day = add_working_days(day, rule_value("COMPLAINT_IMPLEMENT_WORKING_DAYS"))
    end = dt.datetime.combine(due_day, dt.time(23, 59, 59))
    return timezone.make_aware(end, timezone.get_current_timezone())


def working_hours_between(start: dt.datetime, end: dt.datetime, *, calendar=None) -> float:
    """Hours from `start` to `end` counting only working days (whole days of 24 hours; SPEC gives no
    office hours *(our choice)*). Negative when `end` is earlier."""
    if end < start:
        return -working_hours_between(end, start, calendar=calendar)
    calendar = calendar or company_calendar()
    start, end = timezone.localtime(start), timezone.localtime(end)
    hours, cursor = 0.0, start
    while cursor < end:
        next_midnight = timezone.make_aware(dt.datetime.combine(cursor.date() + dt.timedelta(days=1), dt.time()),
                                            cursor.tzinfo)
        segment_end = min(end, next_midnight)
        if is_working_day(cursor.date(), calendar=calendar):
            hours += (segment_end - cursor).total_seconds() / 3600
        cursor = segment_end
    return hours


def clock_state(*, due: dt.datetime, done_at: dt.datetime | None, running: bool, now: dt.datetime | None = None,
                approaching_hours: float | None = None, calendar=None) -> str:
    """met / late for a clock that stopped; ok / approaching / breached for one still running. A list passes
    `approaching_hours` and `calendar` read once for all its rows."""
    if done_at is not None:
        return MET if done_at <= due else LATE
    if not running:
        return OK
    now = now or timezone.now()
    if now > due:
        return BREACHED
    if approaching_hours is None:
        approaching_hours = rule_value("COMPLAINT_APPROACHING_WORKING_HOURS")
    if working_hours_between(now, due, calendar=calendar) <= approaching_hours:
        return APPROACHING
    return OK
