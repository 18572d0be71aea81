from decimal import Decimal, InvalidOperation

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

register = template.Library()


@register.filter
def cny(value):
    """An amount in CNY: ¥1,234,567.89 (blank for None)."""
    if value in (None, ""):
        return ""
    try:
        amount = Decimal(value).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        return value
    sign = "-" if amount < 0 else ""
    whole, _, cents = f"{abs(amount):.2f}".partition(".")
    return f"{sign}¥{intcomma(int(whole), use_l10n=False)}.{cents}"


@register.filter
def field_type(bound_field):
    return bound_field.field.widget.__class__.__name__
