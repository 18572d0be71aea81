"""Access-request bits shown on other pages:

- `{% grant_banner customer %}` on the card: the banner of a reader who reads it through a grant;
- `{% duplicate_access_offer form as offer %}` on the filing form: when the archive a new one duplicates
  may not be read, the value that matched, so that the request can be made on the spot without the
  page naming the archive (customers/access_requests.target_by_match finds it again)."""

from django import template

from customers.access_requests import MATCH_FIELDS, reading_grant_for

register = template.Library()


@register.inclusion_tag("customers/access/_grant_banner.html", takes_context=True)
def grant_banner(context, customer):
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"grant": reading_grant_for(user, customer) if user is not None and customer is not None else None}


@register.simple_tag
def duplicate_access_offer(form) -> dict | None:
    """The duplicate's field and the value typed in it. A duplicate is refused by the service after the
    form validated, so the one field with an error is the one that matched."""
    if form is None or not form.is_bound:
        return None
    fields = [name for name in MATCH_FIELDS if name in form.errors]
    if len(fields) != 1:
        return None
    value = (form.data.get(fields[0]) or "").strip()
    return {"field": fields[0], "value": value} if value else None
