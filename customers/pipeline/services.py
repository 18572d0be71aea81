"""Writes of the pipeline (SPEC §2.3): the quick entry of a lead, follow-ups, the prospect's card, and the
stage workflow — validate, discard, win, lose — whose log records who changed the stage and when."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.exceptions import ApplicationError, PermissionDeniedError
from crm.models import User
from crm.workflow import Action, Workflow
from customers.card_sections import contact_create
from customers.models import Customer, Stage
from customers.pipeline.models import CustomerStageLog, LeadSource, PipelineProfile
from customers.policies import can_edit_customer
from customers.services import customer_create

PROFILE_FIELDS = ("lead_source", "value_grade", "importance", "follow_up_due", "follow_up_note", "main_contact",
                  "expected_volume", "route_requirements", "goods", "price_tolerance", "reputation", "competition",
                  "service_needs", "development_value", "development_strategy")
LEAD_FIELDS = ("industry", "nature", "short_name", "phone", "address")


class StageWorkflow(Workflow):
    """The kit's workflow, whose log rows also keep the owner and the lead source of the moment, so that
    conversion rates by owner and by source count what was true then."""

    def log(self, obj, *, action: str, user, from_state: str = "", to_state: str = "", comment: str = "",
            data: dict | None = None, at=None):
        source = PipelineProfile.objects.filter(customer_id=obj.pk).values_list("lead_source", flat=True).first()
        return CustomerStageLog.objects.create(
            customer=obj, actor=user, action=action, from_state=from_state, to_state=to_state, comment=comment or "",
            data=data or {}, at=at or timezone.now(), owner_id=obj.owner_id, lead_source=source or "")


def _may_move(user, customer) -> bool:
    return can_edit_customer(user, customer)


def _needs_reason(customer: Customer, *, user, data, comment) -> list[str]:
    if not (comment or "").strip():
        raise ApplicationError(_("Give the reason."), field="comment")
    customer.lost_reason = comment.strip()[:300]
    return ["lost_reason"]


def _won(customer: Customer, *, user, data, comment) -> list[str]:
    customer.lost_reason = ""
    return ["lost_reason"]


STAGE_FLOW = StageWorkflow(
    model=Customer, log_model=CustomerStageLog, state_field="stage",
    moved_on=gettext_lazy("The stage of this archive has changed since you opened it: reload it."),
    actions=[
        Action("validate", gettext_lazy("Validate as a prospect"), sources=[Stage.LEAD], target=Stage.PROSPECT,
               guard=_may_move, denied=gettext_lazy("Only those who may edit the archive move its stage.")),
        Action("discard", gettext_lazy("Discard"), sources=[Stage.LEAD], target=Stage.DISCARDED, guard=_may_move,
               apply=_needs_reason, style="outline-danger",
               denied=gettext_lazy("Only those who may edit the archive move its stage.")),
        Action("win", gettext_lazy("Won: a transacting customer"), sources=[Stage.PROSPECT], target=Stage.CUSTOMER,
               guard=_may_move, apply=_won, style="success",
               denied=gettext_lazy("Only those who may edit the archive move its stage.")),
        Action("lose", gettext_lazy("Lost"), sources=[Stage.PROSPECT, Stage.CUSTOMER], target=Stage.LOST,
               guard=_may_move, apply=_needs_reason, style="outline-danger",
               denied=gettext_lazy("Only those who may edit the archive move its stage.")),
    ],
)
FILE_LABEL = gettext_lazy("Entered as a lead")
EDIT_LABEL = gettext_lazy("Stage changed by an edit")


@transaction.atomic
def lead_create(*, user: User, name: str, contact_name: str = "", contact_phone: str = "",
                lead_source: str = LeadSource.OTHER, value_grade: str = "B", importance: str = "medium",
                follow_up_due: dt.date | None = None, owner: User | None = None, **fields: Any) -> Customer:
    """The quick entry of a lead (宽进): a name and what the caller knows. The archive's duplicate
    protection applies (the same company is never filed twice)."""
    unknown = set(fields) - set(LEAD_FIELDS)
    if unknown:
        raise ApplicationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)), field=sorted(unknown)[0])
    customer = customer_create(user=user, owner=owner, name=name, stage=Stage.LEAD, **fields)
    PipelineProfile.objects.create(customer=customer, lead_source=lead_source, value_grade=value_grade,
                                   importance=importance, follow_up_due=follow_up_due,
                                   main_contact=contact_name.strip())
    if contact_name.strip():
        contact_create(customer=customer, user=user, name=contact_name.strip(), phone=contact_phone.strip(),
                       is_primary=True)
    STAGE_FLOW.log(customer, action="file", user=user, to_state=Stage.LEAD)
    return customer


@transaction.atomic
def pipeline_profile_update(*, customer: Customer, user: User, **fields: Any) -> PipelineProfile:
    """The lead's or prospect's card: follow-up, value, the prospect's figures and strategy."""
    if not can_edit_customer(user, customer):
        raise PermissionDeniedError(_("You may not edit this archive."))
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ApplicationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)), field=sorted(unknown)[0])
    profile, _created = PipelineProfile.objects.select_for_update().get_or_create(customer=customer)
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.full_clean(exclude=["customer"])
    profile.save()
    return profile


def customer_stage_move(*, customer: Customer, user: User, action: str, comment: str = "") -> Customer:
    return STAGE_FLOW.transition(customer, action=action, user=user, comment=comment)
