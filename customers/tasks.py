"""Celery tasks of the customers app (SPEC §10). Each takes ids, calls a service and is safe to
re-run, to run late and to be killed halfway (acks_late: a killed task is delivered again)."""

import datetime as dt

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.notifications import notify

# A locked or restarting database is worth retrying; a bug is not.
RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": True, "retry_backoff_max": 600,
         "retry_jitter": True, "max_retries": 5, "acks_late": True}

# How far back the grant-expiry job looks: enough to catch up after days of downtime.
GRANT_EXPIRY_LOOKBACK = dt.timedelta(days=7)


@shared_task(bind=True, **RETRY)
def archive_refresh_due_task(self) -> int:
    """The yearly archive refresh and its daily catch-up (SPEC §2.4): a refresh task for every
    archive past due, one notification per owner per day. Returns the number of tasks created."""
    from customers.services import archive_refresh_create_due

    return archive_refresh_create_due()


@shared_task(bind=True, **RETRY)
def access_grants_expire_task(self) -> int:
    """Tell each user whose access to an archive has ended. Bookkeeping only: access checks compare
    the expiry time themselves. The dedupe key makes each grant's notice go out once, however often
    this runs. Returns the number of notices sent."""
    from customers.models import AccessGrant

    now = timezone.now()
    ended = (AccessGrant.objects.filter(revoked_at__isnull=True, expires_at__lte=now,
                                        expires_at__gt=now - GRANT_EXPIRY_LOOKBACK)
             .select_related("user", "customer"))
    sent = 0
    for grant in ended:
        if not grant.user.is_active:
            continue
        with translation.override(grant.user.language):
            title = _("Your access to %(name)s has ended") % {"name": grant.customer.name}
        notice = notify(recipient=grant.user, title=title, dedupe_key=f"access-grant-ended:{grant.pk}", email=False)
        sent += notice is not None
    return sent


@shared_task(bind=True, **RETRY)
def import_run_task(self, job_id: int) -> str | None:
    """Run a large import (customers.imports.jobs.import_job_run): validate in chunks with progress, then
    write all rows or none. Returns the job's final status."""
    from customers.imports.jobs import import_job_run
    from customers.models import ImportJob

    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return None
    return import_job_run(job=job).status
