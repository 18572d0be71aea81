"""Grading, policies, the credit check, credit records, integrity and investigations (SPEC §4)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from credit.models import CreditRating, CreditRecord, Integrity
from credit.scoring import evaluate
from credit.selectors import integrity_class
from credit.services import credit_check, credit_investigation_create, credit_rating_create, credit_record_create
from crm.exceptions import ApplicationError, PermissionDeniedError
from customers.models import add_months
from tests.credit.conftest import days_ago, record

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("grade", "policy"), [("B", "cash_on_delivery"), ("C", "prepayment"),
                                               ("D", "prepayment_phase_out")])
def test_each_grade_below_a_refuses_credit_with_its_policy(customer, officer, grade, policy):
    record(customer, "5000.00")
    credit_rating_create(customer=customer, user=officer, grade=grade, reason="as decided")
    customer.refresh_from_db()
    check = credit_check(customer=customer, amount="1.00")
    assert (check.allowed, check.grade, check.policy) == (False, grade, policy)
    assert check.remaining_limit == Decimal("0")
    assert check.open_receivables == Decimal("5000.00")
    assert f"Grade {grade}" in check.reason


def test_ungraded_customer_has_null_grade_and_prepayment(customer):
    check = credit_check(customer=customer, amount="100")
    assert (check.allowed, check.grade, check.policy, check.remaining_limit) == (False, None, "prepayment", 0)
    assert "Not graded" in check.reason


def test_grade_a_limit_edge_equal_allowed_one_cent_more_refused(grade_a):
    equal = credit_check(customer=grade_a, amount="10000.00")
    assert (equal.allowed, equal.policy, equal.remaining_limit) == (True, "credit", Decimal("10000.00"))
    over = credit_check(customer=grade_a, amount="10000.01")
    assert over.allowed is False
    assert "exceeds the remaining credit limit" in over.reason


def test_open_receivables_reduce_the_remaining_limit(grade_a):
    record(grade_a, "4000.00", paid="1000.00")
    check = credit_check(customer=grade_a, amount="7000.00")
    assert (check.open_receivables, check.remaining_limit, check.allowed) == (
        Decimal("3000.00"), Decimal("7000.00"), True)
    assert credit_check(customer=grade_a, amount="7000.01").allowed is False


def test_limit_above_one_shipment_refused_and_no_business_means_no_credit(customer, officer):
    with pytest.raises(ApplicationError) as error:
        credit_rating_create(customer=customer, user=officer, grade="A", reason="x", credit_limit=Decimal("1"))
    assert error.value.field == "credit_limit"
    rating = credit_rating_create(customer=customer, user=officer, grade="A", reason="new, no business")
    assert rating.credit_limit == Decimal("0")
    customer.refresh_from_db()
    check = credit_check(customer=customer, amount="0.01")
    assert check.allowed is False and "no credit limit" in check.reason
    record(customer, "8000.00", paid="8000.00", paid_date=days_ago(1))
    with pytest.raises(ApplicationError):
        credit_rating_create(customer=customer, user=officer, grade="A", reason="x", credit_limit=Decimal("8000.01"))
    assert credit_rating_create(customer=customer, user=officer, grade="A", reason="x",
                                credit_limit=Decimal("8000.00")).credit_limit == Decimal("8000.00")


def test_records_older_than_the_lookback_do_not_count_for_the_limit(customer, officer):
    old = add_months(timezone.localdate(), -12) - dt.timedelta(days=1)
    record(customer, "50000.00", date=old, due=old, paid="50000.00", paid_date=old)
    record(customer, "2000.00", paid="2000.00", paid_date=days_ago(1))
    with pytest.raises(ApplicationError):
        credit_rating_create(customer=customer, user=officer, grade="A", reason="x", credit_limit=Decimal("2000.01"))


def test_overdue_with_and_without_grace_days(customer, officer):
    record(customer, "10000.00", paid="10000.00", paid_date=days_ago(40), date=days_ago(60), due=days_ago(40))
    open_record = record(customer, "1000.00", date=days_ago(20), due=days_ago(10))
    credit_rating_create(customer=customer, user=officer, grade="A", reason="x", grace_days=30)
    customer.refresh_from_db()
    within_grace = credit_check(customer=customer, amount="100")
    assert (within_grace.overdue_receivables, within_grace.allowed) == (Decimal("0"), True)
    credit_rating_create(customer=customer, user=officer, grade="A", reason="shorter grace", grace_days=5)
    past_grace = credit_check(customer=customer, amount="100")
    assert past_grace.overdue_receivables == Decimal("1000.00")
    assert past_grace.allowed is False and "overdue" in past_grace.reason
    # Exactly due date + grace days: not overdue yet (overdue *after* the grace period).
    credit_rating_create(customer=customer, user=officer, grade="A", reason="edge", grace_days=10)
    assert credit_check(customer=customer, amount="100").overdue_receivables == Decimal("0")
    # Other grades count overdue from the due date itself.
    credit_rating_create(customer=customer, user=officer, grade="B", reason="b")
    customer.refresh_from_db()
    assert credit_check(customer=customer, amount="100").overdue_receivables == open_record.open_amount


def test_grading_keeps_the_history_and_writes_the_grade_through_customers(customer, officer):
    record(customer, "3000.00", paid="3000.00", paid_date=days_ago(20), date=days_ago(40), due=days_ago(20))
    proposed = evaluate(customer).proposed_grade
    first = credit_rating_create(customer=customer, user=officer, grade=proposed)
    assert first.reason == "" and first.proposed_grade == proposed and first.score == evaluate(customer).score
    other = "D" if proposed != "D" else "C"
    with pytest.raises(ApplicationError) as error:
        credit_rating_create(customer=customer, user=officer, grade=other)
    assert error.value.field == "reason"
    second = credit_rating_create(customer=customer, user=officer, grade=other, reason="late payments reported")
    customer.refresh_from_db()
    assert customer.credit_grade == other
    assert list(CreditRating.objects.filter(customer=customer).values_list("grade", "rated_by")) == [
        (other, officer.pk), (proposed, officer.pk)]
    assert second.is_override and len(second.indicators) == 7
    assert customer.history.latest().history_change_reason == "late payments reported"


def test_only_credit_officers_grade_record_and_investigate(customer, alice, gm):
    for user in (alice, gm):
        with pytest.raises(PermissionDeniedError):
            credit_rating_create(customer=customer, user=user, grade="B", reason="x")
        with pytest.raises(PermissionDeniedError):
            credit_record_create(customer=customer, user=user, kind="positive", event_date=days_ago(1), title="t")
        with pytest.raises(PermissionDeniedError):
            credit_investigation_create(customer=customer, user=user, investigated_on=days_ago(1), subject="s",
                                        sources="s", findings="f")


def test_evaluation_shows_each_indicator_and_proposes_from_the_cut_offs(customer):
    customer.asset_liability_ratio, customer.return_on_assets = Decimal("40"), Decimal("10")
    customer.first_trade_on = timezone.localdate() - dt.timedelta(days=6 * 366)
    customer.save()
    for n in range(4):
        record(customer, "1000.00", date=days_ago(60 + n), due=days_ago(30), paid="1000.00", paid_date=days_ago(31))
    evaluation = evaluate(customer)
    points = {row.code: row.points for row in evaluation.indicators}
    assert points == {"on_time_ratio": 100, "days_overdue": 100, "amount_overdue": 100,
                      "asset_liability_ratio": 100, "return_on_assets": 100, "cooperation_years": 100,
                      "credit_records": 80}
    # 85 weight at 100 points, 15 at 80: 97.
    assert evaluation.score == Decimal("97.0") and evaluation.proposed_grade == "A"
    assert sum(row.contribution for row in evaluation.indicators) == Decimal("97.0")
    late = record(customer, "4000.00", date=days_ago(50), due=days_ago(45))
    evaluation = evaluate(customer)
    rows = {row.code: row for row in evaluation.indicators}
    assert rows["on_time_ratio"].value == "80.0 %"
    assert rows["days_overdue"].value == "45 days" and rows["days_overdue"].points == Decimal("50.0")
    assert rows["amount_overdue"].points == Decimal("50.0")  # 4,000 overdue of 8,000
    assert late.open_amount == Decimal("4000.00")
    assert evaluation.proposed_grade == "B"  # 25·80 + 15·50 + 15·50 + 30·100 + 15·80 = 7700 / 100


def test_cut_offs_are_admin_editable(customer):
    from crm.models import NumericRule

    assert evaluate(customer).proposed_grade == "D"  # nothing known: 15 × 80 / 100 = 12 points
    NumericRule.objects.create(key="CREDIT_CUTOFF_C", value=Decimal("10"))
    assert evaluate(customer).proposed_grade == "C"


def test_integrity_class_is_the_most_severe_warning_of_the_last_24_months(customer, officer):
    assert integrity_class(customer) == Integrity.TRUSTWORTHY
    edge = add_months(timezone.localdate(), -24)
    credit_record_create(customer=customer, user=officer, kind="warning", severity="seriously_dishonest",
                         event_date=edge - dt.timedelta(days=1), title="too old")
    credit_record_create(customer=customer, user=officer, kind="hint", event_date=days_ago(3), title="hint")
    assert integrity_class(customer) == Integrity.TRUSTWORTHY
    credit_record_create(customer=customer, user=officer, kind="warning", severity="dishonest", event_date=edge,
                         title="exactly 24 months")
    credit_record_create(customer=customer, user=officer, kind="warning", severity="warning", event_date=days_ago(1),
                         title="recent")
    assert integrity_class(customer) == Integrity.DISHONEST


def test_credit_records_show_late_entry_and_warnings_need_a_severity(customer, officer):
    late = credit_record_create(customer=customer, user=officer, kind="positive", event_date=days_ago(40),
                                title="paid early all year")
    assert late.entered_on == timezone.localdate() and late.days_late == 40
    with pytest.raises(ApplicationError) as error:
        credit_record_create(customer=customer, user=officer, kind="warning", event_date=days_ago(1), title="w")
    assert error.value.field == "severity"
    with pytest.raises(ApplicationError):
        credit_record_create(customer=customer, user=officer, kind="hint", severity="warning",
                             event_date=days_ago(1), title="h")
    with pytest.raises(ApplicationError):
        credit_record_create(customer=customer, user=officer, kind="hint", event_date=days_ago(-1), title="future")
    assert CreditRecord.objects.count() == 1


def test_investigation_with_agency_report(customer, officer):
    report = SimpleUploadedFile("资信报告.pdf", b"%PDF-1.4 report", content_type="application/pdf")
    investigation = credit_investigation_create(customer=customer, user=officer, investigated_on=days_ago(2),
                                                subject="bank standing", sources="bank, registry",
                                                findings="sound", agency="Dun & Bradstreet", report=report)
    assert investigation.report_name == "资信报告.pdf" and investigation.report.read() == b"%PDF-1.4 report"
    with pytest.raises(ApplicationError) as error:
        credit_investigation_create(customer=customer, user=officer, investigated_on=days_ago(2), subject="s",
                                    sources="s", findings="f", report=SimpleUploadedFile("x.exe", b"MZ"))
    assert error.value.field == "report"


@pytest.mark.parametrize("raw", [None, "", "abc", "NaN", "Infinity", "-1", "1.001", "1e400"])
def test_bad_amounts_are_refused(customer, raw):
    with pytest.raises(ApplicationError) as error:
        credit_check(customer=customer, amount=raw)
    assert error.value.field == "amount"


def test_contract_payment_terms_follow_the_policy(grade_a, officer):
    from credit.services import credit_terms_check

    assert credit_terms_check(customer=grade_a, payment_terms="credit", credit_days=30).allowed is True
    assert credit_terms_check(customer=grade_a, payment_terms="credit", credit_days=31).allowed is False
    assert credit_terms_check(customer=grade_a, payment_terms="cash_on_delivery").allowed is True
    credit_rating_create(customer=grade_a, user=officer, grade="B", reason="b")
    grade_a.refresh_from_db()
    assert credit_terms_check(customer=grade_a, payment_terms="credit", credit_days=1).allowed is False
    assert credit_terms_check(customer=grade_a, payment_terms="cash_on_delivery").allowed is True
    credit_rating_create(customer=grade_a, user=officer, grade="C", reason="c")
    grade_a.refresh_from_db()
    assert credit_terms_check(customer=grade_a, payment_terms="cash_on_delivery").allowed is False
    assert credit_terms_check(customer=grade_a, payment_terms="prepayment").allowed is True
    credit_rating_create(customer=grade_a, user=officer, grade="D", reason="d")
    grade_a.refresh_from_db()
    d = credit_terms_check(customer=grade_a, payment_terms="prepayment")
    assert (d.allowed, d.needs_credit_officer) == (False, True)
