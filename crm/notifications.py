"""Notifying users: an in-app notification (the bell) plus an e-mail sent by a Celery task after commit.

Titles and bodies are message ids (`gettext_lazy`) with their parameters, rendered here in the
*recipient's* language (User.language) when the notification is created, and stored as text: the bell,
the e-mail and the admin then show the same words, and a notification stays readable after its message
id changes or disappears in a later release. (Storing msgid + parameters and rendering at display time
would follow a later change of the user's language, but would tie every stored row to the catalogue.)

E-mail never leaves from the web request: `notify` marks the notification's e-mail as pending and
queues `crm.tasks.notification_email_send`, which retries SMTP failures with backoff; a pending e-mail
whose message was lost (broker down, say) is queued again by `notification_emails_resend`.
"""

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.functional import Promise

from crm.jobs import enqueue, jobs_setting, send_now
from crm.models import Notification, User

logger = logging.getLogger("crm.notifications")

EMAIL_TASK = "crm.tasks.notification_email_send"


def render_in(language: str, message: Any, params: Mapping | tuple | Any | None = None) -> str:
    """A message id (lazy or plain) with its %-parameters, rendered in `language`."""
    with translation.override(language or settings.LANGUAGE_CODE):
        text = str(message)
        # Lazy parameters (a choice's label) are rendered by % inside the override too.
        return text if params is None else text % params


def notify(*, recipient: User, title: Any, body: Any = "", params: Mapping | tuple | Any | None = None,
           url: str = "", dedupe_key: str = "", email: bool = True) -> Notification | None:
    """Create a notification for `recipient`, its title and body (`gettext_lazy` message ids, %-formatted
    with `params`; a plain-string body is kept verbatim) rendered in the recipient's language.

    With a dedupe_key the notification is recorded under (recipient, key) before anything is sent: a
    second call with the same key does nothing and returns None, also when a concurrent call got there
    first (unique constraint). Scheduled jobs build the key with crm.jobs.job_key(job, what, period)."""
    if dedupe_key and Notification.objects.filter(recipient=recipient, dedupe_key=dedupe_key).exists():
        return None
    language = recipient.language
    title_text = render_in(language, title, params)[:200]
    # A plain-text body (a user's reason, a list of archives) is taken as it is; a message id is formatted.
    body_text = render_in(language, body, params if isinstance(body, Promise) else None) if body else ""
    wants_email = bool(email and recipient.email and recipient.is_active)
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=recipient, title=title_text, body=body_text, url=url, dedupe_key=dedupe_key,
                email_status=Notification.EmailStatus.PENDING if wants_email else Notification.EmailStatus.NONE,
            )
    except IntegrityError:  # a concurrent run recorded it first
        return None
    if wants_email:
        enqueue(EMAIL_TASK, notification.pk)
    return notification


def notification_email_deliver(*, notification_id: int) -> str:
    """Send one notification's e-mail if it is still pending; returns its e-mail status afterwards.
    The row is locked while sending, so two deliveries of the same message send one e-mail.
    SMTP errors propagate (the task retries); the notification then stays pending."""
    with transaction.atomic():
        notification = (Notification.objects.select_for_update().select_related("recipient")
                        .filter(pk=notification_id).first())
        if notification is None:
            return "missing"
        if notification.email_status != Notification.EmailStatus.PENDING:
            return notification.email_status or "none"
        user = notification.recipient
        if not user.email or not user.is_active:
            notification.email_status = Notification.EmailStatus.NONE
            notification.save(update_fields=["email_status", "updated_at"])
            return "none"
        with translation.override(user.language or settings.LANGUAGE_CODE):
            send_mail(
                subject=notification.title,
                message=notification.body + (f"\n\n{notification.url}" if notification.url else ""),
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[user.email],
                fail_silently=False,
            )
        notification.email_status = Notification.EmailStatus.SENT
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["email_status", "emailed_at", "updated_at"])
    logger.info("notification %s e-mailed to user %s", notification_id, user.pk)
    return notification.email_status


def notification_email_attempt_failed(*, notification_id: int, error: str, final: bool) -> str:
    """Record a failed attempt. A pending e-mail older than EMAIL_GIVE_UP_AFTER is marked failed;
    otherwise it stays pending and, when the task's own retries are spent, the resend job picks it up."""
    notification = Notification.objects.filter(pk=notification_id).first()
    if notification is None:
        return "missing"
    give_up = notification.created_at < timezone.now() - dt.timedelta(seconds=jobs_setting("EMAIL_GIVE_UP_AFTER"))
    status = Notification.EmailStatus.FAILED if give_up else notification.email_status
    Notification.objects.filter(pk=notification_id, email_status=Notification.EmailStatus.PENDING).update(
        email_status=status, updated_at=timezone.now())
    log = logger.error if final or give_up else logger.warning
    log("e-mail of notification %s failed (%s)%s", notification_id, error,
        "; given up" if give_up else "; will be retried" if not final else "; the resend job will retry it")
    return status


def notification_emails_resend() -> int:
    """Queue again the e-mails still pending whose last attempt is older than EMAIL_RESEND_AFTER (their
    message was lost: broker unreachable when queued, or retries spent while SMTP was down). A
    notification with an attempt under way is left alone (each attempt touches updated_at)."""
    now = timezone.now()
    quiet = now - dt.timedelta(seconds=jobs_setting("EMAIL_RESEND_AFTER"))
    pending = Notification.objects.filter(email_status=Notification.EmailStatus.PENDING, updated_at__lt=quiet)
    sent = 0
    for pk in pending.values_list("pk", flat=True)[:1000]:
        Notification.objects.filter(pk=pk).update(updated_at=now)
        sent += send_now(EMAIL_TASK, pk)
    return sent


def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications, or all of them, as read; returns how many changed."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())
