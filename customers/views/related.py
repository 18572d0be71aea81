"""Pages of the card's related parts (SPEC §2.1): contacts, competitors, filed documents, the
interaction log, the data source of each section, and the shared document library.

Every page starts from customers.selectors: an archive the user may not read answers 404; a user
who may read it but not edit it gets 403 on the editing pages. Files are served only through these
views, after the same check, and every download is logged (SPEC §8).
"""

import os

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.exceptions import ApplicationError
from customers.forms_related import (
    CompetitorForm,
    ContactForm,
    DocumentForm,
    InteractionForm,
    LibraryFilterForm,
    LibraryUploadForm,
    SectionSourcesForm,
    apply_service_error,
)
from customers.models import AccessLog, Competitor, Contact, Customer, CustomerDocument, LibraryDocument
from customers.selectors import (
    can_edit_customer,
    can_see_sensitive_personal,
    customer_get_for_user,
    is_identity_only,
)
from customers.services import access_log_record
from customers.services_related import (
    can_check_sections,
    can_confirm_library,
    can_use_library,
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
    library_document_list,
    section_sources_update,
)

SERVICE_ERRORS = (ApplicationError, ValidationError)


def card_url(customer: Customer, tab: str = "") -> str:
    """The customer's card, opened on `tab` (the card page lives in customers.views.archive)."""
    try:
        url = reverse("customers:detail", args=[customer.pk])
    except NoReverseMatch:
        url = f"/customers/{customer.pk}/"
    return f"{url}#{tab}" if tab else url


def readable_customer(request, pk) -> Customer:
    """The archive, or 404 when the user may not read it. Integration accounts see identity fields
    only, so nothing of the card's related parts (SPEC §8 narrow doors)."""
    if is_identity_only(request.user):
        raise Http404("No such customer")
    return customer_get_for_user(request.user, pk)


def editable_customer(request, pk) -> Customer:
    customer = readable_customer(request, pk)
    if not can_edit_customer(request.user, customer):
        raise PermissionDenied
    return customer


def _form_page(request, customer: Customer, form, *, title: str, tab: str, multipart: bool = False):
    return render(request, "customers/related/form.html", {
        "customer": customer, "form": form, "title": title, "back_url": card_url(customer, tab),
        "multipart": multipart,
    })


# --- Contacts ----------------------------------------------------------------------------------

@login_required
def contact_create_view(request, pk: int):
    customer = editable_customer(request, pk)
    show_sensitive = can_see_sensitive_personal(request.user, customer)
    form = ContactForm(request.POST or None, show_sensitive=show_sensitive)
    if request.method == "POST" and form.is_valid():
        try:
            contact = contact_create(customer=customer, user=request.user, **form.cleaned_data)
        except SERVICE_ERRORS as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("Contact %s added.") % contact.name)
            return redirect(card_url(customer, "contacts"))
    return render(request, "customers/related/contact_form.html", {
        "customer": customer, "form": form, "title": _("New contact"), "back_url": card_url(customer, "contacts")})


@login_required
def contact_edit_view(request, pk: int, contact_pk: int):
    customer = editable_customer(request, pk)
    contact = get_object_or_404(Contact, pk=contact_pk, customer=customer)
    show_sensitive = can_see_sensitive_personal(request.user, customer)
    form = ContactForm(request.POST or None, instance=contact, show_sensitive=show_sensitive)
    if request.method == "POST" and form.is_valid():
        try:
            contact = contact_update(contact=contact, user=request.user, **form.cleaned_data)
        except SERVICE_ERRORS as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("Contact %s saved.") % contact.name)
            return redirect(card_url(customer, "contacts"))
    return render(request, "customers/related/contact_form.html", {
        "customer": customer, "form": form, "contact": contact,
        "title": _("Contact: %s") % contact.name, "back_url": card_url(customer, "contacts")})


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
    form = CompetitorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            competitor = competitor_create(customer=customer, user=request.user, **form.cleaned_data)
        except SERVICE_ERRORS as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("Competitor %s added.") % competitor.name)
            return redirect(card_url(customer, "competitors"))
    return _form_page(request, customer, form, title=_("New competitor"), tab="competitors")


