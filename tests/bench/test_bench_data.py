"""The benchmark generator's app hooks: on a small company they add rows in every state the timed pages
read, the deadlines are the production rules', and a second run adds nothing."""

import datetime as dt
import io
from contextlib import redirect_stdout

import pytest
from django.utils import timezone

from bench import generate as bench_generate
from bench.generate import generate, generate_apps

CUSTOMERS = 400


def _counts():
    from complaints.models import Complaint, ServiceRequest
    from credit.models import CreditInvestigation, CreditOverride, CreditRating, CreditRecord
    from customers.key_accounts.models import KeyAccountApplication, KeyAccountThreshold
    from customers.models import BusinessRecord, Customer
    from customers.pipeline.models import CustomerStageLog, PipelineProfile

    models = [Customer, BusinessRecord, PipelineProfile, CustomerStageLog, KeyAccountApplication,
              KeyAccountThreshold, CreditRating, CreditInvestigation, CreditRecord, CreditOverride, Complaint,
              ServiceRequest]
    return {m.__name__: m.objects.count() for m in models}


@pytest.fixture
def generated(db, monkeypatch):
    # Inside the test's transaction PostgreSQL refuses to rebuild an index of a table with deferred
    # constraint checks pending: the rows go in with the indexes kept.
    monkeypatch.setattr(bench_generate._IndexesDropped, "__enter__", lambda self: self)
    out = io.StringIO()
    with redirect_stdout(out):
        generate(CUSTOMERS)
        generate_apps()
    return out.getvalue()


def test_every_app_hook_adds_its_rows(generated):
    counts = _counts()
    assert counts["Customer"] == CUSTOMERS
    for name in ("PipelineProfile", "CustomerStageLog", "KeyAccountApplication", "CreditRating", "Complaint",
                 "ServiceRequest"):
        assert counts[name] > 0, name
    assert counts["Complaint"] == CUSTOMERS  # one per customer, as 100,000 for 100,000
    assert "customers:" in generated and "credit:" in generated and "complaints:" in generated


def test_a_second_run_adds_nothing(generated):
    before = _counts()
    out = io.StringIO()
    with redirect_stdout(out):
        generate(CUSTOMERS)
        generate_apps()
    assert _counts() == before
    assert "nothing added" in out.getvalue()


def test_pipeline_rows(generated):
    from customers.models import Customer
    from customers.pipeline.models import CustomerStageLog, PipelineProfile

    leads = Customer.objects.filter(stage__in=["lead", "prospect"])
    assert PipelineProfile.objects.count() == leads.count()
    assert CustomerStageLog.objects.filter(action="file").count() >= leads.count()
    assert set(CustomerStageLog.objects.values_list("action", flat=True)) >= {"file", "validate", "win"}
    today = timezone.localdate()
    assert PipelineProfile.objects.filter(follow_up_due__lt=today).exists()
    assert PipelineProfile.objects.filter(follow_up_due__gt=today).exists()


def test_key_account_applications_in_every_state(generated):
    from customers.key_accounts.models import KeyAccountApplication
    from customers.models import Customer

    statuses = set(KeyAccountApplication.objects.values_list("status", flat=True))
    assert statuses == {"pending_head", "pending_gm", "approved", "rejected"}
    approved = KeyAccountApplication.objects.filter(status="approved", kind="new")
    for application in approved.select_related("customer"):
        assert application.customer.tier == application.proposed_tier
        assert application.head_decided_by_id and application.gm_decided_by_id
        assert application.head_decided_by_id != application.gm_decided_by_id
    assert Customer.objects.filter(tier__isnull=False).count() == approved.count()
    pending_gm = KeyAccountApplication.objects.filter(status="pending_gm")
    assert not pending_gm.filter(head_decided_by__isnull=True).exists()
    assert not KeyAccountApplication.objects.filter(status="pending_head", head_decided_by__isnull=False).exists()


def test_credit_grades_and_the_check_customer(generated):
    from credit.bench_data import CHECK_RECORDS, check_customer_id
    from credit.models import CreditOverride, CreditRating
    from credit.services import credit_check
    from customers.models import BusinessRecord, Customer

    graded = Customer.objects.filter(credit_grade__isnull=False)
    assert set(graded.values_list("credit_grade", flat=True)) == {"A", "B", "C", "D"}
    for customer in graded[:30]:
        latest = CreditRating.objects.filter(customer=customer).order_by("-rated_at", "-id").first()
        assert latest.grade == customer.credit_grade
    assert set(CreditOverride.objects.values_list("status", flat=True)) == {
        "requested", "approved", "rejected", "consumed", "expired"}
    pk = check_customer_id()
    assert BusinessRecord.objects.filter(customer_id=pk).count() == CHECK_RECORDS
    check = credit_check(customer=Customer.objects.get(pk=pk), amount="1000.00")
    assert check.grade == "A" and check.allowed, check.reason
    assert check.open_receivables > 0


def test_complaints_in_every_step_with_the_production_deadlines(generated):
    from complaints import sla
    from complaints.models import Complaint, ServiceRequest, State
    from complaints.selectors import complaint_list
    from crm.models import User

    assert set(Complaint.objects.values_list("state", flat=True)) >= {
        State.CLOSED, State.REJECTED, State.JUDGE, State.IMPLEMENT, State.REVIEW}
    now = timezone.now()
    oldest = Complaint.objects.order_by("received_at").first().received_at
    assert now - oldest > dt.timedelta(days=365)
    for complaint in Complaint.objects.order_by("?")[:40]:
        assert complaint.reply_due_at == sla.reply_due(complaint.received_at)
        assert complaint.implement_due_at == sla.implement_due(complaint.received_at)
        if complaint.state == State.CLOSED:
            assert complaint.closed_at and complaint.implemented_at and complaint.handler_id
        if complaint.state == State.REJECTED:
            assert complaint.is_valid is False and complaint.first_reply_at
        if complaint.state in (State.ANALYSE, State.PROPOSE):
            assert complaint.handler_id and complaint.implemented_at is None
    gm = User.objects.get(username="bench_gm")
    assert complaint_list(gm, sla="breached").exists()
    assert set(ServiceRequest.objects.values_list("state", flat=True)) == {"open", "escalated", "answered",
                                                                          "closed"}
