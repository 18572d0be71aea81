from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0004_notification_email_status"),
    ]

    operations = [
        migrations.CreateModel(
            name="NumericRule",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                ("key", models.CharField(max_length=80, unique=True, verbose_name="rule")),
                ("value", models.DecimalField(decimal_places=2, max_digits=14, verbose_name="value")),
                ("note", models.CharField(blank=True, help_text="Why this value was chosen.", max_length=200,
                                          verbose_name="note")),
            ],
            options={"verbose_name": "numeric rule", "verbose_name_plural": "numeric rules", "ordering": ["key"]},
        ),
    ]
