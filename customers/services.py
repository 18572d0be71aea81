"""Writes of customer archives. Every door calls these; each is atomic and leaves a trace."""

import datetime as dt
import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm import audit
from crm.exceptions import ApplicationError, PermissionDeniedError
from crm.jobs import job_key
from crm.models import Notification, Team, User
from crm.notifications import notify
from crm.roles import Role
from customers.models import (
    UNCHECKED_SOURCES,
    AccessGrant,
    AccessLog,
    Customer,
    DataSource,
    OwnerChange,
    RefreshTask,
)
from customers.normalize import normalize_name, normalize_phone
from customers.policies import (
    EMERGENCY_READ_MAX_HOURS,
    can_assign_owner,
    can_be_owner,
    can_check_sections,
    can_edit_customer,
    can_emergency_read,
    can_file_archive,
    can_handover_all,
    can_handover_customer,
    can_read_customer,
    can_write_financials,
    may_choose_owner,
    route_fits_region,
)
from customers.querysets import refresh_due_cutoff  # noqa: F401  (the refresh job's and the tests' name)

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


def _check_owner(*, user: User, owner: User, team: Team | None) -> None:
    """Who may be the owner of a new archive (policies.can_assign_owner): refused with a field error."""
    if not owner.is_active:
        raise ApplicationError(_("The owner must be an active user."), field="owner")
    if can_assign_owner(user, owner, team=team):
        return
    if not can_be_owner(owner):
        raise ApplicationError(_("The owner must be an account manager, clerk, department head or the GM."),
                               field="owner")
    if not may_choose_owner(user):
        raise ApplicationError(_("You may file archives for yourself only; leave owner out."), field="owner")
    raise ApplicationError(_("You may file archives only for yourself or the members of your teams."), field="owner")


def _check_financials(*, user: User, customer: Customer, fields: dict[str, Any], current: Customer | None) -> None:
    """Someone who may not see an archive's financials may not write them either (SPEC §8): a value sent
    unchanged passes (a client sending back what it read), any other is refused by field."""
    if can_write_financials(user, customer):
        return
    for name in Customer.SENSITIVE_FINANCIAL_FIELDS:
        if name not in fields:
            continue
        before = getattr(current, name) if current is not None else Customer._meta.get_field(name).get_default()
        if (fields[name] or None) != (before or None):
            raise ApplicationError(_("You may not see or change the financial fields of this archive."), field=name)


def _check_route(customer: Customer) -> None:
    if not route_fits_region(customer.route, customer.region):
        raise ApplicationError(_("This route belongs to another sales territory."), field="route")


