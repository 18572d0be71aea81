"""The customers' scheduled jobs are idempotent: safe to re-run, to run late, to be killed halfway."""

import datetime as dt
import time

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from crm.models import Notification
from customers.models import AccessGrant, ImportJob, RefreshTask, add_months
from customers.tasks import (
    access_grants_expire_task,
    archive_refresh_due_task,
    import_jobs_mark_interrupted_task,
    import_preview_task,
    import_run_task,
)
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


def _due(owner, team, **kwargs):
    months = settings.CRM["ARCHIVE_REFRESH_MONTHS"]
    return CustomerFactory(owner=owner, team=team, last_verified_on=add_months(timezone.localdate(), -(months + 1)),
                           **kwargs)


def _refresh_notices(user):
    return list(Notification.objects.filter(recipient=user, dedupe_key__startswith="archive-refresh:")
                .order_by("pk").values_list("title", flat=True))


def test_archive_refresh_task_creates_one_task_per_due_archive_and_one_notice_per_owner(alice, bob, east_team):
    today = timezone.localdate()
    months = settings.CRM["ARCHIVE_REFRESH_MONTHS"]
    fresh = CustomerFactory(owner=alice, team=east_team, last_verified_on=add_months(today, -(months - 1)))
    due_1 = _due(alice, east_team)
    due_2 = CustomerFactory(owner=alice, team=east_team, last_verified_on=add_months(today, -(months + 6)))
    due_bob = _due(bob, east_team)
    retired = _due(alice, east_team, is_active=False)

    assert archive_refresh_due_task.delay().get() == 3
    assert archive_refresh_due_task.delay().get() == 0  # the second run of the day changes nothing

    tasks = RefreshTask.objects.filter(status="open")
    assert sorted(task.customer_id for task in tasks) == sorted([due_1.pk, due_2.pk, due_bob.pk])
    assert {task.customer_id: task.owner_id for task in tasks}[due_bob.pk] == bob.pk
    assert not RefreshTask.objects.filter(customer__in=[fresh, retired]).exists()
    assert _refresh_notices(alice) == ["2 customer archives are due for their yearly check"]
    assert _refresh_notices(bob) == ["1 customer archives are due for their yearly check"]


def test_refresh_notice_gives_the_true_open_count_after_a_killed_run(alice, east_team):
    """A run killed after writing some tasks (before its notice) is followed by one that writes the
    rest: the owner is told the true number of open tasks, not the second run's share."""
    first, second, third = (_due(alice, east_team) for _ in range(3))
    RefreshTask.objects.create(customer=first, owner=alice, due_on=timezone.localdate())
    RefreshTask.objects.create(customer=second, owner=alice, due_on=timezone.localdate())

    assert archive_refresh_due_task.delay().get() == 1
    assert _refresh_notices(alice) == ["3 customer archives are due for their yearly check"]
    notice = Notification.objects.get(recipient=alice)
    assert notice.body.splitlines() == [f"{c.code} {c.name}" for c in sorted([first, second, third],
                                                                              key=lambda c: c.code)]


def test_second_run_on_the_same_day_notifies_the_new_tasks_with_the_new_total(alice, east_team):
    _due(alice, east_team)
    _due(alice, east_team)
    assert archive_refresh_due_task.delay().get() == 2
    _due(alice, east_team)  # became due (or was imported) later the same day
    assert archive_refresh_due_task.delay().get() == 1
    assert archive_refresh_due_task.delay().get() == 0
    assert _refresh_notices(alice) == ["2 customer archives are due for their yearly check",
                                       "3 customer archives are due for their yearly check"]


def test_refresh_notice_in_the_owners_language(alice, east_team):
    alice.language = "zh-hans"
    alice.save(update_fields=["language"])
    _due(alice, east_team)
    archive_refresh_due_task.delay().get()
    assert _refresh_notices(alice) == ["1 份客户档案到期需年度核实"]


def test_the_exact_anniversary_is_due_and_overdue(alice, east_team):
    today = timezone.localdate()
    months = settings.CRM["ARCHIVE_REFRESH_MONTHS"]
    anniversary = CustomerFactory(owner=alice, team=east_team, last_verified_on=add_months(today, -months))
    day_before = CustomerFactory(owner=alice, team=east_team,
                                 last_verified_on=add_months(today, -months) + dt.timedelta(days=1))
    assert anniversary.verification_overdue and not day_before.verification_overdue
    assert archive_refresh_due_task.delay().get() == 1
    assert RefreshTask.objects.get().customer_id == anniversary.pk


