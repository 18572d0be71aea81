"""The job machinery (crm.jobs, crm.beat, crm.notifications) without servers: keyed notifications in the
recipient's language, e-mail through a retried task, working-day jobs, one run at a time, the beat
scheduler's single-beat lock, kept admin edits and catch-up."""

import datetime as dt
import smtplib
import threading
import time

import pytest
from celery.schedules import crontab
from django.core import mail
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from crm import beat as crm_beat
from crm.celery import app as celery_app
from crm.jobs import exclusive, job_key, scheduled_job
from crm.models import Notification
from crm.notifications import notification_emails_resend, notify
from crm.tasks import notification_email_send

pytestmark = pytest.mark.django_db

CHINESE_TITLE = "3 份客户档案到期需年度核实"


@pytest.fixture
def chinese_alice(alice):
    alice.language = "zh-hans"
    alice.save(update_fields=["language"])
    return alice


# --- notifications: the recipient's language, keyed, e-mailed by a task ---------------------------------

def test_title_is_rendered_in_the_recipients_language_not_the_actors(chinese_alice, bob,
                                                                       django_capture_on_commit_callbacks):
    title = gettext_lazy("%d customer archives are due for their yearly check")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):  # the actor reads English
        to_alice = notify(recipient=chinese_alice, title=title, params=3)
        to_bob = notify(recipient=bob, title=title, params=3)
    assert to_alice.title == CHINESE_TITLE
    assert to_bob.title == "3 customer archives are due for their yearly check"
    subjects = {message.to[0]: message.subject for message in mail.outbox}
    assert subjects == {"alice@example.com": CHINESE_TITLE,
                        "bob@example.com": "3 customer archives are due for their yearly check"}
    to_alice.refresh_from_db()
    assert to_alice.email_status == Notification.EmailStatus.SENT and to_alice.emailed_at is not None


def test_a_key_is_recorded_before_sending_and_sent_once(alice, django_capture_on_commit_callbacks):
    key = job_key("archive-refresh", 41)
    assert key == "archive-refresh:41"
    with django_capture_on_commit_callbacks(execute=True):
        assert notify(recipient=alice, title="Due", dedupe_key=key) is not None
        assert notify(recipient=alice, title="Due again", dedupe_key=key) is None
    assert list(Notification.objects.filter(recipient=alice).values_list("title", flat=True)) == ["Due"]
    assert len(mail.outbox) == 1


