"""The club's admin-editable numbers (crm.rules), with SPEC §7.1's defaults."""

from django.utils.translation import gettext_lazy as _

from crm.rules import register_rule

register_rule("CLUB_UNPAID_YEARS_FOR_REVOCATION", 2, _("Consecutive unpaid years that flag a group member for "
                                                       "revocation"), minimum=1, maximum=10)