def test_the_card_says_overdue_on_the_anniversary(client, alice, east_team):
    alice.language = "zh-hans"
    alice.save(update_fields=["language"])
    months = settings.CRM["ARCHIVE_REFRESH_MONTHS"]
    card = CustomerFactory(owner=alice, team=east_team, last_verified_on=add_months(timezone.localdate(), -months))
    client.force_login(alice)
    page = client.get(reverse("customers:detail", args=[card.pk])).content.decode()
    assert "（逾期）" in page or "(逾期)" in page


def test_leap_day_verification_is_due_on_28_february():
    from customers.services import refresh_due_cutoff

    assert add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)
    assert refresh_due_cutoff(dt.date(2025, 2, 28)) == dt.date(2024, 2, 29)
    assert refresh_due_cutoff(dt.date(2025, 2, 27)) == dt.date(2024, 2, 27)


def test_a_retired_archives_open_task_leaves_the_owners_list_and_count(client, alice, east_team):
    kept, retired = _due(alice, east_team), _due(alice, east_team)
    archive_refresh_due_task.delay().get()
    retired.is_active = False
    retired.save(update_fields=["is_active"])
    client.force_login(alice)
    page = client.get(reverse("customers:refresh_tasks")).content.decode()
    assert kept.name in page and retired.name not in page
    _due(alice, east_team)
    archive_refresh_due_task.delay().get()
    assert _refresh_notices(alice)[-1] == "2 customer archives are due for their yearly check"


def test_access_grants_expire_task_notifies_every_ended_grant_once(customer, charlie, bob, dora, gm):
    now = timezone.now()
    ended = AccessGrant.objects.create(customer=customer, user=charlie, granted_by=dora,
                                       expires_at=now - dt.timedelta(hours=1))
    AccessGrant.objects.create(customer=customer, user=bob, granted_by=dora, expires_at=now + dt.timedelta(days=2))
    # Bob's old grant ended, but his newer one still gives him the archive: no "ended" notice.
    AccessGrant.objects.create(customer=customer, user=bob, granted_by=dora, expires_at=now - dt.timedelta(days=30))
    # Ended long ago while the job was not running (or before the 7-day window the job used to have).
    long_ago = AccessGrant.objects.create(customer=customer, user=gm, granted_by=dora,
                                          expires_at=now - dt.timedelta(days=30))
    revoked = AccessGrant.objects.create(customer=customer, user=gm, granted_by=dora, revoked_at=now,
                                         expires_at=now - dt.timedelta(days=1))

    assert access_grants_expire_task.delay().get() == 2
    assert access_grants_expire_task.delay().get() == 0
    notice = Notification.objects.get(recipient=charlie)
    assert notice.dedupe_key == f"access-grant-ended:{ended.pk}"
    assert notice.title == f"Your access to {customer.name} has ended"
    assert list(Notification.objects.filter(recipient=gm).values_list("dedupe_key", flat=True)) == [
        f"access-grant-ended:{long_ago.pk}"]
    assert revoked.pk != long_ago.pk
    assert not Notification.objects.filter(recipient=bob).exists()


def test_access_grant_notice_in_the_grantees_language(customer, charlie, dora):
    charlie.language = "zh-hans"
    charlie.save(update_fields=["language"])
    AccessGrant.objects.create(customer=customer, user=charlie, granted_by=dora,
                               expires_at=timezone.now() - dt.timedelta(minutes=5))
    with translation.override("en"):
        assert access_grants_expire_task.delay().get() == 1
    assert Notification.objects.get(recipient=charlie).title == f"您对{customer.name}的查阅权限已到期"


