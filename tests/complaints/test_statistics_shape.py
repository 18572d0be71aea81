"""The statistics' shape at scale: a fixed number of queries whatever the number of complaints, the
period's local days as bounds, the repeat complainers most first then by name."""

import datetime as dt
import importlib
import io

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints.jobs import complaint_durations_recompute
from complaints.models import Complaint, ComplaintDepartment
from complaints.services import complaint_act, complaint_register
from complaints.sla import working_hours_between
from complaints.statistics import _repeat_complainers, complaint_statistics
from crm.models import CalendarDay
from tests.complaints.conftest import SHANGHAI
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


def test_repeat_complainers_most_first_then_by_name(bob, gm, customer, east_team):
    year = timezone.localdate().year
    when = timezone.make_aware(dt.datetime(year, 3, 2, 9, 0))
    a, b, c, d = (CustomerFactory(name=name, owner=customer.owner, team=east_team)
                  for name in ("乙公司", "甲公司", "丙公司", "丁公司"))
    for who, n in ((a, 3), (b, 2), (c, 2), (d, 1)):
        _register(bob, who, n, when)
    period = {"start": dt.date(year, 1, 1), "end": dt.date(year, 12, 31)}
    rows = complaint_statistics(gm, **period).repeat_complainers
    two = sorted([b, c], key=lambda archive: archive.name)
    assert [(r["customer"], r["count"]) for r in rows] == [(a.pk, 3), (two[0].pk, 2), (two[1].pk, 2)]
    assert rows[0] == {"customer": a.pk, "name": a.name, "code": a.code, "count": 3}
    visible = Complaint.objects.filter(received_at__year=year)
    assert [r["customer"] for r in _repeat_complainers(visible, limit=2)] == [a.pk, two[0].pk]
    assert _repeat_complainers(visible.filter(customer=d)) == []


def test_each_step_fixes_its_duration_in_working_hours(bob, customer, handler):
    received = timezone.now() - dt.timedelta(days=3)
    complaint = complaint_register(user=bob, customer=customer, subject="transport", description="x",
                                   received_at=received)
    assert (complaint.first_reply_hours, complaint.resolution_hours, complaint.response_hours) == (None,) * 3
    complaint_act(complaint=complaint, user=bob, action="reply", data={"text": "已收到"})
    complaint.refresh_from_db()
    assert complaint.first_reply_hours == working_hours_between(received, complaint.first_reply_at)  # unrounded
    complaint_act(complaint=complaint, user=bob, action="judge", data={"valid": True})
    complaint_act(complaint=complaint, user=bob, action="assign", data={"handler": handler.pk})
    complaint.refresh_from_db()
    assert complaint.response_hours is None
    complaint_act(complaint=complaint, user=handler, action="analyse",
                  data={"cause": "交接漏检", "responsible": "操作员"})
    complaint.refresh_from_db()
    assert complaint.response_hours == working_hours_between(complaint.assigned_at, complaint.analysed_at)
    reply = complaint.first_reply_hours
    complaint_act(complaint=complaint, user=bob, action="reply", data={"text": "再次说明"})
    complaint.refresh_from_db()
    assert complaint.first_reply_hours == reply  # the first reply's, not the latest


