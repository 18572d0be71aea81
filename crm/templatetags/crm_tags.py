from decimal import Decimal, InvalidOperation

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import format_html

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
def num(value):
    """A quantity or rate as people write it: 22 (not 22.000), 22.5, 1,250.75 (blank for None)."""
    if value in (None, ""):
        return ""
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return value
    if number == number.to_integral_value():
        return intcomma(int(number), use_l10n=False)
    whole, _, decimals = f"{abs(number).normalize():f}".partition(".")
    sign = "-" if number < 0 else ""
    return f"{sign}{intcomma(int(whole), use_l10n=False)}.{decimals}"


@register.filter
def deviation(value):
    """A price deviation from the contract rate, in percent, one rule everywhere: above the rate in red
    (the customer is charged more than agreed), below it in green; always signed."""
    if value in (None, ""):
        return ""
    number = Decimal(value)
    css = "text-danger" if number > 0 else "text-success" if number < 0 else "text-muted"
    sign = "+" if number > 0 else ""
    return format_html('<span class="deviation {}">{}{}%</span>', css, sign, num(number))


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
