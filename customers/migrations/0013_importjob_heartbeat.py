from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0012_customer_team_owner_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="queued_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="queued at",
                help_text="When the job was handed to the job queue; empty while the queue could not be reached."),
        ),
        migrations.AddField(
            model_name="importjob",
            name="heartbeat_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="last heartbeat",
                help_text="Stamped every few seconds by the worker running the job; a silent job lost its worker."),
        ),
        migrations.AddField(
            model_name="importjob",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="attempts"),
        ),
        migrations.AlterField(
            model_name="importjob",
            name="status",
            field=models.CharField(
                choices=[("pending", "Waiting"), ("running", "Running"), ("done", "Done"), ("failed", "Failed"),
                         ("interrupted", "Interrupted")],
                default="pending", max_length=12, verbose_name="status"),
        ),
    ]