def test_import_tasks_are_idempotent(bob):
    content = "\ufeff收发货单位全称\n台州任务物流有限公司\n".encode()
    job = ImportJob.objects.create(kind="customers", user=bob, total_rows=1,
                                   file=SimpleUploadedFile("job.csv", content))
    assert import_run_task.delay(job.pk).get() == "pending"  # not confirmed: the write task does nothing
    assert import_preview_task.delay(job.pk).get() == "previewed"
    assert import_preview_task.delay(job.pk).get() == "previewed"  # delivered twice: nothing more happens
    job.refresh_from_db()
    assert (job.attempts, job.preview["created"]) == (1, 1)
    assert not bob.owned_customers.filter(name="台州任务物流有限公司").exists()
    ImportJob.objects.filter(pk=job.pk).update(status="pending", confirmed_at=timezone.now())
    assert import_run_task.delay(job.pk).get() == "done"
    assert import_run_task.delay(job.pk).get() == "done"  # delivered twice: nothing more happens
    assert import_preview_task.delay(job.pk).get() == "done"  # a late check of a written job: nothing
    job.refresh_from_db()
    assert (job.created_count, job.processed_rows, job.preview["created"]) == (1, 1, 1)
    assert bob.owned_customers.filter(name="台州任务物流有限公司").count() == 1
    assert import_run_task.delay(987654).get() is None
    assert import_preview_task.delay(987654).get() is None


def test_import_job_killed_halfway_runs_again(bob):
    content = "\ufeff收发货单位全称\n温岭重跑物流有限公司\n".encode()
    job = ImportJob.objects.create(kind="customers", user=bob, total_rows=1, status="running", processed_rows=1,
                                   confirmed_at=timezone.now(), file=SimpleUploadedFile("job.csv", content))
    assert import_run_task.delay(job.pk).get() == "done"
    assert bob.owned_customers.filter(name="温岭重跑物流有限公司").count() == 1


def test_unreadable_job_file_fails_cleanly(bob):
    job = ImportJob.objects.create(kind="customers", user=bob, total_rows=1,
                                   file=SimpleUploadedFile("job.xlsx", b"broken"))
    assert import_preview_task.delay(job.pk).get() == "failed"
    job.refresh_from_db()
    assert job.errors and "XLSX" in job.errors[0]["message"] and job.preview == {}
    ImportJob.objects.filter(pk=job.pk).update(status="pending", confirmed_at=timezone.now(), errors=[])
    assert import_run_task.delay(job.pk).get() == "failed"
    job.refresh_from_db()
    assert job.errors and "XLSX" in job.errors[0]["message"]


def test_notices_of_a_handover_and_an_access_decision_speak_the_recipients_language(
        customer, alice, charlie, dora, django_capture_on_commit_callbacks):
    """The actor (an English-speaking head) writes; the recipients read Chinese."""
    from customers.access_requests import access_request_create, access_request_decide
    from customers.services import customer_handover

    dora.language = "en"
    dora.save(update_fields=["language"])
    manager = UserFactory(username="zhao", roles=["account_manager"], teams=list(alice.teams.all()), language="zh-hans")
    charlie.language = "zh-hans"
    charlie.save(update_fields=["language"])
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        customer_handover(customer=customer, to_user=manager, user=dora, reason="leaving")
        request = access_request_create(user=charlie, customer=customer, reason="joint bid")
        access_request_decide(access_request=request, user=dora, grant=True, days=7)
    assert Notification.objects.get(recipient=manager).title == f"客户已移交给您：{customer.name}"
    assert Notification.objects.get(recipient=charlie).title == f"已授权查阅 {customer.name}，期限 7 天"
    assert Notification.objects.get(recipient=dora).title == f"charlie asks to read {customer.name}"


# --- imports run in the worker: heartbeat, interruption, broker down ------------------------------------

def _async_job(user, name, **fields):
    content = f"\ufeff收发货单位全称\n{name}\n".encode()
    return ImportJob.objects.create(kind="customers", user=user, total_rows=1,
                                    file=SimpleUploadedFile("job.csv", content), **fields)


@pytest.fixture
def async_imports(settings):
    settings.CRM = {**settings.CRM, "IMPORT_ASYNC_ROWS": 0}


def test_a_second_delivery_while_the_job_runs_does_nothing(bob, async_imports):
    job = _async_job(bob, "临海并发物流有限公司", status="running", heartbeat_at=timezone.now(),
                     confirmed_at=timezone.now())
    assert import_run_task.delay(job.pk).get() == "running"
    assert import_preview_task.delay(job.pk).get() == "running"
    assert not bob.owned_customers.filter(name="临海并发物流有限公司").exists()
    checking = _async_job(bob, "临海检查物流有限公司", status="previewing", heartbeat_at=timezone.now())
    assert import_preview_task.delay(checking.pk).get() == "previewing"
    assert import_run_task.delay(checking.pk).get() == "previewing"
    checking.refresh_from_db()
    assert (checking.attempts, checking.preview) == (0, {})


