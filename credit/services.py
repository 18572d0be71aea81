"""Every write of the credit app (SPEC §4), and the credit check that the card, the API and the contracts
use. Keyword-only, atomic; the credit grade reaches the customer only through
customers.services.customer_credit_grade_set."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from credit.models import (
    CreditInvestigation,
    CreditOverride,
    CreditOverrideLog,
    CreditRating,
    CreditRecord,
    CreditReservation,
    Policy,
    policy_for,
)
from credit.policies import can_check_credit, can_decide_override, can_grade, can_request_override
from credit.scoring import evaluate, largest_shipment
from credit.selectors import (
    current_terms,
    overrides_reserved,
    receivables,
    reserved_by_checks,
    review_reason,
    reviews_due,
)
from crm.exceptions import ApplicationError, PermissionDeniedError
from crm.jobs import job_key
from crm.notifications import notify
from crm.roles import Role
from crm.rules import rule_value
from crm.uploads import validate_upload
from crm.workflow import Action, Workflow
from customers.models import Customer, Tier

ZERO = Decimal("0")
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("99999999999999.99")
REVIEW_JOB = "credit-review"


def _money(value: Decimal | None) -> str:
    return f"{value or ZERO:,.2f}"


def parse_amount(raw, *, field: str = "amount") -> Decimal:
    """A shipment's amount in CNY: a number ≥ 0 with at most two decimals (else ApplicationError → 400)."""
    if raw is None or str(raw).strip() == "":
        raise ApplicationError(_("Give the amount to check."), field=field)
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ApplicationError(_("The amount must be a number."), field=field) from None
    if not value.is_finite():
        raise ApplicationError(_("The amount must be a number."), field=field)
    if value < 0 or value > MAX_AMOUNT:
        raise ApplicationError(_("The amount must be between 0 and %(max)s.") % {"max": MAX_AMOUNT}, field=field)
    if value != value.quantize(CENT):
        raise ApplicationError(_("The amount has at most two decimals (cents)."), field=field)
    return value.quantize(CENT)


def _require_officer(user) -> None:
    if not can_grade(user):
        raise PermissionDeniedError(_("Only credit officers may do this."))


def _full_clean(obj) -> None:
    try:
        obj.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise ApplicationError(messages[0], field=None if field == "__all__" else field) from error


# --- Investigation (信用调查) ------------------------------------------------------------------------------

@transaction.atomic
def credit_investigation_create(*, customer: Customer, user, investigated_on: dt.date, subject: str,
                                sources: str, findings: str, agency: str = "", report=None) -> CreditInvestigation:
    _require_officer(user)
    if investigated_on > timezone.localdate():
        raise ApplicationError(_("An investigation cannot be dated in the future."), field="investigated_on")
    investigation = CreditInvestigation(customer=customer, investigated_on=investigated_on, subject=subject,
                                        sources=sources, findings=findings, agency=agency, investigated_by=user)
    if report:
        try:
            validate_upload(report, field="report")
        except ValidationError as error:
            raise ApplicationError(error.message_dict["report"][0], field="report") from error
        investigation.report = report
        investigation.report_name = report.name.rsplit("/", 1)[-1][:255]
    _full_clean(investigation)
    investigation.save()
    return investigation


# --- Credit records (信用档案) ------------------------------------------------------------------------------

@transaction.atomic
def credit_record_create(*, customer: Customer, user, kind: str, event_date: dt.date, title: str,
                         severity: str = "", description: str = "", source: str = "") -> CreditRecord:
    """Enter a positive, hint or warning record; its entry date is today, so late reporting shows. A
    warning record makes the customer's grade due for review (the daily job tells the credit officers)."""
    _require_officer(user)
    today = timezone.localdate()
    if kind not in CreditRecord.Kind.values:
        raise ApplicationError(_("Unknown kind of credit record."), field="kind")
    if kind == CreditRecord.Kind.WARNING and severity not in CreditRecord.Severity.values:
        raise ApplicationError(_("A warning record needs its severity."), field="severity")
    if kind != CreditRecord.Kind.WARNING and severity:
        raise ApplicationError(_("Only warning records carry a severity."), field="severity")
    if event_date > today:
        raise ApplicationError(_("The event cannot be in the future."), field="event_date")
    record = CreditRecord(customer=customer, kind=kind, severity=severity or "", event_date=event_date,
                          entered_on=today, title=title, description=description, source=source, entered_by=user)
    _full_clean(record)
    record.save()
    return record


