"""Writes of customer archives. Every door calls these; each is atomic and leaves a trace."""

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import audit
from crm.exceptions import ApplicationError, PermissionDeniedError
from crm.models import Team, User
from crm.notifications import notify
from crm.roles import ARCHIVE_KEEPER_ROLES, Role, has_role
from customers.models import (
    UNCHECKED_SOURCES,
    AccessGrant,
    AccessLog,
    AccessRequest,
    Customer,
    DataSource,
    OwnerChange,
    RefreshTask,
    add_months,
)
from customers.normalize import normalize_name, normalize_phone
from customers.selectors import (
    can_check_sections,
    can_edit_customer,
    can_grant_access,
    can_handover_customer,
    can_read_customer,
    department_heads_of,
)

# Fields a plain edit may not touch: they have their own workflows.
PROTECTED_FIELDS = {"id", "pk", "code", "owner", "owner_id", "tier", "annual_revenue_target", "credit_grade",
                    "name_normalized", "phone_normalized", "is_active", "deactivated_at", "deactivation_reason",
                    "churn_risk", "created_by", "created_by_id", "checked_by", "checked_at"}


class DuplicateCustomerError(ApplicationError):
    status_code = 409


def find_duplicate(*, name: str = "", credit_code: str = "", phone: str = "",
                   exclude_pk: int | None = None) -> tuple[Customer, str] | None:
    """The existing archive that a new one would duplicate, and the field that matched."""
    qs = Customer.objects.all()
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    checks = [("name", "name_normalized", normalize_name(name)),
              ("credit_code", "credit_code", (credit_code or "").strip().upper()),
              ("phone", "phone_normalized", normalize_phone(phone))]
    for field, column, value in checks:
        if value and (field != "phone" or len(value) >= 7):
            match = qs.filter(**{column: value}).only("id", "code", "name").first()
            if match:
                return match, field
    return None


def duplicate_message(*, field: str, code: str = "", name: str = "", readable: bool) -> str:
    """What every door says of a duplicate (SPEC §2.1): the existing archive by name and code when the
    user may read it; otherwise only that it exists, never what it is or whose (SPEC §8)."""
    labels = {"name": _("full name"), "credit_code": _("unified social credit code"), "phone": _("phone")}
    if not readable:
        return _("An archive with the same %(field)s already exists, but you may not read it; ask its owner's "
                 "department head for access.") % {"field": labels[field]}
    return _("An archive with the same %(field)s already exists: %(name)s (%(code)s).") % {
        "field": labels[field], "name": name, "code": code}


def duplicate_error(*, user: User, match: Customer, field: str) -> "DuplicateCustomerError":
    """The 409 a duplicate answers: it names (`existing`) only an archive `user` may read."""
    readable = can_read_customer(user, match)
    message = duplicate_message(field=field, code=match.code, name=match.name, readable=readable)
    extra = {"existing": {"id": match.pk, "code": match.code, "name": match.name}} if readable else {}
    return DuplicateCustomerError(message, field=field, extra=extra)


def _check_duplicates(customer: Customer, user: User) -> None:
    found = find_duplicate(name=customer.name, credit_code=customer.credit_code, phone=customer.phone,
                           exclude_pk=customer.pk)
    if found:
        match, field = found
        raise duplicate_error(user=user, match=match, field=field)


def _full_clean(customer: Customer) -> None:
    customer.clean()
    # Uniqueness is checked by _check_duplicates with a message naming the existing archive, and
    # held by the database constraints; skipping Django's own checks saves a query per constraint.
    customer.full_clean(exclude=["code", "name_normalized"], validate_unique=False, validate_constraints=False)


def _default_team(owner: User) -> Team | None:
    return owner.teams.order_by("id").first()


def _generated_code(pk: int) -> str:
    """C + the id; an imported archive may already carry that code, then a suffix makes it unique."""
    code, suffix = f"C{pk:07d}", 1
    while Customer.objects.filter(code=code).exists():
        suffix += 1
        code = f"C{pk:07d}-{suffix}"
    return code


def _temporary_code() -> str:
    """A unique placeholder until the row has its id; the final code is C + the id."""
    return f"T{uuid.uuid4().hex[:16]}"


