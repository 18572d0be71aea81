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


@register.simple_tag
def calendar_uncovered_years():
    """Years whose statutory schedule neither the calendar library nor the admin's company calendar
    holds yet (the current one, and the coming one from November): the admin home warns about them."""
    from django.conf import settings

    from crm.workdays import uncovered_years

    return uncovered_years(warn_from_month=settings.CRM.get("CALENDAR_WARN_FROM_MONTH", 11))
