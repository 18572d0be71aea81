"""`{% key_account_panel customer %}`: on the card, the key account's service plan (prominent, SPEC §3.2),
its tier strategy, and the links to the pipeline, the application, the plan and the surveys."""

from django import template
from django.utils import timezone

from customers.key_accounts.care import service_plan_of
from customers.key_accounts.models import KeyAccountApplication, TierStrategy
from customers.key_accounts.policies import can_file_application
from customers.policies import can_edit_customer

register = template.Library()


@register.inclusion_tag("customers/key_accounts/_card_panel.html", takes_context=True)
def key_account_panel(context, customer):
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or customer is None:
        return {}
    open_application = (KeyAccountApplication.objects.filter(customer=customer, status__in=KeyAccountApplication.OPEN)
                        .only("pk", "status", "proposed_tier").first())
    return {
        "customer": customer, "plan": service_plan_of(customer), "today": timezone.localdate(),
        "strategy": TierStrategy.objects.filter(tier=customer.tier).first() if customer.tier else None,
        "open_application": open_application,
        "may_apply": open_application is None and can_file_application(user, customer),
        "may_edit": can_edit_customer(user, customer),
        "in_pipeline": customer.stage in ("lead", "prospect"),
    }
