"""Complaint statistics of a period (SPEC §5.2): complaint rate per 100 shipments, breakdown by subject and
department, validity rate, first-reply and resolution times (mean and 90th percentile, in working hours),
SLA compliance, repeat complainers and the internal response time per department.

Everything is aggregated in the database: each complaint carries its durations in working hours, fixed when
the step happened (complaints.sla.DURATIONS), so a year of 100,000 complaints is a handful of aggregates
(counts and means in one, the breakdown by department in another, each 90th percentile by its rank), never a
pass over the rows in Python."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Aggregate, Avg, Count, F, FloatField, Q, Window
from django.db.models.functions import Rank, RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Subject
from complaints.selectors import complaints_visible_to
from complaints.sla import local_midnight
from customers.models import BusinessRecord, Customer
from customers.selectors import customer_access_q

REPEAT_COMPLAINERS = 50


def _nearest_rank(count: int) -> int:
    """The 1-based rank of the 90th percentile among `count` values (nearest-rank method: ⌈0.9·n⌉, in integers)."""
    return max((9 * count + 9) // 10, 1)


class Percentile90(Aggregate):
    """PostgreSQL's nearest-rank 90th percentile (the smallest value with at least 90 % of the values at or
    below it: the ⌈0.9·n⌉-th), computed in the same pass as the other aggregates. Nulls are left out."""

    function = "PERCENTILE_DISC"
    template = "%(function)s(0.9) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _percentiles_in_sql() -> bool:
    """SQLite has no ordered-set aggregates: there each percentile is read at its rank, one query each."""
    return connection.vendor == "postgresql"


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


def complaint_statistics(user, *, start: dt.date, end: dt.date, now: dt.datetime | None = None
                         ) -> ComplaintStatistics:
    """A fixed number of queries whatever the period: the counts, means, percentiles and subjects; the
    shipments; the departments with theirs; the top repeat complainers (on SQLite, three more for the
    percentiles)."""
    now = now or timezone.now()
    # The local days [start, end] as instants: the index on received_at serves, no conversion per row.
    qs = complaints_visible_to(user, Q(received_at__gte=local_midnight(start),
                                      received_at__lt=local_midnight(end + dt.timedelta(days=1)))).order_by()
    stats = ComplaintStatistics(start=start, end=end)
    subjects = {value: f"subject_{index}" for index, value in enumerate(Subject.values)}
    totals = qs.aggregate(
        complaints=Count("pk"), judged=Count("pk", filter=Q(is_valid__isnull=False)),
        valid=Count("pk", filter=Q(is_valid=True)),
        replied_on_time=Count("pk", filter=Q(first_reply_at__lte=F("reply_due_at"))),
        reply_due=Count("pk", filter=Q(first_reply_at__isnull=False) | Q(reply_due_at__lt=now)),
        implemented_on_time=Count("pk", filter=Q(implemented_at__lte=F("implement_due_at"))),
        implement_due=Count("pk", filter=Q(implemented_at__isnull=False)
                            | Q(implement_due_at__lt=now, is_valid=True, closed_at__isnull=True)),
        replies=Count("first_reply_hours"), reply_mean=Avg("first_reply_hours"),
        resolutions=Count("resolution_hours"), resolution_mean=Avg("resolution_hours"),
        **({"reply_p90": Percentile90("first_reply_hours"), "resolution_p90": Percentile90("resolution_hours")}
           if _percentiles_in_sql() else {}),
        **{alias: Count("pk", filter=Q(subject=value)) for value, alias in subjects.items()})
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
    labels = dict(Subject.choices)
    counted = [(value, totals[alias]) for value, alias in subjects.items() if totals[alias]]
    stats.by_subject = [{"subject": subject, "label": str(labels[subject]), "count": n,
                         "share": _pct(n, stats.complaints)}
                        for subject, n in sorted(counted, key=lambda item: (-item[1], item[0]))]
    stats.first_reply_hours = _figures(qs, "first_reply_hours", totals["replies"], totals["reply_mean"],
                                       totals.get("reply_p90"))
    stats.resolution_hours = _figures(qs, "resolution_hours", totals["resolutions"], totals["resolution_mean"],
                                      totals.get("resolution_p90"))
    departments = list(qs.values("department_id", "department__name").annotate(
        n=Count("pk"), responses=Count("response_hours"), mean=Avg("response_hours"),
        **({"p90": Percentile90("response_hours")} if _percentiles_in_sql() else {})))
    stats.by_department = [{"department": row["department__name"] or str(_("Not assigned yet")), "count": row["n"],
                            "share": _pct(row["n"], stats.complaints)}
                           for row in sorted(departments, key=lambda row: (-row["n"], row["department__name"] or ""))]
    stats.department_response_hours = _department_responses(qs, departments)
    stats.repeat_complainers = _repeat_complainers(qs)
    return stats


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _figures(qs, name: str, count: int, mean: float | None, p90: float | None) -> dict:
    """Mean, 90th percentile and count of one duration: without the percentile from SQL, the value at its rank
    (one query, none when there is no value)."""
    if count and not _percentiles_in_sql():
        p90 = qs.filter(**{f"{name}__isnull": False}).order_by(name).values_list(name, flat=True)[
            _nearest_rank(count) - 1]
    return {"mean": _rounded(mean), "p90": _rounded(p90), "count": count}


def _department_responses(qs, departments: list[dict]) -> list[dict]:
    """Each department's response time (assignment to analysis): the mean and count from the breakdown's
    query, the 90th percentiles in one more, each department's values numbered in order."""
    answered = [row for row in departments if row["responses"]]
    if not answered:
        return []
    if _percentiles_in_sql():
        p90 = {row["department_id"]: row["p90"] for row in answered}
    else:
        p90 = _department_percentiles_at_rank(qs, answered)
    rows = [{"department": row["department__name"] or "—", "mean": _rounded(row["mean"]),
             "p90": _rounded(p90.get(row["department_id"])), "count": row["responses"]} for row in answered]
    return sorted(rows, key=lambda row: row["department"])


