"""Celery tasks of complaints (SPEC §10), written the crm.jobs way."""

from crm.jobs import scheduled_job


@scheduled_job("complaints.tasks.complaint_sla_escalation_task")
def complaint_sla_escalation_task() -> int:
    from complaints.jobs import complaint_breaches_escalate

    return complaint_breaches_escalate()
