"""Who may do what with customer archives (SPEC §1, §8): every role set of the app, named once, and
every `can_<verb>(user, obj)` rule.

Services enforce these rules (they raise PermissionDeniedError or ApplicationError naming the field);
doors (pages, API, admin, importer) ask them only to build choices and hide buttons. Reads that need a
queryset (which archives a user may read, whose access a head decides) are customers.selectors'.

The IT admin (a superuser without CRM roles) manages users, lists and settings: it holds none of the
roles below, so it neither reads nor writes archives. An emergency read is a logged, short AccessGrant
(customers.services.access_grant_emergency).
"""

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from crm.roles import ADMIN_ROLE, Role, has_role, role_names
from customers.models import AccessGrant, Customer, Route

# --- Role sets ---------------------------------------------------------------------------------------

# The department's own staff: the archive pages, the classification summary, business records, exports.
STAFF_ROLES = (Role.CLERK, Role.ACCOUNT_MANAGER, Role.DEPT_HEAD, Role.GM, Role.CREDIT_OFFICER)
# Who reads every archive (SPEC §8): the GM and the credit officers.
EVERY_ARCHIVE_ROLES = (Role.GM, Role.CREDIT_OFFICER)
# Who reads and keeps the archives of their teams.
TEAM_KEEPER_ROLES = (Role.CLERK, Role.DEPT_HEAD)
# Who files new archives.
FILING_ROLES = (Role.CLERK, Role.ACCOUNT_MANAGER, Role.DEPT_HEAD, Role.GM)
# The archive keepers: they check data, import files, choose owners and hand archives over (SPEC §1).
ARCHIVE_KEEPER_ROLES = (Role.CLERK, Role.DEPT_HEAD, Role.GM)
# Who may own an archive (be chosen as its owner on filing or by a handover).
OWNER_ROLES = (Role.ACCOUNT_MANAGER, Role.CLERK, Role.DEPT_HEAD, Role.GM)
# Who edits an archive as its owner.
OWNER_EDITOR_ROLES = (Role.ACCOUNT_MANAGER, Role.CLERK, Role.DEPT_HEAD)
# Who decides access requests (the owner's department head; the GM for every archive).
ACCESS_DECIDER_ROLES = (Role.DEPT_HEAD, Role.GM)
# Who reviews the access log and the change log (SPEC §8).
AUDIT_ROLES = (Role.GM, ADMIN_ROLE)
# Imports and exports of archives and contacts.
IMPORT_ROLES = ARCHIVE_KEEPER_ROLES
EXPORT_ROLES = STAFF_ROLES
# Business records: the freight system writes them, the keepers upload files of them.
BUSINESS_RECORD_WRITE_ROLES = (Role.INTEGRATION, *ARCHIVE_KEEPER_ROLES)
BUSINESS_RECORD_UPLOAD_ROLES = ARCHIVE_KEEPER_ROLES
# The shared document library is the department's and IT's (it holds no archive); keepers confirm knowledge.
LIBRARY_ROLES = (*STAFF_ROLES, ADMIN_ROLE)
LIBRARY_CONFIRM_ROLES = (*ARCHIVE_KEEPER_ROLES, ADMIN_ROLE)

# How long an admin's emergency read lasts, at most (hours).
EMERGENCY_READ_MAX_HOURS = 24


# --- Who the user is -----------------------------------------------------------------------------------

def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def team_ids(user) -> list[int]:
    """The ids of the user's teams, cached on the user object for the request."""
    cached = getattr(user, "_crm_team_ids", None)
    if cached is None:
        cached = list(user.teams.values_list("id", flat=True)) if getattr(user, "pk", None) else []
        user._crm_team_ids = cached
    return cached


def sees_everything(user) -> bool:
    """The GM and credit officers read every archive (SPEC §8). The IT admin does not."""
    return has_role(user, *EVERY_ARCHIVE_ROLES)


def is_identity_only(user) -> bool:
    """Integration users see identity fields only (SPEC §8 narrow doors)."""
    roles = role_names(user)
    return Role.INTEGRATION in roles and not (roles - {Role.INTEGRATION})


def is_team_staff_of(user, customer: Customer, *roles: str) -> bool:
    """Whether `user` holds one of `roles` and belongs to the customer's team."""
    return bool(customer.team_id and has_role(user, *roles) and customer.team_id in team_ids(user))


def is_staff_member(user) -> bool:
    """Whether the user works in the department (the archive pages are theirs)."""
    return _active(user) and has_role(user, *STAFF_ROLES)


# --- Who reads which archives, as filters (customers.selectors applies them) -------------------------

