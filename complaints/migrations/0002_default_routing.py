from django.db import migrations

# SPEC §5.2: transport → the international transport department (国运部), customs → the customs broker (报关行,
# an external party); the rest our choice.
DEPARTMENTS = [("国运部", False), ("报关行", True), ("仓储部", False), ("配送部", False), ("财务部", False),
               ("客服部", False)]
ROUTING = {"transport": "国运部", "customs": "报关行", "warehousing": "仓储部", "distribution": "配送部",
           "billing": "财务部", "service": "客服部", "other": "客服部"}


def seed(apps, schema_editor):
    Department = apps.get_model("complaints", "ComplaintDepartment")
    RoutingRule = apps.get_model("complaints", "RoutingRule")
    by_name = {}
    for order, (name, external) in enumerate(DEPARTMENTS):
        by_name[name], _ = Department.objects.get_or_create(name=name, defaults={"sort_order": order,
                                                                                 "is_external": external})
    for subject, name in ROUTING.items():
        RoutingRule.objects.get_or_create(subject=subject, defaults={"department": by_name[name]})


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_complaints")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
