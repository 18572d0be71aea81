"""Celery tasks of complaints (SPEC §10), written the crm.jobs way."""

from crm.jobs import scheduled_job


@scheduled_job("complaints.tasks.complaint_sla_escalation_task")
def complaint_sla_escalation_task() -> int:
    from complaints.jobs import complaint_breaches_escalate

    return complaint_breaches_escalate()


@scheduled_job("complaints.tasks.service_request_reminders_task", working_days=True)
def service_request_reminders_task() -> int:
    """Working days 08:00 (SPEC §10): unanswered service requests remind whoever holds them, once."""
    from complaints.service_requests import unanswered_request_reminders_send

    return unanswered_request_reminders_send()
