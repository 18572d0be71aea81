"""The customers' scheduled jobs are idempotent: safe to re-run, to run late, to be killed halfway."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from crm.models import Notification
from customers.models import AccessGrant, ImportJob, RefreshTask, add_months
from customers.tasks import access_grants_expire_task, archive_refresh_due_task, import_run_task
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _refresh_tasks_url(monkeypatch):
    """The refresh-task page belongs to the archive pages; until they exist the notification link
    the service builds would not resolve."""
    try:
        reverse("customers:refresh_tasks")
    except NoReverseMatch:
        real_reverse = reverse

        def fallback(name, *args, **kwargs):
            return "/customers/refresh/" if name == "customers:refresh_tasks" else real_reverse(name, *args, **kwargs)

        monkeypatch.setattr("customers.services.reverse", fallback)


def test_archive_refresh_task_creates_one_task_per_due_archive_and_one_notice_per_owner(alice, bob, east_team):
    today = timezone.localdate()
    months = settings.CRM["ARCHIVE_REFRESH_MONTHS"]
    fresh = CustomerFactory(owner=alice, team=east_team, last_verified_on=add_months(today, -(months - 1)))
    due_1 = CustomerFactory(owner=alice, team=east_team, last_verified_on=add_months(today, -(months + 1)))
    due_2 = CustomerFactory(owner=alice, team=east_team, last_verified_on=add_months(today, -(months + 6)))
    due_bob = CustomerFactory(owner=bob, team=east_team, last_verified_on=add_months(today, -(months + 1)))
    retired = CustomerFactory(owner=alice, team=east_team, last_verified_on=add_months(today, -(months + 1)),
                              is_active=False)

    assert archive_refresh_due_task.delay().get() == 3
    assert archive_refresh_due_task.delay().get() == 0  # the second run of the day changes nothing

    tasks = RefreshTask.objects.filter(status="open")
    assert sorted(task.customer_id for task in tasks) == sorted([due_1.pk, due_2.pk, due_bob.pk])
    assert {task.customer_id: task.owner_id for task in tasks}[due_bob.pk] == bob.pk
    assert not RefreshTask.objects.filter(customer__in=[fresh, retired]).exists()
    assert Notification.objects.filter(recipient=alice, dedupe_key=f"refresh:{today.isoformat()}").count() == 1
    assert Notification.objects.filter(recipient=bob).count() == 1


def test_access_grants_expire_task_notifies_once(customer, charlie, bob, dora):
    now = timezone.now()
    ended = AccessGrant.objects.create(customer=customer, user=charlie, granted_by=dora,
                                       expires_at=now - dt.timedelta(hours=1))
    AccessGrant.objects.create(customer=customer, user=bob, granted_by=dora, expires_at=now + dt.timedelta(days=2))
    AccessGrant.objects.create(customer=customer, user=bob, granted_by=dora, expires_at=now - dt.timedelta(days=30))

    assert access_grants_expire_task.delay().get() == 1
    assert access_grants_expire_task.delay().get() == 0
    notice = Notification.objects.get(recipient=charlie)
    assert notice.dedupe_key == f"access-grant-ended:{ended.pk}" and customer.name in notice.title
    assert not Notification.objects.filter(recipient=bob).exists()


def test_import_run_task_is_idempotent(bob):
    content = "\ufeff收发货单位全称\n台州任务物流有限公司\n".encode()
    job = ImportJob.objects.create(kind="customers", user=bob, total_rows=1,
                                   file=SimpleUploadedFile("job.csv", content))
    assert import_run_task.delay(job.pk).get() == "done"
    assert import_run_task.delay(job.pk).get() == "done"  # delivered twice: nothing more happens
    job.refresh_from_db()
    assert (job.created_count, job.processed_rows) == (1, 1)
    assert bob.owned_customers.filter(name="台州任务物流有限公司").count() == 1
    assert import_run_task.delay(987654).get() is None


def test_import_job_killed_halfway_runs_again(bob):
    content = "\ufeff收发货单位全称\n温岭重跑物流有限公司\n".encode()
    job = ImportJob.objects.create(kind="customers", user=bob, total_rows=1, status="running", processed_rows=1,
                                   file=SimpleUploadedFile("job.csv", content))
    assert import_run_task.delay(job.pk).get() == "done"
    assert bob.owned_customers.filter(name="温岭重跑物流有限公司").count() == 1


def test_unreadable_job_file_fails_cleanly(bob):
    job = ImportJob.objects.create(kind="customers", user=bob, total_rows=1,
                                   file=SimpleUploadedFile("job.xlsx", b"broken"))
    assert import_run_task.delay(job.pk).get() == "failed"
    job.refresh_from_db()
    assert job.errors and "XLSX" in job.errors[0]["message"]
