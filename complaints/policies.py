"""Who may do what with complaints (SPEC §5.2): every role set and rule of the workflow, named once."""

from crm.roles import Role, has_role
from customers.policies import is_identity_only, team_ids

# Registration, judging, assigning, replies and the return visit: customer-service staff or a head.
SERVICE_ROLES = (Role.CLERK, Role.ACCOUNT_MANAGER, Role.DEPT_HEAD)
# Who may register a complaint for any customer (found by name or code only).
REGISTER_ROLES = (Role.CLERK, Role.ACCOUNT_MANAGER, Role.DEPT_HEAD, Role.GM)
# Clerks and heads of the customer's team see its complaints.
TEAM_ROLES = (Role.CLERK, Role.DEPT_HEAD)


def can_register(user) -> bool:
    return has_role(user, *REGISTER_ROLES) and not is_identity_only(user)


def is_service_staff(user, complaint) -> bool:
    return has_role(user, *SERVICE_ROLES)


def is_handler_or_head(user, complaint) -> bool:
    return complaint.handler_id == user.pk or has_role(user, Role.DEPT_HEAD)


def is_head_of_customer_team(user, complaint) -> bool:
    customer = complaint.customer
    return bool(has_role(user, Role.DEPT_HEAD) and customer.team_id and customer.team_id in team_ids(user))


def may_approve_division(user, complaint) -> bool:
    return is_head_of_customer_team(user, complaint)


def may_approve_gm(user, complaint) -> bool:
    return has_role(user, Role.GM)


def may_send_back(user, complaint) -> bool:
    """At the division-head step its head, at the GM's step the GM; elsewhere either may try (and is told
    the complaint is not waiting for an approval: 409)."""
    from complaints.models import State

    if complaint.state == State.APPROVE_DIVISION:
        return may_approve_division(user, complaint)
    if complaint.state == State.APPROVE_GM:
        return may_approve_gm(user, complaint)
    return has_role(user, Role.DEPT_HEAD, Role.GM)


def may_review(user, complaint) -> bool:
    return has_role(user, Role.DEPT_HEAD, Role.GM)
