"""Writes of the parts of a customer card beyond its main fields (SPEC §2.1): contacts, competitors,
filed documents, the interaction log, the data source of each section, and the shared document
library. Every write is keyword-only and atomic, and checks who may make it (SPEC §8); who may do
what is asked of customers.policies."""

import datetime as dt
import os
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import audit
from crm.exceptions import ApplicationError, PermissionDeniedError
from crm.models import User
from crm.uploads import validate_upload
from customers.models import (
    UNCHECKED_SOURCES,
    Competitor,
    Contact,
    Customer,
    CustomerDocument,
    DataSource,
    DocumentCategory,
    Interaction,
    LibraryDocument,
    Section,
    SectionSource,
)
from customers.policies import (
    can_check_sections,
    can_confirm_library,
    can_edit_customer,
    can_see_sensitive_personal,
    can_use_library,
)
from customers.services import customer_mark_checked

CONTACT_FIELDS = frozenset(
    f.name for f in Contact._meta.concrete_fields
    if f.name not in {"id", "customer", "is_active", "created_at", "updated_at"}
)
COMPETITOR_FIELDS = frozenset(
    f.name for f in Competitor._meta.concrete_fields if f.name not in {"id", "customer", "created_at", "updated_at"}
)


def _require_edit(user: User, customer: Customer) -> None:
    if not can_edit_customer(user, customer):
        raise PermissionDeniedError(_("You may not edit this archive."))


def _reject_unknown(fields: dict[str, Any], allowed: frozenset[str]) -> None:
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise ApplicationError(_("These fields cannot be set here: %s") % ", ".join(unknown), field=unknown[0])


# --- Contacts ----------------------------------------------------------------------------------

def _check_sensitive_contact_fields(*, user: User, customer: Customer, contact: Contact | None,
                                    fields: dict[str, Any]) -> None:
    """A user who may not see contacts' personal data may not change it either: otherwise they could
    overwrite values they cannot see. Sending the current value unchanged is allowed."""
    if can_see_sensitive_personal(user, customer):
        return
    for name in Contact.SENSITIVE_FIELDS:
        if name not in fields:
            continue
        current = getattr(contact, name) if contact is not None else Contact._meta.get_field(name).get_default()
        if (fields[name] or None) != (current or None):
            raise PermissionDeniedError(_("You may not change the personal data of this archive's contacts."),
                                        field=name)


def _clear_other_primary(contact: Contact, user: User) -> None:
    """One main contact per customer: marking a new one demotes the previous one (recorded in its history).
    Called before the contact is saved, as the database holds one main contact per customer (a partial
    unique index); the customer's row is locked first, so two simultaneous additions queue and the second
    demotes the first instead of both finding none to demote."""
    if not contact.is_primary:
        return
    list(Customer.objects.select_for_update().filter(pk=contact.customer_id).values_list("pk", flat=True))
    for other in Contact.objects.select_for_update().filter(customer_id=contact.customer_id, is_primary=True).exclude(
            pk=contact.pk):
        other.is_primary = False
        other._change_reason = _("Main contact is now %s") % contact.name
        audit.set_actor(other, user)
        other.save(update_fields=["is_primary", "updated_at"])


@transaction.atomic
def contact_create(*, customer: Customer, user: User, **fields: Any) -> Contact:
    """Add a contact to an archive. Raises PermissionDeniedError, or ValidationError by field."""
    _require_edit(user, customer)
    _reject_unknown(fields, CONTACT_FIELDS)
    _check_sensitive_contact_fields(user=user, customer=customer, contact=None, fields=fields)
    contact = Contact(customer=customer, **fields)
    # The one-main-contact constraint is kept by demoting the previous one below, not refused here.
    contact.full_clean(validate_constraints=False)
    contact._change_reason = _("Contact added")
    audit.set_actor(contact, user)
    _clear_other_primary(contact, user)
    contact.save()
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, user: User, change_reason: str = "", **fields: Any) -> Contact:
    """Change a contact; personal fields only by those who may see them. The history keeps before/after."""
    contact = Contact.objects.select_for_update().select_related("customer").get(pk=contact.pk)
    _require_edit(user, contact.customer)
    _reject_unknown(fields, CONTACT_FIELDS)
    _check_sensitive_contact_fields(user=user, customer=contact.customer, contact=contact, fields=fields)
    for name, value in fields.items():
        setattr(contact, name, value)
    contact.full_clean(validate_constraints=False)  # a new main contact demotes the previous one below
    contact._change_reason = change_reason or _("Contact changed")
    audit.set_actor(contact, user)
    _clear_other_primary(contact, user)
    contact.save()
    return contact


