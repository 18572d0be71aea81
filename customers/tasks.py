"""Celery tasks of the customers app (SPEC §10), written the crm.jobs way: each finds its work in the
database, records each notice under a unique key before sending it, and is safe to re-run, to run late,
concurrently, and to be killed halfway (acks_late: a killed task is delivered again)."""

from celery import shared_task
from django.db.models import CharField, Exists, F, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy

from crm.jobs import JOB_TASK_OPTIONS, job_key, scheduled_job
from crm.models import Notification
from crm.notifications import notify

GRANT_ENDED_JOB = "access-grant-ended"


@scheduled_job("customers.tasks.archive_refresh_due_task")
def archive_refresh_due_task() -> int:
    """The yearly archive refresh and its daily catch-up (SPEC §2.4): a refresh task for every archive
    past due, and a notice to each owner with new ones. Returns the number of tasks created."""
    from customers.services import archive_refresh_create_due

    return archive_refresh_create_due()


@scheduled_job("customers.tasks.access_grants_expire_task")
def access_grants_expire_task() -> int:
    """Tell each user whose access to an archive has ended. Bookkeeping only: access checks compare
    the expiry time themselves. Every ended grant not notified yet is notified, however long ago it
    ended (a run after days of downtime catches up), unless a newer grant still gives the same access.
    Returns the number of notices sent."""
    from customers.models import AccessGrant

    now = timezone.now()
    notified = Notification.objects.filter(
        recipient=OuterRef("user"),
        dedupe_key=Concat(Value(f"{GRANT_ENDED_JOB}:"), Cast(OuterRef("pk"), CharField())))
    still_granted = AccessGrant.objects.filter(customer=OuterRef("customer"), user=OuterRef("user"),
                                               revoked_at__isnull=True, expires_at__gt=now)
    ended = (AccessGrant.objects.filter(revoked_at__isnull=True, expires_at__lte=now, user__is_active=True)
             .exclude(Exists(notified)).exclude(Exists(still_granted))
             .select_related("user", "customer").order_by(F("expires_at").asc()))
    sent = 0
    for grant in ended.iterator(chunk_size=500):
        notice = notify(recipient=grant.user, title=gettext_lazy("Your access to %(name)s has ended"),
                        params={"name": grant.customer.name}, dedupe_key=job_key(GRANT_ENDED_JOB, grant.pk),
                        email=False)
        sent += notice is not None
    return sent


@shared_task(bind=True, **JOB_TASK_OPTIONS)
def import_preview_task(self, job_id: int) -> str | None:
    """Check a large import (customers.imports.jobs.import_job_preview_run): a dry run in chunks with
    progress and a heartbeat, whose preview then waits for the uploader's confirmation. A second delivery
    while it runs, or after it finished, does nothing. Returns the job's status."""
    from customers.imports.jobs import import_job_preview_run
    from customers.models import ImportJob

    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return None
    return import_job_preview_run(job=job).status


@shared_task(bind=True, **JOB_TASK_OPTIONS)
def import_run_task(self, job_id: int) -> str | None:
    """Write a large import its uploader confirmed (customers.imports.jobs.import_job_run): validate every
    row again, then write all rows or none, with a heartbeat on the job. A job not confirmed, a second
    delivery while the job runs, or one after it finished, does nothing. Returns the job's status."""
    from customers.imports.jobs import import_job_run
    from customers.models import ImportJob

    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return None
    return import_job_run(job=job).status


# --- The pipeline and key accounts (SPEC §10: lead follow-ups, churn flags, tier proposals) --------------

@scheduled_job("customers.tasks.lead_follow_up_reminders_task", working_days=True)
def lead_follow_up_reminders_task() -> int:
    from customers.pipeline.jobs import lead_follow_up_reminders_send

    return lead_follow_up_reminders_send()


@scheduled_job("customers.tasks.churn_risk_flags_task")
def churn_risk_flags_task() -> tuple[int, int]:
    from customers.pipeline.jobs import churn_risk_flags_update

    return churn_risk_flags_update()


@scheduled_job("customers.tasks.customer_revenue_refresh_task")
def customer_revenue_refresh_task() -> int:
    """Nightly: each customer's revenue of the last 12 months, which ranks the key-account candidates."""
    from customers.key_accounts.services import customer_revenue_refresh

    return customer_revenue_refresh()


@scheduled_job("customers.tasks.key_account_tier_proposals_task")
def key_account_tier_proposals_task() -> int:
    """Yearly (SPEC §3.3): tier changes proposed from last year's revenue, as applications to approve."""
    from customers.key_accounts.services import key_account_tier_proposals_create

    return key_account_tier_proposals_create(year=timezone.localdate().year)


@scheduled_job("customers.tasks.satisfaction_survey_reminders_task")
def satisfaction_survey_reminders_task() -> int:
    """Monthly, the 1st (SPEC §10): key accounts without a survey in the last year remind their owners."""
    from customers.key_accounts.care import satisfaction_survey_reminders_send

    return satisfaction_survey_reminders_send()


@scheduled_job("customers.tasks.import_jobs_mark_interrupted_task")
def import_jobs_mark_interrupted_task() -> int:
    """Every few minutes: imports whose worker died (no heartbeat) while checking or writing them are
    marked interrupted, so their page says so and offers to run them again. Returns how many."""
    from customers.imports.jobs import import_jobs_mark_interrupted

    return import_jobs_mark_interrupted()
