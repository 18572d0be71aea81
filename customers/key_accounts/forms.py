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
