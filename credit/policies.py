"""Who may do what with credit (SPEC §4, §8): the role sets of the credit app, named once, and its
`can_<verb>` rules. Services enforce them; doors ask them to build choices and hide buttons."""

from django.db.models import Q

from crm.roles import Role, has_role
from customers.models import Customer
from customers.policies import OWNER_EDITOR_ROLES, TEAM_KEEPER_ROLES, can_read_customer, can_see_financials, team_ids

# Credit officers investigate, evaluate, grade, keep the credit records and grant overrides (SPEC §1).
CREDIT_OFFICER_ROLES = (Role.CREDIT_OFFICER,)
# Who may ask a credit officer to lift a refusal: the staff who handle the customer.
OVERRIDE_REQUEST_ROLES = (Role.CLERK, Role.ACCOUNT_MANAGER, Role.DEPT_HEAD, Role.GM, Role.CREDIT_OFFICER)


def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def is_credit_officer(user) -> bool:
    return _active(user) and has_role(user, *CREDIT_OFFICER_ROLES)


def can_grade(user) -> bool:
    """Investigations, evaluations, grades, credit records and override decisions: credit officers only."""
    return is_credit_officer(user)


can_investigate = can_grade
can_keep_credit_records = can_grade
can_decide_override = can_grade


def can_check_credit(user, customer: Customer) -> bool:
    """The credit check (allowed or not, grade, policy, receivables): whoever may read the archive, the
    freight system included (SPEC §9)."""
    return _active(user) and can_read_customer(user, customer)


def can_see_credit_details(user, customer: Customer) -> bool:
    """Scores, indicator values, limits, reasons, credit records and investigations are financial details
    (SPEC §8): shown to those who see the archive's financials."""
    return _active(user) and can_see_financials(user, customer)


def credit_details_q(user, prefix: str = "customer__") -> Q | None:
    """The filter (through `prefix`) of the customers whose credit details `user` may see; None means all.
    The queryset form of can_see_credit_details."""
    if not _active(user):
        return Q(pk__in=[])
    if has_role(user, Role.GM, Role.CREDIT_OFFICER):
        return None
    q = Q(pk__in=[])
    if has_role(user, *OWNER_EDITOR_ROLES):
        q |= Q(**{f"{prefix}owner": user})
    if has_role(user, *TEAM_KEEPER_ROLES):
        q |= Q(**{f"{prefix}team_id__in": team_ids(user)})
    return q


def can_request_override(user, customer: Customer) -> bool:
    return _active(user) and has_role(user, *OVERRIDE_REQUEST_ROLES) and can_read_customer(user, customer)
