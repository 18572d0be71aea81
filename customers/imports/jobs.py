"""Import jobs: an uploaded file kept on an ImportJob, previewed, then run (in the worker for large
files) all or nothing."""

from __future__ import annotations

import logging

import tablib
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import OperationalError, transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from crm.exceptions import ApplicationError, PermissionDeniedError
from crm.models import User
from customers.imports.importers import KINDS, ImportResult, can_import, read_dataset, run_import
from customers.models import ImportJob

logger = logging.getLogger(__name__)

IMPORT_RUN_TASK = "customers.tasks.import_run_task"


def _enqueue_run(job_pk: int) -> None:
    # The task is looked up by name in Celery's registry, so this module need not import the tasks
    # module (which imports this one); loading the default modules runs the apps' task autodiscovery.
    from celery import current_app

    if IMPORT_RUN_TASK not in current_app.tasks:
        current_app.loader.import_default_modules()
    current_app.tasks[IMPORT_RUN_TASK].delay(job_pk)


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


def import_job_dataset(job: ImportJob) -> tablib.Dataset:
    with job.file.open("rb") as handle:
        content = handle.read()
    return read_dataset(content=content, filename=job.file.name)


def import_job_preview(*, job: ImportJob) -> ImportResult:
    """The dry run of a job's file: what would be created and updated, and every error."""
    return run_import(kind=job.kind, user=job.user, dataset=import_job_dataset(job), dry_run=True)


def import_job_run(*, job: ImportJob, confirm: bool = False) -> ImportJob:
    """Run a job: validate every row, then write all rows or none. Idempotent: a finished job is
    left alone, and a job killed halfway wrote nothing (one transaction), so running it again is safe.
    `confirm` is the user's click on a previewed job, which only a waiting job accepts."""
    statuses = [ImportJob.Status.PENDING] if confirm else [ImportJob.Status.PENDING, ImportJob.Status.RUNNING]
    if not ImportJob.objects.filter(pk=job.pk, status__in=statuses).update(
            status=ImportJob.Status.RUNNING, processed_rows=0, updated_at=timezone.now()):
        return ImportJob.objects.get(pk=job.pk)
    job = ImportJob.objects.select_related("user").get(pk=job.pk)
    try:
        result = run_import(kind=job.kind, user=job.user, dataset=import_job_dataset(job), dry_run=False, job=job)
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
    job.save(update_fields=["status", "processed_rows", "created_count", "updated_count", "errors", "updated_at"])
    return job
