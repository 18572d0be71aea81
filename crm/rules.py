"""Admin-editable numeric rules (SPEC: "where it gives a number, make it a setting or an
admin-editable rule with this number as the default").

An app registers each number it relies on, with SPEC's default, from its AppConfig.ready():

    register_rule("COMPLAINT_REPLY_HOURS", 24, _("First reply to a complaint due within (hours)"))

and reads it with `rule_value("COMPLAINT_REPLY_HOURS")`. The value in force is the admin's (a
NumericRule row), else settings.CRM[key] when the deployment sets one, else the registered default.
"""

import time
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from crm import rule_cache
from crm.models import NumericRule


@dataclass(frozen=True)
class RuleSpec:
    key: str
    default: Decimal | int
    label: str | Promise
    integer: bool
    minimum: Decimal | int | None = 0
    maximum: Decimal | int | None = None


RULES: dict[str, RuleSpec] = {}


def register_rule(key: str, default: Decimal | int, label, *, minimum=0, maximum=None) -> RuleSpec:
    spec = RuleSpec(key=key, default=default, label=label, integer=isinstance(default, int),
                    minimum=minimum, maximum=maximum)
    RULES[key] = spec
    return spec


def rule_spec(key: str) -> RuleSpec:
    try:
        return RULES[key]
    except KeyError:
        raise KeyError(f"No rule {key!r} is registered; register it in its app's AppConfig.ready().") from None


def rule_default(key: str) -> Decimal | int:
    spec = rule_spec(key)
    return settings.CRM.get(key, spec.default)


# The admin's values, read at most every CACHE_SECONDS per process (a list page asks for a rule per row);
# NumericRule.save() clears it, so an edit is seen at once in the process that made it.
CACHE_SECONDS = 30.0
_cache = rule_cache.VALUES
clear_rule_cache = rule_cache.clear


def rule_value(key: str) -> Decimal | int:
    """The number in force for `key`."""
    spec = rule_spec(key)
    now = time.monotonic()
    cached = _cache.get(key)
    if cached is not None and now - cached[0] < CACHE_SECONDS:
        value = cached[1]
    else:
        value = NumericRule.objects.filter(key=key).values_list("value", flat=True).first()
        _cache[key] = (now, value)
    if value is None:
        return rule_default(key)
    return int(value) if spec.integer else value


def rule_choices() -> list[tuple[str, str]]:
    return sorted(((spec.key, f"{spec.label} ({spec.key})") for spec in RULES.values()), key=lambda c: c[0])


def check_rule_value(key: str, value: Decimal | None) -> None:
    """Raise ValidationError({field: ...}) for an unknown rule or a value outside its bounds."""
    spec = RULES.get(key)
    if spec is None:
        raise ValidationError({"key": _("No such rule.")})
    if value is None:
        return
    if spec.integer and value != value.to_integral_value():
        raise ValidationError({"value": _("This rule takes a whole number.")})
    if spec.minimum is not None and value < spec.minimum:
        raise ValidationError({"value": _("The value must be at least %(min)s.") % {"min": spec.minimum}})
    if spec.maximum is not None and value > spec.maximum:
        raise ValidationError({"value": _("The value must be at most %(max)s.") % {"max": spec.maximum}})