@transaction.atomic
def customer_create(*, user: User, owner: User | None = None, team: Team | None = None,
                    code: str | None = None, source: str = DataSource.STAFF_VISIT,
                    **fields: Any) -> Customer:
    """File a new archive. The owner defaults to the creator; the team to the owner's first team.

    The write rules of every door: who may file (PermissionDeniedError), who may be the owner, who may
    write financial fields, that the route is of the archive's territory (ApplicationError by field).
    Raises DuplicateCustomerError naming the existing archive, or ValidationError by field."""
    if not can_file_archive(user, team=team):
        raise PermissionDeniedError(_("You may not file customer archives."))
    owner = owner or user
    _check_owner(user=user, owner=owner, team=team)
    unknown = set(fields) & PROTECTED_FIELDS
    if unknown:
        raise ApplicationError(_("These fields cannot be set here: %s") % ", ".join(sorted(unknown)),
                               field=sorted(unknown)[0])
    customer = Customer(owner=owner, team=team or _default_team(owner), created_by=user, source=source,
                        is_checked=source not in UNCHECKED_SOURCES, **fields)
    _check_financials(user=user, customer=customer, fields=fields, current=None)
    _check_route(customer)
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
def customer_update(*, customer: Customer, user: User, change_reason: str = "", **fields: Any) -> Customer:
    """A plain edit by someone who may edit the archive. The owner, tier, target and grade are never
    changed here; financial fields only by those who may see them; a route of another territory is
    refused, and a new territory drops a route that is not of it."""
    if not can_edit_customer(user, customer):
        raise PermissionDeniedError(_("You may not edit this archive."))
    unknown = set(fields) & PROTECTED_FIELDS
    if unknown:
        raise ApplicationError(_("These fields cannot be changed by an edit: %s") % ", ".join(sorted(unknown)),
                               field=sorted(unknown)[0])
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    _check_financials(user=user, customer=customer, fields=fields, current=customer)
    before = {name: getattr(customer, name) for name in Customer.MAJOR_FIELDS}
    stage_before = customer.stage
    for name, value in fields.items():
        setattr(customer, name, value)
    if "region" in fields and "route" not in fields and not route_fits_region(customer.route, customer.region):
        customer.route = None
    _check_route(customer)
    _full_clean(customer)
    _check_duplicates(customer, user)
    major = [name for name in Customer.MAJOR_FIELDS if getattr(customer, name) != before[name]]
    reason = change_reason
    if major:
        reason = (_("Major change: %s") % ", ".join(str(Customer._meta.get_field(n).verbose_name) for n in major)
                  + (f" — {change_reason}" if change_reason else ""))
    customer._change_reason = reason
    audit.set_actor(customer, user)
    _save_unique(customer, user)
    if customer.stage != stage_before:
        _log_stage_edit(customer, user=user, from_state=stage_before)
    return customer


def _log_stage_edit(customer: Customer, *, user: User, from_state: str) -> None:
    """A stage changed by an edit is recorded like a pipeline step (SPEC §2.3: every stage change, who and
    when), so conversion figures and the stage history miss nothing."""
    from customers.models import CustomerStageLog, PipelineProfile

    source = PipelineProfile.objects.filter(customer=customer).values_list("lead_source", flat=True).first()
    CustomerStageLog.objects.create(customer=customer, actor=user, action="edit", from_state=from_state,
                                    to_state=customer.stage, owner_id=customer.owner_id, lead_source=source or "")


def _save_unique(customer: Customer, user: User, **kwargs: Any) -> None:
    """Save; when a concurrent write took the phone (or credit code) first, the database refuses the second
    and the user is told which archive it duplicates, as before the insert."""
    try:
        with transaction.atomic():
            customer.save(**kwargs)
    except IntegrityError:
        _check_duplicates(customer, user)
        raise


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
    if not can_be_owner(to_user):
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
    # The archive's row alone, no join: PostgreSQL re-checks a locked row against the joined owner row it
    # read before the wait, so after a concurrent handover a join would find no row at all.
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.owner_id == to_user.pk:
        raise ApplicationError(_("This user already owns the archive."), field="to")
    change = _handover_one(customer=customer, to_user=to_user, user=user, reason=reason.strip(), note=note,
                           files_received_by=files_received_by)
    transaction.on_commit(lambda: notify(
        recipient=to_user, title=gettext_lazy("Customer handed over to you: %s"), params=customer.name,
        body=reason, url=reverse("customers:detail", args=[customer.pk])))
    return change


@transaction.atomic
def customers_handover_all(*, from_user: User, to_user: User, user: User, reason: str, note: str = "",
                           files_received_by: User | None = None) -> int:
    """A leaving manager's archives, all reassigned in one operation; the files received by a clerk.
    Nothing is left ownerless: either every archive moves or none does."""
    if not can_handover_all(user):
        raise PermissionDeniedError(_("You may not reassign archives."))
    if not (reason or "").strip():
        raise ApplicationError(_("Give the reason for the handover."), field="reason")
    if from_user.pk == to_user.pk:
        raise ApplicationError(_("Choose a different new owner."), field="to")
    _validate_handover_target(to_user)
    # No join under the lock (see customer_handover); every row's owner is from_user anyway.
    customers = list(Customer.objects.select_for_update().filter(owner=from_user))
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
            recipient=to_user, title=gettext_lazy("%(count)d customers handed over to you from %(name)s"),
            params={"count": count, "name": str(from_user)}, body=reason, url=reverse("customers:list")))
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
    _save_unique(customer, user, update_fields=["is_active", "deactivated_at", "deactivation_reason", "updated_at"])
    return customer


