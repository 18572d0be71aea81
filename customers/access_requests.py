"""Access requests and grants (SPEC §8), the first workflow on the kit of crm.workflow.

A request is recorded by what the requester named — a code, an id, the name or phone typed into the
filing form — whether or not an archive answers to it, so every answer (the message, the "my requests"
row, the "already asked" refusal) is the same for an archive that exists and one that does not. Only
the department heads who decide see which archive it is. One open request per requester and target is a
database constraint: two simultaneous requests keep one, and the second is answered like the first.

Steps: request → pending; grant / refuse by the owner's department head (or the GM); withdraw by the
requester; revoking a grant is logged on the request it came from.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from crm.exceptions import ApplicationError, ConflictError, PermissionDeniedError
from crm.models import User
from crm.notifications import notify
from crm.rules import rule_value
from crm.workflow import Action, Workflow
from customers.models import AccessGrant, AccessRequest, AccessRequestLog, Customer
from customers.normalize import normalize_name, normalize_phone
from customers.policies import (
    TEAM_KEEPER_ROLES,
    can_grant_access,
    can_read_customer,
    is_team_staff_of,
    sees_everything,
)
from customers.selectors import department_heads_of

Status = AccessRequest.Status


# --- What the requester named -------------------------------------------------------------------

class Target:
    """The archive a requester named: `customer` is None when nothing answers to it."""

    def __init__(self, *, customer: Customer | None, key: str, label: str):
        self.customer, self.key, self.label = customer, key[:160], label[:200]


def target_by_code(code: str) -> Target:
    code = (code or "").strip().upper()
    return Target(customer=Customer.objects.filter(code__iexact=code).first(), key=f"code:{code}", label=code)


def target_by_id(pk: int) -> Target:
    # The label is the number the requester used, not the archive's code (which they may not know).
    return Target(customer=Customer.objects.filter(pk=pk).first(), key=f"id:{pk}", label=f"#{pk}")


MATCH_FIELDS = ("name", "credit_code", "phone")


def target_by_match(field: str, value: str) -> Target:
    """The archive a new one would duplicate, named by the value typed into the filing form."""
    from customers.services import find_duplicate  # services imports this module

    value = (value or "").strip()
    if field not in MATCH_FIELDS:
        raise ApplicationError(_("Name the archive by its code."), field="code")
    normal = {"name": normalize_name, "phone": normalize_phone}.get(field, str.upper)(value)
    found = find_duplicate(**{field: value}) if value else None
    customer = found[0] if found and found[1] == field else None
    return Target(customer=customer, key=f"{field}:{normal}", label=value)


# --- Who may take which step ---------------------------------------------------------------------

def can_decide_request(user, access_request: AccessRequest) -> bool:
    return access_request.customer_id is not None and can_grant_access(user, access_request.customer)


def can_withdraw_request(user, access_request: AccessRequest) -> bool:
    return access_request.requester_id == user.pk


class GrantInput(serializers.Serializer):
    days = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=90,
                                    help_text=gettext_lazy("How long the access lasts (default 7 days)."))


def _decided(access_request: AccessRequest, *, user, comment: str) -> list[str]:
    access_request.decided_by = user
    access_request.decided_at = timezone.now()
    access_request.decision_comment = (comment or "")[:300]
    return ["decided_by", "decided_at", "decision_comment"]


def _grant(access_request: AccessRequest, *, user, data: dict, comment: str) -> list[str]:
    days = data.get("days") or rule_value("ACCESS_GRANT_DAYS")
    if not 1 <= days <= 90:
        raise ApplicationError(_("Access is granted for 1 to 90 days."), field="days")
    data["days"] = days
    fields = _decided(access_request, user=user, comment=comment)
    customer, requester = access_request.customer, access_request.requester
    AccessGrant.objects.create(customer=customer, user=requester, granted_by=user,
                               expires_at=access_request.decided_at + dt.timedelta(days=days), request=access_request)
    title = gettext_lazy("Access granted to %(name)s for %(days)d days")
    params = {"name": customer.name, "days": days}
    url = reverse("customers:detail", args=[customer.pk])
    # Rendered in the requester's language by notify, not in the deciding head's.
    transaction.on_commit(lambda: notify(recipient=requester, title=title, params=params, body=comment, url=url))
    return fields


def _refuse(access_request: AccessRequest, *, user, data: dict, comment: str) -> list[str]:
    fields = _decided(access_request, user=user, comment=comment)
    # A refused requester may not read the archive: the notice names it as they asked for it.
    title, params = gettext_lazy("Access refused to %s"), access_request.requested_as
    requester = access_request.requester
    transaction.on_commit(lambda: notify(recipient=requester, title=title, params=params, body=comment,
                                         url=reverse("customers:access_requests")))
    return fields


DECIDE_DENIED = gettext_lazy("Only the department head of the owner may decide this request.")

ACCESS_FLOW = Workflow(
    model=AccessRequest, log_model=AccessRequestLog, state_field="status",
    moved_on=gettext_lazy("This request has already been decided: it has moved on since you opened the page."),
    actions=[
        Action("grant", gettext_lazy("Grant"), sources=[Status.PENDING], target=Status.GRANTED,
               guard=can_decide_request, apply=_grant, fields=GrantInput, denied=DECIDE_DENIED, style="success"),
        Action("refuse", gettext_lazy("Refuse"), sources=[Status.PENDING], target=Status.REFUSED,
               guard=can_decide_request, apply=_refuse, denied=DECIDE_DENIED, style="outline-danger"),
        Action("withdraw", gettext_lazy("Withdraw"), sources=[Status.PENDING], target=Status.WITHDRAWN,
               guard=can_withdraw_request, denied=gettext_lazy("Only the requester may withdraw a request."),
               style="outline-secondary"),
    ],
)
# Steps that are not transitions, as the timeline names them.
STEP_LABELS = {"request": gettext_lazy("Asked for access"), "revoke": gettext_lazy("Access revoked")}


# --- Services ------------------------------------------------------------------------------------

ALREADY_ASKED = gettext_lazy("You have already asked for access to this archive; wait for the decision.")


@transaction.atomic
def access_request_create(*, user: User, reason: str, customer: Customer | None = None,
                          target: Target | None = None) -> AccessRequest:
    """Record a request for the archive `target` names (or `customer`, named by its code).

    The same row, the same answers, whether or not the archive exists; only a real archive's heads are
    notified. A second open request for the same target is refused as "already asked" in both cases;
    the loser of two simultaneous requests gets the winner's request back."""
    if target is None:
        if customer is None:
            raise ApplicationError(_("Name the archive by its code."), field="code")
        target = Target(customer=customer, key=f"code:{customer.code}", label=customer.code)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Say why you need to read this archive."), field="reason")
    customer = target.customer
    if customer is not None and can_read_customer(user, customer):
        raise ApplicationError(_("You can already read this archive."))
    open_requests = AccessRequest.objects.filter(requester=user, target_key=target.key, status=Status.PENDING)
    if open_requests.exists():
        raise ApplicationError(ALREADY_ASKED)
    try:
        with transaction.atomic():
            access_request = AccessRequest.objects.create(customer=customer, requester=user, reason=reason[:300],
                                                          target_key=target.key, target_label=target.label)
    except IntegrityError:
        # A simultaneous request for the same target won: it is this request.
        winner = open_requests.first()
        if winner is None:  # already decided or withdrawn in the meantime
            raise ApplicationError(ALREADY_ASKED) from None
        return winner
    ACCESS_FLOW.log(access_request, action="request", user=user, to_state=Status.PENDING, comment=reason)
    if customer is not None:
        heads = list(department_heads_of(customer))
        url = reverse("customers:access_requests")
        title = gettext_lazy("%(user)s asks to read %(name)s")
        params = {"user": str(user), "name": customer.name}

        def _notify():
            for head in heads:
                notify(recipient=head, title=title, params=params, body=reason, url=url,
                       dedupe_key=f"access-request:{access_request.pk}")

        transaction.on_commit(_notify)
    return access_request


