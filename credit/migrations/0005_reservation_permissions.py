"""Kept empty on purpose (see 0003_role_permissions)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("credit", "0004_credit_reservations")]
    operations = []
