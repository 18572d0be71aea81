from django.db import migrations, models


class Migration(migrations.Migration):
    """Large imports are checked in the worker and wait for the uploader's confirmation (issue 8)."""

    dependencies = [
        ("customers", "0015_card_evaluation_route_stop_contact_remarks"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="confirmed_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="confirmed at",
                help_text="When the uploader confirmed the preview; the file is written only after it."),
        ),
        migrations.AddField(
            model_name="importjob",
            name="preview",
            field=models.JSONField(
                blank=True, default=dict, verbose_name="preview",
                help_text="What the check of a large file found: the figures and the first rows."),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="status",
            field=models.CharField(
                choices=[("pending", "Waiting"), ("previewing", "Checking the file"),
                         ("previewed", "Awaiting confirmation"),
                         ("running", "Running"), ("done", "Done"), ("failed", "Failed"),
                         ("interrupted", "Interrupted"), ("cancelled", "Cancelled")],
                default="pending", max_length=12, verbose_name="status"),
        ),
    ]
