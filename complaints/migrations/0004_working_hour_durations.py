"""The working-hour durations the statistics aggregate, stored per complaint; existing complaints get
theirs from their moments on today's calendar."""

from django.db import migrations, models

BATCH = 2000


def fill_durations(apps, schema_editor):
    from complaints.sla import DURATIONS, WorkingClock, durations
    from crm.bulk import bulk_update_values
    from crm.workdays import CompanyCalendar
    from django.db.models import Max, Min
    from django.utils import timezone

    Complaint = apps.get_model("complaints", "Complaint")
    CalendarDay = apps.get_model("crm", "CalendarDay")  # the admin's days as this migration knows them
    days = dict(CalendarDay.objects.values_list("date", "kind"))
    calendar = CompanyCalendar(days_off=frozenset(d for d, kind in days.items() if kind != "working_day"),
                               working_days=frozenset(d for d, kind in days.items() if kind == "working_day"))
    bounds = Complaint.objects.aggregate(first=Min("received_at"), last=Max("updated_at"))
    if bounds["first"] is None:
        return
    first = timezone.localtime(bounds["first"]).date()
    last = max(timezone.localtime(bounds["last"]).date(), timezone.localdate())
    clock = WorkingClock(first, last, calendar=calendar)
    names = [name for name, _start, _end in DURATIONS]
    moments = sorted({field for _name, *pair in DURATIONS for field in pair})
    rows = Complaint.objects.order_by("pk").only("pk", *moments)
    last_pk = 0
    while batch := list(rows.filter(pk__gt=last_pk)[:BATCH]):
        for complaint in batch:
            for name, value in durations(complaint, clock=clock).items():
                setattr(complaint, name, value)
        bulk_update_values(batch, names)
        last_pk = batch[-1].pk


class Migration(migrations.Migration):

    dependencies = [
        ('complaints', '0003_service_requests'),
        ('crm', '0003_calendar_day'),
    ]

    operations = [
        migrations.AddField(
            model_name='complaint',
            name='first_reply_hours',
            field=models.FloatField(blank=True, editable=False, null=True, verbose_name='first reply (working hours)'),
        ),
        migrations.AddField(
            model_name='complaint',
            name='resolution_hours',
            field=models.FloatField(blank=True, editable=False, null=True, verbose_name='resolution (working hours)'),
        ),
        migrations.AddField(
            model_name='complaint',
            name='response_hours',
            field=models.FloatField(blank=True, editable=False, null=True, verbose_name='department response (working hours)'),
        ),
        migrations.RunPython(fill_durations, migrations.RunPython.noop, elidable=True),
    ]
