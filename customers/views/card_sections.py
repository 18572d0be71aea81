"""Pages of the card's related parts (SPEC §2.1): contacts, competitors, filed documents, the
interaction log, the data source of each section, and the shared document library.

Every page starts from customers.selectors: an archive the user may not read answers 404; a user
who may read it but not edit it gets 403 on the editing pages. Files are served only through these
views, after the same check, and every download is logged (SPEC §8).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.exceptions import ApplicationError
from crm.forms_base import apply_service_error
from customers.card_section_forms import (
    CompetitorForm,
    ContactForm,
    DocumentForm,
    InteractionForm,
    LibraryFilterForm,
    LibraryUploadForm,
    SectionSourcesForm,
)
from customers.card_sections import (
    competitor_create,
    competitor_delete,
    competitor_update,
    contact_create,
    contact_deactivate,
    contact_update,
    document_create,
    document_delete,
    interaction_create,
    library_document_confirm,
    library_document_create,
    section_sources_update,
)
from customers.models import AccessLog, Competitor, Contact, Customer, CustomerDocument, LibraryDocument
from customers.policies import (
    can_check_sections,
    can_confirm_library,
    can_edit_customer,
    can_see_sensitive_personal,
    can_use_library,
)
from customers.selectors import library_document_list
from customers.services import access_log_record
from customers.views.common import card_url, editable_customer, file_name, log_read, readable_customer

SERVICE_ERRORS = (ApplicationError, ValidationError)


def _service_form_page(request, customer: Customer, form, *, save, success, title: str, tab: str,
                       template: str = "customers/card_sections/form.html", **context):
    """The card's small forms: a valid POST goes to one service (`save(cleaned_data)`); its errors are
    shown beside their fields, its success (`success(saved)`) is said on the card, opened on `tab`."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form.cleaned_data)
        except SERVICE_ERRORS as error:
            apply_service_error(form, error)
        else:
            messages.success(request, success(saved))
            return redirect(card_url(customer, tab))
    return render(request, template, {"customer": customer, "form": form, "title": title,
                                      "back_url": card_url(customer, tab), **context})


def _delete_record(request, pk: int, record_pk: int, *, model, delete, success, tab: str):
    """The card's delete buttons: the record of an archive the user may edit, one service call
    (`delete(record)`), a message (`success(record)`), back to the card's tab."""
    customer = editable_customer(request, pk)
    record = get_object_or_404(model, pk=record_pk, customer=customer)
    delete(record)
    messages.success(request, success(record))
    return redirect(card_url(customer, tab))


# --- Contacts ----------------------------------------------------------------------------------

def _contact_form_page(request, customer: Customer, contact: Contact | None):
    form = ContactForm(request.POST or None, instance=contact,
                       show_sensitive=can_see_sensitive_personal(request.user, customer))
    if contact is None:
        save, success, title = (lambda data: contact_create(customer=customer, user=request.user, **data),
                                lambda saved: _("Contact %s added.") % saved.name, _("New contact"))
    else:
        save, success, title = (lambda data: contact_update(contact=contact, user=request.user, **data),
                                lambda saved: _("Contact %s saved.") % saved.name, _("Contact: %s") % contact.name)
    return _service_form_page(request, customer, form, save=save, success=success, title=title, tab="contacts",
                              template="customers/card_sections/contact_form.html", contact=contact)


@login_required
def contact_create_view(request, pk: int):
    return _contact_form_page(request, editable_customer(request, pk), None)


@login_required
def contact_edit_view(request, pk: int, contact_pk: int):
    customer = editable_customer(request, pk)
    contact = get_object_or_404(Contact, pk=contact_pk, customer=customer)
    if request.method == "GET":  # the form shows the contact's personal data to those who may see it
        log_read(request, customer, "contact edit form")
    return _contact_form_page(request, customer, contact)


@login_required
@require_POST
def contact_delete_view(request, pk: int, contact_pk: int):
    customer = editable_customer(request, pk)
    contact = get_object_or_404(Contact, pk=contact_pk, customer=customer)
    try:
        contact_deactivate(contact=contact, user=request.user, reason=request.POST.get("reason", ""))
    except ApplicationError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Contact %s removed; it is kept in the history.") % contact.name)
    return redirect(card_url(customer, "contacts"))


