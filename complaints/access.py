"""The complaint handler's narrow door (SPEC §5.2, §8): a handler sees the complaint and the customer's
name, code and contacts' work phones, not the archive. Registered with crm.narrow_access."""

from crm.narrow_access import Scope, register_narrow_access


def _handled_customers(user):
    from complaints.models import Complaint

    if not getattr(user, "is_authenticated", False):
        return None
    return Complaint.objects.filter(handler=user).values("customer_id")


def register() -> None:
    register_narrow_access("complaint_handler", customer_ids=_handled_customers, scopes={Scope.CONTACT_WORK_PHONES})