@transaction.atomic
def contact_deactivate(*, contact: Contact, user: User, reason: str = "") -> Contact:
    """Remove a contact from the card without deleting it: it stays in the history (SPEC §2.1 retirement)."""
    contact = Contact.objects.select_for_update().select_related("customer").get(pk=contact.pk)
    _require_edit(user, contact.customer)
    if not contact.is_active:
        raise ApplicationError(_("This contact has already been removed."))
    contact.is_active = False
    contact.is_primary = False
    contact._change_reason = _("Contact removed") + (f": {reason.strip()}" if reason.strip() else "")
    audit.set_actor(contact, user)
    contact.save(update_fields=["is_active", "is_primary", "updated_at"])
    return contact


# --- Competitors -------------------------------------------------------------------------------

def _check_share_total(*, customer: Customer, competitor: Competitor) -> None:
    """The shares of one customer's volume (each competitor's and ours) cannot add up to more than 100%."""
    others = Competitor.objects.filter(customer_id=customer.pk).exclude(pk=competitor.pk).values_list("share",
                                                                                                        flat=True)
    total = sum((share for share in others if share is not None), start=competitor.share or 0)
    ours = customer.our_share or 0
    if total + ours > 100:
        raise ValidationError({"share": _(
            "With this share the competitors hold %(total)s%% and we hold %(ours)s%% of the customer's volume: "
            "more than 100%%.") % {"total": total, "ours": ours}})


@transaction.atomic
def competitor_create(*, customer: Customer, user: User, **fields: Any) -> Competitor:
    _require_edit(user, customer)
    _reject_unknown(fields, COMPETITOR_FIELDS)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)  # serialises the share check
    competitor = Competitor(customer=customer, **fields)
    competitor.full_clean()
    _check_share_total(customer=customer, competitor=competitor)
    competitor.save()
    return competitor


@transaction.atomic
def competitor_update(*, competitor: Competitor, user: User, **fields: Any) -> Competitor:
    _require_edit(user, competitor.customer)
    _reject_unknown(fields, COMPETITOR_FIELDS)
    customer = Customer.objects.select_for_update().get(pk=competitor.customer_id)
    competitor = Competitor.objects.get(pk=competitor.pk)
    for name, value in fields.items():
        setattr(competitor, name, value)
    competitor.full_clean()
    _check_share_total(customer=customer, competitor=competitor)
    competitor.save()
    return competitor


@transaction.atomic
def competitor_delete(*, competitor: Competitor, user: User) -> None:
    _require_edit(user, competitor.customer)
    competitor.delete()


# --- Documents ---------------------------------------------------------------------------------

def _delete_file_on_commit(field_file) -> None:
    """Remove the stored file only once the row is gone for good (a rolled-back delete keeps it)."""
    storage, name = field_file.storage, field_file.name
    if name:
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def document_create(*, customer: Customer, user: User, category: str, title: str, file, note: str = "",
                    ) -> CustomerDocument:
    """File a document in an archive (资料归档)."""
    _require_edit(user, customer)
    validate_upload(file)
    document = CustomerDocument(customer=customer, category=category, title=(title or "").strip(), file=file,
                                note=(note or "").strip(), uploaded_by=user, original_name=_original_name(file))
    document.full_clean()
    document.save()
    return document


def _original_name(file) -> str:
    """The name the user's file had, for display and downloads (the storage may shorten the stored one)."""
    return os.path.basename(getattr(file, "name", "") or "")[:255]


@transaction.atomic
def document_delete(*, document: CustomerDocument, user: User) -> None:
    _require_edit(user, document.customer)
    _delete_file_on_commit(document.file)
    document.delete()


# --- Interaction log ---------------------------------------------------------------------------

@transaction.atomic
def interaction_create(*, customer: Customer, user: User, kind: str, summary: str, date: dt.date | None = None,
                       contact: Contact | None = None) -> Interaction:
    """Hand a letter, fax, call, meeting or negotiation to the archive (交往记录); `user` is our side."""
    _require_edit(user, customer)
    date = date or timezone.localdate()
    if date > timezone.localdate():
        raise ApplicationError(_("An interaction cannot be dated in the future."), field="date")
    if contact is not None and contact.customer_id != customer.pk:
        raise ApplicationError(_("Choose a contact of this customer."), field="contact")
    interaction = Interaction(customer=customer, user=user, kind=kind, date=date, contact=contact,
                              summary=(summary or "").strip())
    interaction.full_clean()
    interaction.save()
    return interaction


# --- Section data sources ----------------------------------------------------------------------

def _section_source_set(*, customer: Customer, user: User, section: str, source: str,
                        checked: bool | None, may_check: bool) -> SectionSource | None:
    if section not in Section.values:
        raise ApplicationError(_("Unknown section: %s") % section, field="section")
    if source and source not in DataSource.values:
        raise ApplicationError(_("Unknown data source: %s") % source, field=f"source_{section}")
    row = SectionSource.objects.select_for_update().filter(customer=customer, section=section).first()
    if not source:
        if row is not None:
            row.delete()
        return None
    if row is None:
        row = SectionSource(customer=customer, section=section, source=source)
    elif row.source != source:
        # Data from a new origin has not been checked yet, whoever checked the old data.
        row.source = source
        row.is_checked, row.checked_by, row.checked_at = False, None, None
    if checked is not None and checked != row.is_checked:
        if not may_check:
            raise PermissionDeniedError(_("Only the clerks of the customer's team check its data."),
                                        field=f"checked_{section}")
        row.is_checked = checked
        row.checked_by, row.checked_at = (user, timezone.now()) if checked else (None, None)
    row.save()
    return row


