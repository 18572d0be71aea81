"""`{% grant_banner customer %}`: on the card, the banner of a reader who reads it through a grant."""

from django import template

from customers.access_requests import reading_grant_for

register = template.Library()


@register.inclusion_tag("customers/access/_grant_banner.html", takes_context=True)
def grant_banner(context, customer):
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"grant": reading_grant_for(user, customer) if user is not None and customer is not None else None}