def customer_access_q(user) -> Q | None:
    """The filter of the archives `user` may read; None means every archive.

    Account managers read their own customers; clerks and department heads the archives of their
    teams; the GM and credit officers all (the IT admin none, SPEC §8); anyone may read an archive
    while a grant lasts.
    Users who are only `integration` accounts may look every customer up, identity fields only (the
    API narrows them, every other door is closed to them); a person who also holds another role reads
    by that role, never by the integration role.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    if sees_everything(user) or is_identity_only(user):
        return None
    q = Q(owner=user)
    if has_role(user, *TEAM_KEEPER_ROLES):
        teams = team_ids(user)
        if teams:
            q |= Q(team_id__in=teams)
    # The granted ids as values, not as a subquery: `owner = X OR team IN (…) OR id IN (1, 2)` is one
    # the planner serves from the indexes (a BitmapOr of the owner, team and primary-key indexes, or
    # the (name, id) index walked with a cheap filter until a page is full), where an `OR id IN
    # (SELECT …)` forces a scan of every archive, three times a page at 100,000 archives (issue 9).
    grants = _granted_ids(user)
    if grants is None:
        q |= Q(pk__in=_grants_of(user).values("customer_id"))
    elif grants:
        q |= Q(pk__in=grants)
    return q


_MAX_LITERAL_GRANTS = 500


def _grants_of(user):
    return AccessGrant.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=timezone.now())


def _granted_ids(user) -> list[int] | None:
    """The archives granted to `user` now (one indexed query on (user, expires_at)); None when there
    are so many that a subquery serves better than a list of values."""
    ids = list(_grants_of(user).order_by("customer_id").values_list("customer_id", flat=True)
               .distinct()[:_MAX_LITERAL_GRANTS + 1])
    return None if len(ids) > _MAX_LITERAL_GRANTS else ids


def decidable_customers_q(user, prefix: str = "") -> Q | None:
    """The archives whose access `user` decides, as a filter (`prefix` reaches the customer from
    another model): None means every archive (the GM); an empty filter for users who decide
    nothing. The IT admin decides nothing: it may not grant itself what it may not read (SPEC §8).
    A department head decides for the archives of the teams they belong to or head, and for
    those whose owner belongs to one of these teams."""
    if has_role(user, Role.GM):
        return None
    if not has_role(user, Role.DEPT_HEAD):
        return Q(pk__in=[])
    team_ids = set(user.teams.values_list("id", flat=True)) | set(user.headed_teams.values_list("id", flat=True))
    return Q(**{f"{prefix}team_id__in": team_ids}) | Q(**{f"{prefix}owner__teams__in": team_ids})



# --- Reading ---------------------------------------------------------------------------------------------

def can_read_customer(user, customer: Customer | int) -> bool:
    """Whether `user` may read the archive (a Customer or its id); the rule is customer_access_q's."""
    q = customer_access_q(user)
    pk = getattr(customer, "pk", customer)
    return q is None or Customer.objects.filter(q, pk=pk).exists()


def can_see_sensitive_personal(user, customer: Customer) -> bool:
    """Contacts' personal data: owner, clerks and heads of the customer's team, the GM (SPEC §8)."""
    if has_role(user, Role.GM):
        return True
    if customer.owner_id == user.pk and not has_role(user, Role.INTEGRATION):
        return True
    return is_team_staff_of(user, customer, *TEAM_KEEPER_ROLES)


def can_see_financials(user, customer: Customer) -> bool:
    """Financials: as personal data, and credit officers too."""
    return can_see_sensitive_personal(user, customer) or has_role(user, Role.CREDIT_OFFICER)


def can_review_logs(user) -> bool:
    """The access log and the change log: the GM and admins (SPEC §8)."""
    return _active(user) and has_role(user, *AUDIT_ROLES)


# --- Writing archives ------------------------------------------------------------------------------------

def is_integration_team(team) -> bool:
    """The team into which transacting customers new to the archive are filed from business records
    (SPEC §2.5, settings.CRM["INTEGRATION_TEAM"]); its clerks check them."""
    return bool(team is not None and team.name == settings.CRM["INTEGRATION_TEAM"])


def can_file_archive(user, *, team=None) -> bool:
    """Staff who file archives; the freight system into its own team."""
    if not _active(user):
        return False
    return has_role(user, *FILING_ROLES) or bool(has_role(user, Role.INTEGRATION) and is_integration_team(team))


def can_edit_customer(user, customer: Customer) -> bool:
    """The owner, the clerks and heads of its team and the GM edit an archive."""
    if has_role(user, Role.GM):
        return True
    if customer.owner_id == user.pk and has_role(user, *OWNER_EDITOR_ROLES):
        return True
    return is_team_staff_of(user, customer, *TEAM_KEEPER_ROLES)


def can_write_financials(user, customer: Customer) -> bool:
    """Who may not see the financials may not overwrite them either (SPEC §8)."""
    return can_see_financials(user, customer)


