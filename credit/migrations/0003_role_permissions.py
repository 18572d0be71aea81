"""Model permissions of the credit admin: credit officers view every credit model and add credit records
(through the service); the GM views them. Object-level rules stay in credit.selectors."""

from django.db import migrations

VIEW = ["creditrating", "creditrecord", "creditinvestigation", "creditoverride", "creditindicator"]
PERMISSIONS = {
    "credit_officer": [f"view_{m}" for m in VIEW] + ["add_creditrecord"],
    "gm": [f"view_{m}" for m in VIEW],
}


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="credit", codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name__in=PERMISSIONS):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="credit"))


class Migration(migrations.Migration):
    dependencies = [("credit", "0002_default_indicators"), ("crm", "0002_role_groups")]
    operations = [migrations.RunPython(grant, revoke)]