# --- Competitors -------------------------------------------------------------------------------

@login_required
def competitor_create_view(request, pk: int):
    customer = editable_customer(request, pk)
    return _service_form_page(
        request, customer, CompetitorForm(request.POST or None),
        save=lambda data: competitor_create(customer=customer, user=request.user, **data),
        success=lambda saved: _("Competitor %s added.") % saved.name, title=_("New competitor"), tab="competitors")


@login_required
def competitor_edit_view(request, pk: int, competitor_pk: int):
    customer = editable_customer(request, pk)
    competitor = get_object_or_404(Competitor, pk=competitor_pk, customer=customer)
    return _service_form_page(
        request, customer, CompetitorForm(request.POST or None, instance=competitor),
        save=lambda data: competitor_update(competitor=competitor, user=request.user, **data),
        success=lambda saved: _("Competitor %s saved.") % saved.name, title=_("Competitor: %s") % competitor.name,
        tab="competitors")


@login_required
@require_POST
def competitor_delete_view(request, pk: int, competitor_pk: int):
    return _delete_record(request, pk, competitor_pk, model=Competitor, tab="competitors",
                          delete=lambda record: competitor_delete(competitor=record, user=request.user),
                          success=lambda record: _("Competitor %s deleted.") % record.name)


# --- Documents ---------------------------------------------------------------------------------

@login_required
def document_upload_view(request, pk: int):
    customer = editable_customer(request, pk)
    return _service_form_page(
        request, customer, DocumentForm(request.POST or None, request.FILES or None),
        save=lambda data: document_create(customer=customer, user=request.user, **data),
        success=lambda saved: _("Document %s filed.") % saved.title, title=_("File a document"), tab="documents",
        multipart=True)


def _file_response(field_file, original_name: str = ""):
    """The file, downloaded under the name it was uploaded with (the stored name may be shorter)."""
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("The file is missing") from None
    return FileResponse(handle, as_attachment=True, filename=original_name or file_name(field_file))


@login_required
def document_download_view(request, pk: int, doc_pk: int):
    """Serve a filed document only to users who may read its archive; the document must belong to it."""
    customer = readable_customer(request, pk)
    document = get_object_or_404(CustomerDocument, pk=doc_pk, customer=customer)
    response = _file_response(document.file, document.original_name)
    access_log_record(user=request.user, action=AccessLog.Action.DOWNLOAD, channel=AccessLog.Channel.WEB,
                      customer=customer, request=request, detail=document.title)
    return response


@login_required
@require_POST
def document_delete_view(request, pk: int, doc_pk: int):
    return _delete_record(request, pk, doc_pk, model=CustomerDocument, tab="documents",
                          delete=lambda record: document_delete(document=record, user=request.user),
                          success=lambda record: _("Document %s deleted.") % record.title)


# --- Interaction log ---------------------------------------------------------------------------

@login_required
def interaction_create_view(request, pk: int):
    customer = editable_customer(request, pk)
    return _service_form_page(
        request, customer, InteractionForm(request.POST or None, customer=customer),
        save=lambda data: interaction_create(customer=customer, user=request.user, **data),
        success=lambda saved: _("Interaction recorded."), title=_("Record an interaction"), tab="interactions")


# --- Section data sources ----------------------------------------------------------------------

@login_required
def section_source_view(request, pk: int):
    """Where each section of the card came from and whether it was checked; readers see, editors change,
    clerks of the team check (one section at a time, or the whole card)."""
    customer = readable_customer(request, pk)
    if request.method == "GET":
        log_read(request, customer, "data sources")
    can_edit = can_edit_customer(request.user, customer)
    may_check = can_check_sections(request.user, customer)
    rows = {row.section: row for row in customer.section_sources.select_related("checked_by")}
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    form = SectionSourcesForm(request.POST if request.method == "POST" else None, rows=rows, may_check=may_check)
    if request.method == "POST" and form.is_valid():
        check_all = "check_all" in request.POST
        try:
            section_sources_update(customer=customer, user=request.user, sources=form.sources(),
                                   checked=form.checked(), check_all=check_all)
        except SERVICE_ERRORS as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("The whole card is marked as checked.") if check_all
                             else _("Data sources saved."))
            return redirect("customers:section_source", pk=customer.pk)
    return render(request, "customers/card_sections/section_sources.html", {
        "customer": customer, "form": form, "rows": rows, "can_edit": can_edit, "may_check": may_check,
        "back_url": card_url(customer)})


