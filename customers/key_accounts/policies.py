"""Who may do what with key-account applications (SPEC §3.1): the rules, named once."""

from crm.roles import Role, has_role
from customers.models import Customer
from customers.policies import can_read_customer, is_identity_only

# Who files: the account manager who owns the customer, and the managers above (SPEC §3.1).
FILING_ROLES = (Role.ACCOUNT_MANAGER, Role.DEPT_HEAD, Role.GM)
DECIDER_ROLES = (Role.DEPT_HEAD, Role.GM)


def can_file_application(user, customer: Customer) -> bool:
    """The customer's owner (an account manager), a department head who reads it, or the GM."""
    if not has_role(user, *FILING_ROLES) or is_identity_only(user):
        return False
    if has_role(user, Role.GM):
        return True
    if customer.owner_id == user.pk:
        return True
    return has_role(user, Role.DEPT_HEAD) and can_read_customer(user, customer)


def is_head_of_customer_team(user, customer: Customer) -> bool:
    """A department head of a team the customer belongs to (its team, or its owner's teams)."""
    if not has_role(user, Role.DEPT_HEAD):
        return False
    from customers.selectors import department_heads_of

    return department_heads_of(customer).filter(pk=user.pk).exists()


def may_decide_now(user, application) -> bool:
    """The first decision is a department head's of the customer's team; the second the GM's, and not by
    the person who made the first. On a decided application everyone who decides applications passes,
    so that the answer is 'it has been decided' (409), not 'you may not' (403)."""
    if application.status == application.Status.PENDING_HEAD:
        return is_head_of_customer_team(user, application.customer)
    if application.status == application.Status.PENDING_GM:
        return has_role(user, Role.GM)
    return has_role(user, *DECIDER_ROLES)


def can_see_applications(user) -> bool:
    return has_role(user, Role.ACCOUNT_MANAGER, Role.CLERK, Role.DEPT_HEAD, Role.GM, Role.CREDIT_OFFICER) and \
        not is_identity_only(user)