def test_means_and_90th_percentiles_against_hand_computed_values(bob, gm, customer):
    year = timezone.localdate().year
    when = timezone.make_aware(dt.datetime(year, 3, 2, 9, 0))
    _register(bob, customer, 12, when)
    east, west = (ComplaintDepartment.objects.create(name=name) for name in ("东区操作部", "西区操作部"))
    pks = list(Complaint.objects.order_by("pk").values_list("pk", flat=True))
    for pk, hours in zip(pks, range(1, 11), strict=False):  # ten replies of 1..10 hours, two not replied
        Complaint.objects.filter(pk=pk).update(first_reply_hours=hours, resolution_hours=hours * 10)
    for pk, (department, hours) in zip(pks, [(east, 3), (east, 1), (east, 2), (west, 20), (west, 10)], strict=False):
        Complaint.objects.filter(pk=pk).update(department=department, response_hours=hours)
    Complaint.objects.filter(pk=pks[5]).update(department=west)  # assigned, not analysed yet
    stats = complaint_statistics(gm, start=dt.date(year, 1, 1), end=dt.date(year, 12, 31))
    # nearest rank: ceil(0.9 × 10) = 9th of ten → 9; ceil(0.9 × 3) = 3rd → 3; ceil(0.9 × 2) = 2nd → 20
    assert stats.first_reply_hours == {"mean": 5.5, "p90": 9.0, "count": 10}
    assert stats.resolution_hours == {"mean": 55.0, "p90": 90.0, "count": 10}
    assert stats.department_response_hours == [
        {"department": "东区操作部", "mean": 2.0, "p90": 3.0, "count": 3},
        {"department": "西区操作部", "mean": 15.0, "p90": 20.0, "count": 2}]
    assert [(r["department"], r["count"]) for r in stats.by_department] == [
        ("Not assigned yet", 6), ("东区操作部", 3), ("西区操作部", 3)]  # most first, then by name


def test_the_migration_fills_the_durations_of_existing_complaints(bob, customer):
    received = timezone.now() - dt.timedelta(days=2)
    complaint = complaint_register(user=bob, customer=customer, subject="billing", description="x",
                                   received_at=received)
    complaint_act(complaint=complaint, user=bob, action="judge", data={"valid": False, "text": "不属实"})
    complaint.refresh_from_db()
    expected = (complaint.first_reply_hours, complaint.resolution_hours)
    assert expected[0] is not None and expected[1] is not None
    Complaint.objects.update(first_reply_hours=None, resolution_hours=None)
    migration = importlib.import_module("complaints.migrations.0004_working_hour_durations")
    migration.fill_durations(apps, None)
    complaint.refresh_from_db()
    assert (complaint.first_reply_hours, complaint.resolution_hours, complaint.response_hours) == (*expected, None)


def _friday_to_monday_reply(bob, customer) -> Complaint:
    """Received Friday 27 November 2026 at 10:00, first reply Monday at 10:00: 14 + 10 working hours."""
    received = dt.datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI)
    complaint = complaint_register(user=bob, customer=customer, subject="transport", description="x",
                                   received_at=received)
    Complaint.objects.filter(pk=complaint.pk).update(first_reply_at=received + dt.timedelta(days=3))
    complaint_durations_recompute()
    complaint.refresh_from_db()
    return complaint


def test_a_calendar_day_changed_in_the_admin_recomputes_the_durations_it_spans(
        bob, customer, django_capture_on_commit_callbacks):
    complaint = _friday_to_monday_reply(bob, customer)
    assert complaint.first_reply_hours == 24.0
    with django_capture_on_commit_callbacks(execute=True):
        day = CalendarDay.objects.create(date=dt.date(2026, 11, 27), kind=CalendarDay.Kind.DAY_OFF, reason="司庆")
    complaint.refresh_from_db()
    assert complaint.first_reply_hours == 10.0  # Friday is off: Monday's 10 hours only
    with django_capture_on_commit_callbacks(execute=True):
        day.date = dt.date(2026, 11, 30)  # moved to the Monday: Friday counts again, Monday does not
        day.save()
    complaint.refresh_from_db()
    assert complaint.first_reply_hours == 14.0
    with django_capture_on_commit_callbacks(execute=True):
        day.delete()
    complaint.refresh_from_db()
    assert complaint.first_reply_hours == 24.0


def test_the_recompute_command_takes_all_or_a_period(bob, customer):
    complaint = _friday_to_monday_reply(bob, customer)
    Complaint.objects.filter(pk=complaint.pk).update(first_reply_hours=99.0)
    out = io.StringIO()
    call_command("complaint_durations_recompute", "--from", "2026-12-01", "--to", "2026-12-31", stdout=out)
    complaint.refresh_from_db()
    assert complaint.first_reply_hours == 99.0 and out.getvalue().startswith("0 ")  # its span ends on 30 November
    call_command("complaint_durations_recompute", stdout=out)
    complaint.refresh_from_db()
    assert complaint.first_reply_hours == 24.0
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("complaint_durations_recompute", "--from", "30.11.2026")
