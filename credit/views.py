"""Pages of the credit app: the credit officer's queue, a customer's credit file (evaluation, grading,
credit records, investigations, overrides, the check), the agency report download and form 5.

Thin doors: the archive comes from customers.selectors (404 when unreadable); credit details need
can_see_credit_details (403 otherwise); every write is one credit.services call."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from credit import selectors
from credit.forms import CheckForm, GradeForm, InvestigationForm, OverrideDecisionForm, OverrideForm, RecordForm
from credit.models import CreditInvestigation, CreditOverride, Integrity, policy_for
from credit.overdue import overdue_customers
from credit.policies import can_grade, can_request_override, can_see_credit_details, is_credit_officer
from credit.reports import form5_data, form5_sheet
from credit.scoring import evaluate, largest_shipment
from credit.services import (
    OVERRIDE_FLOW,
    credit_check,
    credit_investigation_create,
    credit_override_decide,
    credit_override_grant,
    credit_override_request,
    credit_rating_create,
    credit_record_create,
)
from crm.exceptions import ApplicationError
from crm.roles import Role, has_role
from crm.rules import rule_value
from crm.tabular import XLSX_CONTENT_TYPE, write_xlsx
from customers.models import AccessLog, Tier
from customers.selectors import customer_get_for_user, is_identity_only
from customers.services import access_log_record

QUEUE_ROLES = (Role.CREDIT_OFFICER, Role.GM)
QUEUE_ROWS = 50


def _credit_customer(request, pk):
    """The archive (404 when unreadable) whose credit details the user may see (403 otherwise)."""
    if is_identity_only(request.user):
        raise PermissionDenied
    customer = customer_get_for_user(request.user, pk)
    if not can_see_credit_details(request.user, customer):
        raise PermissionDenied
    return customer


def _apply_error(form, error: ApplicationError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


def _page(request, customer, *, status: int = 200, **forms):
    user = request.user
    rating = selectors.current_rating(customer)
    evaluation = evaluate(customer)
    check_form = forms.get("check_form") or CheckForm(request.GET or None)
    check = None
    if check_form.is_bound and check_form.is_valid():
        check = credit_check(customer=customer, amount=check_form.cleaned_data["amount"], user=user)
    officer = can_grade(user)
    grade_initial = {"grade": evaluation.proposed_grade, "grace_days": rule_value("CREDIT_GRACE_DAYS")}
    overrides = list(selectors.overrides_visible_to(user).filter(customer=customer)[:20])
    for override in overrides:
        override.actions = OVERRIDE_FLOW.available(user, override) if officer else []
    integrity = selectors.integrity_class(customer)
    context = {
        "customer": customer, "rating": rating, "evaluation": evaluation, "officer": officer,
        "policy": policy_for(customer.credit_grade), "integrity": integrity,
        "integrity_label": Integrity(integrity).label, "largest": largest_shipment(customer),
        "next_review": selectors.next_review_on(customer, rating),
        "ratings": customer.credit_ratings.select_related("rated_by").order_by("-rated_at", "-id")[:50],
        "records": customer.credit_records.select_related("entered_by").order_by("-event_date", "-id")[:100],
        "investigations": customer.credit_investigations.select_related("investigated_by")[:50],
        "overrides": overrides, "check_form": check_form, "check": check,
        "grade_form": forms.get("grade_form") or GradeForm(initial=grade_initial),
        "record_form": forms.get("record_form") or RecordForm(),
        "investigation_form": forms.get("investigation_form") or InvestigationForm(),
        "override_form": forms.get("override_form") or OverrideForm(),
        "may_request_override": can_request_override(user, customer),
        "decision_form": OverrideDecisionForm(),
    }
    return render(request, "credit/customer.html", context, status=status)


@login_required
def customer_credit_view(request, pk: int):
    customer = _credit_customer(request, pk)
    access_log_record(user=request.user, action=AccessLog.Action.READ, channel=AccessLog.Channel.WEB,
                      customer=customer, request=request, detail="credit file")
    return _page(request, customer)


def _post(request, pk: int, form_class, form_key: str, save, success: str, anchor: str, files: bool = False,
          allowed=None):
    """Validate `form_class`, call `save(customer, data)`; 403 unless `allowed(user, customer)` (default:
    credit officers only)."""
    customer = _credit_customer(request, pk)
    if not (allowed(request.user, customer) if allowed else can_grade(request.user)):
        raise PermissionDenied
    form = form_class(request.POST, request.FILES if files else None)
    if form.is_valid():
        try:
            save(customer, form.cleaned_data)
        except ApplicationError as error:
            _apply_error(form, error)
        else:
            messages.success(request, success)
            return redirect(f"{reverse('credit:customer', args=[customer.pk])}#{anchor}")
    return _page(request, customer, status=400, **{form_key: form})


@login_required
@require_POST
def grade_view(request, pk: int):
    def save(customer, data):
        credit_rating_create(customer=customer, user=request.user, grade=data["grade"], reason=data["reason"],
                             credit_limit=data["credit_limit"],
                             grace_days=data["grace_days"] if data["grade"] == Tier.A else None)
    return _post(request, pk, GradeForm, "grade_form", save, _("The credit grade is set."), "grading")


@login_required
@require_POST
def record_create_view(request, pk: int):
    def save(customer, data):
        credit_record_create(customer=customer, user=request.user, **data)
    return _post(request, pk, RecordForm, "record_form", save, _("The credit record is entered."), "records")


@login_required
@require_POST
def investigation_create_view(request, pk: int):
    def save(customer, data):
        credit_investigation_create(customer=customer, user=request.user, **data)
    return _post(request, pk, InvestigationForm, "investigation_form", save, _("The investigation is recorded."),
                 "investigations", files=True)


@login_required
@require_POST
def override_create_view(request, pk: int):
    def save(customer, data):
        if can_grade(request.user):
            credit_override_grant(customer=customer, user=request.user, amount=data["amount"],
                                  reason=data["reason"], days=data["days"], shipment_ref=data["shipment_ref"])
        else:
            credit_override_request(customer=customer, user=request.user, amount=data["amount"],
                                    reason=data["reason"], shipment_ref=data["shipment_ref"])
    return _post(request, pk, OverrideForm, "override_form", save, _("The override is recorded."), "overrides",
                 allowed=can_request_override)


@login_required
@require_POST
def override_decide_view(request, override_pk: int):
    override = get_object_or_404(CreditOverride, pk=override_pk)
    customer = _credit_customer(request, override.customer_id)
    form = OverrideDecisionForm(request.POST)
    if form.is_valid():
        try:
            credit_override_decide(override=override, user=request.user, action=form.cleaned_data["action"],
                                   comment=form.cleaned_data["comment"], days=form.cleaned_data["days"])
        except ApplicationError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("The override is decided."))
    else:
        messages.error(request, _("Choose approve or reject."))
    return redirect(f"{reverse('credit:customer', args=[customer.pk])}#overrides")


@login_required
def investigation_report_view(request, investigation_pk: int):
    """The agency report, only to those who may read the archive's financials (404 to others)."""
    investigation = get_object_or_404(CreditInvestigation, pk=investigation_pk)
    if is_identity_only(request.user):
        raise Http404
    customer = customer_get_for_user(request.user, investigation.customer_id)
    if not can_see_credit_details(request.user, customer) or not investigation.report:
        raise Http404
    try:
        handle = investigation.report.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("The file is missing") from None
    # A stable English key the access log shows in the reader's language (customers.models.access_log_detail_text).
    access_log_record(user=request.user, action=AccessLog.Action.DOWNLOAD, channel=AccessLog.Channel.WEB,
                      customer=customer, request=request, detail=f"agency report {investigation.pk}")
    return FileResponse(handle, as_attachment=True,
                        filename=investigation.report_name or investigation.report.name.rsplit("/", 1)[-1])