@transaction.atomic
def customer_create(*, user: User, owner: User | None = None, team: Team | None = None,
                    code: str | None = None, source: str = DataSource.STAFF_VISIT,
                    **fields: Any) -> Customer:
    """File a new archive. The owner defaults to the creator; the team to the owner's first team.
    Raises DuplicateCustomerError naming the existing archive, or ValidationError by field."""
    owner = owner or user
    if not owner.is_active:
        raise ApplicationError(_("The owner must be an active user."), field="owner")
    unknown = set(fields) & PROTECTED_FIELDS
    if unknown:
        raise ApplicationError(_("These fields cannot be set here: %s") % ", ".join(sorted(unknown)))
    customer = Customer(owner=owner, team=team or _default_team(owner), created_by=user, source=source,
                        is_checked=source not in UNCHECKED_SOURCES, **fields)
    customer.code = code.strip().upper() if code else _temporary_code()
    if customer.is_checked:
        customer.last_verified_on = timezone.localdate()
    _full_clean(customer)
    _check_duplicates(customer, user)
    if code and Customer.objects.filter(code=customer.code).exists():
        raise DuplicateCustomerError(_("The customer code %s is already used.") % customer.code, field="code")
    audit.set_actor(customer, user)
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError:
        # A concurrent create of the same company won the race.
        _check_duplicates(customer, user)
        raise
    if not code:
        customer.code = _generated_code(customer.pk)
        Customer.objects.filter(pk=customer.pk).update(code=customer.code)
    OwnerChange.objects.create(customer=customer, from_user=None, to_user=owner, changed_by=user,
                               reason=_("Archive filed"))
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, user: User, check_permission: bool = True,
                    change_reason: str = "", **fields: Any) -> Customer:
    """A plain edit. The owner, tier, target and grade are never changed here."""
    if check_permission and not can_edit_customer(user, customer):
        raise PermissionDeniedError(_("You may not edit this archive."))
    unknown = set(fields) & PROTECTED_FIELDS
    if unknown:
        raise ApplicationError(_("These fields cannot be changed by an edit: %s") % ", ".join(sorted(unknown)),
                               field=sorted(unknown)[0])
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    before = {name: getattr(customer, name) for name in Customer.MAJOR_FIELDS}
    for name, value in fields.items():
        setattr(customer, name, value)
    _full_clean(customer)
    _check_duplicates(customer, user)
    major = [name for name in Customer.MAJOR_FIELDS if getattr(customer, name) != before[name]]
    reason = change_reason
    if major:
        reason = (_("Major change: %s") % ", ".join(str(Customer._meta.get_field(n).verbose_name) for n in major)
                  + (f" — {change_reason}" if change_reason else ""))
    customer._change_reason = reason
    audit.set_actor(customer, user)
    customer.save()
    return customer


@transaction.atomic
def customer_mark_checked(*, customer: Customer, user: User) -> Customer:
    """A clerk checks data that customers or the freight system supplied."""
    if not can_check_sections(user, customer):
        raise PermissionDeniedError(_("Only the clerks of the customer's team check its data."))
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    customer.is_checked = True
    customer.checked_by = user
    customer.checked_at = timezone.now()
    customer.section_sources.update(is_checked=True, checked_by=user, checked_at=customer.checked_at)
    audit.set_actor(customer, user)
    customer._change_reason = _("Data checked")
    customer.save(update_fields=["is_checked", "checked_by", "checked_at", "updated_at"])
    return customer


def _handover_one(*, customer: Customer, to_user: User, user: User, reason: str, note: str,
                  files_received_by: User | None) -> OwnerChange:
    from_user = customer.owner
    customer.owner = to_user
    if customer.team_id is None or not to_user.teams.filter(pk=customer.team_id).exists():
        customer.team = _default_team(to_user) or customer.team
    customer._change_reason = _("Handed over: %s") % reason
    audit.set_actor(customer, user)
    customer.save(update_fields=["owner", "team", "updated_at"])
    RefreshTask.objects.filter(customer=customer, status=RefreshTask.Status.OPEN).update(owner=to_user)
    return OwnerChange.objects.create(
        customer=customer, from_user=from_user, to_user=to_user, changed_by=user, reason=reason,
        handover_note=note, files_received_by=files_received_by,
        files_received_at=timezone.now() if files_received_by else None,
    )


def _validate_handover_target(to_user: User) -> None:
    if not to_user.is_active:
        raise ApplicationError(_("The new owner must be an active user."), field="to")
    if not has_role(to_user, Role.ACCOUNT_MANAGER, Role.CLERK, Role.DEPT_HEAD, Role.GM):
        raise ApplicationError(_("The new owner must be an account manager, clerk or department head."), field="to")


@transaction.atomic
def customer_handover(*, customer: Customer, to_user: User, user: User, reason: str, note: str = "",
                      files_received_by: User | None = None) -> OwnerChange:
    """Hand one archive to a new owner, recorded in the owner history (客户专管员动态表)."""
    if not can_handover_customer(user, customer):
        raise PermissionDeniedError(_("You may not hand this archive over."))
    if not (reason or "").strip():
        raise ApplicationError(_("Give the reason for the handover."), field="reason")
    _validate_handover_target(to_user)
    customer = Customer.objects.select_for_update().select_related("owner").get(pk=customer.pk)
    if customer.owner_id == to_user.pk:
        raise ApplicationError(_("This user already owns the archive."), field="to")
    change = _handover_one(customer=customer, to_user=to_user, user=user, reason=reason.strip(), note=note,
                           files_received_by=files_received_by)
    transaction.on_commit(lambda: notify(
        recipient=to_user, title=_("Customer handed over to you: %s") % customer.name,
        body=reason, url=reverse("customers:detail", args=[customer.pk])))
    return change