# --- Grading (资信分级) ---------------------------------------------------------------------------------------

@transaction.atomic
def credit_rating_create(*, customer: Customer, user, grade: str, reason: str = "",
                         credit_limit: Decimal | None = None, grace_days: int | None = None) -> CreditRating:
    """Grade `customer`: the evaluation of today is kept with the grade set, by whom and why. A grade other
    than the proposed one needs a reason. Grade A carries a credit limit no larger than one shipment's
    value (the largest business record of the lookback; none → no credit) and grace days."""
    _require_officer(user)
    if grade not in Tier.values:
        raise ApplicationError(_("A credit grade is A, B, C or D."), field="grade")
    reason = (reason or "").strip()
    customer = Customer.objects.select_for_update(of=("self",)).get(pk=customer.pk)
    evaluation = evaluate(customer)
    if grade != evaluation.proposed_grade and not reason:
        raise ApplicationError(_("Give the reason for a grade other than the proposed %(grade)s.")
                               % {"grade": evaluation.proposed_grade}, field="reason")
    largest = largest_shipment(customer)
    if grade == Tier.A:
        if credit_limit is None:
            credit_limit = largest or ZERO
        credit_limit = Decimal(credit_limit)
        if credit_limit < 0:
            raise ApplicationError(_("A credit limit cannot be negative."), field="credit_limit")
        if credit_limit > (largest or ZERO):
            if largest is None:
                message = _("This customer has no business in the last %(months)s months: no credit limit.") % {
                    "months": rule_value("CREDIT_LIMIT_LOOKBACK_MONTHS")}
            else:
                message = _("The credit limit may not exceed one shipment's value: the largest business record "
                            "of the last %(months)s months is %(largest)s.") % {
                    "months": rule_value("CREDIT_LIMIT_LOOKBACK_MONTHS"), "largest": _money(largest)}
            raise ApplicationError(message, field="credit_limit")
        if grace_days is None:
            grace_days = int(rule_value("CREDIT_GRACE_DAYS"))
        if not 0 <= int(grace_days) <= 365:
            raise ApplicationError(_("Grace days are between 0 and 365."), field="grace_days")
    else:
        if credit_limit not in (None, "") and Decimal(credit_limit) != 0:
            raise ApplicationError(_("Only grade A carries a credit limit."), field="credit_limit")
        if grace_days not in (None, "") and int(grace_days) != 0:
            raise ApplicationError(_("Only grade A carries grace days."), field="grace_days")
        credit_limit = grace_days = None
    rating = CreditRating.objects.create(
        customer=customer, rated_at=timezone.now(), rated_by=user, score=evaluation.score,
        proposed_grade=evaluation.proposed_grade, grade=grade, reason=reason, credit_limit=credit_limit,
        grace_days=grace_days, largest_shipment=largest, indicators=evaluation.as_json())
    from customers.services import customer_credit_grade_set

    history_reason = reason or _("Proposed grade %(grade)s confirmed (score %(score)s).") % {
        "grade": grade, "score": evaluation.score}
    customer_credit_grade_set(customer=customer, grade=grade, user=user, reason=history_reason)
    return rating


# --- The credit check ----------------------------------------------------------------------------------------

@dataclass
class CreditCheck:
    customer_id: int
    amount: Decimal
    allowed: bool
    grade: str | None
    policy: str
    open_receivables: Decimal
    overdue_receivables: Decimal
    credit_limit: Decimal
    remaining_limit: Decimal
    reserved_by_overrides: Decimal
    reserved_by_checks: Decimal
    grace_days: int
    reason: str
    override_id: int | None = None
    override_available: CreditOverride | None = None
    largest_approved_override: Decimal = ZERO

    def as_api(self) -> dict:
        return {"allowed": self.allowed, "grade": self.grade, "policy": self.policy,
                "open_receivables": self.open_receivables, "overdue_receivables": self.overdue_receivables,
                "remaining_limit": self.remaining_limit, "reason": self.reason,
                "credit_limit": self.credit_limit, "reserved_by_overrides": self.reserved_by_overrides,
                "reserved_by_checks": self.reserved_by_checks, "grace_days": self.grace_days,
                "override": self.override_id}


