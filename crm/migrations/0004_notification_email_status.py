from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0003_calendar_day"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="email_status",
            field=models.CharField(
                blank=True,
                choices=[("", "No e-mail"), ("pending", "To be sent"), ("sent", "Sent"), ("failed", "Failed")],
                default="", max_length=10, verbose_name="e-mail"),
        ),
        migrations.AddField(
            model_name="notification",
            name="emailed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="e-mailed at"),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(condition=models.Q(email_status="pending"), fields=["email_status", "created_at"],
                               name="notification_email_due"),
        ),
    ]
