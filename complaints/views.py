"""Complaint pages: the list with its SLA states, registration from a phone call (the customer found by
name or code, nothing else of the archive shown), the complaint card with its timeline and the forms of
the steps the user may take, the printable card (form 8), and the statistics."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import sla
from complaints.forms import STEP_FORMS, ComplaintFilterForm, ComplaintRegisterForm
from complaints.models import Complaint
from complaints.policies import can_register
from complaints.selectors import complaint_list, complaints_visible_to
from complaints.services import COMPLAINT_FLOW, REGISTER_LABEL, complaint_register
from complaints.statistics import complaint_statistics
from crm.exceptions import ApplicationError, PermissionDeniedError
from crm.forms_base import apply_service_error
from crm.rules import rule_value
from crm.tabular import XLSX_CONTENT_TYPE, write_xlsx
from crm.workdays import company_calendar
from crm.workflow_views import TransitionView
from customers.key_accounts.care import service_plan_of
from customers.models import Customer
from customers.policies import can_read_customer, is_identity_only

PAGE_SIZE = 50
LOOKUP_ROWS = 15
STEP_LABELS = {"register": REGISTER_LABEL}


def _require_person(user) -> None:
    if is_identity_only(user) or not user.groups.exists():
        raise Http404("No such page")


def _clocks(complaint: Complaint, now, *, settings: dict | None = None) -> dict:
    settings = settings or _clock_settings()
    return {
        "reply": sla.clock_state(due=complaint.reply_due_at, done_at=complaint.first_reply_at,
                                 running=complaint.is_open, now=now, **settings),
        "implement": sla.clock_state(due=complaint.implement_due_at, done_at=complaint.implemented_at,
                                     running=complaint.is_open and complaint.is_valid is not False, now=now,
                                     **settings),
    }


def _clock_settings() -> dict:
    return {"approaching_hours": rule_value("COMPLAINT_APPROACHING_WORKING_HOURS"), "calendar": company_calendar()}


@login_required
def complaint_list_view(request):
    _require_person(request.user)
    form = ComplaintFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    qs = complaint_list(request.user, state=data.get("state", ""), subject=data.get("subject", ""),
                        department=data.get("department", ""), sla=data.get("sla", ""), start=data.get("start"),
                        end=data.get("end"))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    settings = _clock_settings()
    rows = [{"complaint": c, "clocks": _clocks(c, now, settings=settings)} for c in page.object_list]
    return render(request, "complaints/list.html", {"form": form, "page_obj": page, "rows": rows,
                                                     "may_register": can_register(request.user)})


def _customer_from_label(text: str) -> Customer | None:
    text = (text or "").strip()
    if not text:
        return None
    code = text.split("·", 1)[0].strip().upper()
    found = Customer.objects.filter(is_active=True).filter(Q(code=code) | Q(name=text)).first()
    if found is None and "·" in text:
        found = Customer.objects.filter(is_active=True, name=text.split("·", 1)[1].strip()).first()
    return found


@login_required
def customer_lookup(request):
    """The registration picker: active customers matching a name or code, shown by name and code only."""
    if not can_register(request.user):
        raise Http404("No such page")
    term = " ".join((request.GET.get("q") or request.GET.get("customer_label", "")).split())[:60]
    rows = []
    if len(term) >= 2:
        rows = list(Customer.objects.filter(is_active=True).filter(Q(code__istartswith=term) | Q(
            name__icontains=term) | Q(short_name__icontains=term)).order_by("name").values_list(
            "code", "name")[:LOOKUP_ROWS])
    return render(request, "complaints/_customer_options.html", {"rows": rows})


@login_required
def complaint_register_view(request):
    if not can_register(request.user):
        raise Http404("No such page")
    data = request.POST.copy() if request.method == "POST" else None
    if data is not None:
        customer = _customer_from_label(data.get("customer_label", ""))
        data["customer_id"] = str(customer.pk) if customer else ""
    form = ComplaintRegisterForm(data)
    if request.method == "POST":
        if not data.get("customer_id"):
            form.add_error("customer_label", _("Pick the customer from the list, or type its code or full name."))
        elif form.is_valid():
            values = form.cleaned_data
            try:
                complaint = complaint_register(
                    user=request.user, customer=Customer.objects.get(pk=values["customer_id"]),
                    received_at=values.get("received_at"),
                    **{name: values[name] for name in ComplaintRegisterForm.Meta.fields})
            except PermissionDeniedError:
                raise PermissionDenied from None
            except (ApplicationError, ValidationError) as error:
                apply_service_error(form, error)
            else:
                messages.success(request, _("Complaint #%(id)s registered: the first reply is due by %(due)s.") % {
                    "id": complaint.pk, "due": timezone.localtime(complaint.reply_due_at).strftime("%Y-%m-%d %H:%M")})
                return redirect("complaints:detail", pk=complaint.pk)
    return render(request, "complaints/register.html", {"form": form})


def _visible(request, pk) -> Complaint:
    _require_person(request.user)
    return get_object_or_404(complaints_visible_to(request.user).prefetch_related("penalties"), pk=pk)


@login_required
def complaint_detail(request, pk):
    complaint = _visible(request, pk)
    actions = [step for step in COMPLAINT_FLOW.available(request.user, complaint)
               if not (step.name == "return_visit" and complaint.return_visit_at)]  # recorded once only
    forms = [{"step": step, "form": (STEP_FORMS.get(step.name) or (lambda: None))()} for step in actions]
    return render(request, "complaints/detail.html", {
        "complaint": complaint, "forms": forms, "timeline": COMPLAINT_FLOW.timeline(complaint, labels=STEP_LABELS),
        "clocks": _clocks(complaint, timezone.now()), "plan": service_plan_of(complaint.customer),
        "today": timezone.localdate(), "reads_archive": can_read_customer(request.user, complaint.customer),
    })


@login_required
def complaint_print(request, pk):
    complaint = _visible(request, pk)
    return render(request, "complaints/print.html", {
        "complaint": complaint, "timeline": COMPLAINT_FLOW.timeline(complaint, labels=STEP_LABELS)})


class ComplaintActionView(TransitionView):
    workflow = COMPLAINT_FLOW
    forms = STEP_FORMS

    def get_object(self):
        return _visible(self.request, self.kwargs["pk"])

    def get_success_url(self, obj) -> str:
        return reverse("complaints:detail", args=[obj.pk])


def _period(request) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    try:
        start = dt.date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        start = today.replace(month=1, day=1)
    try:
        end = dt.date.fromisoformat(request.GET.get("end", ""))
    except ValueError:
        end = today
    return start, end


@login_required
def statistics_view(request):
    _require_person(request.user)
    start, end = _period(request)
    stats = complaint_statistics(request.user, start=start, end=end)
    if request.GET.get("format") == "xlsx":
        sheets = [
            (_("Summary"), [_("Figure"), _("Value")], [
                [_("Number of complaints"), stats.complaints], [_("Shipments"), stats.shipments],
                [_("Complaints per 100 shipments"), stats.rate_per_100_shipments],
                [_("Validity rate (%)"), stats.validity_rate],
                [_("First reply on time (%)"), stats.reply_on_time],
                [_("Implemented on time (%)"), stats.implement_on_time],
                [_("First reply, mean (working hours)"), stats.first_reply_hours["mean"]],
                [_("First reply, 90th percentile (working hours)"), stats.first_reply_hours["p90"]],
                [_("Resolution, mean (working hours)"), stats.resolution_hours["mean"]],
                [_("Resolution, 90th percentile (working hours)"), stats.resolution_hours["p90"]]]),
            (_("By subject"), [_("Subject"), _("Number of complaints"), _("Share (%)")],
             [[r["label"], r["count"], r["share"]] for r in stats.by_subject]),
            (_("By department"), [_("Department"), _("Number of complaints"), _("Share (%)")],
             [[r["department"], r["count"], r["share"]] for r in stats.by_department]),
            (_("Response by department"), [_("Department"), _("Mean (working hours)"), _("90th percentile"),
                                           _("Number of complaints")],
             [[r["department"], r["mean"], r["p90"], r["count"]] for r in stats.department_response_hours]),
            (_("Repeat complainers"), [_("Customer code"), _("Customer"), _("Number of complaints")],
             [[r["code"], r["name"], r["count"]] for r in stats.repeat_complainers]),
        ]
        response = HttpResponse(write_xlsx(sheets), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="complaints-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"'
        return response
    charts = {
        "subject": {"categories": [r["label"] for r in stats.by_subject],
                    "series": [{"name": _("Number of complaints"), "data": [r["count"] for r in stats.by_subject]}]},
        "department": {"categories": [r["department"] for r in stats.by_department],
                       "series": [{"name": _("Number of complaints"),
                                   "data": [r["count"] for r in stats.by_department]}]},
    }
    return render(request, "complaints/statistics.html", {"stats": stats, "charts": charts, "start": start,
                                                           "end": end})


urlpatterns = [
    path("", complaint_list_view, name="list"),
    path("new/", complaint_register_view, name="register"),
    path("customer-lookup/", customer_lookup, name="customer_lookup"),
    path("statistics/", statistics_view, name="statistics"),
    path("<int:pk>/", complaint_detail, name="detail"),
    path("<int:pk>/print/", complaint_print, name="print"),
    path("<int:pk>/act/", ComplaintActionView.as_view(), name="act"),
]