POLICY_REASONS = {
    None: gettext_lazy("Not graded yet: payment before shipment."),
    Tier.B: gettext_lazy("Grade B: cash on delivery; ship only once payment is confirmed ready."),
    Tier.C: gettext_lazy("Grade C: payment before shipment."),
    Tier.D: gettext_lazy("Grade D: payment before shipment strictly; the customer is being phased out."),
}


def _decide(customer: Customer, amount: Decimal, *, today: dt.date | None, except_shipment: str = "") -> CreditCheck:
    """The answer from the state of the database (a fixed number of queries)."""
    grade = customer.credit_grade
    policy = policy_for(grade)
    rating = current_terms(customer) if grade == Tier.A else None
    graded_a = grade == Tier.A and rating is not None and rating.grade == Tier.A
    grace = int(rating.grace_days or 0) if graded_a else 0
    figures = receivables(customer, grace_days=grace, today=today)
    overrides = overrides_reserved(customer)
    held = reserved_by_checks(customer, except_shipment=except_shipment) if grade == Tier.A else ZERO
    limit = min(rating.credit_limit or ZERO, figures.largest_shipment or ZERO) if graded_a else ZERO
    remaining = max(ZERO, limit - figures.open - overrides.total - held) if grade == Tier.A else ZERO
    allowed = False
    if grade != Tier.A:
        reason = str(POLICY_REASONS[grade])
    elif limit <= 0:
        reason = _("Grade A, but no credit limit: no business record in the last %(months)s months.") % {
            "months": rule_value("CREDIT_LIMIT_LOOKBACK_MONTHS")}
    elif figures.overdue > 0:
        reason = _("Refused: %(overdue)s of receivables are overdue beyond the %(days)s grace days.") % {
            "overdue": _money(figures.overdue), "days": grace}
    elif amount > remaining:
        reason = _("Refused: %(amount)s exceeds the remaining credit limit of %(remaining)s (limit %(limit)s, "
                   "open receivables %(open)s).") % {"amount": _money(amount), "remaining": _money(remaining),
                                                     "limit": _money(limit), "open": _money(figures.open)}
        if overrides.total or held:
            reason += " " + _("Shipments allowed but not yet recorded hold %(held)s; approved overrides "
                              "%(reserved)s.") % {"held": _money(held), "reserved": _money(overrides.total)}
    else:
        allowed = True
        reason = _("Allowed on credit: %(remaining)s of the limit remain after this shipment.") % {
            "remaining": _money(remaining - amount)}
    return CreditCheck(customer_id=customer.pk, amount=amount, allowed=allowed, grade=grade, policy=policy.value,
                       open_receivables=figures.open, overdue_receivables=figures.overdue, credit_limit=limit,
                       remaining_limit=remaining, reserved_by_overrides=overrides.total, reserved_by_checks=held,
                       grace_days=grace, reason=reason, largest_approved_override=overrides.largest_approved)


