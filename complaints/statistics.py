"""Complaint statistics of a period (SPEC §5.2): complaint rate per 100 shipments, breakdown by subject and
department, validity rate, first-reply and resolution times (mean and 90th percentile, in working hours),
SLA compliance, repeat complainers and the internal response time per department.

The counts are one database aggregate; the durations, the breakdowns and the complainers come from one pass
over the period's complaints (four timestamps, the subject, the department and the customer of each) with a
prefix sum of working days, so a year of 100,000 complaints costs one pass and no per-day loop."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Subject
from complaints.selectors import complaints_visible_to
from complaints.sla import WorkingClock
from customers.models import BusinessRecord, Customer
from customers.selectors import customer_access_q

REPEAT_COMPLAINERS = 50


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _p90(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = max(math.ceil(0.9 * len(ordered)) - 1, 0)  # nearest-rank percentile
    return round(ordered[rank], 1)


@dataclass
class ComplaintStatistics:
    start: dt.date
    end: dt.date
    complaints: int = 0
    shipments: int = 0
    rate_per_100_shipments: float | None = None
    by_subject: list[dict] = field(default_factory=list)
    by_department: list[dict] = field(default_factory=list)
    judged: int = 0
    valid: int = 0
    validity_rate: float | None = None
    first_reply_hours: dict = field(default_factory=dict)
    resolution_hours: dict = field(default_factory=dict)
    reply_on_time: float | None = None
    implement_on_time: float | None = None
    repeat_complainers: list[dict] = field(default_factory=list)
    department_response_hours: list[dict] = field(default_factory=list)


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_current_timezone())


def complaint_statistics(user, *, start: dt.date, end: dt.date, now: dt.datetime | None = None
                         ) -> ComplaintStatistics:
    """Four queries whatever the period: the counts, the shipments, one pass over the complaints (the
    durations, the breakdowns by subject and department, the complainers), the names of the top repeat
    complainers."""
    now = now or timezone.now()
    # The local days [start, end] as instants: the index on received_at serves, no conversion per row.
    qs = complaints_visible_to(user).filter(received_at__gte=_local_midnight(start),
                                            received_at__lt=_local_midnight(end + dt.timedelta(days=1))).order_by()
    stats = ComplaintStatistics(start=start, end=end)
    totals = qs.aggregate(
        complaints=Count("pk"), judged=Count("pk", filter=Q(is_valid__isnull=False)),
        valid=Count("pk", filter=Q(is_valid=True)),
        replied_on_time=Count("pk", filter=Q(first_reply_at__lte=F("reply_due_at"))),
        reply_due=Count("pk", filter=Q(first_reply_at__isnull=False) | Q(reply_due_at__lt=now)),
        implemented_on_time=Count("pk", filter=Q(implemented_at__lte=F("implement_due_at"))),
        implement_due=Count("pk", filter=Q(implemented_at__isnull=False)
                            | Q(implement_due_at__lt=now, is_valid=True, closed_at__isnull=True)))
    stats.complaints, stats.judged, stats.valid = totals["complaints"], totals["judged"], totals["valid"]
    stats.validity_rate = _pct(stats.valid, stats.judged)
    stats.reply_on_time = _pct(totals["replied_on_time"], totals["reply_due"])
    stats.implement_on_time = _pct(totals["implemented_on_time"], totals["implement_due"])
    shipments = BusinessRecord.objects.filter(date__gte=start, date__lte=end)
    access = customer_access_q(user)
    if access is not None:
        shipments = shipments.filter(customer__in=Customer.objects.filter(access).values("pk"))
    stats.shipments = shipments.count()
    stats.rate_per_100_shipments = round(100 * stats.complaints / stats.shipments, 2) if stats.shipments else None
    clock = WorkingClock(start - dt.timedelta(days=1), max(end, timezone.localdate(now)) + dt.timedelta(days=1))
    subjects, departments, complainers, durations = _counted_in_one_pass(qs, clock)
    replies, resolutions, responses = durations
    labels = dict(Subject.choices)
    stats.by_subject = [{"subject": subject, "label": str(labels.get(subject, subject)), "count": n,
                         "share": _pct(n, stats.complaints)}
                        for subject, n in sorted(subjects.items(), key=lambda item: (-item[1], item[0]))]
    stats.by_department = [{"department": name or str(_("Not assigned yet")), "count": n,
                            "share": _pct(n, stats.complaints)}
                           for name, n in sorted(departments.items(), key=lambda item: (-item[1], item[0] or ""))]
    stats.repeat_complainers = _repeat_complainers(complainers)
    stats.first_reply_hours, stats.resolution_hours = replies, resolutions
    stats.department_response_hours = [{"department": name, **figures} for name, figures in sorted(responses.items())]
    return stats


def _figures(values: list[float]) -> dict:
    return {"mean": _mean(values), "p90": _p90(values), "count": len(values)}


def _counted_in_one_pass(qs, clock: WorkingClock):
    """The breakdowns and the durations from one pass over the complaints."""
    replies, resolutions, responses = [], [], {}
    subjects, departments, complainers = Counter(), Counter(), Counter()
    for received, replied, closed, assigned, analysed, department, subject, customer_id in qs.values_list(
            "received_at", "first_reply_at", "closed_at", "assigned_at", "analysed_at", "department__name",
            "subject", "customer_id").iterator(chunk_size=5000):
        subjects[subject] += 1
        departments[department] += 1
        complainers[customer_id] += 1
        if replied:
            replies.append(clock.hours(received, replied))
        if closed:
            resolutions.append(clock.hours(received, closed))
        if assigned and analysed:
            responses.setdefault(department or "—", []).append(clock.hours(assigned, analysed))
    return subjects, departments, complainers, (
        _figures(replies), _figures(resolutions), {name: _figures(values) for name, values in responses.items()})


def _repeat_complainers(counts: Counter, limit: int = REPEAT_COMPLAINERS) -> list[dict]:
    """The customers with two complaints or more, most first, then by name: the `limit` first (the names
    read for those that can be among them only)."""
    repeat = sorted((n for n in counts.values() if n >= 2), reverse=True)
    if not repeat:
        return []
    lowest = repeat[min(limit, len(repeat)) - 1]
    ids = [pk for pk, n in counts.items() if n >= lowest]
    names = {pk: (name, code) for pk, name, code in Customer.objects.filter(pk__in=ids).values_list(
        "pk", "name", "code")}
    rows = [{"customer": pk, "name": names[pk][0], "code": names[pk][1], "count": counts[pk]}
            for pk in ids if pk in names]
    return sorted(rows, key=lambda row: (-row["count"], row["name"]))[:limit]


__all__ = ["ComplaintStatistics", "complaint_statistics"]
