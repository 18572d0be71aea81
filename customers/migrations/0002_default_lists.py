"""Default entries of the admin-editable lists (SPEC §2.1, §9)."""

from django.db import migrations

NATURES = ["生产企业", "贸易公司", "批发店", "零售商", "代理店", "特约店", "连锁店", "专营店", "货代", "电商", "其他"]
REGIONS = ["华东", "华南", "华北", "华中", "西南", "西北", "东北"]
INDUSTRIES = ["制造业", "批发和零售业", "电子产品", "汽车及零部件", "化工", "纺织服装", "食品饮料", "医药",
              "机械设备", "钢铁冶金", "建材", "农产品", "跨境电商", "家电", "其他"]


def create(apps, schema_editor):
    for model_name, names in (("CustomerNature", NATURES), ("Region", REGIONS), ("Industry", INDUSTRIES)):
        model = apps.get_model("customers", model_name)
        for order, name in enumerate(names):
            model.objects.get_or_create(name=name, defaults={"sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