def test_smtp_failure_keeps_the_email_pending_and_the_resend_job_sends_it(alice, monkeypatch, settings,
                                                                            django_capture_on_commit_callbacks,
                                                                            caplog):
    def smtp_down(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("connection refused")

    monkeypatch.setattr("crm.notifications.send_mail", smtp_down)
    with django_capture_on_commit_callbacks(execute=True):
        notice = notify(recipient=alice, title="Grant ended")
    notice.refresh_from_db()
    assert notice.email_status == Notification.EmailStatus.PENDING and mail.outbox == []
    assert "e-mail of notification" in caplog.text and "connection refused" in caplog.text

    monkeypatch.undo()
    # Not yet quiet long enough: an attempt may still be under way.
    assert notification_emails_resend() == 0
    Notification.objects.filter(pk=notice.pk).update(updated_at=timezone.now() - dt.timedelta(minutes=11))
    assert notification_emails_resend() == 1
    notice.refresh_from_db()
    assert notice.email_status == Notification.EmailStatus.SENT
    assert [m.subject for m in mail.outbox] == ["Grant ended"]
    assert notification_emails_resend() == 0  # sent: nothing more


def test_email_task_sends_once_however_often_it_is_delivered(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notice = notify(recipient=alice, title="Once")
    assert notification_email_send.delay(notice.pk).get() == "sent"  # a redelivery
    assert len(mail.outbox) == 1


def test_email_given_up_after_a_day(alice, monkeypatch, django_capture_on_commit_callbacks):
    notice = notify(recipient=alice, title="Old news", email=True)
    Notification.objects.filter(pk=notice.pk).update(created_at=timezone.now() - dt.timedelta(days=2))

    def smtp_down(*args, **kwargs):
        raise smtplib.SMTPConnectError(421, "down")

    monkeypatch.setattr("crm.notifications.send_mail", smtp_down)
    assert notification_email_send.delay(notice.pk).get() == "failed"
    notice.refresh_from_db()
    assert notice.email_status == Notification.EmailStatus.FAILED


# --- scheduled jobs ------------------------------------------------------------------------------------------

runs: list[str] = []


@scheduled_job("tests.crm.working_day_job", working_days=True)
def working_day_job() -> int:
    runs.append("ran")
    return len(runs)


@pytest.mark.parametrize(("day", "expected"), [
    (dt.date(2026, 12, 5), None),   # Saturday
    (dt.date(2026, 10, 1), None),   # National Day
    (dt.date(2026, 12, 7), 1),      # Monday
])
def test_working_day_job_skips_days_off(monkeypatch, day, expected):
    runs.clear()
    monkeypatch.setattr("crm.jobs.timezone.localdate", lambda *args: day)
    assert working_day_job.delay().get() == expected
    assert runs == (["ran"] if expected else [])


def test_job_options_survive_a_dead_worker():
    assert working_day_job.acks_late is True and working_day_job.reject_on_worker_lost is True
    assert working_day_job.retry_backoff_max <= 300 < celery_app.conf.broker_transport_options.get(
        "visibility_timeout", 900)


def test_exclusive_runs_one_block_at_a_time():
    order: list[str] = []
    inside = threading.Event()

    def first():
        with exclusive("job:test"):
            order.append("first in")
            inside.set()
            time.sleep(0.3)
            order.append("first out")

    thread = threading.Thread(target=first)
    thread.start()
    inside.wait(2)
    with exclusive("job:test"):
        order.append("second in")
    thread.join()
    assert order == ["first in", "first out", "second in"]


# --- beat: one sender, admin edits kept, missed entries caught up ------------------------------------------

@pytest.fixture
def beat_settings(settings, tmp_path, monkeypatch):
    # The scheduler closes "old" connections on every read; inside a test's transaction that would close
    # the test's own connection (PostgreSQL).
    monkeypatch.setattr("django_celery_beat.schedulers.close_old_connections", lambda: None)
    settings.RUN_DIR = tmp_path
    settings.CRM_JOBS = {**settings.CRM_JOBS, "LOCK_URL": ""}
    saved = celery_app.conf.beat_schedule
    celery_app.conf.beat_schedule = {
        "daily-catch-up": {"task": "tests.probe", "schedule": crontab(minute=15, hour=2)},
    }
    yield settings
    celery_app.conf.beat_schedule = saved


class Recording(crm_beat.SingleBeatScheduler):
    """The scheduler, recording what it would send instead of sending it (the rest is real)."""

    producer = None

    def __init__(self, *args, **kwargs):
        self.sent: list[str] = []
        super().__init__(*args, app=celery_app, **kwargs)

    def apply_async(self, entry, producer=None, advance=True, **kwargs):
        entry = self.reserve(entry) if advance else entry
        if not entry.task.startswith("celery."):
            self.sent.append(entry.name)
        self._tasks_since_sync += 1
        if self.should_sync():
            self._do_sync()

    def ticks(self, n=5):
        for _ in range(n):
            self.tick()


def test_an_admin_edit_survives_a_beat_restart(beat_settings):
    Recording()
    entry = PeriodicTask.objects.get(name="daily-catch-up")
    assert (entry.crontab.hour, entry.crontab.minute) == ("2", "15")
    entry.crontab = CrontabSchedule.objects.create(minute="30", hour="6", timezone="Asia/Shanghai")
    entry.save()
    Recording()  # beat restarts
    entry.refresh_from_db()
    assert (entry.crontab.hour, entry.crontab.minute) == ("6", "30")
    assert PeriodicTask.objects.filter(name="daily-catch-up").count() == 1


def test_second_beat_sends_nothing_and_an_entry_that_never_ran_is_caught_up(beat_settings):
    first, second = Recording(), Recording()
    first.ticks()
    second.ticks()
    # The 02:15 entry never ran: it is due at once (not at 02:15 tomorrow), and only the leader sends it.
    assert first.sent == ["daily-catch-up"] and second.sent == []
    entry = PeriodicTask.objects.get(name="daily-catch-up")
    assert entry.total_run_count == 1 and entry.last_run_at is not None  # stored at once (sync every 1)
    first.ticks()
    assert first.sent == ["daily-catch-up"]  # not due again today


def test_a_job_missed_over_a_weekend_runs_once(beat_settings):
    schedule = CrontabSchedule.objects.create(minute="0", hour="8", timezone="Asia/Shanghai")
    # Beat was down from Friday to Monday: the entry missed three 08:00s.
    friday = timezone.now() - dt.timedelta(days=3, hours=1)
    PeriodicTask.objects.create(name="working-days-08", task="tests.probe", crontab=schedule,
                                last_run_at=friday, total_run_count=5)
    scheduler = Recording()
    scheduler.ticks()
    assert scheduler.sent.count("working-days-08") == 1
    assert PeriodicTask.objects.get(name="working-days-08").total_run_count == 6


def test_the_second_beat_takes_over_and_sends_each_entry_once(beat_settings):
    first, second = Recording(), Recording()
    first.ticks()
    second.ticks()
    first.lock.release()  # the first beat died: the kernel dropped its lock
    schedule = CrontabSchedule.objects.create(minute="0", hour="3", day_of_month="1", month_of_year="1",
                                              timezone="Asia/Shanghai")
    PeriodicTask.objects.create(name="added-later", task="tests.probe", crontab=schedule)
    second.ticks(8)
    # The entry the first beat sent is not sent again; the new one is sent once.
    assert second.sent == ["added-later"]