# --- Shared document library -------------------------------------------------------------------

def _require_library(user) -> None:
    # Not a staff member: a page their role may not use (403; 404 is for an unreadable archive).
    if not can_use_library(user):
        raise PermissionDenied


@login_required
def library_view(request):
    _require_library(request.user)
    filters = LibraryFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    documents = library_document_list(user=request.user, q=data.get("q", ""), category=data.get("category", ""),
                                      confirmed=filters.confirmed_value())
    page = Paginator(documents, 30).get_page(request.GET.get("page"))
    return render(request, "customers/card_sections/library.html", {
        "filters": filters, "page_obj": page, "documents": page.object_list,
        "can_confirm": can_confirm_library(request.user)})


@login_required
def library_upload_view(request):
    _require_library(request.user)
    form = LibraryUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            document = library_document_create(user=request.user, **form.cleaned_data)
        except SERVICE_ERRORS as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("%s added to the library.") % document.title)
            return redirect("customers:library")
    return render(request, "customers/card_sections/library_upload.html", {"form": form})


@login_required
def library_download_view(request, doc_pk: int):
    _require_library(request.user)
    document = get_object_or_404(LibraryDocument, pk=doc_pk)
    response = _file_response(document.file, document.original_name)
    access_log_record(user=request.user, action=AccessLog.Action.DOWNLOAD, channel=AccessLog.Channel.WEB,
                      request=request, detail=_("Library: %s") % document.title)
    return response


@login_required
@require_POST
def library_confirm_view(request, doc_pk: int):
    _require_library(request.user)
    document = get_object_or_404(LibraryDocument, pk=doc_pk)
    if not can_confirm_library(request.user):
        raise PermissionDenied
    confirmed = request.POST.get("confirmed", "1") != "0"
    library_document_confirm(document=document, user=request.user, confirmed=confirmed)
    if confirmed:
        messages.success(request, _("%s is marked as confirmed knowledge.") % document.title)
    else:
        messages.info(request, _("%s is no longer marked as confirmed knowledge.") % document.title)
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        next_url = reverse("customers:library")
    return redirect(next_url)


urlpatterns = [
    path("<int:pk>/contacts/new/", contact_create_view, name="contact_create"),
    path("<int:pk>/contacts/<int:contact_pk>/edit/", contact_edit_view, name="contact_edit"),
    path("<int:pk>/contacts/<int:contact_pk>/delete/", contact_delete_view, name="contact_delete"),
    path("<int:pk>/competitors/new/", competitor_create_view, name="competitor_create"),
    path("<int:pk>/competitors/<int:competitor_pk>/edit/", competitor_edit_view, name="competitor_edit"),
    path("<int:pk>/competitors/<int:competitor_pk>/delete/", competitor_delete_view, name="competitor_delete"),
    path("<int:pk>/documents/new/", document_upload_view, name="document_upload"),
    path("<int:pk>/documents/<int:doc_pk>/download/", document_download_view, name="document_download"),
    path("<int:pk>/documents/<int:doc_pk>/delete/", document_delete_view, name="document_delete"),
    path("<int:pk>/interactions/new/", interaction_create_view, name="interaction_create"),
    path("<int:pk>/sources/", section_source_view, name="section_source"),
    path("library/", library_view, name="library"),
    path("library/new/", library_upload_view, name="library_upload"),
    path("library/<int:doc_pk>/download/", library_download_view, name="library_download"),
    path("library/<int:doc_pk>/confirm/", library_confirm_view, name="library_confirm"),
]
