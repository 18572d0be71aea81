"""Kept empty on purpose: the role groups keep the model permissions crm.migrations.0002_role_groups gives
them. Credit officers work in the credit pages; the credit admin is the IT admin's (the scoring model's
indicators) and shows credit details only to a superuser who also holds a role that may see them."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("credit", "0002_default_indicators"), ("crm", "0002_role_groups")]
    operations = []
