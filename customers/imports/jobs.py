"""Import jobs: an uploaded file kept on an ImportJob, previewed, confirmed by its uploader, then written
all or nothing.

A small file is checked (dry run) in the request that shows its page and written in the request that
confirms it. A large one (more rows than settings.CRM["IMPORT_ASYNC_ROWS"]) goes through the worker twice:

    pending ─(preview task)→ previewing ─→ previewed ─(confirm)→ pending + confirmed_at ─(run task)→ running
        → done | failed

Either phase whose worker died (no heartbeat) is marked interrupted and may be started again; a job
that never reached the broker waits (queued_at empty) until its page starts it. `confirmed_at` tells the
phases apart: empty, the job is being checked; set, it is being written. Each task claims the job with
one conditional UPDATE (crm.jobs.long_job_claim), so a repeated or late delivery does nothing, and the
preview's result is stored under a row lock only if the job is still the one that task claimed. Until
it is running, the uploader may discard the job (cancelled). The write validates every row again (the
archives may have changed since the preview) and writes all rows or none.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

import tablib
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import OperationalError, transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from crm.exceptions import ApplicationError, PermissionDeniedError
from crm.jobs import Heartbeat, heartbeat_timeout, is_stale, long_job_claim, long_jobs_mark_interrupted, send_now
from crm.models import User
from customers.imports.importers import KINDS, ImportResult, can_import, read_dataset, run_import
from customers.models import ImportJob

logger = logging.getLogger(__name__)

IMPORT_PREVIEW_TASK = "customers.tasks.import_preview_task"
IMPORT_RUN_TASK = "customers.tasks.import_run_task"
KEPT_ERRORS = 5000  # errors kept on the job (the page and the error report show these)
SHOWN_ERRORS = 500  # errors listed on the page; the error report holds them all

Status = ImportJob.Status
# A job the uploader may still discard: nothing of it is being written.
CANCELLABLE = (Status.PENDING, Status.PREVIEWING, Status.PREVIEWED, Status.INTERRUPTED)


def _phase_task(job: ImportJob) -> str:
    return IMPORT_PREVIEW_TASK if job.confirmed_at is None else IMPORT_RUN_TASK


def _enqueue(job_pk: int, task_name: str) -> bool:
    """Hand the job to the broker; on success stamp queued_at. A broker that cannot be reached leaves
    queued_at empty: the job's page then says the import could not be started and offers to start it."""
    if not send_now(task_name, job_pk):
        return False
    ImportJob.objects.filter(pk=job_pk).update(queued_at=timezone.now())
    return True


def import_is_async(job: ImportJob) -> bool:
    """Files with more rows than settings.CRM["IMPORT_ASYNC_ROWS"] are checked and written by Celery tasks."""
    return job.total_rows > settings.CRM["IMPORT_ASYNC_ROWS"]


@transaction.atomic
def import_job_create(*, user: User, kind: str, content: bytes, filename: str) -> ImportJob:
    """Keep an uploaded file on an ImportJob. A large file's check is queued at once; a small one is
    checked when its page is shown. Either waits on its preview for the user's confirmation."""
    if not can_import(user):
        raise PermissionDeniedError(_("You may not import data."))
    if kind not in KINDS:
        raise ApplicationError(_("Unknown kind of import."), field="kind")
    dataset = read_dataset(content=content, filename=filename)
    if not len(dataset):
        raise ApplicationError(_("The file has a header row but no data."), field="file")
    job = ImportJob(kind=kind, user=user, total_rows=len(dataset))
    job.file.save(get_valid_filename(filename) or "import", ContentFile(content), save=False)
    job.save()
    if import_is_async(job):
        transaction.on_commit(lambda: _enqueue(job.pk, IMPORT_PREVIEW_TASK))
    return job


def import_job_phase(job: ImportJob) -> str:
    """"preview" while a job is checked or waits for its confirmation, "write" once it is confirmed."""
    return "preview" if job.confirmed_at is None else "write"


