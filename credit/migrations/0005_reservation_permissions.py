"""Credit officers and the GM view the credit reservations in the admin."""

from django.db import migrations


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.filter(content_type__app_label="credit", codename="view_creditreservation")
    for group in Group.objects.filter(name__in=["credit_officer", "gm"]):
        group.permissions.add(*permission)


class Migration(migrations.Migration):
    dependencies = [("credit", "0004_credit_reservations")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