# --- Access log, requests and grants (SPEC §8) -------------------------------------------------

def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


def access_log_record(*, user: User, action: str, channel: str, customer: Customer | None = None,
                      request=None, detail: str = "", customer_ids: list[int] | None = None) -> AccessLog | None:
    """Log a read by a non-owner, and every export, download and print. Owners' own reads are not
    logged (SPEC §8); everything else is. A list read at once is one row naming its archives'
    `customer_ids`; a list of none (all the reader's own) is not logged."""
    if action == AccessLog.Action.READ and customer is not None and customer.owner_id == user.pk:
        return None
    if customer_ids is not None and not customer_ids and action == AccessLog.Action.READ:
        return None
    return AccessLog.objects.create(user=user, customer=customer, action=action, channel=channel,
                                    ip_address=client_ip(request), detail=detail[:300],
                                    customer_ids=list(customer_ids or []))


@transaction.atomic
def access_grant_emergency(*, customer: Customer, user: User, reason: str, hours: int = 4,
                           request=None) -> AccessGrant:
    """The IT admin's break-glass read (SPEC §8): a short grant to one archive, with its reason in the
    access log, announced to the GM. Only superusers; at most EMERGENCY_READ_MAX_HOURS."""
    if not can_emergency_read(user):
        raise PermissionDeniedError(_("Only an administrator may open an archive for an emergency read."))
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Say why you need to read this archive."), field="reason")
    if not 1 <= hours <= EMERGENCY_READ_MAX_HOURS:
        raise ApplicationError(_("An emergency read lasts 1 to %d hours.") % EMERGENCY_READ_MAX_HOURS, field="hours")
    grant = AccessGrant.objects.create(customer=customer, user=user, granted_by=user,
                                       expires_at=timezone.now() + dt.timedelta(hours=hours))
    AccessLog.objects.create(user=user, customer=customer, action=AccessLog.Action.READ,
                             channel=AccessLog.Channel.ADMIN, ip_address=client_ip(request),
                             detail=(_("Emergency read for %(hours)d h: %(reason)s")
                                     % {"hours": hours, "reason": reason})[:300])
    gms = list(User.objects.filter(is_active=True, groups__name=Role.GM).exclude(pk=user.pk))
    params = {"user": str(user), "code": customer.code, "hours": hours}

    def _notify():
        for gm in gms:
            notify(recipient=gm, title=gettext_lazy("Emergency read of %(code)s by %(user)s for %(hours)d h"),
                   params=params, body=reason, dedupe_key=f"emergency-read:{grant.pk}")

    transaction.on_commit(_notify)
    return grant


# --- Annual refresh (SPEC §2.4) ------------------------------------------------------------------

REFRESH_JOB = "archive-refresh"


def archive_refresh_create_due(*, today: dt.date | None = None) -> int:
    """The yearly refresh job (SPEC §2.4): a refresh task for every active archive past its
    verification date, then a notice to each owner whose list got new tasks. Returns the number of
    tasks this run created.

    Safe to repeat, to run late, concurrently or after being killed: an archive with an open task gets no
    second one (unique constraint); the notice gives the owner's true number of open tasks, read from the
    database after the tasks are written, and is keyed by the owner's newest task, so it goes out once
    per batch of new tasks: a second run that creates none sends nothing, one that creates more (archives
    that became due meanwhile) sends the new total."""
    today = today or timezone.localdate()
    cutoff = refresh_due_cutoff(today)
    due = (Customer.objects.filter(is_active=True)
           .filter(Q(last_verified_on__lte=cutoff) | Q(last_verified_on__isnull=True, created_at__date__lte=cutoff))
           .exclude(refresh_tasks__status=RefreshTask.Status.OPEN))
    created = 0
    for customer_id, owner_id in due.order_by("pk").values_list("pk", "owner_id").iterator(chunk_size=500):
        try:
            with transaction.atomic():
                RefreshTask.objects.create(customer_id=customer_id, owner_id=owner_id, due_on=today)
        except IntegrityError:  # a concurrent run created it
            continue
        created += 1
    archive_refresh_notify_owners()
    return created