def import_job_state(job: ImportJob) -> str:
    """What the job's page says about a job run in the worker: "not_queued" (the broker could not be
    reached), "waiting" (queued, not taken yet), "stalled" (queued long ago and never taken, or being
    checked or written with no heartbeat: its worker died), or the job's status."""
    if job.status == Status.PENDING:
        if job.queued_at is None:
            return "not_queued"
        if job.queued_at < timezone.now() - import_wait_limit():
            return "stalled"
        return "waiting"
    if job.status in (Status.PREVIEWING, Status.RUNNING) and is_stale(job.heartbeat_at or job.updated_at):
        return "stalled"
    return job.status


def import_wait_limit() -> dt.timedelta:
    """How long a queued job may wait for a worker before its page offers to start it again: the
    broker's visibility timeout (a dead worker's message comes back within it) plus the heartbeat's."""
    return dt.timedelta(seconds=settings.CELERY_VISIBILITY_TIMEOUT) + heartbeat_timeout()


def import_job_can_restart(job: ImportJob) -> bool:
    return import_is_async(job) and import_job_state(job) in ("not_queued", "stalled", Status.INTERRUPTED)


def import_job_restart(*, job: ImportJob, user: User) -> bool:
    """Start again the phase (check or write) of a job run in the worker that could not be queued, never
    started, or whose worker died (interrupted): it goes back to waiting and is queued. Safe however often
    it is clicked: a worker takes a job only once (crm.jobs.long_job_claim), and an import writes all its
    rows or none. Returns whether the broker took it (if not, the page offers to start it again later)."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        _check_uploader(job, user)
        if not import_job_can_restart(job):
            raise ApplicationError(_("This import is running or finished; it cannot be started again."))
        reset = {"preview": {}} if job.confirmed_at is None else {}
        ImportJob.objects.filter(pk=job.pk).update(
            status=Status.PENDING, processed_rows=0, errors=[], queued_at=None, heartbeat_at=None,
            updated_at=timezone.now(), **reset)
    return _enqueue(job.pk, _phase_task(job))


def _check_uploader(job: ImportJob, user: User) -> None:
    if job.user_id != user.pk or not can_import(user):
        raise PermissionDeniedError(_("You may not import data."))


def import_job_confirm(*, job: ImportJob, user: User) -> bool:
    """The uploader confirms a large file's preview: its write is queued (the worker validates every row
    again and writes all or none). Only a previewed job without errors can be confirmed, once. Returns
    whether the broker took it (if not, the page offers to start it)."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        _check_uploader(job, user)
        if job.status != Status.PREVIEWED or job.confirmed_at is not None:
            raise ApplicationError(_("This import is not waiting for a confirmation."))
        if job.errors or job.preview.get("error_count"):
            raise ApplicationError(_("The file has errors: nothing can be imported until they are corrected."))
        now = timezone.now()
        ImportJob.objects.filter(pk=job.pk).update(
            status=Status.PENDING, confirmed_at=now, processed_rows=0, queued_at=None, heartbeat_at=None,
            updated_at=now)
    return _enqueue(job.pk, IMPORT_RUN_TASK)


def import_job_cancel(*, job: ImportJob, user: User) -> ImportJob:
    """The uploader discards a job that is not being written: waiting, being checked, checked, or
    interrupted. A check still running in the worker then stores nothing."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        _check_uploader(job, user)
        if job.status not in CANCELLABLE:
            raise ApplicationError(_("This import is being saved or is finished; it cannot be cancelled."))
        job.status = Status.CANCELLED
        job.save(update_fields=["status", "updated_at"])
    return job


def import_job_dataset(job: ImportJob) -> tablib.Dataset:
    with job.file.open("rb") as handle:
        content = handle.read()
    return read_dataset(content=content, filename=job.file.name)


def import_job_preview(*, job: ImportJob) -> ImportResult:
    """The dry run of a job's file: what would be created and updated, and every error."""
    return run_import(kind=job.kind, user=job.user, dataset=import_job_dataset(job), dry_run=True)


