"""The complaint SLA escalation (SPEC §5.2, §10: every 15 minutes): each breached deadline is escalated
once to the department heads of the customer's team, however often the job runs."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from complaints import sla
from complaints.models import OPEN_STATES, Complaint
from crm.jobs import job_key
from crm.notifications import notify
from customers.selectors import department_heads_of

ESCALATION_JOB = "complaint-sla-breach"
TITLES = {
    "reply": gettext_lazy("Complaint #%(id)s: the first reply to %(customer)s is overdue"),
    "implement": gettext_lazy("Complaint #%(id)s: the remedy for %(customer)s is overdue"),
}


def complaint_breaches_escalate(*, now=None) -> int:
    now = now or timezone.now()
    breached = (Complaint.objects.filter(state__in=OPEN_STATES)
                .filter(Q(first_reply_at__isnull=True, reply_due_at__lt=now)
                        | Q(implemented_at__isnull=True, implement_due_at__lt=now))
                .select_related("customer__owner"))
    sent = 0
    for complaint in breached.iterator(chunk_size=500):
        clocks = []
        if complaint.first_reply_at is None and complaint.reply_due_at < now:
            clocks.append("reply")
        if complaint.implemented_at is None and complaint.implement_due_at < now:
            clocks.append("implement")
        heads = list(department_heads_of(complaint.customer))
        for clock in clocks:
            for head in heads:
                notice = notify(recipient=head, title=TITLES[clock],
                                params={"id": complaint.pk, "customer": complaint.customer.name},
                                url=reverse("complaints:detail", args=[complaint.pk]),
                                dedupe_key=job_key(ESCALATION_JOB, complaint.pk, clock))
                sent += notice is not None
    return sent


# --- Durations after a calendar change ----------------------------------------------------------------

def complaint_durations_recompute(*, first: dt.date | None = None, last: dt.date | None = None) -> int:
    """Compute again, on today's calendar, the stored working-hour durations of the complaints whose spans
    touch the local days [first, last] (all complaints without bounds): after a day off or a working day is
    entered, moved or removed in the admin, or the calendar library learns a new year. Returns how many
    complaints changed."""
    complaints = Complaint.objects.all()
    if last is not None:
        complaints = complaints.filter(received_at__lt=sla.local_midnight(last + dt.timedelta(days=1)))
    if first is not None:
        since = sla.local_midnight(first)
        complaints = complaints.filter(Q(first_reply_at__gte=since) | Q(closed_at__gte=since)
                                       | Q(analysed_at__gte=since))
    return sla.durations_recompute(complaints)
