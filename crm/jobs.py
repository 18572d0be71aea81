"""The job pattern: how every scheduled and long-running job is written (README, "Scheduled jobs").

A scheduled job is a service that
- computes what is due from the state of the database (open tasks, ended grants), never from what an
  earlier run did or from "since the last run", so a run repeated, late or killed halfway does the same
  work as a timely one, and the figures it reports are the true ones;
- records each notification under a unique key (recipient, what, period) *before* it is sent
  (`crm.notifications.notify` with `dedupe_key=job_key(...)`; a unique constraint backs it), so it is
  sent once however many runs reach it;
- sends e-mail only through `crm.tasks.notification_email_send` (after commit, retried on SMTP errors).

Its Celery door is declared with `@scheduled_job`, which gives every job the same options: the message is
acknowledged after the job finished (a killed worker's job comes back), database errors are retried with
a short backoff, concurrent deliveries of the same job run one after the other (`exclusive`), and a
`working_days=True` job does nothing on a day the calendar (crm.workdays) says is off.

Long-running jobs (imports, later scoring runs) keep a heartbeat on their row (`Heartbeat`) and are
claimed with `long_job_claim`, so a job whose worker died is recognisable, can be marked interrupted by
`long_jobs_mark_interrupted`, and is run again safely.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import functools
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, connections, transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

logger = logging.getLogger("crm.jobs")

# Options every job task gets. Retrying a database hiccup is worth it; a bug is not. The longest
# backoff stays far below the broker's visibility timeout: a retry is a message with an ETA held
# unacknowledged by a worker, and one held longer than the visibility timeout would be delivered twice.
JOB_TASK_OPTIONS: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 8,
}


def jobs_setting(name: str) -> Any:
    return settings.CRM_JOBS[name]


def job_key(job: str, what: Any, period: Any = "") -> str:
    """The key a job records a notification under: which job, about what, for which period.
    The recipient is the other half of the unique constraint (Notification.dedupe_key)."""
    return ":".join(str(part) for part in (job, what, period) if part != "")[:200]


# --- One run at a time ---------------------------------------------------------------------------------

def _lock_id(name: str) -> int:
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


@contextlib.contextmanager
def exclusive(name: str) -> Iterator[None]:
    """Run the block while no other process runs a block of the same name.

    On PostgreSQL a session advisory lock: it is released when the holder's connection ends, so a
    worker killed with SIGKILL never leaves it behind. Elsewhere (SQLite: one machine, `make run`) an
    exclusive lock on a file under .run/locks/, released by the kernel when the process dies."""
    if connection.vendor == "postgresql":
        lock_id = _lock_id(name)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [lock_id])
        try:
            yield
        finally:
            with contextlib.suppress(InterfaceError, OperationalError), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [lock_id])
        return
    folder = settings.RUN_DIR / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"{hashlib.sha1(name.encode()).hexdigest()}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def transaction_lock(name: str, *, model) -> None:
    """Hold the lock `name` until the current transaction ends (call it inside `transaction.atomic`): blocks
    of the same name in other transactions wait their turn. On PostgreSQL a transaction advisory lock. On
    SQLite the database's own write lock, taken at once by a no-op write to `model`'s table: a deferred
    transaction that read first would fail with "database is locked" when it then wrote while another one
    held the lock, instead of waiting under the busy timeout."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_id(name)])
        elif connection.vendor == "sqlite":
            pk = model._meta.pk.column
            cursor.execute(f'UPDATE "{model._meta.db_table}" SET "{pk}" = "{pk}" WHERE 0 = 1')


# --- Scheduled jobs --------------------------------------------------------------------------------------

def scheduled_job(name: str, *, working_days: bool = False, **options: Any) -> Callable:
    """Declare the Celery door of a scheduled job. The decorated function takes no arguments (a job
    finds its work in the database) and returns a small summary (a count) that is logged.

    `working_days=True`: beat fires the entry every day at its time ("working days 08:00" is a daily
    crontab at 08:00); on a day off the job logs and returns None. A job missed over a weekend is due
    once when beat comes back, and runs on the first working day."""
    def decorator(function: Callable[[], Any]) -> Any:
        @shared_task(name=name, bind=True, **{**JOB_TASK_OPTIONS, **options})
        @functools.wraps(function)
        def task(self) -> Any:
            today = timezone.localdate()
            if working_days:
                from crm.workdays import is_working_day

                if not is_working_day(today):
                    logger.info("job %s: %s is not a working day, nothing to do", name, today)
                    return None
            started = time.monotonic()
            with exclusive(f"job:{name}"):
                result = function()
            logger.info("job %s done in %.1f s: %s (delivery %s, retry %s)", name, time.monotonic() - started,
                        result, self.request.id, self.request.retries)
            return result

        task.working_days = working_days
        return task

    return decorator


