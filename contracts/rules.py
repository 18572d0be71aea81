"""Contracts' and bids' admin-editable numbers (crm.rules), with SPEC §7's defaults."""

from django.utils.translation import gettext_lazy as _

from crm.rules import register_rule

register_rule("CONTRACT_RENEWAL_REMINDER_DAYS", 30, _("Renewal reminder before a contract ends (days)"), minimum=1)
register_rule("BID_DEADLINE_REMINDER_DAYS", 3, _("Reminder before a bid deadline (days)"), minimum=0)