def test_a_job_whose_worker_died_is_marked_interrupted_and_its_page_offers_to_run_it_again(bob, client,
                                                                                           async_imports):
    silent = timezone.now() - dt.timedelta(minutes=10)
    job = _async_job(bob, "三门中断物流有限公司", status="running", processed_rows=1, heartbeat_at=silent,
                     confirmed_at=silent)
    alive = _async_job(bob, "天台运行物流有限公司", status="running", heartbeat_at=timezone.now(),
                       confirmed_at=silent)
    # The worker died: its page no longer polls, says so and offers to run it again.
    client.force_login(bob)
    html = client.get(reverse("customers:import_job", args=[job.pk])).content.decode()
    assert "No worker is running this import any more" in html and "restart-form" in html
    assert 'hx-trigger="every 1s"' not in html

    assert import_jobs_mark_interrupted_task.delay().get() == 1
    job.refresh_from_db()
    alive.refresh_from_db()
    assert (job.status, alive.status) == ("interrupted", "running")
    html = client.get(reverse("customers:import_job", args=[job.pk])).content.decode()
    assert "stopped before it finished" in html and "restart-form" in html
    # A running job with a heartbeat cannot be started a second time.
    response = client.post(reverse("customers:import_restart", args=[alive.pk]), follow=True)
    assert "cannot be started again" in response.content.decode()

    response = client.post(reverse("customers:import_restart", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.created_count, job.attempts) == ("done", 1, 1)
    assert bob.owned_customers.filter(name="三门中断物流有限公司").count() == 1
    # Delivered again by the broker afterwards: nothing more happens.
    assert import_run_task.delay(job.pk).get() == "done"
    assert bob.owned_customers.filter(name="三门中断物流有限公司").count() == 1


def test_an_upload_while_the_broker_is_down_is_kept_and_can_be_checked_and_written_later(
        bob, client, async_imports, monkeypatch, django_capture_on_commit_callbacks):
    from kombu.exceptions import OperationalError as BrokerError

    def broker_down(*args, **kwargs):
        raise BrokerError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(import_preview_task, "apply_async", broker_down)
    monkeypatch.setattr(import_run_task, "apply_async", broker_down)
    client.force_login(bob)
    content = "\ufeff收发货单位全称\n仙居断线物流有限公司\n".encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("customers:import"), {
            "kind": "customers", "file": SimpleUploadedFile("down.csv", content)}, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "the import could not be started: the job queue is unreachable" in html
    job = ImportJob.objects.get()
    assert (job.status, job.queued_at) == ("pending", None)
    assert "The file could not be checked" in html and "Check the file" in html
    assert 'hx-trigger="every 1s"' not in html  # not "waiting" forever

    # Still down: the click says so again, nothing breaks.
    response = client.post(reverse("customers:import_restart", args=[job.pk]), follow=True)
    assert "could not be started" in response.content.decode()
    monkeypatch.undo()  # the broker is back, and down again before the confirmation
    monkeypatch.setattr(import_run_task, "apply_async", broker_down)
    response = client.post(reverse("customers:import_restart", args=[job.pk]), follow=True)
    job.refresh_from_db()
    assert job.status == "previewed" and job.queued_at is not None
    assert "confirm-form" in response.content.decode()

    # The confirmation while the broker is down: kept confirmed, the page offers to start the write.
    response = client.post(reverse("customers:import_confirm", args=[job.pk]), follow=True)
    html = response.content.decode()
    job.refresh_from_db()
    assert (job.status, job.queued_at) == ("pending", None) and job.confirmed_at is not None
    assert "the import could not be started" in html and "Start the import" in html
    assert not bob.owned_customers.filter(name="仙居断线物流有限公司").exists()
    monkeypatch.undo()
    client.post(reverse("customers:import_restart", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "done" and job.created_count == 1
    assert bob.owned_customers.filter(name="仙居断线物流有限公司").count() == 1


@pytest.mark.django_db(transaction=True)
def test_heartbeat_is_stamped_by_a_thread_while_the_job_runs():
    from crm.jobs import Heartbeat
    from crm.models import User

    # A plain user: the role groups of the data migration may be gone after another test's flush.
    job = _async_job(User.objects.create(username="beating"), "黄岩心跳物流有限公司", status="running")
    with Heartbeat(ImportJob, job.pk, every=0.05):
        time.sleep(0.5)
    job.refresh_from_db()
    assert job.heartbeat_at is not None and timezone.now() - job.heartbeat_at < dt.timedelta(seconds=5)
