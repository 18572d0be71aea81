from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0002_role_groups"),
    ]

    operations = [
        migrations.RenameModel("CompanyDayOff", "CalendarDay"),
        migrations.AlterModelOptions(
            name="calendarday",
            options={"ordering": ["-date"], "verbose_name": "calendar day", "verbose_name_plural": "company calendar"},
        ),
        migrations.AddField(
            model_name="calendarday",
            name="kind",
            field=models.CharField(
                choices=[("day_off", "Day off"), ("working_day", "Working day")], default="day_off",
                help_text="A day off is not worked even if the statutory calendar says so; a working day is worked "
                          "even on a weekend or holiday.",
                max_length=20, verbose_name="kind"),
        ),
    ]