@login_required
def competitor_edit_view(request, pk: int, competitor_pk: int):
    customer = editable_customer(request, pk)
    competitor = get_object_or_404(Competitor, pk=competitor_pk, customer=customer)
    form = CompetitorForm(request.POST or None, instance=competitor)
    if request.method == "POST" and form.is_valid():
        try:
            competitor = competitor_update(competitor=competitor, user=request.user, **form.cleaned_data)
        except SERVICE_ERRORS as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("Competitor %s saved.") % competitor.name)
            return redirect(card_url(customer, "competitors"))
    return _form_page(request, customer, form, title=_("Competitor: %s") % competitor.name, tab="competitors")


@login_required
@require_POST
def competitor_delete_view(request, pk: int, competitor_pk: int):
    customer = editable_customer(request, pk)
    competitor = get_object_or_404(Competitor, pk=competitor_pk, customer=customer)
    competitor_delete(competitor=competitor, user=request.user)
    messages.success(request, _("Competitor %s deleted.") % competitor.name)
    return redirect(card_url(customer, "competitors"))


# --- Documents ---------------------------------------------------------------------------------

@login_required
def document_upload_view(request, pk: int):
    customer = editable_customer(request, pk)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            document = document_create(customer=customer, user=request.user, **form.cleaned_data)
        except SERVICE_ERRORS as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("Document %s filed.") % document.title)
            return redirect(card_url(customer, "documents"))
    return _form_page(request, customer, form, title=_("File a document"), tab="documents", multipart=True)


def _file_response(field_file, *, filename: str):
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("The file is missing") from None
    return FileResponse(handle, as_attachment=True, filename=filename)


@login_required
def document_download_view(request, pk: int, doc_pk: int):
    """Serve a filed document only to users who may read its archive; the document must belong to it."""
    customer = readable_customer(request, pk)
    document = get_object_or_404(CustomerDocument, pk=doc_pk, customer=customer)
    response = _file_response(document.file, filename=os.path.basename(document.file.name))
    access_log_record(user=request.user, action=AccessLog.Action.DOWNLOAD, channel=AccessLog.Channel.WEB,
                      customer=customer, request=request, detail=document.title)
    return response


@login_required
@require_POST
def document_delete_view(request, pk: int, doc_pk: int):
    customer = editable_customer(request, pk)
    document = get_object_or_404(CustomerDocument, pk=doc_pk, customer=customer)
    document_delete(document=document, user=request.user)
    messages.success(request, _("Document %s deleted.") % document.title)
    return redirect(card_url(customer, "documents"))


# --- Interaction log ---------------------------------------------------------------------------

@login_required
def interaction_create_view(request, pk: int):
    customer = editable_customer(request, pk)
    form = InteractionForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        try:
            interaction_create(customer=customer, user=request.user, **form.cleaned_data)
        except SERVICE_ERRORS as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("Interaction recorded."))
            return redirect(card_url(customer, "interactions"))
    return _form_page(request, customer, form, title=_("Record an interaction"), tab="interactions")


# --- Section data sources ----------------------------------------------------------------------

@login_required
def section_source_view(request, pk: int):
    """Where each section of the card came from and whether it was checked; readers see, editors change,
    clerks of the team check (one section at a time, or the whole card)."""
    customer = readable_customer(request, pk)
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
    return render(request, "customers/related/section_sources.html", {
        "customer": customer, "form": form, "rows": rows, "can_edit": can_edit, "may_check": may_check,
        "back_url": card_url(customer)})


# --- Shared document library -------------------------------------------------------------------

def _require_library(user) -> None:
    # Not a staff member: the library does not exist for them (404, as for an unreadable archive).
    if not can_use_library(user):
        raise Http404("No such page")


@login_required
def library_view(request):
    _require_library(request.user)
    filters = LibraryFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    documents = library_document_list(user=request.user, q=data.get("q", ""), category=data.get("category", ""),
                                      confirmed=filters.confirmed_value())
    page = Paginator(documents, 30).get_page(request.GET.get("page"))
    return render(request, "customers/related/library.html", {
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
    return render(request, "customers/related/library_upload.html", {"form": form})


@login_required
def library_download_view(request, doc_pk: int):
    _require_library(request.user)
    document = get_object_or_404(LibraryDocument, pk=doc_pk)
    response = _file_response(document.file, filename=os.path.basename(document.file.name))
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
