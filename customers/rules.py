"""The archive's admin-editable numbers (crm.rules), with SPEC's defaults."""

from django.utils.translation import gettext_lazy as _

from crm.rules import register_rule

register_rule("ARCHIVE_REFRESH_MONTHS", 12, _("Archive verified at least every (months)"), minimum=1, maximum=60)
register_rule("ACCESS_GRANT_DAYS", 7, _("Default length of an archive access grant (days)"), minimum=1, maximum=365)
register_rule("CHURN_RISK_DAYS", 180, _("No business for this many days flags churn risk"), minimum=1)
register_rule("RFM_WINDOW_MONTHS", 12, _("RFM and key-account candidates look back (months)"), minimum=1, maximum=60)
