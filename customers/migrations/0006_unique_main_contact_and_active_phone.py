"""One main contact per customer and one active archive per phone, held by the database (races of issue 8);
uploaded documents keep the name they were uploaded under (the stored name is cut to fit the file system)."""

from django.db import migrations, models
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThanOrEqual


def demote_extra_main_contacts(apps, schema_editor):
    """Races before this constraint left some customers with two main contacts: keep the oldest."""
    Contact = apps.get_model("customers", "Contact")
    seen = set()
    for contact in Contact.objects.filter(is_primary=True).order_by("customer_id", "id").only("id", "customer_id"):
        if contact.customer_id in seen:
            Contact.objects.filter(pk=contact.pk).update(is_primary=False)
        seen.add(contact.customer_id)


def refuse_duplicate_phones(apps, schema_editor):
    """Active archives that share a phone must be merged or retired by a person: say which, plainly,
    instead of failing on the unique index."""
    Customer = apps.get_model("customers", "Customer")
    rows = (Customer.objects.filter(is_active=True).annotate(n=Length("phone_normalized"))
            .filter(n__gte=7).values("phone_normalized").annotate(count=models.Count("id")).filter(count__gt=1))
    duplicates = [row["phone_normalized"] for row in rows[:20]]
    if duplicates:
        codes = {phone: list(Customer.objects.filter(is_active=True, phone_normalized=phone)
                             .values_list("code", flat=True)) for phone in duplicates}
        raise RuntimeError("Active archives share a phone; merge or retire them before migrating: "
                           + "; ".join(f"{phone}: {', '.join(c)}" for phone, c in codes.items()))


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0005_list_and_search_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="customerdocument",
            name="original_name",
            field=models.CharField(blank=True, help_text="The name the file was uploaded under; the stored name may be shorter.", max_length=255, verbose_name="file name"),
        ),
        migrations.AddField(
            model_name="historicalcustomerdocument",
            name="original_name",
            field=models.CharField(blank=True, help_text="The name the file was uploaded under; the stored name may be shorter.", max_length=255, verbose_name="file name"),
        ),
        migrations.AddField(
            model_name="librarydocument",
            name="original_name",
            field=models.CharField(blank=True, help_text="The name the file was uploaded under; the stored name may be shorter.", max_length=255, verbose_name="file name"),
        ),
        migrations.RunPython(demote_extra_main_contacts, migrations.RunPython.noop),
        migrations.RunPython(refuse_duplicate_phones, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="contact",
            constraint=models.UniqueConstraint(
                condition=models.Q(("is_primary", True)), fields=("customer",),
                name="contact_one_primary_per_customer",
                violation_error_message="This customer already has a main contact.",
            ),
        ),
        migrations.AddConstraint(
            model_name="customer",
            constraint=models.UniqueConstraint(
                condition=models.Q(("is_active", True), GreaterThanOrEqual(Length("phone_normalized"), 7)),
                fields=("phone_normalized",),
                name="customer_unique_active_phone",
                violation_error_message="An archive with the same phone already exists.",
            ),
        ),
    ]