@transaction.atomic
def customers_handover_all(*, from_user: User, to_user: User, user: User, reason: str, note: str = "",
                           files_received_by: User | None = None) -> int:
    """A leaving manager's archives, all reassigned in one operation; the files received by a clerk.
    Nothing is left ownerless: either every archive moves or none does."""
    if not has_role(user, *ARCHIVE_KEEPER_ROLES):
        raise PermissionDeniedError(_("You may not reassign archives."))
    if not (reason or "").strip():
        raise ApplicationError(_("Give the reason for the handover."), field="reason")
    if from_user.pk == to_user.pk:
        raise ApplicationError(_("Choose a different new owner."), field="to")
    _validate_handover_target(to_user)
    customers = list(Customer.objects.select_for_update().filter(owner=from_user).select_related("owner"))
    for customer in customers:
        if not can_handover_customer(user, customer):
            # Generic on purpose: the archive at fault may be one the acting user cannot read.
            raise PermissionDeniedError(_("Some of these archives are outside your teams; ask their department head."))
    for customer in customers:
        _handover_one(customer=customer, to_user=to_user, user=user, reason=reason.strip(), note=note,
                      files_received_by=files_received_by)
    if customers:
        count = len(customers)
        transaction.on_commit(lambda: notify(
            recipient=to_user, title=_("%(count)d customers handed over to you from %(name)s") % {
                "count": count, "name": str(from_user)}, body=reason, url=reverse("customers:list")))
    return len(customers)


@transaction.atomic
def customer_deactivate(*, customer: Customer, user: User, reason: str) -> Customer:
    """Retire an archive: hidden from working lists, kept for reports and audits."""
    if not can_edit_customer(user, customer):
        raise PermissionDeniedError(_("You may not retire this archive."))
    if not (reason or "").strip():
        raise ApplicationError(_("Give the reason for retiring the archive."), field="reason")
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if not customer.is_active:
        raise ApplicationError(_("This archive is already retired."))
    customer.is_active = False
    customer.deactivated_at = timezone.now()
    customer.deactivation_reason = reason.strip()
    customer._change_reason = _("Retired: %s") % reason.strip()
    audit.set_actor(customer, user)
    customer.save(update_fields=["is_active", "deactivated_at", "deactivation_reason", "updated_at"])
    return customer


@transaction.atomic
def customer_reactivate(*, customer: Customer, user: User) -> Customer:
    if not can_edit_customer(user, customer):
        raise PermissionDeniedError(_("You may not reactivate this archive."))
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    customer.is_active = True
    customer.deactivated_at = None
    customer.deactivation_reason = ""
    customer._change_reason = _("Reactivated")
    audit.set_actor(customer, user)
    customer.save(update_fields=["is_active", "deactivated_at", "deactivation_reason", "updated_at"])
    return customer


# --- Access log, requests and grants (SPEC §8) -------------------------------------------------

def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


def access_log_record(*, user: User, action: str, channel: str, customer: Customer | None = None,
                      request=None, detail: str = "") -> AccessLog | None:
    """Log a read by a non-owner, and every export, download and print. Owners' own reads are not
    logged (SPEC §8); everything else is."""
    if action == AccessLog.Action.READ and customer is not None and customer.owner_id == user.pk:
        return None
    return AccessLog.objects.create(user=user, customer=customer, action=action, channel=channel,
                                    ip_address=client_ip(request), detail=detail[:300])


@transaction.atomic
def access_request_create(*, customer: Customer, user: User, reason: str) -> AccessRequest:
    if not (reason or "").strip():
        raise ApplicationError(_("Say why you need to read this archive."), field="reason")
    if can_read_customer(user, customer):
        raise ApplicationError(_("You can already read this archive."))
    if AccessRequest.objects.filter(customer=customer, requester=user, status=AccessRequest.Status.PENDING).exists():
        raise ApplicationError(_("You have already asked for access to this archive; wait for the decision."))
    access_request = AccessRequest.objects.create(customer=customer, requester=user, reason=reason.strip())
    heads = list(department_heads_of(customer))
    url = reverse("customers:access_requests")

    def _notify():
        for head in heads:
            title = _("%(user)s asks to read %(name)s") % {"user": str(user), "name": customer.name}
            notify(recipient=head, title=title, body=reason, url=url, dedupe_key=f"access-request:{access_request.pk}")

    transaction.on_commit(_notify)
    return access_request


