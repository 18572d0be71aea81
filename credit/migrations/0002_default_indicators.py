from django.db import migrations

# The scoring model's default indicators and weights (admin-editable afterwards).
DEFAULTS = [
    ("on_time_ratio", 25), ("days_overdue", 15), ("amount_overdue", 15), ("asset_liability_ratio", 10),
    ("return_on_assets", 10), ("cooperation_years", 10), ("credit_records", 15),
]


def create(apps, schema_editor):
    CreditIndicator = apps.get_model("credit", "CreditIndicator")
    for order, (code, weight) in enumerate(DEFAULTS, start=1):
        CreditIndicator.objects.get_or_create(code=code, defaults={"weight": weight, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("credit", "0001_credit_models")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