def archive_refresh_notify_owners() -> int:
    """Tell each owner with new refresh tasks how many archives are open for the yearly check.
    Returns the number of notices sent."""
    open_tasks = RefreshTask.objects.filter(status=RefreshTask.Status.OPEN, customer__is_active=True)
    counts = dict(open_tasks.values_list("owner_id").annotate(n=Count("pk")).values_list("owner_id", "n"))
    newest = dict(RefreshTask.objects.filter(owner_id__in=counts).values_list("owner_id")
                  .annotate(newest=Max("pk")).values_list("owner_id", "newest"))
    sent = 0
    for owner in User.objects.filter(pk__in=counts, is_active=True):
        key = job_key(REFRESH_JOB, newest[owner.pk])
        if Notification.objects.filter(recipient=owner, dedupe_key=key).exists():
            continue
        listed = (open_tasks.filter(owner=owner).select_related("customer")
                  .order_by("due_on", "customer__code")[:50])
        sent += notify(recipient=owner, title=gettext_lazy("%d customer archives are due for their yearly check"),
                       params=counts[owner.pk], body="\n".join(f"{t.customer.code} {t.customer.name}" for t in listed),
                       url=reverse("customers:refresh_tasks"), dedupe_key=key) is not None
    return sent


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


# --- Decisions other apps own: the key-account tier and target, the credit grade -------------------
# These are the only writers of tier, annual_revenue_target and credit_grade (PROTECTED_FIELDS for every
# other door). The app that owns the decision — a key-account application's final approval, a credit
# officer's grading — checks who may decide and records the decision in its own history; here the
# archive is locked, changed and its change history names the decider and the reason.

@transaction.atomic
def customer_key_account_set(*, customer: Customer, tier: str | None, annual_revenue_target, user: User,
                             reason: str) -> Customer:
    """Set the key-account tier (A–D, or None to end key-account status) and the approved annual
    revenue target (SPEC §3.3)."""
    from customers.models import Tier

    if tier is not None and tier not in Tier.values:
        raise ApplicationError(_("A tier is A, B, C or D."), field="tier")
    if (tier is None) != (annual_revenue_target is None):
        raise ApplicationError(_("A tier and an annual revenue target go together."), field="annual_revenue_target")
    if annual_revenue_target is not None and annual_revenue_target <= 0:
        raise ApplicationError(_("The annual revenue target must be positive."), field="annual_revenue_target")
    customer = Customer.objects.select_for_update(of=("self",)).get(pk=customer.pk)
    customer.tier, customer.annual_revenue_target = tier, annual_revenue_target
    customer._change_reason = reason
    audit.set_actor(customer, user)
    customer.save(update_fields=["tier", "annual_revenue_target", "updated_at"])
    return customer


@transaction.atomic
def customer_credit_grade_set(*, customer: Customer, grade: str | None, user: User, reason: str) -> Customer:
    """Set the credit grade (A–D, or None for ungraded) decided by the credit app (SPEC §4.1)."""
    from customers.models import Tier

    if grade is not None and grade not in Tier.values:
        raise ApplicationError(_("A credit grade is A, B, C or D."), field="grade")
    customer = Customer.objects.select_for_update(of=("self",)).get(pk=customer.pk)
    customer.credit_grade = grade
    customer._change_reason = reason
    audit.set_actor(customer, user)
    customer.save(update_fields=["credit_grade", "updated_at"])
    return customer
