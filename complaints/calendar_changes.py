"""A calendar day entered, moved or removed in the admin (crm.CalendarDay) changes the working hours of
every complaint whose span includes that day: the stored durations the statistics add up
(complaints.sla.DURATIONS) are computed again for those complaints, by a task after the change commits."""

from django.db.models.signals import post_delete, post_save, pre_save

from crm.jobs import enqueue

TASK = "complaints.tasks.complaint_durations_recompute_task"


def _remember_the_previous_date(sender, instance, **kwargs):
    instance._date_before_save = (sender.objects.filter(pk=instance.pk).values_list("date", flat=True).first()
                                  if instance.pk else None)


def _recompute_after_save(sender, instance, **kwargs):
    days = {instance.date, getattr(instance, "_date_before_save", None)} - {None}
    for day in sorted(days):
        enqueue(TASK, day.isoformat(), day.isoformat())


def _recompute_after_delete(sender, instance, **kwargs):
    enqueue(TASK, instance.date.isoformat(), instance.date.isoformat())


def register() -> None:
    from crm.models import CalendarDay

    pre_save.connect(_remember_the_previous_date, sender=CalendarDay, dispatch_uid="complaints-calendar-before")
    post_save.connect(_recompute_after_save, sender=CalendarDay, dispatch_uid="complaints-calendar-saved")
    post_delete.connect(_recompute_after_delete, sender=CalendarDay, dispatch_uid="complaints-calendar-deleted")
