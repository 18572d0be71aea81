"""Celery tasks of complaints (SPEC §10), written the crm.jobs way."""

from celery import shared_task

from crm.jobs import JOB_TASK_OPTIONS, scheduled_job


@scheduled_job("complaints.tasks.complaint_sla_escalation_task")
def complaint_sla_escalation_task() -> int:
    from complaints.jobs import complaint_breaches_escalate

    return complaint_breaches_escalate()


@scheduled_job("complaints.tasks.service_request_reminders_task", working_days=True)
def service_request_reminders_task() -> int:
    """Working days 08:00 (SPEC §10): unanswered service requests remind whoever holds them, once."""
    from complaints.service_requests import unanswered_request_reminders_send

    return unanswered_request_reminders_send()


@shared_task(name="complaints.tasks.complaint_durations_recompute_task", bind=True, **JOB_TASK_OPTIONS)
def complaint_durations_recompute_task(self, first: str, last: str) -> int:
    """The stored durations of the complaints spanning [first, last] (ISO dates) on the calendar as it is now:
    sent when a calendar day is entered, moved or removed. Running it twice changes nothing the second time."""
    import datetime as dt

    from complaints.jobs import complaint_durations_recompute

    return complaint_durations_recompute(first=dt.date.fromisoformat(first), last=dt.date.fromisoformat(last))
