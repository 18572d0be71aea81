"""Celery doors of the credit app (SPEC §10), written the crm.jobs way: state-derived, keyed notices,
safe to re-run, to run late and to be killed halfway."""

from crm.jobs import scheduled_job


@scheduled_job("credit.tasks.credit_reviews_due_task")
def credit_reviews_due_task() -> int:
    """Daily 07:00: remind the credit officers once per due review (yearly, and after a warning record);
    also marks overrides past their validity as expired. Returns the number of notices sent."""
    from credit.services import credit_overrides_expire, credit_reviews_notify

    credit_overrides_expire()
    return credit_reviews_notify()


@scheduled_job("credit.tasks.credit_overdue_snapshot_task")
def credit_overdue_snapshot_task() -> int:
    """Every 10 minutes: the credit queue's ranking of customers with overdue receivables, computed anew
    (credit.overdue), so that no view of the queue computes it. Returns the number of customers in it."""
    from credit.overdue import overdue_snapshot_refresh

    return overdue_snapshot_refresh().customers
