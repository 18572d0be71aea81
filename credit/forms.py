"""Forms of the credit pages: input shapes only; the services validate the rules."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from credit.models import CreditRecord
from crm.forms_base import CHOOSE_LABEL, BootstrapFormMixin
from customers.models import Tier


class CheckForm(BootstrapFormMixin, forms.Form):
    amount = forms.DecimalField(label=_("Amount to ship (CNY)"), max_digits=16, decimal_places=2, min_value=0)


class GradeForm(BootstrapFormMixin, forms.Form):
    grade = forms.ChoiceField(label=_("Grade"), choices=Tier.choices)
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Required when the grade differs from the proposed one."))
    credit_limit = forms.DecimalField(label=_("Credit limit (CNY)"), max_digits=16, decimal_places=2, min_value=0,
                                      required=False, help_text=_("Grade A only; empty: one shipment's value."))
    grace_days = forms.IntegerField(label=_("Grace days"), min_value=0, max_value=365, required=False,
                                    help_text=_("Grade A only; empty: the suggested number."))


class RecordForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=CreditRecord.Kind.choices)
    severity = forms.ChoiceField(label=_("Severity"), required=False,
                                 choices=[("", CHOOSE_LABEL), *CreditRecord.Severity.choices],
                                 help_text=_("Warning records only."))
    event_date = forms.DateField(label=_("Event date"), initial=timezone.localdate)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    source = forms.CharField(label=_("Source"), max_length=200, required=False)


class InvestigationForm(BootstrapFormMixin, forms.Form):
    investigated_on = forms.DateField(label=_("Investigated on"), initial=timezone.localdate)
    subject = forms.CharField(label=_("What was investigated"), max_length=300)
    sources = forms.CharField(label=_("Sources"), widget=forms.Textarea(attrs={"rows": 2}))
    findings = forms.CharField(label=_("Findings"), widget=forms.Textarea(attrs={"rows": 3}))
    agency = forms.CharField(label=_("Agency"), max_length=200, required=False)
    report = forms.FileField(label=_("Agency report"), required=False)


class OverrideForm(BootstrapFormMixin, forms.Form):
    amount = forms.DecimalField(label=_("Amount (CNY)"), max_digits=16, decimal_places=2, min_value=0)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, required=False)
    shipment_ref = forms.CharField(label=_("Shipment"), max_length=64, required=False)


class OverrideDecisionForm(BootstrapFormMixin, forms.Form):
    action = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    comment = forms.CharField(label=_("Comment"), required=False)
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, required=False)
