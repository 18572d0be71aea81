"""Import and export pages (SPEC §2.1, §8): upload → dry-run preview → confirm (or cancel); large files
are checked and then written by Celery tasks, each with a progress page; the error report; template
files; CSV/XLSX exports of the list's rows."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from crm.exceptions import ApplicationError
from crm.tabular import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_stream
from customers.exports import contacts_export, customers_export, dataset_csv_stream, dataset_xlsx, export_filename
from customers.forms import SpreadsheetUploadForm
from customers.imports.columns import COLUMNS
from customers.imports.importers import KINDS
from customers.imports.jobs import (
    CANCELLABLE,
    ImportPreview,
    import_is_async,
    import_job_can_restart,
    import_job_cancel,
    import_job_confirm,
    import_job_create,
    import_job_errors,
    import_job_phase,
    import_job_preview,
    import_job_restart,
    import_job_run,
    import_job_state,
)
from customers.imports.template_files import import_template
from customers.models import ImportJob
from customers.policies import can_export, can_import
from customers.views.common import file_name


class ImportForm(SpreadsheetUploadForm):
    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"), choices=[
        (ImportJob.Kind.CUSTOMERS, ImportJob.Kind.CUSTOMERS.label),
        (ImportJob.Kind.CONTACTS, ImportJob.Kind.CONTACTS.label),
    ])
    field_order = ["kind", "file"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = gettext_lazy("The first row holds the column headers, in English or Chinese.")


NOT_QUEUED = gettext_lazy("The file is kept, but the import could not be started: the job queue is unreachable. "
                          "Start it from this page when the service is back.")


def _require_import(user) -> None:
    if not can_import(user):
        raise PermissionDenied


def _attachment(response, filename: str):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _columns_help():
    return [{"kind": kind, "columns": [c for c in COLUMNS[kind] if c.importable]} for kind in KINDS]


@login_required
def import_page(request):
    _require_import(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = import_job_create(user=request.user, kind=form.cleaned_data["kind"], content=upload.read(),
                                    filename=upload.name)
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            if import_is_async(job):
                job.refresh_from_db(fields=["status", "queued_at"])
                if import_job_state(job) == "not_queued":
                    messages.warning(request, NOT_QUEUED)
                else:
                    messages.info(request, _("The file has %(rows)d rows: it is checked in the background. "
                                             "Nothing is saved before you confirm its preview.")
                                  % {"rows": job.total_rows})
            return redirect("customers:import_job", pk=job.pk)
    jobs = ImportJob.objects.filter(user=request.user, kind__in=KINDS).order_by("-created_at")[:10]
    return render(request, "customers/imports/import.html",
                  {"form": form, "jobs": jobs, "column_help": _columns_help()})



def _job_context(job: ImportJob) -> dict:
    is_async = import_is_async(job)
    # A job whose worker died, or that never reached the queue, is said so and offered again; only a
    # job that is waiting, or being checked or written with a heartbeat, is polled.
    state = import_job_state(job) if is_async else job.status
    return {"job": job, "is_async": is_async, "filename": file_name(job.file), "state": state,
            "phase": import_job_phase(job),
            "polling": is_async and state in ("waiting", ImportJob.Status.PREVIEWING, ImportJob.Status.RUNNING),
            "restartable": is_async and import_job_can_restart(job),
            "cancellable": job.status in CANCELLABLE}


@login_required
def import_job(request, pk: int):
    """A job's page: the preview of a waiting file (checked here for a small file, in the worker for a
    large one), the progress of a check or write in the worker (polled by htmx every second), the result
    of a finished one. Only the job's user sees it."""
    job = get_object_or_404(ImportJob, pk=pk, user=request.user)
    context = _job_context(job)
    if request.htmx:
        if job.status == ImportJob.Status.PREVIEWED:
            return HttpResponseClientRefresh()  # the check is done: the whole page shows its preview
        return render(request, "customers/imports/_job_status.html", context)
    if job.status == ImportJob.Status.PENDING and not context["is_async"]:
        try:
            context["preview"] = ImportPreview.from_result(import_job_preview(job=job))
        except ApplicationError as exc:
            context["preview_error"] = str(exc.message)
    elif job.status == ImportJob.Status.PREVIEWED:
        context["preview"] = ImportPreview.from_job(job)
    return render(request, "customers/imports/job.html", context)