@transaction.atomic
def section_sources_update(*, customer: Customer, user: User, sources: dict[str, str],
                           checked: dict[str, bool] | None = None, check_all: bool = False) -> list[SectionSource]:
    """Record where each section's data came from and, for those who check data, whether it was checked.

    `sources` maps a Section to a DataSource ("" removes the record); `checked` maps a Section to the
    wanted check mark, or is None to leave the marks alone (users who may not check). A changed
    source clears the check mark. The card as a whole becomes "unchecked" when a section from
    customers or the freight system is unchecked, and "checked" once every section is recorded and checked.
    `check_all` then marks the whole card and every section as checked (customer_mark_checked).
    """
    _require_edit(user, customer)
    may_check = can_check_sections(user, customer)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    rows = []
    for section, source in sources.items():
        row = _section_source_set(customer=customer, user=user, section=section, source=source,
                                  checked=None if checked is None else checked.get(section, False),
                                  may_check=may_check)
        if row is not None:
            rows.append(row)
    if check_all:
        customer_mark_checked(customer=customer, user=user)
        return list(customer.section_sources.all())
    marked = checked is not None and any(checked.values())
    _card_check_follow(customer=customer, user=user, may_check=may_check, marked=marked)
    return rows


def _card_check_follow(*, customer: Customer, user: User, may_check: bool, marked: bool) -> bool:
    """The card's mark follows its customer-supplied sections: unchecked while one of them waits for a
    check, checked once a clerk has checked them all (sections our own staff wrote need no check)."""
    all_rows = list(customer.section_sources.all())
    needs_check = any(not r.is_checked and r.source in UNCHECKED_SOURCES for r in all_rows)
    all_checked = not needs_check and (marked or (
        len(all_rows) == len(Section.values) and all(r.is_checked for r in all_rows)))
    if customer.is_checked and needs_check:
        customer.is_checked = False
        customer._change_reason = _("Data from the customer is waiting to be checked")
    elif not customer.is_checked and all_checked and may_check:
        customer.is_checked, customer.checked_by, customer.checked_at = True, user, timezone.now()
        customer._change_reason = _("Data checked")
    else:
        return False
    audit.set_actor(customer, user)
    customer.save(update_fields=["is_checked", "checked_by", "checked_at", "updated_at"])
    return True


@transaction.atomic
def section_sources_record_edit(*, customer: Customer, user: User, sections: list[str], source: str) -> None:
    """An edit of the card records where its new data came from: the edited sections take `source`, and
    data the customer supplied waits for a clerk's check again (the card becomes unchecked), whoever typed it."""
    _require_edit(user, customer)
    if source not in DataSource.values:
        raise ApplicationError(_("Unknown data source: %s") % source, field="source")
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    for section in dict.fromkeys(s for s in sections if s in Section.values):
        row = SectionSource.objects.select_for_update().filter(customer=customer, section=section).first()
        row = row or SectionSource(customer=customer, section=section)
        changed = row.source != source
        row.source = source
        if changed or source in UNCHECKED_SOURCES:
            row.is_checked, row.checked_by, row.checked_at = False, None, None
        row.save()
    _card_check_follow(customer=customer, user=user, may_check=False, marked=False)


# --- Shared document library (文档与知识) --------------------------------------------------------

@transaction.atomic
def library_document_create(*, user: User, title: str, category: str, file, description: str = "",
                            keywords: str = "") -> LibraryDocument:
    if not can_use_library(user):
        raise PermissionDeniedError(_("You may not add to the document library."))
    validate_upload(file)
    if category not in DocumentCategory.values:
        raise ApplicationError(_("Choose a category."), field="category")
    document = LibraryDocument(title=(title or "").strip(), category=category, description=description.strip(),
                               keywords=keywords.strip(), file=file, uploaded_by=user,
                               original_name=_original_name(file))
    document.full_clean()
    document.save()
    return document


@transaction.atomic
def library_document_confirm(*, document: LibraryDocument, user: User, confirmed: bool = True) -> LibraryDocument:
    """Mark a library document as confirmed knowledge (or take the mark back)."""
    if not can_confirm_library(user):
        raise PermissionDeniedError(_("Only clerks, department heads and the GM confirm knowledge."))
    document = LibraryDocument.objects.select_for_update().get(pk=document.pk)
    document.is_confirmed = confirmed
    document.confirmed_by = user if confirmed else None
    document.save(update_fields=["is_confirmed", "confirmed_by", "updated_at"])
    return document
