"""Creates the role groups of SPEC §1 with their model permissions.

Object-level rules (whose archives a user reads) live in customers.selectors; these permissions
say which kinds of records a role works with, mostly for the Django admin.
"""

from django.db import migrations

ROLE_PERMISSIONS = {
    "clerk": {
        "customers": ["customer", "contact", "competitor", "customerdocument", "librarydocument", "interaction",
                      "businessrecord", "importjob", "ownerchange", "refreshtask", "sectionsource"],
    },
    "account_manager": {
        "customers": ["customer", "contact", "competitor", "customerdocument", "interaction", "refreshtask"],
    },
    "dept_head": {
        "customers": ["customer", "contact", "competitor", "customerdocument", "librarydocument", "interaction",
                      "businessrecord", "ownerchange", "accessrequest", "accessgrant", "refreshtask"],
    },
    "gm": {
        "customers": ["customer", "contact", "competitor", "customerdocument", "librarydocument", "interaction",
                      "businessrecord", "ownerchange", "accessrequest", "accessgrant", "accesslog", "refreshtask"],
    },
    "credit_officer": {"customers": ["businessrecord"]},
    "club_office": {},
    "integration": {"customers": ["businessrecord"]},
}
READ_ONLY = {("gm", "accesslog"), ("credit_officer", "businessrecord")}


def create_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, apps_models in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = []
        for app_label, models in apps_models.items():
            for model in models:
                actions = ["view"] if (role, model) in READ_ONLY else ["view", "add", "change"]
                for action in actions:
                    perm = Permission.objects.filter(content_type__app_label=app_label,
                                                     codename=f"{action}_{model}").first()
                    if perm:
                        perms.append(perm)
        group.permissions.set(perms)


def drop_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0001_initial"),
        ("customers", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, drop_groups)]