def enqueue(task_name: str, *args: Any, after_commit: bool = True) -> None:
    """Send a task by name once the current transaction commits. A broker that cannot be reached is
    logged, not raised: the caller's state (a pending notification e-mail, a job not yet queued) lets
    a sweeper or the user send it again later."""
    def send() -> None:
        send_now(task_name, *args)

    if after_commit:
        transaction.on_commit(send)
    else:
        send()


def send_now(task_name: str, *args: Any) -> bool:
    """Send a task by name now; False (and a log line) when the broker is unreachable."""
    from celery import current_app

    if task_name not in current_app.tasks:
        current_app.loader.import_default_modules()
    task = current_app.tasks[task_name]
    try:
        # Give up quickly: this may run inside a web request, and the caller can send it again later.
        task.apply_async(args=args, retry=True, retry_policy={"max_retries": 1, "interval_start": 0.2})
    except Exception as exc:  # kombu raises OperationalError, redis its own ConnectionError, OSError …
        if getattr(current_app.conf, "task_always_eager", False) and not _is_broker_error(exc):
            raise  # eager mode: the task itself failed, which tests must see
        logger.warning("could not send %s%r: broker unreachable (%s)", task_name, args, exc)
        return False
    return True


def _is_broker_error(exc: BaseException) -> bool:
    from kombu.exceptions import OperationalError as KombuOperationalError

    return isinstance(exc, KombuOperationalError | ConnectionError | OSError)


# --- Long-running jobs: claim and heartbeat --------------------------------------------------------------

def heartbeat_timeout() -> dt.timedelta:
    return dt.timedelta(seconds=jobs_setting("HEARTBEAT_TIMEOUT"))


def is_stale(heartbeat_at: dt.datetime | None, *, now: dt.datetime | None = None) -> bool:
    """A running job whose last heartbeat is older than the timeout has lost its worker."""
    now = now or timezone.now()
    return heartbeat_at is None or heartbeat_at < now - heartbeat_timeout()


def long_job_claim(queryset: QuerySet, pk: int, *, claimable: list[str], running: str,
                   extra: dict[str, Any] | None = None) -> bool:
    """Atomically take a long job for this worker: a job in one of the `claimable` statuses, or a
    `running` one whose heartbeat stopped (its worker died). False when another worker holds it
    (fresh heartbeat) or it is finished: a duplicate delivery then does nothing."""
    now = timezone.now()
    stale = Q(status=running) & (Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=now - heartbeat_timeout()))
    from django.db.models import F

    return bool(queryset.filter(Q(pk=pk) & (Q(status__in=claimable) | stale)).update(
        status=running, heartbeat_at=now, attempts=F("attempts") + 1, updated_at=now, **(extra or {})))


class Heartbeat:
    """While the block runs, a thread stamps `heartbeat_at` on the job's row every few seconds through
    its own database connection, so the beat goes on during a long transaction (whose own writes nobody
    sees until it commits) and stops when the process dies."""

    def __init__(self, model: type[Model], pk: int, *, every: float | None = None):
        self.model, self.pk = model, pk
        self.every = every if every is not None else jobs_setting("HEARTBEAT_EVERY")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{model.__name__}-{pk}", daemon=True)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.every):
                try:
                    with transaction.atomic():
                        if connection.vendor == "postgresql":
                            # The job's own transaction may hold the row at its end: skip a beat, do not hang.
                            with connection.cursor() as cursor:
                                cursor.execute("SET LOCAL lock_timeout = %s", [f"{max(int(self.every * 1000), 100)}ms"])
                        self.model._default_manager.filter(pk=self.pk).update(heartbeat_at=timezone.now())
                except Exception as exc:  # a missed beat is not worth failing the job for
                    logger.debug("heartbeat of %s %s missed: %s", self.model.__name__, self.pk, exc)
        finally:
            connections.close_all()

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._stop.set()
        self._thread.join(timeout=self.every + 5)


def long_jobs_mark_interrupted(queryset: QuerySet, *, running: str, interrupted: str) -> int:
    """Mark the running jobs whose heartbeat stopped as interrupted (their page then offers to run them
    again). Returns how many. A job marked so that comes back through the broker is claimed again.
    A running job that never had a heartbeat counts from its last change (updated_at)."""
    now = timezone.now()
    cutoff = now - heartbeat_timeout()
    stale = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, updated_at__lt=cutoff)
    ids = list(queryset.filter(Q(status=running) & stale).values_list("pk", flat=True))
    if ids:
        queryset.filter(Q(pk__in=ids, status=running) & stale).update(status=interrupted, updated_at=now)
        logger.warning("%s: %d running job(s) lost their worker and are marked interrupted: %s",
                       queryset.model.__name__, len(ids), ids)
    return len(ids)
