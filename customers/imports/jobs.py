"""Import jobs: an uploaded file kept on an ImportJob, previewed, then run (in the worker for large
files) all or nothing."""

from __future__ import annotations

import datetime as dt
import logging

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

IMPORT_RUN_TASK = "customers.tasks.import_run_task"


def _enqueue_run(job_pk: int) -> bool:
    """Hand the job to the broker; on success stamp queued_at. A broker that cannot be reached leaves
    queued_at empty: the job's page then says the import could not be started and offers to start it."""
    if not send_now(IMPORT_RUN_TASK, job_pk):
        return False
    ImportJob.objects.filter(pk=job_pk).update(queued_at=timezone.now())
    return True


def import_is_async(job: ImportJob) -> bool:
    """Files with more rows than settings.CRM["IMPORT_ASYNC_ROWS"] run as a Celery task."""
    return job.total_rows > settings.CRM["IMPORT_ASYNC_ROWS"]


@transaction.atomic
def import_job_create(*, user: User, kind: str, content: bytes, filename: str) -> ImportJob:
    """Keep an uploaded file on an ImportJob. A large file is queued at once (validated, then written
    if it has no error); a small one waits on its preview for the user's confirmation."""
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
        transaction.on_commit(lambda: _enqueue_run(job.pk))
    return job


def import_job_state(job: ImportJob) -> str:
    """What the job's page says about a job run in the worker: "not_queued" (the broker could not be
    reached), "waiting" (queued, not taken yet), "stalled" (queued long ago and never taken, or running
    with no heartbeat: its worker died), or the job's status."""
    if job.status == ImportJob.Status.PENDING:
        if job.queued_at is None:
            return "not_queued"
        if job.queued_at < timezone.now() - import_wait_limit():
            return "stalled"
        return "waiting"
    if job.status == ImportJob.Status.RUNNING and is_stale(job.heartbeat_at or job.updated_at):
        return "stalled"
    return job.status


def import_wait_limit() -> dt.timedelta:
    """How long a queued job may wait for a worker before its page offers to start it again: the
    broker's visibility timeout (a dead worker's message comes back within it) plus the heartbeat's."""
    return dt.timedelta(seconds=settings.CELERY_VISIBILITY_TIMEOUT) + heartbeat_timeout()


def import_job_can_restart(job: ImportJob) -> bool:
    return import_is_async(job) and import_job_state(job) in ("not_queued", "stalled", ImportJob.Status.INTERRUPTED)


def import_job_restart(*, job: ImportJob, user: User) -> bool:
    """Start again a job run in the worker that could not be queued, never started, or whose worker died
    (interrupted): it goes back to waiting and is queued. Safe however often it is clicked: a worker
    takes a job only once (crm.jobs.long_job_claim), and an import writes all its rows or none.
    Returns whether the broker took it (if not, the page offers to start it again later)."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.user_id != user.pk or not can_import(user):
            raise PermissionDeniedError(_("You may not import data."))
        if not import_job_can_restart(job):
            raise ApplicationError(_("This import is running or finished; it cannot be started again."))
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.PENDING, processed_rows=0, errors=[], queued_at=None, heartbeat_at=None,
            updated_at=timezone.now())
    return _enqueue_run(job.pk)


def import_job_dataset(job: ImportJob) -> tablib.Dataset:
    with job.file.open("rb") as handle:
        content = handle.read()
    return read_dataset(content=content, filename=job.file.name)


def import_job_preview(*, job: ImportJob) -> ImportResult:
    """The dry run of a job's file: what would be created and updated, and every error."""
    return run_import(kind=job.kind, user=job.user, dataset=import_job_dataset(job), dry_run=True)


def import_job_run(*, job: ImportJob, confirm: bool = False) -> ImportJob:
    """Run a job: validate every row, then write all rows or none. Idempotent: a finished job is left
    alone, a job another worker is running (fresh heartbeat) too, and a job whose worker died (killed
    halfway: it wrote nothing, one transaction) is taken again. `confirm` is the user's click on a
    previewed job, which only a waiting job accepts. While it runs, a heartbeat is stamped on the row."""
    claimable = [ImportJob.Status.PENDING] if confirm else [ImportJob.Status.PENDING, ImportJob.Status.INTERRUPTED]
    running = ImportJob.Status.RUNNING
    if confirm:
        taken = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.PENDING).update(
            status=running, processed_rows=0, heartbeat_at=timezone.now(), updated_at=timezone.now())
    else:
        taken = long_job_claim(ImportJob.objects, job.pk, claimable=claimable, running=running,
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
        raise  # the task retries
    except ApplicationError as exc:
        result, errors, written = None, [{"row": None, "column": "", "message": str(exc.message)}], False
    except Exception:
        logger.exception("Import job %s failed", job.pk)
        result, written = None, False
        errors = [{"row": None, "column": "", "message": _("The import failed; nothing was imported.")}]
    job.status = ImportJob.Status.DONE if not errors else ImportJob.Status.FAILED
    job.processed_rows = job.total_rows
    job.created_count = result.created if result and written else 0
    job.updated_count = result.updated if result and written else 0
    job.errors = errors[:5000]
    job.heartbeat_at = timezone.now()
    job.save(update_fields=["status", "processed_rows", "created_count", "updated_count", "errors", "heartbeat_at",
                            "updated_at"])
    return job


def import_jobs_mark_interrupted() -> int:
    """Imports running in the worker whose heartbeat stopped (the worker died) are marked interrupted;
    their page offers to run them again. Returns how many."""
    return long_jobs_mark_interrupted(ImportJob.objects.filter(kind__in=KINDS), running=ImportJob.Status.RUNNING,
                                      interrupted=ImportJob.Status.INTERRUPTED)
