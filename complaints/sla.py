"""The complaint clocks on the working-day calendar (SPEC §5.2): the first reply within 24 hours of
receipt, the implementation by the end of the fifth working day after the day of registration."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from crm.bulk import bulk_update_values
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


class WorkingClock:
    """Working hours between two instants (whole working days of 24 hours, SPEC gives no office hours),
    from a table of working days built once for the range."""

    def __init__(self, first: dt.date, last: dt.date, *, calendar=None):
        calendar = calendar or company_calendar()
        self.first = first
        days = (last - first).days + 2
        self.prefix = [0]
        for offset in range(days):
            day = first + dt.timedelta(days=offset)
            self.prefix.append(self.prefix[-1] + (1 if is_working_day(day, calendar=calendar) else 0))
        self.tz = timezone.get_current_timezone()

    def _position(self, moment: dt.datetime) -> float:
        """Working hours from the start of `first` to `moment`."""
        local = moment.astimezone(self.tz)
        index = (local.date() - self.first).days
        index = min(max(index, 0), len(self.prefix) - 2)
        whole = self.prefix[index] * 24.0
        if self.prefix[index + 1] > self.prefix[index]:  # the moment's own day is a working day
            whole += local.hour + local.minute / 60 + local.second / 3600
        return whole

    def hours(self, start: dt.datetime, end: dt.datetime) -> float:
        return self._position(end) - self._position(start)


# The durations the statistics report (SPEC §5.2), in working hours, each fixed when its later moment is
# stamped: (field, from, to). A year's figures are then SQL aggregates over stored numbers, not a pass over
# every complaint's timestamps on the calendar.
DURATIONS = (("first_reply_hours", "received_at", "first_reply_at"),
             ("resolution_hours", "received_at", "closed_at"),
             ("response_hours", "assigned_at", "analysed_at"))


def durations(moments, *, clock: WorkingClock | None = None) -> dict[str, float | None]:
    """The durations of a complaint's moments (a Complaint or a dict of its fields): None where a moment is
    missing. A bulk writer passes a clock built once for the whole range."""
    def moment(name):
        return moments.get(name) if isinstance(moments, dict) else getattr(moments, name)

    figures = {}
    for name, start_name, end_name in DURATIONS:
        start, end = moment(start_name), moment(end_name)
        if start is None or end is None:
            figures[name] = None
        else:
            # Unrounded: the statistics round their means and percentiles once, as when they computed them.
            figures[name] = clock.hours(start, end) if clock else working_hours_between(start, end)
    return figures


def stamp_durations(complaint) -> list[str]:
    """Set the durations whose two moments are now known and that are not set yet; the fields changed."""
    changed = []
    for name, value in durations(complaint).items():
        if value is not None and getattr(complaint, name) is None:
            setattr(complaint, name, value)
            changed.append(name)
    return changed


DURATION_FIELDS = [name for name, _start, _end in DURATIONS]
DURATION_MOMENTS = sorted({moment for _name, *pair in DURATIONS for moment in pair})
DURATION_BATCH = 2000


def durations_recompute(complaints, *, calendar=None) -> int:
    """Compute again the stored durations of `complaints` (a queryset, of the live model or of a migration's)
    on one clock for their whole range, in batches by primary key; write the rows whose figures changed and
    return how many did."""
    complaints = complaints.order_by("pk").only("pk", *DURATION_MOMENTS, *DURATION_FIELDS)
    low = complaints.order_by("received_at").values_list("received_at", flat=True).first()
    if low is None:
        return 0
    clock = WorkingClock(timezone.localdate(low) - dt.timedelta(days=1),
                         timezone.localdate() + dt.timedelta(days=1), calendar=calendar)
    changed, last_pk = 0, 0
    while batch := list(complaints.filter(pk__gt=last_pk)[:DURATION_BATCH]):
        stale = []
        for complaint in batch:
            figures = durations(complaint, clock=clock)
            if any(getattr(complaint, name) != value for name, value in figures.items()):
                for name, value in figures.items():
                    setattr(complaint, name, value)
                stale.append(complaint)
        bulk_update_values(stale, DURATION_FIELDS)
        changed += len(stale)
        last_pk = batch[-1].pk
    return changed


def local_midnight(day: dt.date) -> dt.datetime:
    """The first instant of the local day: period bounds an index on an instant column can use."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_current_timezone())


def working_hours_between(start: dt.datetime, end: dt.datetime, *, calendar=None) -> float:
    """Hours from `start` to `end` counting only working days (whole days of 24 hours; SPEC gives no
    office hours *(our choice)*). Negative when `end` is earlier."""
    first, last = sorted((timezone.localtime(start).date(), timezone.localtime(end).date()))
    return WorkingClock(first, last, calendar=calendar).hours(start, end)


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
