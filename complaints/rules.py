"""Complaints' admin-editable numbers (crm.rules), with SPEC §5's defaults."""

from django.utils.translation import gettext_lazy as _

from crm.rules import register_rule

register_rule("COMPLAINT_REPLY_HOURS", 24, _("First reply to a complaint due within (hours)"), minimum=1)
register_rule("COMPLAINT_IMPLEMENT_WORKING_DAYS", 5, _("Remedy implemented by the end of working day (after "
                                                       "registration)"), minimum=1, maximum=60)
register_rule("COMPLAINT_APPROACHING_WORKING_HOURS", 4, _("A deadline is approaching within (working hours)"),
              minimum=0, maximum=80)