@transaction.atomic
def access_request_decide(*, access_request: AccessRequest, user: User, grant: bool, days: int | None = None,
                          comment: str = "") -> AccessRequest:
    """The owner's department head grants (for a limited time) or refuses."""
    access_request = AccessRequest.objects.select_for_update().select_related("customer__owner", "requester").get(
        pk=access_request.pk)
    if not can_grant_access(user, access_request.customer):
        raise PermissionDeniedError(_("Only the department head of the owner may decide this request."))
    if access_request.status != AccessRequest.Status.PENDING:
        from crm.exceptions import ConflictError

        raise ConflictError(_("This request has already been decided."))
    days = days or settings.CRM["ACCESS_GRANT_DAYS"]
    if not 1 <= days <= 90:
        raise ApplicationError(_("Access is granted for 1 to 90 days."), field="days")
    access_request.status = AccessRequest.Status.GRANTED if grant else AccessRequest.Status.REFUSED
    access_request.decided_by = user
    access_request.decided_at = timezone.now()
    access_request.decision_comment = comment
    access_request.save(update_fields=["status", "decided_by", "decided_at", "decision_comment", "updated_at"])
    if grant:
        AccessGrant.objects.create(customer=access_request.customer, user=access_request.requester, granted_by=user,
                                   expires_at=timezone.now() + dt.timedelta(days=days), request=access_request)
    requester, customer = access_request.requester, access_request.customer
    # A refused requester may not read the archive: the notice names it by the code they asked for.
    title = (_("Access granted to %(name)s for %(days)d days") % {"name": customer.name, "days": days} if grant
             else _("Access refused to %s") % customer.code)
    transaction.on_commit(lambda: notify(recipient=requester, title=title, body=comment,
                                         url=reverse("customers:detail", args=[customer.pk]) if grant else ""))
    return access_request


@transaction.atomic
def access_grant_revoke(*, grant: AccessGrant, user: User) -> AccessGrant:
    if not can_grant_access(user, grant.customer):
        raise PermissionDeniedError(_("You may not revoke this grant."))
    grant.revoked_at = timezone.now()
    grant.save(update_fields=["revoked_at", "updated_at"])
    return grant


# --- Annual refresh (SPEC §2.4) ------------------------------------------------------------------

def refresh_due_cutoff(today: dt.date | None = None) -> dt.date:
    """Archives last verified on or before this day are due."""
    today = today or timezone.localdate()
    return add_months(today, -settings.CRM["ARCHIVE_REFRESH_MONTHS"])


def archive_refresh_create_due(*, today: dt.date | None = None) -> int:
    """Give each owner a refresh task for every active archive past its verification date.
    Idempotent: an archive with an open task gets no second one; safe to re-run or run late."""
    today = today or timezone.localdate()
    cutoff = refresh_due_cutoff(today)
    due = (Customer.objects.filter(is_active=True)
           .filter(Q(last_verified_on__lte=cutoff) | Q(last_verified_on__isnull=True, created_at__date__lte=cutoff))
           .exclude(refresh_tasks__status=RefreshTask.Status.OPEN)
           .select_related("owner"))
    created = 0
    per_owner: dict[int, list[Customer]] = {}
    for customer in due.iterator(chunk_size=500):
        try:
            with transaction.atomic():
                RefreshTask.objects.create(customer=customer, owner=customer.owner, due_on=today)
        except IntegrityError:  # a concurrent run created it
            continue
        created += 1
        per_owner.setdefault(customer.owner_id, []).append(customer)
    for customers in per_owner.values():
        owner = customers[0].owner
        notify(recipient=owner, title=_("%d customer archives are due for their yearly check") % len(customers),
               body="\n".join(f"{c.code} {c.name}" for c in customers[:50]),
               url=reverse("customers:refresh_tasks"), dedupe_key=f"refresh:{today.isoformat()}")
    return created


@transaction.atomic
def archive_refresh_complete(*, customer: Customer, user: User, corrected_fields: dict | None = None,
                             note: str = "") -> Customer:
    """The owner confirms the card, or corrects it; either resets the verification date."""
    if not can_edit_customer(user, customer):
        raise PermissionDeniedError(_("You may not verify this archive."))
    corrected_fields = corrected_fields or {}
    if corrected_fields:
        customer = customer_update(customer=customer, user=user, change_reason=_("Yearly refresh"),
                                   **corrected_fields)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    customer.last_verified_on = timezone.localdate()
    customer._change_reason = _("Yearly refresh: corrected") if corrected_fields else _("Yearly refresh: confirmed")
    audit.set_actor(customer, user)
    customer.save(update_fields=["last_verified_on", "updated_at"])
    status = RefreshTask.Status.CORRECTED if corrected_fields else RefreshTask.Status.CONFIRMED
    RefreshTask.objects.filter(customer=customer, status=RefreshTask.Status.OPEN).update(
        status=status, completed_at=timezone.now(), completed_by=user, note=note[:300])
    return customer