@dataclass
class ImportPreview:
    """What the page shows before a confirmation, the same for a small file (checked in the request) and
    a large one (checked in the worker, kept on the job): the figures, the first rows, the errors."""

    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    error_count: int = 0
    error_rows: int = 0
    headers: list[str] = field(default_factory=list)
    ignored_headers: list[str] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)  # the first SHOWN_ERRORS; the error report has them all

    @property
    def can_confirm(self) -> bool:
        return not self.error_count and bool(self.created or self.updated)

    @property
    def more_errors(self) -> int:
        return max(self.error_count - len(self.errors), 0)

    @classmethod
    def from_result(cls, result: ImportResult) -> ImportPreview:
        return cls(total_rows=result.total_rows, created=result.created, updated=result.updated,
                   unchanged=result.unchanged, error_count=len(result.errors), error_rows=result.error_rows,
                   headers=list(result.headers), ignored_headers=list(result.ignored_headers),
                   rows=list(result.preview), errors=result.errors[:SHOWN_ERRORS])

    @classmethod
    def from_job(cls, job: ImportJob) -> ImportPreview:
        stored = job.preview or {}
        return cls(**{name: stored[name] for name in _STORED if name in stored}, errors=job.errors[:SHOWN_ERRORS])

    def as_json(self) -> dict:
        return {name: getattr(self, name) for name in _STORED}


_STORED = ("total_rows", "created", "updated", "unchanged", "error_count", "error_rows", "headers",
           "ignored_headers", "rows")


def import_job_errors(job: ImportJob) -> list[dict]:
    """Every error of a job for its error report: those kept on a checked or failed job, or those of a
    small file's check (computed again: nothing of it is kept)."""
    if job.status == Status.PENDING and not import_is_async(job):
        try:
            return import_job_preview(job=job).errors
        except ApplicationError as exc:
            return [{"row": None, "column": "", "message": str(exc.message)}]
    return list(job.errors)


def _release(job: ImportJob, *, running: str, attempt: int) -> None:
    """A database error stops the task, which Celery retries: hand the job back so the retry can take it
    (if the database is gone, the sweeper marks it interrupted instead)."""
    try:
        ImportJob.objects.filter(pk=job.pk, status=running, attempts=attempt).update(
            status=Status.PENDING, heartbeat_at=None, updated_at=timezone.now())
    except Exception as exc:
        logger.warning("Import job %s could not be handed back after a database error: %s", job.pk, exc)


def import_job_preview_run(*, job: ImportJob) -> ImportJob:
    """The worker's check of a large file: a dry run with progress and a heartbeat, whose figures, first
    rows and errors are kept on the job, which then waits for its uploader's confirmation (previewed).
    Idempotent: a job already checked, confirmed, cancelled or finished is left alone, one another worker
    is checking (fresh heartbeat) too; one whose worker died is checked again. The result is stored under
    a row lock only while the job is still this run's (not cancelled, not taken again meanwhile)."""
    taken = long_job_claim(ImportJob.objects.filter(confirmed_at__isnull=True), job.pk,
                           claimable=[Status.PENDING, Status.INTERRUPTED], running=Status.PREVIEWING,
                           extra={"processed_rows": 0, "errors": [], "preview": {}})
    if not taken:
        return ImportJob.objects.get(pk=job.pk)
    job = ImportJob.objects.select_related("user").get(pk=job.pk)
    attempt = job.attempts
    preview = None
    try:
        with Heartbeat(ImportJob, job.pk):
            result = run_import(kind=job.kind, user=job.user, dataset=import_job_dataset(job), dry_run=True,
                                job=job)
        preview, errors = ImportPreview.from_result(result), result.errors
    except OperationalError:
        _release(job, running=Status.PREVIEWING, attempt=attempt)
        raise  # the task retries
    except ApplicationError as exc:
        errors = [{"row": None, "column": "", "message": str(exc.message)}]
    except Exception:
        logger.exception("Import job %s: the check failed", job.pk)
        errors = [{"row": None, "column": "", "message": _("The file could not be checked; nothing was imported.")}]
    with transaction.atomic():
        current = ImportJob.objects.select_for_update().get(pk=job.pk)
        if (current.status not in (Status.PREVIEWING, Status.INTERRUPTED) or current.attempts != attempt
                or current.confirmed_at is not None):
            logger.info("Import job %s: the check finished, but the job is %s now; its result is dropped",
                        job.pk, current.status)
            return current
        # A file that cannot be read has no preview: it failed. One with wrong rows shows them, unconfirmable.
        current.status = Status.PREVIEWED if preview is not None else Status.FAILED
        current.processed_rows = current.total_rows
        current.errors = errors[:KEPT_ERRORS]
        current.preview = preview.as_json() if preview is not None else {}
        current.heartbeat_at = timezone.now()
        current.save(update_fields=["status", "processed_rows", "errors", "preview", "heartbeat_at", "updated_at"])
    return current


