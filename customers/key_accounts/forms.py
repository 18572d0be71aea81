from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.forms_base import BootstrapFormMixin
from customers.key_accounts.models import KeyAccountApplication
from customers.key_accounts.services import TABLE_FIELDS


class KeyAccountApplicationForm(BootstrapFormMixin, forms.ModelForm):
    """The key-account application (大客户申请表) with the management table's fields (大客户管理表).
    The target is typed in 10,000 CNY (万元), as the department states thresholds."""

    target_wan = forms.DecimalField(label=_("Annual revenue target (10,000 CNY)"), max_digits=12, decimal_places=2,
                                    min_value=Decimal("0.01"))

    class Meta:
        model = KeyAccountApplication
        fields = ["reason", *TABLE_FIELDS]
        widgets = {name: forms.Textarea(attrs={"rows": 2}) for name in
                   ("reason", "business_strategy", "operating_condition", "development_bottlenecks")}

    field_order = ["target_wan", "reason", *TABLE_FIELDS]


class DecisionForm(BootstrapFormMixin, forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 2}))


class ServicePlanForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        from customers.key_accounts.models import ServicePlan

        model = ServicePlan
        fields = ["on_call_24h", "on_call_phone", "tailored_scheme", "door_to_door", "green_channel",
                  "green_channel_until", "note"]
        widgets = {"green_channel_until": forms.DateInput, "tailored_scheme": forms.Textarea(attrs={"rows": 3}),
                   "note": forms.Textarea(attrs={"rows": 2})}


class SurveyForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        from customers.key_accounts.models import SatisfactionSurvey

        model = SatisfactionSurvey
        fields = ["surveyed_on", "expected_quality", "experienced_quality", "perceived_value", "overall", "loyalty",
                  "comments"]
        widgets = {"surveyed_on": forms.DateInput, "comments": forms.Textarea(attrs={"rows": 2})}
