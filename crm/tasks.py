"""Tasks of the CRM core. App tasks live in <app>/tasks.py and are found by autodiscovery."""

from celery import shared_task


@shared_task(name="crm.tasks.ping")
def ping() -> str:
    """Answers "pong": proves that a worker takes tasks from the broker and returns results."""
    return "pong"
