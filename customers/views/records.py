"""Business records in the browser (SPEC §2.5): the list of the records of readable customers with
totals; the CSV/XLSX upload with a dry-run preview and a confirmation, through the same service as
the bulk API; and the clerks' queue of unchecked archives filed by the freight system."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.exceptions import ApplicationError
from crm.home import home_panel
from crm.roles import Role, has_role
from customers.business_records.files import (
    COLUMN_ALIASES,
    FILE_COLUMNS,
    FILE_MAX_RECORDS,
    FILE_OPTIONAL_COLUMNS,
    business_records_template_csv,
    business_records_upload_confirm,
    business_records_upload_create,
    business_records_upload_preview,
    column_title,
)
from customers.business_records.filters import BusinessRecordFilter
from customers.business_records.selectors import (
    business_record_totals,
    business_records_visible_to,
    unchecked_customers_for,
)
from customers.forms import SpreadsheetUploadForm
from customers.models import ImportJob
from customers.policies import ARCHIVE_KEEPER_ROLES, STAFF_ROLES, can_upload_business_records
from customers.views.common import file_name, log_listing

PAGE_SIZE = 50
SHOWN_ERRORS = 500
LIST_ROLES = STAFF_ROLES
QUEUE_ROLES = ARCHIVE_KEEPER_ROLES
PAGE_FILTERS = ("q", "service_type", "date_from", "date_to", "overdue")


def _require(user, roles) -> None:
    if not has_role(user, *roles):
        raise PermissionDenied


def _card_url_maker():
    """Links to customer cards, when the card page is installed (it belongs to the archive views)."""
    try:
        reverse("customers:detail", args=[0])
    except NoReverseMatch:
        return lambda pk: ""
    return lambda pk: reverse("customers:detail", args=[pk])


@login_required
def business_records(request):
    _require(request.user, LIST_ROLES)
    queryset = business_records_visible_to(request.user).select_related("customer")
    record_filter = BusinessRecordFilter(request.GET or None, queryset=queryset)
    records = record_filter.qs.order_by("-date", "-id")
    page_obj = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    card_url = _card_url_maker()
    today = timezone.localdate()
    for record in page_obj:
        record.card_url = card_url(record.customer_id)
        record.is_overdue = record.open_amount > 0 and record.due_date < today
    log_listing(request, {record.customer_id: record.customer.owner_id for record in page_obj}, "business records")
    return render(request, "customers/records/list.html", {
        "form": record_filter.form, "page_obj": page_obj,
        "filter_fields": [record_filter.form[name] for name in PAGE_FILTERS],
        "totals": business_record_totals(records), "can_upload": can_upload_business_records(request.user),
    })


def _column_help() -> list[dict]:
    required = {"external_id", "date", "service_type", "amount", "due_date"}
    return [{"name": name, "title": column_title(name), "required": name in required,
             "aliases": [alias for alias in COLUMN_ALIASES[name] if alias != column_title(name)]}
            for name in (*FILE_COLUMNS, *FILE_OPTIONAL_COLUMNS)]


@login_required
def business_records_upload(request):
    if not can_upload_business_records(request.user):
        raise PermissionDenied
    form = SpreadsheetUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = business_records_upload_create(user=request.user, content=upload.read(), filename=upload.name)
        except ApplicationError as exc:
            form.add_error("file", str(exc.message))
        else:
            return redirect("customers:business_records_upload_job", pk=job.pk)
    jobs = ImportJob.objects.filter(user=request.user, kind=ImportJob.Kind.BUSINESS_RECORDS)[:10]
    return render(request, "customers/records/upload.html", {
        "form": form, "jobs": jobs, "columns": _column_help(), "max_records": FILE_MAX_RECORDS,
    })


@login_required
def business_records_upload_job(request, pk: int):
    """A job's page: the preview of a waiting file, or the result of an import."""
    job = get_object_or_404(ImportJob, pk=pk, user=request.user, kind=ImportJob.Kind.BUSINESS_RECORDS)
    context = {"job": job, "filename": file_name(job.file), "shown_errors": SHOWN_ERRORS}
    if job.status == ImportJob.Status.PENDING:
        try:
            outcome = business_records_upload_preview(job=job)
        except ApplicationError as exc:
            context["preview_error"] = str(exc.message)
        else:
            context.update(outcome=outcome, errors=outcome.errors[:SHOWN_ERRORS],
                           error_rows=len({error["row"] for error in outcome.errors}))
    elif job.status == ImportJob.Status.FAILED:
        context.update(errors=job.errors[:SHOWN_ERRORS], error_rows=len({error["row"] for error in job.errors}))
    return render(request, "customers/records/upload_job.html", context)


@login_required
@require_POST
def business_records_upload_job_confirm(request, pk: int):
    job = get_object_or_404(ImportJob, pk=pk, user=request.user, kind=ImportJob.Kind.BUSINESS_RECORDS)
    try:
        outcome = business_records_upload_confirm(job=job, user=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("customers:business_records_upload_job", pk=job.pk)
    if outcome is None:
        messages.info(request, _("This file has already been handled."))
    elif outcome.result.written:
        messages.success(request, _("Imported: %(created)d new records, %(updated)d updated.")
                         % {"created": outcome.result.created, "updated": outcome.result.updated})
    else:
        messages.error(request, _("Nothing was imported: the file has errors."))
    return redirect("customers:business_records_upload_job", pk=job.pk)


@login_required
def business_records_upload_template(request):
    if not can_upload_business_records(request.user):
        raise PermissionDenied
    response = HttpResponse(business_records_template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="business-records-template.csv"'
    return response


@login_required
def unchecked_queue(request):
    """The clerks' queue: archives filed by the freight system or from customers' forms, waiting
    for a clerk of the team to check them (SPEC §2.1, §2.5)."""
    _require(request.user, QUEUE_ROLES)
    customers = (unchecked_customers_for(request.user).select_related("owner", "team")
                 .annotate(record_count=Count("business_records")).order_by("created_at", "id"))
    page_obj = Paginator(customers, PAGE_SIZE).get_page(request.GET.get("page"))
    card_url = _card_url_maker()
    for customer in page_obj:
        customer.card_url = card_url(customer.pk)
    return render(request, "customers/records/unchecked.html", {"page_obj": page_obj})


@home_panel
def unchecked_panel(user) -> dict | None:
    """Home panel of clerks and department heads: the archives waiting to be checked."""
    if not has_role(user, Role.CLERK, Role.DEPT_HEAD):
        return None
    customers = unchecked_customers_for(user).order_by("created_at", "id")
    count = customers.count()
    if not count:
        return None
    card_url = _card_url_maker()
    return {
        "title": _("Archives waiting to be checked (%(count)d)") % {"count": count},
        "url": reverse("customers:unchecked_queue"),
        "rows": [{"label": f"{customer.code} {customer.name}", "url": card_url(customer.pk),
                  "value": customer.get_source_display()} for customer in customers[:5]],
        "empty": "",
    }


urlpatterns = [
    path("business-records/", business_records, name="business_records"),
    path("business-records/upload/", business_records_upload, name="business_records_upload"),
    path("business-records/upload/template.csv", business_records_upload_template,
         name="business_records_upload_template"),
    path("business-records/upload/<int:pk>/", business_records_upload_job, name="business_records_upload_job"),
    path("business-records/upload/<int:pk>/confirm/", business_records_upload_job_confirm,
         name="business_records_upload_confirm"),
    path("unchecked/", unchecked_queue, name="unchecked_queue"),
]