def import_job_run(*, job: ImportJob, confirm: bool = False) -> ImportJob:
    """Write a job: validate every row again, then write all rows or none. `confirm` is the user's click
    on a small file's preview, run in the request, which only a waiting job accepts. Otherwise it is the
    worker's write of a large file its uploader confirmed (confirmed_at): idempotent, a finished job is left
    alone, a job another worker is writing (fresh heartbeat) too, and a job whose worker died (killed
    halfway: it wrote nothing, one transaction) is taken again. While it runs, a heartbeat is stamped."""
    running = Status.RUNNING
    if confirm:
        now = timezone.now()
        taken = ImportJob.objects.filter(pk=job.pk, status=Status.PENDING, confirmed_at__isnull=True).update(
            status=running, processed_rows=0, confirmed_at=now, heartbeat_at=now, updated_at=now)
    else:
        taken = long_job_claim(ImportJob.objects.filter(confirmed_at__isnull=False), job.pk,
                               claimable=[Status.PENDING, Status.INTERRUPTED], running=running,
                               extra={"processed_rows": 0})
    if not taken:
        return ImportJob.objects.get(pk=job.pk)
    job = ImportJob.objects.select_related("user").get(pk=job.pk)
    try:
        with Heartbeat(ImportJob, job.pk):
            result = run_import(kind=job.kind, user=job.user, dataset=import_job_dataset(job), dry_run=False,
                                job=job)
        errors, written = result.errors, result.written
    except OperationalError:
        if not confirm:
            _release(job, running=running, attempt=job.attempts)
        raise  # the task retries
    except ApplicationError as exc:
        result, errors, written = None, [{"row": None, "column": "", "message": str(exc.message)}], False
    except Exception:
        logger.exception("Import job %s failed", job.pk)
        result, written = None, False
        errors = [{"row": None, "column": "", "message": _("The import failed; nothing was imported.")}]
    job.status = Status.DONE if not errors else Status.FAILED
    job.processed_rows = job.total_rows
    job.created_count = result.created if result and written else 0
    job.updated_count = result.updated if result and written else 0
    job.errors = errors[:KEPT_ERRORS]
    job.heartbeat_at = timezone.now()
    job.save(update_fields=["status", "processed_rows", "created_count", "updated_count", "errors", "heartbeat_at",
                            "updated_at"])
    return job


def import_jobs_mark_interrupted() -> int:
    """Imports checked or written in the worker whose heartbeat stopped (the worker died) are marked
    interrupted; their page offers to run them again. Returns how many."""
    jobs = ImportJob.objects.filter(kind__in=KINDS)
    return sum(long_jobs_mark_interrupted(jobs, running=running, interrupted=Status.INTERRUPTED)
               for running in (Status.PREVIEWING, Status.RUNNING))
