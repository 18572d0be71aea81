"""The jobs under faults, with real processes: Celery workers and beats started as subprocesses on Redis
and the test's PostgreSQL database, each test on a queue and a beat-lock key of its own. Timeouts are
shortened through the settings' environment (visibility timeout 6 s, beat lock 3 s).

Needs CELERY_BROKER_URL=redis://… and DATABASE_URL=postgres://… (CI sets both). Results and locks go to
CRM_LOCK_URL when set (another Redis database), else to the broker's."""

import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg2
import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from crm.celery import app as celery_app
from crm.models import Notification
from customers.models import Customer, RefreshTask, add_months
from tests.factories import CustomerFactory

BROKER = os.environ.get("CELERY_BROKER_URL", "")
OTHER = os.environ.get("CRM_LOCK_URL") or BROKER
ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not BROKER.startswith("redis://")
                       or not os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql")),
                       reason="needs CELERY_BROKER_URL=redis://... and DATABASE_URL=postgres://... (CI sets both)"),
]


class Stack:
    """Workers and beats of one test, sharing its database, queue and lock key."""

    def __init__(self, tmp_path: Path):
        db = connection.settings_dict
        self.dsn = (f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
                    f"/{db['NAME']}")
        self.queue = f"jobs-test-{uuid.uuid4().hex[:10]}"
        self.lock_key = f"crm:beat:leader:{self.queue}"
        self.tmp = tmp_path
        self.processes: dict[str, subprocess.Popen] = {}
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "crm.settings.test",
            "DATABASE_URL": self.dsn,
            "CELERY_BROKER_URL": BROKER,
            "CELERY_RESULT_BACKEND": OTHER,
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            "CELERY_TASK_ALWAYS_EAGER": "False",
            "CELERY_VISIBILITY_TIMEOUT": "6",
            "CELERY_TASK_TIME_LIMIT": "5",
            "CELERY_UNACKED_RESTORE_INTERVAL": "1",
            "CELERY_UNACKED_RESTORE_THROTTLE": "1",
            "CRM_LOCK_URL": OTHER,
            "CRM_BEAT_LOCK_KEY": self.lock_key,
            "CRM_BEAT_LOCK_TTL": "3",
            "CRM_HEARTBEAT_EVERY": "0.3",
            "CRM_HEARTBEAT_TIMEOUT": "3",
            "CRM_TEST_MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "PYTHONUNBUFFERED": "1",
        }
        self.broker = redis.Redis.from_url(BROKER)
        self.other = redis.Redis.from_url(OTHER)

    def start(self, name: str, *argv: str) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "ab")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen([sys.executable, "-m", "celery", "-A", "crm", *argv], cwd=ROOT, env=self.env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.processes[name] = process
        return process

    def worker(self, name: str) -> subprocess.Popen:
        return self.start(name, "worker", "-Q", self.queue, "--pool=prefork", "--concurrency=1",
                          f"--hostname={name}-{self.queue}@%h", "--loglevel=INFO",
                          "--without-gossip", "--without-mingle", "--without-heartbeat")

    def beat(self, name: str) -> subprocess.Popen:
        return self.start(name, "beat", "--loglevel=INFO", f"--schedule={self.tmp / name}.db")

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group: a worker's pool children die with it."""
        process = self.processes[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
            raise AssertionError(f"{name} ignored signal {sig}\n{self.logs()}") from None

    def stop_all(self) -> None:
        for name, process in list(self.processes.items()):
            if process.poll() is None:
                self.kill(name, signal.SIGTERM if name.startswith("beat") else signal.SIGKILL)
        self.broker.delete(self.queue, f"{self.queue}.unacked")
        self.other.delete(self.lock_key)

    def logs(self) -> str:
        return "\n".join(f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}"
                         for path in sorted(self.tmp.glob("*.log")))

    def send(self, task_name: str, *args):
        return celery_app.send_task(task_name, args=args, queue=self.queue)

    def queued(self, task_name: str) -> int:
        """Messages for task_name waiting in this test's queue (no worker consumes it in beat tests)."""
        messages = [json.loads(raw) for raw in self.broker.lrange(self.queue, 0, -1)]
        return sum(1 for message in messages if message["headers"].get("task") == task_name)


def wait_for(predicate, *, timeout: float, what: str, stack: Stack | None = None, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}\n{stack.logs() if stack else ''}")


@pytest.fixture
def stack(tmp_path):
    """The project's Celery app sends to Redis for real; results come back through Redis."""
    names = ("task_always_eager", "result_backend", "broker_url")
    saved = {name: celery_app.conf[name] for name in names}
    celery_app.conf.update(task_always_eager=False, result_backend=OTHER, broker_url=BROKER)
    _reset(celery_app)
    running = Stack(tmp_path)
    try:
        yield running
    finally:
        running.stop_all()
        celery_app.conf.update(saved)
        _reset(celery_app)


def _reset(app):
    # The result backend is built once per app (or per thread): drop it so the new setting applies.
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


def _due_archives(owner, team, n):
    months = settings.CRM["ARCHIVE_REFRESH_MONTHS"]
    last = add_months(timezone.localdate(), -(months + 2))
    built = CustomerFactory.build_batch(n, owner=owner, team=team, last_verified_on=last)
    return Customer.objects.bulk_create(built)


def _refresh_titles(user):
    return list(Notification.objects.filter(recipient=user, dedupe_key__startswith="archive-refresh:")
                .values_list("title", flat=True))


def test_refresh_run_twice_and_concurrently_notifies_each_owner_once_with_the_true_count(stack, alice, bob,
                                                                                          east_team):
    alice.language = "zh-hans"
    alice.save(update_fields=["language"])
    _due_archives(alice, east_team, 40)
    _due_archives(bob, east_team, 25)
    stack.worker("w1")
    stack.worker("w2")
    assert stack.send("crm.tasks.ping").get(timeout=60) == "pong"

    results = [stack.send("customers.tasks.archive_refresh_due_task") for _ in range(4)]
    created = [result.get(timeout=60) for result in results]

    assert sum(created) == 65 and sorted(created)[:3] == [0, 0, 0]
    assert RefreshTask.objects.filter(status="open", owner=alice).count() == 40
    assert RefreshTask.objects.filter(status="open", owner=bob).count() == 25
    assert _refresh_titles(alice) == ["40 份客户档案到期需年度核实"]
    assert _refresh_titles(bob) == ["25 customer archives are due for their yearly check"]


def test_worker_killed_mid_job_and_restarted_finishes_the_job(stack, alice, east_team):
    archives = _due_archives(alice, east_team, 100)
    # Hold a lock on the 51st archive: the job blocks there (at the commit of its task), mid-way.
    holder = psycopg2.connect(stack.dsn)
    cursor = holder.cursor()
    cursor.execute("SELECT id FROM customers_customer WHERE id = %s FOR UPDATE", [archives[50].pk])
    try:
        stack.worker("w1")
        stack.send("customers.tasks.archive_refresh_due_task")
        wait_for(lambda: RefreshTask.objects.count() == 50, timeout=60, what="50 tasks written", stack=stack)
        time.sleep(0.5)
        stack.kill("w1")  # SIGKILL of the whole worker: no acknowledgement, no clean shutdown
    finally:
        holder.rollback()
        holder.close()
    # The 51st task may still commit (its commit was asked before the kill; PostgreSQL checks foreign
    # keys at commit); the rest of the job, and its notice, did not happen.
    assert RefreshTask.objects.count() in (50, 51) and not _refresh_titles(alice)

    restarted = time.monotonic()
    stack.worker("w2")
    wait_for(lambda: _refresh_titles(alice), timeout=60, what="the job to finish after the restart", stack=stack)
    took = time.monotonic() - restarted
    assert took < 45  # visibility timeout (6 s here, 15 min in production) plus a worker start
    assert RefreshTask.objects.filter(status="open").count() == 100
    assert _refresh_titles(alice) == ["100 customer archives are due for their yearly check"]


def _kill_mid_job(stack, job, *, worker, status, start):
    """Lock the archives' table, `start` the job: it stops at its first read, mid-job, its worker alive
    and beating; then kill the worker."""
    from customers.models import ImportJob

    holder = psycopg2.connect(stack.dsn)
    cursor = holder.cursor()
    cursor.execute("LOCK TABLE customers_customer IN ACCESS EXCLUSIVE MODE")
    try:
        start()
        wait_for(lambda: ImportJob.objects.filter(pk=job.pk, status=status).exists(), timeout=60,
                 what=f"a worker to take the import ({status})", stack=stack)
        time.sleep(1.5)
        job.refresh_from_db()
        # The worker is stuck, not dead: its heartbeat goes on (a thread with its own connection).
        assert timezone.now() - job.heartbeat_at < dt.timedelta(seconds=1.5)
        stack.kill(worker)  # SIGKILL of the whole worker, mid-job
    finally:
        holder.rollback()
        holder.close()


def test_import_whose_worker_died_is_marked_interrupted_and_finishes_after_a_restart(stack, bob, client, settings,
                                                                                     monkeypatch):
    """The fault of issue 7, in both phases of issue 8: a worker killed while checking a large file, then
    one killed while writing it. Each time its heartbeat stops, the job is marked interrupted (its page
    says so), and the broker's redelivery to a restarted worker finishes that phase: the preview waits for
    the confirmation, nothing is written before it, and after it every row is written once."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from customers.imports import jobs as import_jobs
    from customers.imports.jobs import import_jobs_mark_interrupted
    from customers.models import ImportJob

    settings.CRM_JOBS = {**settings.CRM_JOBS, "HEARTBEAT_TIMEOUT": 3}
    settings.CRM = {**settings.CRM, "IMPORT_ASYNC_ROWS": 1}  # five rows are checked and written in the worker
    # The page's confirmation sends the write to this test's queue.
    monkeypatch.setattr(import_jobs, "send_now", lambda name, *args: bool(stack.send(name, *args)))
    names = [f"椒江心跳物流{n}有限公司" for n in range(5)]
    content = ("\ufeff收发货单位全称\n" + "\n".join(names) + "\n").encode()
    job = ImportJob.objects.create(kind="customers", user=bob, total_rows=5,
                                   file=SimpleUploadedFile("kill.csv", content))
    client.force_login(bob)

    # 1. The check: killed, marked interrupted, finished by the redelivery; nothing written.
    stack.worker("w1")
    _kill_mid_job(stack, job, worker="w1", status="previewing",
                  start=lambda: stack.send("customers.tasks.import_preview_task", job.pk))
    wait_for(lambda: import_jobs_mark_interrupted() == 1, timeout=30, what="the heartbeat to go silent")
    job.refresh_from_db()
    assert job.status == "interrupted" and job.confirmed_at is None
    html = client.get(f"/customers/import/{job.pk}/").content.decode()
    assert "The worker checking this file stopped before it finished" in html and "restart-form" in html

    restarted = time.monotonic()
    stack.worker("w2")
    wait_for(lambda: ImportJob.objects.filter(pk=job.pk, status="previewed").exists(), timeout=60,
             what="the redelivered check to finish", stack=stack)
    assert time.monotonic() - restarted < 45
    job.refresh_from_db()
    assert (job.preview["created"], job.attempts, job.errors) == (5, 2, [])
    assert not Customer.objects.filter(name__in=names).exists()
    assert "confirm-form" in client.get(f"/customers/import/{job.pk}/").content.decode()

    # 2. The write, after the confirmation: killed, marked interrupted, finished by the redelivery.
    def confirm():
        assert client.post(f"/customers/import/{job.pk}/confirm/").status_code == 302

    _kill_mid_job(stack, job, worker="w2", status="running", start=confirm)
    wait_for(lambda: import_jobs_mark_interrupted() == 1, timeout=30, what="the heartbeat to go silent")
    job.refresh_from_db()
    assert job.status == "interrupted" and job.confirmed_at is not None
    assert not Customer.objects.filter(name__in=names).exists()
    html = client.get(f"/customers/import/{job.pk}/").content.decode()
    assert "The worker running this import stopped before it finished" in html and "restart-form" in html

    restarted = time.monotonic()
    stack.worker("w3")
    wait_for(lambda: ImportJob.objects.filter(pk=job.pk, status="done").exists(), timeout=60,
             what="the redelivered import to finish", stack=stack)
    assert time.monotonic() - restarted < 45
    job.refresh_from_db()
    assert (job.created_count, job.attempts) == (5, 4)
    assert Customer.objects.filter(name__in=names).count() == 5


def _probe_entry(stack, name, **fields):
    schedule = CrontabSchedule.objects.create(minute="0", hour="3", day_of_month="1", month_of_year="1",
                                              timezone="Asia/Shanghai")
    return PeriodicTask.objects.create(name=name, task="tests.probe", crontab=schedule, queue=stack.queue,
                                       **fields)


def test_two_beats_send_once_and_the_second_takes_over(stack):
    _probe_entry(stack, "never-ran")  # due at once (never ran), then not before next 1 January
    stack.beat("beat1")
    stack.beat("beat2")
    wait_for(lambda: stack.queued("tests.probe") >= 1, timeout=60, what="the first send", stack=stack)
    time.sleep(5)  # both beats tick many times meanwhile (lock TTL 3 s, renewed every second)
    assert stack.queued("tests.probe") == 1

    leader = stack.other.get(stack.lock_key).decode()
    leader_pid = int(leader.split(":")[1])
    leader_name = next(name for name, p in stack.processes.items() if p.pid == leader_pid)
    stack.kill(leader_name)
    _probe_entry(stack, "added-later")
    wait_for(lambda: stack.queued("tests.probe") >= 2, timeout=60, what="the second beat to take over", stack=stack)
    time.sleep(3)
    assert stack.queued("tests.probe") == 2  # the new entry once; the first one not again


def test_admin_edited_schedule_survives_a_beat_restart(stack):
    stack.beat("beat1")
    wait_for(lambda: stack.other.get(stack.lock_key), timeout=60, what="beat to start and lead", stack=stack)
    entry = PeriodicTask.objects.get(name="archive-refresh-daily-catch-up")
    assert (entry.crontab.hour, entry.crontab.minute) == ("2", "15")
    # What an admin does in Periodic tasks: another time for one entry, another entry switched off.
    entry.crontab = CrontabSchedule.objects.create(minute="45", hour="6", timezone="Asia/Shanghai")
    entry.save()
    PeriodicTask.objects.filter(name="access-grants-expiry").update(enabled=False)
    stack.kill("beat1", signal.SIGTERM)

    stack.other.delete(stack.lock_key)
    stack.beat("beat2")
    wait_for(lambda: stack.other.get(stack.lock_key), timeout=60, what="the restarted beat to lead", stack=stack)
    time.sleep(2)
    entry.refresh_from_db()
    assert (entry.crontab.hour, entry.crontab.minute) == ("6", "45")
    assert PeriodicTask.objects.get(name="access-grants-expiry").enabled is False
    assert PeriodicTask.objects.filter(name="archive-refresh-daily-catch-up").count() == 1


def test_a_job_missed_over_a_weekend_runs_once(stack):
    # "Working days 08:00": a daily 08:00 entry whose job skips days off. Beat was down for three days.
    schedule = CrontabSchedule.objects.create(minute="0", hour="8", timezone="Asia/Shanghai")
    PeriodicTask.objects.create(name="working-days-08", task="tests.probe", crontab=schedule, queue=stack.queue,
                                last_run_at=timezone.now() - dt.timedelta(days=3, hours=1), total_run_count=10)
    stack.beat("beat1")
    wait_for(lambda: stack.queued("tests.probe") >= 1, timeout=60, what="the missed entry to be sent", stack=stack)
    time.sleep(4)
    assert stack.queued("tests.probe") == 1
    assert PeriodicTask.objects.get(name="working-days-08").total_run_count == 11