def credit_check(*, customer: Customer, amount, user=None, for_shipment: bool = False, shipment_ref: str = "",
                 today: dt.date | None = None) -> CreditCheck:
    """May `customer` ship `amount` on credit? (SPEC §4.2.) For an A customer: no receivables overdue past
    the due date plus its grace days, and the amount within the remaining limit: limit − open receivables −
    what valid overrides reserve − what earlier allowed checks hold for shipments not recorded yet.
    A refusal is lifted once by an approved override for at least this amount.

    `for_shipment` is the freight system's check before it ships (the API): checks of one customer run one
    at a time (row lock on the customer), an allowed one holds its amount until the shipment's business
    record arrives (CREDIT_RESERVATION_DAYS at most; `shipment_ref`, the shipment's id, links them and makes
    a repeated check of the same shipment replace its hold), and an override that lifts a refusal is used
    up. So neither splitting an order, nor duplicating it, nor two simultaneous checks stretch the limit or
    an override. Without it (the card, the credit file) the check only answers and names an available
    override. A constant number of queries, whatever the number of business records."""
    amount = parse_amount(amount)
    shipment_ref = (shipment_ref or "").strip()[:64]
    if user is not None and not can_check_credit(user, customer):
        raise PermissionDeniedError(_("You may not read this customer."))
    if not for_shipment:
        check = _decide(customer, amount, today=today)
        if not check.allowed and check.largest_approved_override >= amount:
            _name_available_override(check, customer, amount)
        return check
    with transaction.atomic():
        list(Customer.objects.select_for_update(of=("self",)).filter(pk=customer.pk).values_list("pk"))
        check = _decide(customer, amount, today=today, except_shipment=shipment_ref)
        if check.allowed and check.grade == Tier.A:
            _hold(customer=customer, amount=amount, shipment_ref=shipment_ref, user=user)
            return check
        if shipment_ref:  # a shipment checked again and now refused holds nothing any more
            CreditReservation.objects.filter(customer=customer, shipment_ref=shipment_ref).delete()
        if check.largest_approved_override < amount:
            return check  # no approved override could lift the refusal
        used = _override_consume(customer=customer, amount=amount, user=user, shipment_ref=shipment_ref)
    if used is not None:
        check.allowed, check.override_id = True, used.pk
        check.reason = _("Allowed by a credit override of %(amount)s approved by %(officer)s (%(reason)s); "
                         "the override is now used.") % {
            "amount": _money(used.amount), "officer": _person(used.approved_by), "reason": used.reason}
    return check


def _hold(*, customer: Customer, amount: Decimal, shipment_ref: str, user) -> None:
    expires = timezone.now() + dt.timedelta(days=int(rule_value("CREDIT_RESERVATION_DAYS")))
    checked_by = user if getattr(user, "pk", None) else None
    # The customer's row is locked by the caller: a plain UPDATE, then an INSERT if there was nothing to
    # update, cannot race (and costs one query for a shipment checked again, not update_or_create's four).
    if shipment_ref and CreditReservation.objects.filter(customer=customer, shipment_ref=shipment_ref).update(
            amount=amount, expires_at=expires, checked_by=checked_by):
        return
    CreditReservation.objects.create(customer=customer, amount=amount, shipment_ref=shipment_ref, expires_at=expires,
                                     checked_by=checked_by)


def _name_available_override(check: CreditCheck, customer: Customer, amount: Decimal) -> None:
    available = (CreditOverride.objects.filter(customer=customer, status=CreditOverride.Status.APPROVED,
                                               expires_at__gt=timezone.now(), amount__gte=amount)
                 .select_related("approved_by").first())
    if available is not None:
        check.override_available = available
        check.reason += " " + _("An approved override of %(amount)s valid until %(until)s would lift this "
                                "refusal once.") % {
            "amount": _money(available.amount),
            "until": formats.date_format(timezone.localtime(available.expires_at), "SHORT_DATETIME_FORMAT")}


@dataclass(frozen=True)
class TermsCheck:
    allowed: bool
    needs_credit_officer: bool
    reason: str


def credit_terms_check(*, customer: Customer, payment_terms: str, credit_days: int | None = None) -> TermsCheck:
    """Whether a contract's payment terms fit the customer's credit policy (SPEC §7.3), for the contracts
    app: credit terms only for an A customer, with credit days no longer than its grace days; cash on
    delivery for A or B; prepayment for anyone; a D customer's new contract needs a credit officer."""
    grade = customer.credit_grade
    if grade == Tier.D:
        return TermsCheck(False, True, str(_("A grade D customer's new contract needs a credit officer's approval.")))
    if payment_terms == "prepayment":
        return TermsCheck(True, False, "")
    if payment_terms == "cash_on_delivery":
        if grade in (Tier.A, Tier.B):
            return TermsCheck(True, False, "")
        return TermsCheck(False, False, str(_("Cash on delivery is for grade A or B customers only.")))
    if payment_terms == "credit":
        if grade != Tier.A:
            return TermsCheck(False, False, str(_("Credit terms are for grade A customers only.")))
        rating = current_terms(customer)
        grace = int(rating.grace_days or 0) if rating is not None and rating.grade == Tier.A else 0
        if credit_days is None or credit_days > grace:
            return TermsCheck(False, False, str(_("Credit days may not exceed the customer's %(days)s grace days.")
                                                % {"days": grace}))
        return TermsCheck(True, False, "")
    return TermsCheck(False, False, str(_("Unknown payment terms.")))


