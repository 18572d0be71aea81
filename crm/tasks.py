"""Tasks of the CRM core. App tasks live in <app>/tasks.py and are found by autodiscovery."""

import logging
import random
import smtplib

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from crm.jobs import scheduled_job

logger = logging.getLogger("crm.tasks")

SMTP_ERRORS = (smtplib.SMTPException, OSError)


@shared_task(name="crm.tasks.ping")
def ping() -> str:
    """Answers "pong": proves that a worker takes tasks from the broker and returns results."""
    return "pong"


@shared_task(name="crm.tasks.notification_email_send", bind=True, acks_late=True, reject_on_worker_lost=True,
             autoretry_for=(OperationalError, InterfaceError), retry_backoff=5, retry_backoff_max=300,
             max_retries=None)
def notification_email_send(self, notification_id: int) -> str:
    """E-mail one notification in its recipient's language. SMTP errors are retried with backoff
    (10 s, 20 s, 40 s, …, at most 5 minutes, never near the visibility timeout) and logged; when the
    retries are spent the notification stays pending and the resend job tries again later."""
    from crm.notifications import notification_email_attempt_failed, notification_email_deliver

    try:
        return notification_email_deliver(notification_id=notification_id)
    except SMTP_ERRORS as exc:
        final = self.request.retries >= settings.CRM_JOBS["EMAIL_MAX_RETRIES"]
        status = notification_email_attempt_failed(notification_id=notification_id, error=repr(exc), final=final)
        if final or status != "pending" or self.request.is_eager:
            return status
        countdown = min(300, 10 * 2 ** self.request.retries) * random.uniform(0.8, 1.0)
        raise self.retry(exc=exc, countdown=countdown, max_retries=None) from exc


@scheduled_job("crm.tasks.notification_emails_resend_task")
def notification_emails_resend_task() -> int:
    """Every few minutes: queue again the notification e-mails whose message was lost."""
    from crm.notifications import notification_emails_resend

    return notification_emails_resend()