def access_request_decide(*, access_request: AccessRequest, user: User, grant: bool, days: int | None = None,
                          comment: str = "") -> AccessRequest:
    """The owner's department head grants (for a limited time) or refuses. 403 for anyone else, 409 when
    the request was decided or withdrawn meanwhile."""
    return ACCESS_FLOW.transition(access_request, action="grant" if grant else "refuse", user=user,
                                  comment=comment, data={"days": days} if grant else {})


def access_request_withdraw(*, access_request: AccessRequest, user: User, comment: str = "") -> AccessRequest:
    return ACCESS_FLOW.transition(access_request, action="withdraw", user=user, comment=comment)


@transaction.atomic
def access_grant_revoke(*, grant: AccessGrant, user: User, comment: str = "") -> AccessGrant:
    """End a grant before its time; the grantee is told, and the request it came from logs the step."""
    grant = AccessGrant.objects.select_for_update().get(pk=grant.pk)
    if not can_grant_access(user, grant.customer):
        raise PermissionDeniedError(_("You may not revoke this grant."))
    if grant.revoked_at is not None:
        raise ConflictError(_("This grant was already revoked."))
    comment = (comment or "").strip()[:300]
    grant.revoked_at, grant.revoked_by, grant.revocation_comment = timezone.now(), user, comment
    grant.save(update_fields=["revoked_at", "revoked_by", "revocation_comment", "updated_at"])
    if grant.request_id:
        ACCESS_FLOW.log(grant.request, action="revoke", user=user, from_state=Status.GRANTED,
                        to_state=Status.GRANTED, comment=comment)
    grantee, code = grant.user, grant.customer.code
    title, params = gettext_lazy("Your access to the archive %(code)s was revoked"), {"code": code}
    transaction.on_commit(lambda: notify(recipient=grantee, title=title, params=params, body=comment,
                                         url=reverse("customers:access_requests")))
    return grant


# --- Reads ----------------------------------------------------------------------------------------

def reading_grant_for(user, customer: Customer) -> AccessGrant | None:
    """The current grant through which `user` reads `customer`, for the card's banner."""
    if not getattr(user, "is_authenticated", False):
        return None
    # Who reads it anyway (owner, the team's keepers, GM and credit) needs no banner, and no query: these
    # checks use the roles and teams cached on the user.
    if customer.owner_id == user.pk or sees_everything(user) or is_team_staff_of(user, customer,
                                                                                 *TEAM_KEEPER_ROLES):
        return None
    return (AccessGrant.objects.filter(user=user, customer=customer, revoked_at__isnull=True,
                                       expires_at__gt=timezone.now()).order_by("-expires_at").first())


def access_request_timeline(access_request: AccessRequest) -> list[dict]:
    return ACCESS_FLOW.timeline(access_request, labels=STEP_LABELS)
