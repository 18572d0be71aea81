"""The pipeline's scheduled jobs (SPEC §10), written the crm.jobs way: what is due comes from the
database, each notice is recorded under a unique key before it is sent."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from crm.jobs import job_key
from crm.notifications import notify
from crm.rules import rule_value
from customers.models import BusinessRecord, Customer, Stage
from customers.pipeline.selectors import follow_ups_due

FOLLOW_UP_JOB = "lead-follow-up"


def lead_follow_up_reminders_send(*, today: dt.date | None = None) -> int:
    """One reminder per due follow-up (customer and due date) to the owner, however often the job runs."""
    sent = 0
    for customer in follow_ups_due(today=today).iterator(chunk_size=500):
        due = customer.pipeline.follow_up_due
        notice = notify(recipient=customer.owner, title=gettext_lazy("Follow-up due on %(date)s: %(name)s"),
                        params={"name": customer.name, "date": due.isoformat()},
                        url=reverse("customers:pipeline", args=[customer.pk]),
                        dedupe_key=job_key(FOLLOW_UP_JOB, customer.pk, due.isoformat()))
        sent += notice is not None
    return sent


def churn_risk_flags_update(*, today: dt.date | None = None) -> tuple[int, int]:
    """Flag the transacting customers with no business for CHURN_RISK_DAYS (SPEC §2.3), and clear the flag
    of those who did business again. Two UPDATEs, computed from the records: idempotent. Returns
    (flagged, cleared)."""
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=rule_value("CHURN_RISK_DAYS"))
    recent = BusinessRecord.objects.filter(customer=OuterRef("pk"), date__gt=since)
    transacting = Customer.objects.filter(stage=Stage.CUSTOMER, is_active=True)
    flagged = transacting.filter(churn_risk=False).exclude(Exists(recent)).update(churn_risk=True)
    cleared = Customer.objects.filter(churn_risk=True).filter(
        Exists(recent) | ~Exists(transacting.filter(pk=OuterRef("pk")))).update(churn_risk=False)
    return flagged, cleared
