"""Credit's admin-editable numbers (crm.rules), with SPEC §4's defaults."""

from django.utils.translation import gettext_lazy as _

from crm.rules import register_rule

register_rule("CREDIT_CUTOFF_A", 85, _("Credit score for grade A, at least"), maximum=100)
register_rule("CREDIT_CUTOFF_B", 70, _("Credit score for grade B, at least"), maximum=100)
register_rule("CREDIT_CUTOFF_C", 55, _("Credit score for grade C, at least"), maximum=100)
register_rule("CREDIT_GRACE_DAYS", 30, _("Suggested payment grace period of an A customer (days)"), maximum=365)
register_rule("CREDIT_LIMIT_LOOKBACK_MONTHS", 12, _("Largest shipment counted for an A limit over (months)"),
              minimum=1, maximum=60)
register_rule("CREDIT_INTEGRITY_MONTHS", 24, _("Warning records count for the integrity class over (months)"),
              minimum=1, maximum=120)
register_rule("CREDIT_REVIEW_MONTHS", 12, _("Credit grade reviewed at least every (months)"), minimum=1, maximum=60)
register_rule("CREDIT_EVALUATION_MONTHS", 12, _("Business records scored by the credit evaluation over (months)"),
              minimum=1, maximum=60)
register_rule("CREDIT_OVERRIDE_DAYS", 3, _("A credit override is valid for at most (days)"), minimum=1, maximum=30)
register_rule("CREDIT_RESERVATION_DAYS", 3, _("An allowed credit check holds its amount for the shipment for (days)"),
              minimum=1, maximum=30)
