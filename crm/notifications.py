"""Notifying users: an in-app notification (the bell) plus an e-mail, sent after commit."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from crm.models import Notification, User


def notify(*, recipient: User, title: str, body: str = "", url: str = "", dedupe_key: str = "",
           email: bool = True) -> Notification | None:
    """Create a notification. With a dedupe_key, a second call with the same key does nothing and
    returns None: scheduled jobs use it to notify at most once, however often they run."""
    if dedupe_key and Notification.objects.filter(recipient=recipient, dedupe_key=dedupe_key).exists():
        return None
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=recipient, title=str(title), body=str(body), url=url, dedupe_key=dedupe_key
            )
    except IntegrityError:  # a concurrent run created it first
        return None
    if email and recipient.email:
        transaction.on_commit(lambda: _send_email(notification.pk))
    return notification


def _send_email(notification_id: int) -> None:
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    user = notification.recipient
    with translation.override(user.language):
        send_mail(
            subject=notification.title,
            message=notification.body + (f"\n\n{notification.url}" if notification.url else ""),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[user.email],
            fail_silently=True,
        )


def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications, or all of them, as read; returns how many changed."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())
