"""The statistics' shape at scale: a fixed number of queries whatever the number of complaints, the
period's local days as bounds, the repeat complainers most first then by name."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints.services import complaint_register
from complaints.statistics import _repeat_complainers, complaint_statistics
from tests.factories import CustomerFactory


def _register(user, customer, n, when):
    for _ in range(n):
        complaint_register(user=user, customer=customer, subject="billing", description="x", received_at=when)


def test_queries_do_not_grow_with_the_complaints(bob, customer, gm, east_team, django_assert_max_num_queries):
    year = timezone.localdate().year
    when = timezone.make_aware(dt.datetime(year, 3, 2, 9, 0))
    _register(bob, customer, 2, when)
    with CaptureQueriesContext(connection) as few:
        complaint_statistics(gm, start=dt.date(year, 1, 1), end=dt.date(year, 12, 31))
    for _ in range(6):
        _register(bob, CustomerFactory(owner=customer.owner, team=east_team), 3, when)
    with django_assert_max_num_queries(len(few)):
        stats = complaint_statistics(gm, start=dt.date(year, 1, 1), end=dt.date(year, 12, 31))
    assert stats.complaints == 20 and len(stats.repeat_complainers) == 7


def test_the_period_is_of_local_days(bob, customer, gm):
    year = timezone.localdate().year
    first = timezone.make_aware(dt.datetime(year, 3, 1, 0, 0, 0))
    _register(bob, customer, 1, first)  # the first instant of the period's first day
    _register(bob, customer, 1, first - dt.timedelta(seconds=1))  # the day before
    _register(bob, customer, 1, timezone.make_aware(dt.datetime(year, 3, 31, 23, 59, 59)))  # the last instant
    _register(bob, customer, 1, timezone.make_aware(dt.datetime(year, 4, 1, 0, 0, 0)))  # the day after
    stats = complaint_statistics(gm, start=dt.date(year, 3, 1), end=dt.date(year, 3, 31))
    assert stats.complaints == 2


def test_repeat_complainers_most_first_then_by_name(db):
    from collections import Counter

    a, b, c, d = (CustomerFactory(name=name) for name in ("乙公司", "甲公司", "丙公司", "丁公司"))
    counts = Counter({a.pk: 3, b.pk: 2, c.pk: 2, d.pk: 1})
    rows = _repeat_complainers(counts)
    assert [(r["customer"], r["count"]) for r in rows] == [(a.pk, 3), *sorted([(b.pk, 2), (c.pk, 2)],
                                                            key=lambda row: {b.pk: b.name, c.pk: c.name}[row[0]])]
    assert [r["customer"] for r in _repeat_complainers(counts, limit=2)] == [r["customer"] for r in rows[:2]]
    assert rows[0] == {"customer": a.pk, "name": a.name, "code": a.code, "count": 3}
    assert _repeat_complainers(Counter({d.pk: 1})) == []