@login_required
@require_POST
def import_confirm(request, pk: int):
    """Confirm a preview: a small file is written now, a large one's write is queued for the worker."""
    job = get_object_or_404(ImportJob, pk=pk, user=request.user)
    _require_import(request.user)
    if import_is_async(job):
        try:
            queued = import_job_confirm(job=job, user=request.user)
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        else:
            if queued:
                messages.info(request, _("Confirmed: the file is being imported in the background."))
            else:
                messages.warning(request, NOT_QUEUED)
        return redirect("customers:import_job", pk=job.pk)
    if job.status != ImportJob.Status.PENDING:
        return redirect("customers:import_job", pk=job.pk)
    job = import_job_run(job=job, confirm=True)
    if job.status == ImportJob.Status.DONE:
        messages.success(request, _("Imported: %(created)d new, %(updated)d updated.")
                         % {"created": job.created_count, "updated": job.updated_count})
    else:
        messages.error(request, _("Nothing was imported: the file has errors."))
    return redirect("customers:import_job", pk=job.pk)


@login_required
@require_POST
def import_cancel(request, pk: int):
    """Discard a file before it is written."""
    job = get_object_or_404(ImportJob, pk=pk, user=request.user)
    _require_import(request.user)
    try:
        import_job_cancel(job=job, user=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("customers:import_job", pk=job.pk)
    messages.info(request, _("The import was cancelled; nothing was imported."))
    return redirect("customers:import")


@login_required
def import_errors_download(request, pk: int):
    """The job's errors as CSV (row, column, reason), every one of them."""
    job = get_object_or_404(ImportJob, pk=pk, user=request.user)
    _require_import(request.user)
    rows = ([error["row"] if error["row"] is not None else "", error["column"], error["message"]]
            for error in import_job_errors(job))
    response = StreamingHttpResponse(csv_stream([_("Row"), _("Column"), _("Reason")], rows),
                                     content_type=CSV_CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    return _attachment(response, f"import-{job.pk}-errors.csv")


@login_required
@require_POST
def import_restart(request, pk: int):
    """Start again an import (its check or its write) that could not be queued, never started, or whose
    worker died."""
    job = get_object_or_404(ImportJob, pk=pk, user=request.user)
    _require_import(request.user)
    try:
        queued = import_job_restart(job=job, user=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        if queued:
            messages.success(request, _("The import was started again."))
        else:
            messages.warning(request, NOT_QUEUED)
    return redirect("customers:import_job", pk=job.pk)


@login_required
def import_template_download(request):
    _require_import(request.user)
    kind = request.GET.get("kind", "customers")
    fmt = request.GET.get("format", "xlsx")
    if kind not in KINDS or fmt not in ("xlsx", "csv"):
        return HttpResponseBadRequest(_("Unknown kind or format."))
    content, filename, content_type = import_template(kind=kind, fmt=fmt)
    return _attachment(HttpResponse(content, content_type=content_type), filename)


def _export(request, kind: str):
    if not can_export(request.user):
        raise PermissionDenied
    fmt = request.GET.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        return HttpResponseBadRequest(_("Choose the format csv or xlsx."))
    service = customers_export if kind == "customers" else contacts_export
    dataset = service(user=request.user, filters=request.GET, request=request)
    filename = export_filename(kind, fmt)
    if fmt == "csv":
        response = StreamingHttpResponse(dataset_csv_stream(dataset), content_type=CSV_CONTENT_TYPE)
    else:
        title = _("Customers") if kind == "customers" else _("Contacts")
        response = HttpResponse(dataset_xlsx(dataset, title=title), content_type=XLSX_CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    return _attachment(response, filename)


@login_required
def export_customers(request):
    """The archives of the list page with the same filters, as CSV or XLSX."""
    return _export(request, "customers")


@login_required
def export_contacts(request):
    """The contacts of the archives of the list page with the same filters."""
    return _export(request, "contacts")


urlpatterns = [
    path("import/", import_page, name="import"),
    path("import/template.xlsx", import_template_download, name="import_template"),
    path("import/<int:pk>/", import_job, name="import_job"),
    path("import/<int:pk>/confirm/", import_confirm, name="import_confirm"),
    path("import/<int:pk>/restart/", import_restart, name="import_restart"),
    path("import/<int:pk>/cancel/", import_cancel, name="import_cancel"),
    path("import/<int:pk>/errors.csv", import_errors_download, name="import_errors"),
    path("export/", export_customers, name="export"),
    path("export/contacts/", export_contacts, name="export_contacts"),
]
