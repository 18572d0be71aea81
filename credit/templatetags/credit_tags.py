"""The credit panel of the customer card: grade and policy for every reader of the archive; the reason,
limit and grace days for those who may see credit details (SPEC §4.2, §8)."""

from django import template

from credit.models import policy_for
from credit.policies import can_grade, can_see_credit_details

register = template.Library()


@register.inclusion_tag("credit/_card_credit_panel.html", takes_context=True)
def credit_card(context, customer):
    from credit.selectors import current_rating

    request = context.get("request")
    user = getattr(request, "user", None)
    details = bool(user and can_see_credit_details(user, customer))
    data = {"customer": customer, "policy": policy_for(customer.credit_grade), "details": details,
            "officer": bool(user and can_grade(user)), "request": request}
    if details:
        # One query: the card is busy. Receivables are on the card's business-records tab; the check with the
        # remaining limit is one click away on the credit file.
        data["rating"] = current_rating(customer)
    return data
