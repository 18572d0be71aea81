"""A list of archives read at once is one access-log row naming their ids (issue 8: the API list, business
records, the classification summary were read without a trace)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0009_key_account_care"),
    ]

    operations = [
        migrations.AddField(
            model_name="accesslog",
            name="customer_ids",
            field=models.JSONField(blank=True, default=list, help_text="A list read at once (a page of the API list, the classification summary): the ids of the archives on it the reader does not own.", verbose_name="archives listed"),
        ),
    ]