@login_required
def queue_view(request):
    """The credit officer's queue: reviews due, customers with overdue receivables, recent warnings."""
    if not (has_role(request.user, *QUEUE_ROLES) and request.user.is_active):
        raise PermissionDenied
    due = selectors.reviews_due_first(QUEUE_ROWS)
    for row in due:
        row.review_reason = selectors.review_reason(row)
    overdue = overdue_customers(limit=QUEUE_ROWS)
    return render(request, "credit/queue.html", {
        "due": due, "overdue": overdue.customers, "overdue_total": overdue.total,
        "overdue_computed_at": overdue.computed_at,
        "warnings": selectors.recent_warnings()[:QUEUE_ROWS], "grades": selectors.grade_counts(),
        "is_officer": is_credit_officer(request.user)})


# --- Form 5 ------------------------------------------------------------------------------------------------

def _year(request) -> int:
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    return min(max(year, 2000), 2100)


def _form5(request, pk: int):
    customer = _credit_customer(request, pk)
    integrity = selectors.integrity_class(customer)
    grade = customer.credit_grade
    grade_label = f"{grade or '—'} · {policy_for(grade).label}"
    return customer, form5_data(customer, _year(request), evaluation=evaluate(customer), grade_label=grade_label,
                                integrity_label=str(Integrity(integrity).label))


@login_required
def form5_view(request, pk: int):
    customer, data = _form5(request, pk)
    return render(request, "credit/form5.html", {**data, "years": range(data["year"] - 3, data["year"] + 2)})


@login_required
def form5_print_view(request, pk: int):
    customer, data = _form5(request, pk)
    access_log_record(user=request.user, action=AccessLog.Action.PRINT, channel=AccessLog.Channel.WEB,
                      customer=customer, request=request, detail="form 5")
    return render(request, "credit/form5_print.html", {**data, "today": timezone.localdate()})


@login_required
def form5_xlsx_view(request, pk: int):
    customer, data = _form5(request, pk)
    access_log_record(user=request.user, action=AccessLog.Action.EXPORT, channel=AccessLog.Channel.WEB,
                      customer=customer, request=request, detail="form 5 xlsx")
    response = HttpResponse(write_xlsx([form5_sheet(data)]), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="form5-{customer.code}-{data["year"]}.xlsx"'
    response["Cache-Control"] = "no-store"
    return response
