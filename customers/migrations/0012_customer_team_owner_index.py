"""The owners of a team's archives from an index alone (the list's owner filter for clerks and heads)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0011_accesslog_ordering"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["team", "owner"], name="customer_team_owner"),
        ),
    ]
