"""The working-hour durations the statistics aggregate, stored per complaint; existing complaints get
theirs from their moments on today's calendar."""

from django.db import migrations, models


def fill_durations(apps, schema_editor):
    from complaints.sla import durations_recompute
    from crm.workdays import CompanyCalendar

    Complaint = apps.get_model("complaints", "Complaint")
    CalendarDay = apps.get_model("crm", "CalendarDay")  # the admin's days as this migration knows them
    days = dict(CalendarDay.objects.values_list("date", "kind"))
    calendar = CompanyCalendar(days_off=frozenset(d for d, kind in days.items() if kind != "working_day"),
                               working_days=frozenset(d for d, kind in days.items() if kind == "working_day"))
    durations_recompute(Complaint.objects.all(), calendar=calendar)


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
