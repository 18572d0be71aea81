"""The demo data looks like a real archive: filed over the years, uneven completeness, a library, and lost
customers whose business stopped long ago."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db.models import Max
from django.utils import timezone

from customers.models import BusinessRecord, Customer, CustomerDocument, LibraryDocument, Stage


@pytest.mark.django_db
def test_demo_archives_have_realistic_spreads(capsys):
    call_command("crm_demo", "--customers", "60")
    customers = list(Customer.objects.filter(pipeline__isnull=True))  # the pipeline demo's leads are new
    years = {c.created_at.year for c in customers}
    assert len(years) >= 4
    assert sum(c.created_at.date() == timezone.localdate() for c in customers) < 5
    completeness = {c.completeness for c in customers}
    assert max(completeness) == 100 and min(completeness) < 90 and len(completeness) >= 3
    for customer in customers:
        first_record = customer.business_records.order_by("date").values_list("date", flat=True).first()
        if first_record:
            assert customer.created_at.date() <= first_record  # filed before its first business
        assert customer.last_verified_on >= timezone.localdate(customer.created_at)
        assert customer.history.get(history_type="+").history_date == customer.created_at
    lost_last = BusinessRecord.objects.filter(customer__stage=Stage.LOST).aggregate(last=Max("date"))["last"]
    assert lost_last is None or lost_last <= timezone.localdate() - dt.timedelta(days=365)
    assert LibraryDocument.objects.count() == 8 and LibraryDocument.objects.filter(is_confirmed=True).exists()
    assert CustomerDocument.objects.exists()
    assert all(doc.file.read() for doc in LibraryDocument.objects.all()[:2])