def _department_percentiles_at_rank(qs, answered: list[dict]) -> dict:
    """Each department's 90th percentile in one query: its values numbered in order, the one at its rank."""
    ranked = (qs.filter(response_hours__isnull=False)
              .annotate(position=Window(RowNumber(), partition_by=[F("department_id")],
                                        order_by=[F("response_hours").asc(), F("pk").asc()]))
              .values_list("department_id", "position", "response_hours"))
    wanted = {row["department_id"]: _nearest_rank(row["responses"]) for row in answered}
    return {department: hours for department, position, hours in ranked.filter(
        position__in=sorted(set(wanted.values()))) if wanted.get(department) == position}


def _repeat_complainers(qs, limit: int = REPEAT_COMPLAINERS) -> list[dict]:
    """The customers with two complaints or more in the period, most first, then by name: the `limit` first.
    Two queries: the counts by customer ranked in SQL (every customer tied with the `limit`-th kept, for the
    names to settle the order), then the names of those few; grouping by the names would join every
    complaint of the period to its archive (145 ms for a year at 100,000 complaints, against 55)."""
    counts = dict(qs.order_by().values("customer_id").annotate(n=Count("pk")).filter(n__gte=2)
                  .annotate(place=Window(Rank(), order_by=Count("pk").desc())).filter(place__lte=limit)
                  .values_list("customer_id", "n"))
    if not counts:
        return []
    names = Customer.objects.filter(pk__in=counts).values_list("pk", "name", "code")
    rows = [{"customer": pk, "name": name, "code": code, "count": counts[pk]} for pk, name, code in names]
    return sorted(rows, key=lambda row: (-row["count"], row["name"], row["customer"]))[:limit]


__all__ = ["ComplaintStatistics", "complaint_statistics"]