def _person(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


# --- Overrides ------------------------------------------------------------------------------------------------

def _approve(obj: CreditOverride, *, user, data: dict, comment: str):
    days = int(data.get("days") or rule_value("CREDIT_OVERRIDE_DAYS"))
    if not 1 <= days <= int(rule_value("CREDIT_OVERRIDE_DAYS")):
        raise ApplicationError(_("An override is valid for 1 to %(max)s days.")
                               % {"max": rule_value("CREDIT_OVERRIDE_DAYS")}, field="days")
    now = timezone.now()
    obj.approved_by, obj.approved_at, obj.expires_at = user, now, now + dt.timedelta(days=days)
    return ["approved_by", "approved_at", "expires_at"]


def _consume(obj: CreditOverride, *, user, data: dict, comment: str):
    if obj.expires_at is None or obj.expires_at <= timezone.now():
        raise ApplicationError(_("This override has expired."))
    obj.consumed_at, obj.consumed_amount = timezone.now(), data["amount"]
    fields = ["consumed_at", "consumed_amount"]
    if data.get("shipment"):
        obj.shipment_ref = data["shipment"][:64]
        fields.append("shipment_ref")
    return fields


OVERRIDE_FLOW = Workflow(
    model=CreditOverride, log_model=CreditOverrideLog, state_field="status",
    actions=[
        Action("approve", gettext_lazy("Approve"), sources=[CreditOverride.Status.REQUESTED],
               target=CreditOverride.Status.APPROVED, guard=lambda user, obj: can_decide_override(user),
               apply=_approve, denied=gettext_lazy("Only credit officers decide credit overrides."),
               style="success"),
        Action("reject", gettext_lazy("Reject"), sources=[CreditOverride.Status.REQUESTED],
               target=CreditOverride.Status.REJECTED, guard=lambda user, obj: can_decide_override(user),
               denied=gettext_lazy("Only credit officers decide credit overrides."), style="danger"),
        Action("consume", gettext_lazy("Used by a shipment"), sources=[CreditOverride.Status.APPROVED],
               target=CreditOverride.Status.CONSUMED, apply=_consume),
        Action("expire", gettext_lazy("Expired"), sources=[CreditOverride.Status.APPROVED],
               target=CreditOverride.Status.EXPIRED),
    ],
)


def _override_consume(*, customer: Customer, amount: Decimal, user, shipment_ref: str) -> CreditOverride | None:
    """Take the customer's approved, valid override covering `amount`, under a row lock: a second check
    waiting on the lock then finds it used and gets None."""
    with transaction.atomic():
        candidate = (CreditOverride.objects.select_for_update()
                     .filter(customer=customer, status=CreditOverride.Status.APPROVED, expires_at__gt=timezone.now(),
                             amount__gte=amount)
                     .filter(Q(shipment_ref="") | Q(shipment_ref=shipment_ref or ""))
                     .order_by("expires_at", "pk").first())
        if candidate is None:
            return None
        used = OVERRIDE_FLOW.transition(candidate, action="consume", user=user,
                                        data={"amount": amount, "shipment": shipment_ref})
    return CreditOverride.objects.select_related("approved_by").get(pk=used.pk)


def _expire_stale(customer: Customer) -> None:
    stale = CreditOverride.objects.filter(customer=customer, status=CreditOverride.Status.APPROVED,
                                          expires_at__lte=timezone.now())
    for override in stale:
        OVERRIDE_FLOW.transition(override, action="expire", user=None)


@transaction.atomic
def credit_override_request(*, customer: Customer, user, amount, reason: str,
                            shipment_ref: str = "") -> CreditOverride:
    """Ask to lift a refused credit check for one amount. Only a refusal can be lifted, and a customer has
    at most one open override: asking again does not stretch it."""
    if not can_request_override(user, customer):
        raise PermissionDeniedError(_("You may not ask for a credit override for this customer."))
    amount = parse_amount(amount)
    if amount <= 0:
        raise ApplicationError(_("The amount must be more than zero."), field="amount")
    if not (reason or "").strip():
        raise ApplicationError(_("Give the reason for the override."), field="reason")
    Customer.objects.select_for_update(of=("self",)).get(pk=customer.pk)
    _expire_stale(customer)
    if CreditOverride.objects.filter(customer=customer, status__in=[CreditOverride.Status.REQUESTED,
                                                                     CreditOverride.Status.APPROVED]).exists():
        raise ApplicationError(_("This customer already has an open override: it must be used, expire or be "
                                 "decided before another one."), field="amount")
    check = credit_check(customer=customer, amount=amount)
    if check.allowed:
        raise ApplicationError(_("The credit check allows this amount already: no override is needed."),
                               field="amount")
    override = CreditOverride(customer=customer, amount=amount, reason=reason.strip(), requested_by=user,
                              shipment_ref=(shipment_ref or "")[:64])
    _full_clean(override)
    try:
        with transaction.atomic():
            override.save()
    except IntegrityError:
        raise ApplicationError(_("This customer already has an open override."), field="amount") from None
    OVERRIDE_FLOW.log(override, action="request", user=user, to_state=override.status, comment=override.reason,
                      data={"amount": str(amount)})
    return override


def credit_override_decide(*, override: CreditOverride, user, action: str, comment: str = "",
                           days: int | None = None) -> CreditOverride:
    """Approve (valid for `days`, at most CREDIT_OVERRIDE_DAYS) or reject a requested override."""
    if action not in ("approve", "reject"):
        raise ApplicationError(_("Unknown action."), field="action")
    if action == "reject" and not (comment or "").strip():
        raise ApplicationError(_("Give the reason for the rejection."), field="comment")
    return OVERRIDE_FLOW.transition(override, action=action, user=user, comment=comment,
                                    data={"days": days} if days else {})


@transaction.atomic
def credit_override_grant(*, customer: Customer, user, amount, reason: str, days: int | None = None,
                          shipment_ref: str = "") -> CreditOverride:
    """A credit officer lifts a refusal at once: the request and its approval in one step."""
    if not can_decide_override(user):
        raise PermissionDeniedError(_("Only credit officers decide credit overrides."))
    override = credit_override_request(customer=customer, user=user, amount=amount, reason=reason,
                                       shipment_ref=shipment_ref)
    return credit_override_decide(override=override, user=user, action="approve", comment=reason, days=days)


def credit_overrides_expire() -> int:
    """Bookkeeping: mark approved overrides past their validity as expired (checks compare the time
    themselves). Returns how many."""
    count = 0
    for override in CreditOverride.objects.filter(status=CreditOverride.Status.APPROVED,
                                                  expires_at__lte=timezone.now()):
        try:
            OVERRIDE_FLOW.transition(override, action="expire", user=None)
            count += 1
        except ApplicationError:  # used or expired meanwhile by another process
            continue
    return count


# --- Reviews due (SPEC §4.3, §10) ---------------------------------------------------------------------------

def credit_reviews_notify() -> int:
    """Tell every credit officer, once per due review, which customer's grade is due and why. A review is
    identified by the rating it reviews (yearly) or the warning record that made it due, so a repeated or
    late run sends nothing twice and a new grading ends it. Returns the number of notices sent."""
    from django.urls import reverse

    from crm.models import User

    officers = list(User.objects.filter(is_active=True, groups__name=Role.CREDIT_OFFICER).distinct())
    if not officers:
        return 0
    sent = 0
    for customer in reviews_due().iterator(chunk_size=500):
        why = review_reason(customer)
        what = (f"{customer.pk}:warning:{customer.last_warning_id}" if why == "warning"
                else f"{customer.pk}:yearly:{customer.last_rating_id}")
        title = (gettext_lazy("Credit review due after a warning record: %(name)s") if why == "warning"
                 else gettext_lazy("Yearly credit review due: %(name)s"))
        for officer in officers:
            notice = notify(recipient=officer, title=title, params={"name": customer.name},
                            url=reverse("credit:customer", args=[customer.pk]), dedupe_key=job_key(REVIEW_JOB, what))
            sent += notice is not None
    return sent


__all__ = [
    "OVERRIDE_FLOW", "CreditCheck", "Policy", "credit_check", "credit_investigation_create", "credit_override_decide",
    "credit_override_grant", "credit_override_request", "credit_overrides_expire", "credit_rating_create",
    "credit_record_create", "credit_reviews_notify", "parse_amount",
]
