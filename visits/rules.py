"""Visits' admin-editable numbers (crm.rules). The cadence table of SPEC §6.1 is a model of its own."""

from django.utils.translation import gettext_lazy as _

from crm.rules import register_rule

register_rule("DAILY_REPORT_DEADLINE_HOUR", 18, _("Daily visit report due by (hour of the day)"), minimum=0,
              maximum=23)
