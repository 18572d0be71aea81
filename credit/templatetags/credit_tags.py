"""The credit panel of the customer card: grade and policy for every reader of the archive; the reason,
limit and receivables for those who may see credit details (SPEC §4.2, §8)."""

from django import template

from credit.models import policy_for
from credit.policies import can_grade, can_see_credit_details

register = template.Library()


@register.inclusion_tag("credit/_card_credit_panel.html", takes_context=True)
def credit_card(context, customer):
    from credit.selectors import current_rating
    from credit.services import credit_check

    request = context.get("request")
    user = getattr(request, "user", None)
    details = bool(user and can_see_credit_details(user, customer))
    data = {"customer": customer, "policy": policy_for(customer.credit_grade), "details": details,
            "officer": bool(user and can_grade(user)), "request": request}
    if details:
        data["rating"] = current_rating(customer)
        data["check"] = credit_check(customer=customer, amount="0")
    return data