def may_choose_owner(user) -> bool:
    """Account managers file archives they own; the keepers (clerks, heads, the GM) choose the owner."""
    return has_role(user, *ARCHIVE_KEEPER_ROLES)


def can_be_owner(owner) -> bool:
    """An archive's owner is an active account manager, clerk, department head or the GM."""
    return bool(owner is not None and owner.is_active and has_role(owner, *OWNER_ROLES))


def can_assign_owner(user, owner, *, team=None) -> bool:
    """Whether `user` may file an archive owned by `owner`: oneself always; the GM anyone who may own
    archives; a clerk or department head only an owner in one of their teams, so that the archive stays
    theirs to keep (SPEC §8); into the integration team, its head or a member of it."""
    if owner is None or not owner.is_active:
        return False
    if owner.pk == user.pk:
        return True
    if is_integration_team(team) and (has_role(user, Role.INTEGRATION) or may_choose_owner(user)):
        # Records of unknown customers (the API, the upload page) file them for the integration team.
        return team.pk in team_ids(owner) or team.head_id == owner.pk
    if not may_choose_owner(user) or not can_be_owner(owner):
        return False
    if has_role(user, Role.GM):
        return True
    return bool(set(team_ids(user)) & set(team_ids(owner)))


def owner_candidates(user) -> QuerySet:
    """The owners `user` may choose when filing (the choices of every door), as can_assign_owner says."""
    from crm.models import User

    qs = User.objects.filter(is_active=True, groups__name__in=OWNER_ROLES)
    if not has_role(user, Role.GM):
        qs = qs.filter(Q(pk=user.pk) | Q(teams__in=team_ids(user)))
    return User.objects.filter(pk__in=qs.values("pk")).order_by("username")


def handover_candidates() -> QuerySet:
    """Who may receive an archive by a handover."""
    from crm.models import User

    return User.objects.filter(is_active=True, groups__name__in=OWNER_ROLES).distinct().order_by("username")


def route_fits_region(route: Route | None, region) -> bool:
    """A route belongs to one sales territory: an archive's route must be of its territory."""
    return route is None or region is None or route.region_id == getattr(region, "pk", region)


def can_handover_customer(user, customer: Customer) -> bool:
    """Clerks and heads of the customer's team and the GM reassign owners."""
    if has_role(user, Role.GM):
        return True
    return is_team_staff_of(user, customer, *TEAM_KEEPER_ROLES)


def can_handover_all(user) -> bool:
    """Who reassigns a leaving owner's archives at once (each must still be one they may hand over)."""
    return _active(user) and has_role(user, *ARCHIVE_KEEPER_ROLES)


def can_check_sections(user, customer: Customer) -> bool:
    """Who checks data supplied by customers or the freight system: the clerks and heads of the
    customer's team and the GM (among those who may edit the archive)."""
    return has_role(user, *ARCHIVE_KEEPER_ROLES) and can_edit_customer(user, customer)


def is_archive_keeper(user) -> bool:
    """Clerks, department heads and the GM: the check queue, the import, others' refresh tasks."""
    return _active(user) and has_role(user, *ARCHIVE_KEEPER_ROLES)


# --- Access requests and grants ----------------------------------------------------------------------------

def decides_access(user) -> bool:
    """Department heads and the GM decide access requests (SPEC §8)."""
    return has_role(user, *ACCESS_DECIDER_ROLES)


def can_grant_access(user, customer: Customer) -> bool:
    """Whether `user` decides access to this archive (the owner's department head; the GM)."""
    q = decidable_customers_q(user)
    return q is None or Customer.objects.filter(q, pk=customer.pk).exists()


def can_emergency_read(user) -> bool:
    """The IT admin's break-glass read: a superuser, logged, for a short time (SPEC §8)."""
    return _active(user) and user.is_superuser


# --- Imports, exports, business records, library ---------------------------------------------------------

def can_import(user) -> bool:
    """Archive keepers import archives and contacts (the GM too)."""
    return _active(user) and has_role(user, *IMPORT_ROLES)


def can_export(user) -> bool:
    return _active(user) and has_role(user, *EXPORT_ROLES)


def can_write_business_records(user) -> bool:
    return _active(user) and has_role(user, *BUSINESS_RECORD_WRITE_ROLES)


def can_upload_business_records(user) -> bool:
    return _active(user) and has_role(user, *BUSINESS_RECORD_UPLOAD_ROLES)


def can_use_library(user) -> bool:
    return _active(user) and has_role(user, *LIBRARY_ROLES)


def can_confirm_library(user) -> bool:
    return can_use_library(user) and has_role(user, *LIBRARY_CONFIRM_ROLES)
